import type { Stores } from '../../store/stores.js'
import {
  METRICS,
  WORKSPACE_INFORMATION_ORIGIN,
  type Cell,
  type Metric,
  type ReportType,
  type UserAttributes,
  type WorkspaceAttributes,
} from './catalog.js'
import { RANGE_END, RANGE_START, SOURCES, type SourceName } from './sources.js'

/** What the report job needs to know of a report. */
export interface ReportDefinition {
  tenantId: number
  type: ReportType
  /** Calendar days, `2024-05-05`; `to` is included whole. */
  from: string
  to: string
  fields: readonly string[]
  /** The workspaces the report may cover; null: all of them. */
  workspaceIds: readonly number[] | null
}

/** Rows a batch holds: the job inserts and reports progress per batch. */
export const ROWS_PER_BATCH = 10_000

/** Instants as the document shows them: `2024-08-01T04:46:00`, UTC, whole seconds. */
export function formatDateTime(value: Date | string): string {
  const date =
    value instanceof Date ? value : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`)
  return date.toISOString().slice(0, 19)
}

/** A value the engine answered, typed as the metric's valueType says (64-bit integers come as text). */
function typed(metric: Metric, value: unknown): Cell {
  if (value === null || value === undefined) return null
  switch (metric.valueType) {
    case 'Int64':
    case 'Double':
      return Number(value)
    case 'DateTime':
      return formatDateTime(String(value))
    default:
      return String(value)
  }
}

/** The first day of each month the range touches. */
export function monthsOf(from: string, to: string): string[] {
  const months: string[] = []
  let year = Number(from.slice(0, 4))
  let month = Number(from.slice(5, 7))
  const last = to.slice(0, 7)
  for (;;) {
    const start = `${year}-${String(month).padStart(2, '0')}-01`
    if (start.slice(0, 7) > last) return months
    months.push(start)
    month = month === 12 ? 1 : month + 1
    if (month === 1) year++
  }
}

interface AggregatePlan {
  source: SourceName
  metrics: { metric: Metric; sql: string; empty: Cell }[]
}

/** The selected aggregate metrics, one statement per source. */
function aggregatePlans(metrics: readonly Metric[]): AggregatePlan[] {
  const bySource = new Map<SourceName, AggregatePlan>()
  for (const metric of metrics) {
    const source = metric.source
    if (source.kind !== 'aggregate') continue
    const plan = bySource.get(source.from) ?? { source: source.from, metrics: [] }
    plan.metrics.push({ metric, sql: source.sql, empty: source.empty })
    bySource.set(source.from, plan)
  }
  return [...bySource.values()]
}

/** Where each aggregate metric's value sits in the answers: [plan, column]. Found once per report, not per cell. */
type AggregatePositions = ReadonlyMap<Metric, readonly [plan: number, column: number]>
const positionsOf = (plans: readonly AggregatePlan[]): AggregatePositions =>
  new Map(plans.flatMap((plan, p) => plan.metrics.map((m, i) => [m.metric, [p, i] as const])))

/**
 * Aggregates of one source within the report's range, keyed by `groupKey` (the source and its
 * time column come from sources.ts; every request value is bound).
 */
async function aggregate(
  stores: Stores,
  report: ReportDefinition,
  plan: AggregatePlan,
  groupBy: { columns: string; key: (row: Record<string, string>) => string; scope: string },
): Promise<Map<string, Cell[]>> {
  const { from, time } = SOURCES[plan.source]
  const rows = await stores.warehouse.query<Record<string, string>>({
    query: `SELECT ${groupBy.columns}, ${plan.metrics.map((m, i) => `${m.sql} AS m${i}`).join(', ')}
            FROM ${from}
            WHERE tenant_id = {tenant:UInt32}
              AND ${time} >= ${RANGE_START} AND ${time} < ${RANGE_END}
              AND (${groupBy.scope})
            GROUP BY ${groupBy.columns.replace(/ AS \w+/g, '')}`,
    params: {
      tenant: report.tenantId,
      from: report.from,
      to: report.to,
      all: report.workspaceIds === null,
      workspaces: report.workspaceIds ?? [],
    },
    tag: `usage-report:${plan.source}`,
  })
  return new Map(
    rows.map((row) => [groupBy.key(row), plan.metrics.map((m, i) => typed(m.metric, row[`m${i}`]))]),
  )
}

/** Each metric's value for a row, given where the row's aggregates are found. */
function cellsOf(
  metrics: readonly Metric[],
  positions: AggregatePositions,
  found: readonly (Cell[] | undefined)[],
  context: { workspace?: WorkspaceAttributes; user?: UserAttributes; period?: string; capturedAt?: string },
): Cell[] {
  return metrics.map((metric) => {
    const source = metric.source
    switch (source.kind) {
      case 'workspace':
        return context.workspace ? source.value(context.workspace) : null
      case 'user':
        return context.user ? source.value(context.user) : null
      case 'period':
        return context.period ? `${context.period}T00:00:00` : null
      case 'capturedAt':
        return context.capturedAt ?? null
      case 'aggregate': {
        const [p, i] = positions.get(metric)!
        return found[p]?.[i] ?? source.empty
      }
    }
  })
}

const IN_SCOPE = '{all:Bool} OR has({workspaces:Array(Int64)}, workspace_id)'

interface WorkspaceRow {
  artifact_id: string | number
  name: string | null
  client_domain: string | null
  matter: string | null
  template: string | null
  status: string | null
  created_at: Date | string | null
}

const toWorkspace = (row: WorkspaceRow): WorkspaceAttributes => ({
  artifactId: Number(row.artifact_id),
  name: row.name ?? '',
  clientDomain: row.client_domain ?? '',
  matter: row.matter ?? '',
  template: row.template ?? '',
  status: row.status ?? '',
  createdAt: row.created_at === null ? null : formatDateTime(row.created_at),
})

/** One row per workspace per month of the range (from the month the workspace was created). */
async function* workspaceReportRows(stores: Stores, report: ReportDefinition): AsyncGenerator<Cell[][]> {
  const metrics = report.fields.map((id) => METRICS.get(id)!)
  const plans = aggregatePlans(metrics)
  const positions = positionsOf(plans)
  const found = await Promise.all(
    plans.map((plan) =>
      aggregate(stores, report, plan, {
        columns: `workspace_id, toString(toStartOfMonth(${SOURCES[plan.source].time})) AS month`,
        key: (row) => `${row.workspace_id}|${row.month}`,
        scope: IN_SCOPE,
      }),
    ),
  )
  const workspaces = await stores.control.query<WorkspaceRow>(
    `SELECT artifact_id, name, client_domain, matter, template, status, created_at FROM workspaces
     WHERE tenant_id = $1 AND ($2::bigint[] IS NULL OR artifact_id = ANY($2::bigint[])) ORDER BY artifact_id`,
    [report.tenantId, report.workspaceIds],
  )
  const months = monthsOf(report.from, report.to)
  let batch: Cell[][] = []
  for (const row of workspaces) {
    const workspace = toWorkspace(row)
    for (const month of months) {
      // A workspace appears from the month it was created on.
      if (workspace.createdAt !== null && workspace.createdAt.slice(0, 7) > month.slice(0, 7)) continue
      const key = `${workspace.artifactId}|${month}`
      batch.push(
        cellsOf(
          metrics,
          positions,
          found.map((f) => f.get(key)),
          { workspace, period: month },
        ),
      )
      if (batch.length === ROWS_PER_BATCH) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch
}

/**
 * One row per user, or per (user, workspace) when a Workspace Information metric is selected. A
 * report limited to some workspaces lists the users of those workspaces and counts their activity
 * there (and at the instance level, where logins are audited).
 */
async function* userReportRows(
  stores: Stores,
  report: ReportDefinition,
  capturedAt: Date,
): AsyncGenerator<Cell[][]> {
  const metrics = report.fields.map((id) => METRICS.get(id)!)
  const plans = aggregatePlans(metrics)
  const positions = positionsOf(plans)
  const found = await Promise.all(
    plans.map((plan) =>
      aggregate(stores, report, plan, {
        columns: 'user_id',
        key: (row) => String(row.user_id),
        scope: `workspace_id = -1 OR ${IN_SCOPE}`,
      }),
    ),
  )
  const perWorkspace = metrics.some((m) => m.originId === WORKSPACE_INFORMATION_ORIGIN)
  const captured = formatDateTime(capturedAt)
  // Users (or user-workspace pairs) a batch at a time, by key: a million users never sit in memory.
  let after = { user: -1, workspace: -1 }
  for (;;) {
    const rows = await stores.control.query<UserRow>(
      perWorkspace
        ? `SELECT u.artifact_id AS user_id, u.full_name, u.email, u.is_system_admin, m.workspace_id AS artifact_id,
                  w.name, w.client_domain, w.matter, w.template, w.status, w.created_at
           FROM platform_users u
           JOIN platform_user_workspaces m ON m.tenant_id = u.tenant_id AND m.user_id = u.artifact_id
           LEFT JOIN workspaces w ON w.tenant_id = m.tenant_id AND w.artifact_id = m.workspace_id
           WHERE u.tenant_id = $1 AND ($2::bigint[] IS NULL OR m.workspace_id = ANY($2::bigint[]))
             AND (u.artifact_id, m.workspace_id) > ($3, $4)
           ORDER BY u.artifact_id, m.workspace_id LIMIT $5`
        : `SELECT u.artifact_id AS user_id, u.full_name, u.email, u.is_system_admin
           FROM platform_users u
           WHERE u.tenant_id = $1 AND ($2::bigint[] IS NULL OR EXISTS (
             SELECT 1 FROM platform_user_workspaces m
             WHERE m.tenant_id = u.tenant_id AND m.user_id = u.artifact_id AND m.workspace_id = ANY($2::bigint[])))
             AND u.artifact_id > $3
           ORDER BY u.artifact_id LIMIT $4`,
      perWorkspace
        ? [report.tenantId, report.workspaceIds, after.user, after.workspace, ROWS_PER_BATCH]
        : [report.tenantId, report.workspaceIds, after.user, ROWS_PER_BATCH],
    )
    if (rows.length === 0) return
    yield rows.map((row) => {
      const user: UserAttributes = {
        artifactId: Number(row.user_id),
        fullName: row.full_name,
        email: row.email,
        isSystemAdmin: row.is_system_admin,
      }
      const workspace = perWorkspace ? toWorkspace(row) : undefined
      const aggregates = found.map((f) => f.get(String(user.artifactId)))
      return cellsOf(metrics, positions, aggregates, { user, workspace, capturedAt: captured })
    })
    const last = rows[rows.length - 1]!
    after = { user: Number(last.user_id), workspace: perWorkspace ? Number(last.artifact_id) : -1 }
  }
}

type UserRow = {
  user_id: string | number
  full_name: string
  email: string
  is_system_admin: boolean
} & WorkspaceRow

/** The report's rows in order, as cells in field order, in batches of up to ROWS_PER_BATCH. */
export function reportRows(
  stores: Stores,
  report: ReportDefinition,
  capturedAt: Date,
): AsyncGenerator<Cell[][]> {
  return report.type === 'Workspace'
    ? workspaceReportRows(stores, report)
    : userReportRows(stores, report, capturedAt)
}
