import type { SqlQuery } from '../../../store/warehouse/warehouse.js'
import { compileConditionText } from '../conditions/index.js'
import type { AuditField } from '../fields.js'

/** What the pivot statements need: fields from the catalog, a checked zone, the caller's scope. */
export interface PivotPlan {
  tenantId: number
  workspaceId: number
  groupBy: AuditField
  pivotOn: AuditField | undefined
  condition?: string | null
  rowCondition?: string | null
  /** An IANA name the engine knows (canonicalized by Intl); bound as a parameter, never spliced. */
  timeZone: string
}

/** One (group, pivot item) cell: its keys, its count, and the latest name where a key has one. */
export interface PivotCellRow {
  g: string
  p: string
  n: string
  /** The greatest Audit ID in the cell: the latest name of a user wins. */
  last_id: string
  g_name?: string
  p_name?: string
}

export interface DayStartRow {
  day: string
  /** Milliseconds since the epoch of the day's first instant in the zone (local midnight). */
  start: string
}

/**
 * The key a pivot axis groups by, from the catalog only: the calendar day in the request zone for
 * Timestamp (Date32 reaches back to 1900, as stored instants may), the choice id otherwise.
 */
function keySql(field: AuditField): string {
  if (field.kind === 'timestamp') return `toString(toDate32(${field.sql}, {tz:String}))`
  if (field.choiceSql) return `toString(${field.choiceSql})`
  throw new Error(`'${field.name}' is not pivotable`)
}

/** Choices without a catalog (User Name) are named by the rows: the column that holds the name. */
export function namedByRows(field: AuditField): boolean {
  return field.kind === 'choice' && field.choices === undefined
}

function whereSql(plan: PivotPlan): SqlQuery {
  const filters = ['tenant_id = {tenant:UInt32}', 'workspace_id = {workspace:Int64}']
  const params: Record<string, unknown> = { tenant: plan.tenantId, workspace: plan.workspaceId }
  // Distinct prefixes: both conditions bind into one statement.
  for (const [label, text, prefix] of [
    ['condition', plan.condition, 'c'],
    ['rowCondition', plan.rowCondition, 'r'],
  ] as const) {
    const compiled = compileConditionText(text, { label, paramPrefix: prefix })
    if (!compiled) continue
    filters.push(`(${compiled.sql})`)
    Object.assign(params, compiled.params)
  }
  return { query: filters.join(' AND '), params }
}

/** Counts per (group key, pivot key); `p` is '' without PivotOn. */
export function pivotCellsStatement(plan: PivotPlan): SqlQuery {
  const where = whereSql(plan)
  const axes = [
    ['g', plan.groupBy],
    ['p', plan.pivotOn],
  ] as const
  const select = axes.map(([alias, field]) => (field ? `${keySql(field)} AS ${alias}` : `'' AS ${alias}`))
  select.push('count() AS n', 'max(audit_id) AS last_id')
  for (const [alias, field] of axes) {
    if (field && namedByRows(field)) select.push(`argMax(${field.sql}, audit_id) AS ${alias}_name`)
  }
  const usesZone = [plan.groupBy, plan.pivotOn].some((f) => f?.kind === 'timestamp')
  return {
    query: `SELECT ${select.join(', ')} FROM audits WHERE ${where.query} GROUP BY g, p`,
    params: { ...where.params, ...(usesZone && { tz: plan.timeZone }) },
    tag: 'audit:pivot:cells',
  }
}

/**
 * The first instant of each of `days` calendar days from `first` in the zone. Local noon is taken
 * first and then its start of day, because converting a date straight to a time gives a wrong
 * instant on days whose midnight does not exist (America/Santiago 2019-09-08 starts at 01:00);
 * extended results keep instants before 1970 and after 2106.
 */
export function dayStartsStatement(first: string, days: number, timeZone: string): SqlQuery {
  return {
    query: `SELECT toString(day) AS day,
              toUnixTimestamp64Milli(toStartOfDay(toDateTime64(day, 3, {tz:String}) + toIntervalHour(12), {tz:String})) AS start
            FROM (SELECT addDays(toDate32({first:String}), number) AS day FROM numbers({days:UInt32}))
            ORDER BY day
            SETTINGS enable_extended_results_for_datetime_functions = 1`,
    params: { first, days, tz: timeZone },
    tag: 'audit:pivot:days',
  }
}
