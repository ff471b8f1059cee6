import { HOUR_MS, hourOf } from '../../store/warehouse/migrations/0005-audit-hour-counts.js'
import type { SqlQuery, Warehouse } from '../../store/warehouse/warehouse.js'
import { compileCondition, timestampSplits } from './conditions/index.js'
import {
  NARROW_RANGE_SETTINGS,
  boundaryStatement,
  pageStatement,
  readExactPage,
  type PlannedQuery,
  type TimeRange,
} from './query.js'
import type { AuditRow } from './records.js'

/**
 * The audit UI query over `audit_hour_counts` (migration 0005): per-hour counts by tenant, workspace,
 * action and object type. A condition that reads only Timestamp, Action and Object Type is decided
 * per hour for every hour it does not cut (conditions/rollup.ts), so those hours are counted from
 * the rollup and only the cut ones from `audits`. The same per-hour counts, summed in sort order,
 * name the hour that holds the page's first record and how many records of that hour come before
 * it, so a page deep in millions of records reads one or two hours of `audits`, not its prefix.
 * Results are those of the exact path (query.ts), record for record.
 */

/** The `audits` columns the rollup keeps besides the hour. */
const ROLLUP_COLUMNS = ['action_id', 'object_type_id'] as const
/**
 * A condition cutting more hours than this lists instants rather than ranges; the exact path serves
 * it as well, and the statement stays small.
 */
const MAX_CUT_HOURS = 32
/**
 * Records of the first hour that a page statement may skip itself, reading their wide columns; a
 * busier hour gets a boundary statement that reads only the keys, as the exact path does.
 */
const MAX_INLINE_SKIP = 10_000

export interface HourCountPlan {
  /** The filter over `audit_hour_counts`, Timestamp read as each row's hour. */
  where: SqlQuery
  /** Starts (epoch ms) of the hours the filter cuts, which are counted from `audits`. */
  cutHours: number[]
}

const hourStart = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS
const iso = (ms: number) => new Date(ms).toISOString()

/** The plan over the hour counts, or undefined when the filter reads a column they do not keep. */
export function planHourCounts(plan: PlannedQuery): HourCountPlan | undefined {
  const filters = ['tenant_id = {tenant:UInt32}', 'workspace_id = {workspace:Int64}']
  const params: Record<string, unknown> = {}
  const cut = new Set<number>()
  for (const { node, label, paramPrefix } of plan.conditions) {
    const splits = timestampSplits(node, label, ROLLUP_COLUMNS)
    if (!splits) return undefined
    // A split on the hour's first instant does not cut it: the hour lies wholly on one side.
    for (const split of splits) if (hourStart(split) !== split) cut.add(hourStart(split))
    const compiled = compileCondition(node, { label, paramPrefix: `h${paramPrefix}`, timestampSql: 'hour' })
    filters.push(`(${compiled.sql})`)
    Object.assign(params, compiled.params)
  }
  if (cut.size > MAX_CUT_HOURS) return undefined
  return { where: { query: filters.join(' AND '), params }, cutHours: [...cut].sort((a, b) => a - b) }
}

interface HourCountsRow {
  total: string
  first_hour: string
  first_before: string
  last_hour: string
}

/**
 * One row: the total count, the hour (epoch ms) holding record `first` (0-based, in sort order) and
 * how many records precede that hour, and the hour holding record `last` (or the final hour).
 */
export function hourCountsStatement(
  plan: PlannedQuery,
  hours: HourCountPlan,
  first: number,
  last: number,
): SqlQuery {
  const params: Record<string, unknown> = { ...plan.where.params, ...hours.where.params, first, last }
  const cut = hours.cutHours
  const parts = [
    `SELECT hour AS h, sum(audits) AS n FROM audit_hour_counts WHERE ${hours.where.query}` +
      (cut.length > 0 ? ' AND NOT has({cutHours:Array(Int64)}, toUnixTimestamp64Milli(hour))' : '') +
      ' GROUP BY h',
  ]
  if (cut.length > 0) {
    params.cutHours = cut
    const ranges = runsOf(cut).map((run, i) => {
      params[`cutFrom${i}`] = iso(run.from)
      params[`cutTo${i}`] = iso(run.to)
      return `timestamp >= parseDateTime64BestEffort({cutFrom${i}:String}, 3, 'UTC') AND timestamp <= parseDateTime64BestEffort({cutTo${i}:String}, 3, 'UTC')`
    })
    parts.push(
      `SELECT ${hourOf('timestamp')} AS h, count() AS n FROM audits WHERE ${plan.where.query}` +
        ` AND ((${ranges.join(') OR (')})) GROUP BY h`,
    )
  }
  // Execution Time sorts need only the total; any hour order gives it.
  const descending = plan.sortColumn !== 'timestamp' || plan.descending
  const [toFirst, toLast] = descending ? ['max', 'min'] : ['min', 'max']
  return {
    query: `SELECT sum(n) AS total,
                   toUnixTimestamp64Milli(${toFirst}If(h, before + n > {first:UInt64})) AS first_hour,
                   minIf(before, before + n > {first:UInt64}) AS first_before,
                   toUnixTimestamp64Milli(${toLast}If(h, before <= {last:UInt64})) AS last_hour
            FROM (
              SELECT h, n, sum(n) OVER (ORDER BY h ${descending ? 'DESC' : 'ASC'}
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
              FROM (SELECT h, sum(n) AS n FROM (${parts.join(' UNION ALL ')}) GROUP BY h)
            )${NARROW_RANGE_SETTINGS}`,
    params,
    tag: 'audit:query:hours',
  }
}

/** Consecutive hours as ranges of instants, both ends included. */
function runsOf(hours: number[]): TimeRange[] {
  const runs: TimeRange[] = []
  for (const hour of hours) {
    const last = runs[runs.length - 1]
    if (last && last.to + 1 === hour) last.to = hour + HOUR_MS - 1
    else runs.push({ from: hour, to: hour + HOUR_MS - 1 })
  }
  return runs
}

/** Count and page with the hour counts: one small statement, then one or two hours of `audits`. */
export async function runHourCountQuery(
  warehouse: Warehouse,
  plan: PlannedQuery,
  hours: HourCountPlan,
  offset: number,
  length: number,
): Promise<{ totalCount: number; rows: AuditRow[] }> {
  const [row] = await warehouse.query<HourCountsRow>(
    hourCountsStatement(plan, hours, offset, offset + length - 1),
  )
  const totalCount = Number(row?.total ?? 0)
  if (!row || offset >= totalCount) return { totalCount, rows: [] }
  if (plan.sortColumn !== 'timestamp') {
    return { totalCount, rows: await readExactPage(warehouse, plan, offset, length) }
  }
  const firstHour = Number(row.first_hour)
  const lastHour = Number(row.last_hour)
  const range = plan.descending
    ? { from: lastHour, to: firstHour + HOUR_MS - 1 }
    : { from: firstHour, to: lastHour + HOUR_MS - 1 }
  const skip = offset - Number(row.first_before)
  if (skip <= MAX_INLINE_SKIP) {
    return { totalCount, rows: await warehouse.query<AuditRow>(pageStatement(plan, length, { range, skip })) }
  }
  const [boundary] = await warehouse.query<{ key: string; audit_id: string }>(
    boundaryStatement(plan, skip, { from: firstHour, to: firstHour + HOUR_MS - 1 }),
  )
  if (!boundary) return { totalCount, rows: [] }
  const from = { key: String(boundary.key), auditId: boundary.audit_id }
  return {
    totalCount,
    rows: await warehouse.query<AuditRow>(pageStatement(plan, length, { boundary: from, range })),
  }
}
