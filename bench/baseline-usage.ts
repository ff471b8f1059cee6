import type pg from 'pg'
import type { Cell, Metric } from '../src/modules/usage-reports/catalog.js'
import { type TableExport, tableExport } from './baseline-pg.js'
import type { DayRange } from './data.js'

/**
 * The PostgreSQL baseline of the usage reports (scenario 6): the tables and indexes a Postgres
 * usage report service would keep, loaded with the same rows as Tally's stores, and the Workspace
 * report as that service would compute it, in one statement. The audits table is the audit
 * baseline's (baseline-pg.ts).
 */

const TABLES = [
  `CREATE TABLE workspaces (
     tenant_id     integer     NOT NULL,
     artifact_id   bigint      NOT NULL,
     name          text        NOT NULL,
     client_domain text        NOT NULL,
     matter        text        NOT NULL,
     template      text        NOT NULL,
     status        text        NOT NULL,
     created_at    timestamptz,
     PRIMARY KEY (tenant_id, artifact_id)
   )`,
  `CREATE TABLE workspace_usage (
     tenant_id          integer     NOT NULL,
     workspace_id       bigint      NOT NULL,
     snapshot_at        timestamptz NOT NULL,
     document_count     bigint      NOT NULL,
     review_bytes       bigint      NOT NULL,
     repository_bytes   bigint      NOT NULL,
     cold_storage_bytes bigint      NOT NULL,
     data_breach_bytes  bigint      NOT NULL
   )`,
  `CREATE TABLE processing_jobs (
     tenant_id      integer     NOT NULL,
     workspace_id   bigint      NOT NULL,
     completed_at   timestamptz NOT NULL,
     job_id         text        NOT NULL,
     job_type       text        NOT NULL,
     status         text        NOT NULL,
     data_sources   integer     NOT NULL,
     input_bytes    bigint      NOT NULL,
     document_units bigint      NOT NULL,
     pages          bigint      NOT NULL
   )`,
  `CREATE TABLE user_licenses (
     tenant_id    integer     NOT NULL,
     user_id      bigint      NOT NULL,
     effective_at timestamptz NOT NULL,
     change       text        NOT NULL,
     license_type text        NOT NULL
   )`,
]

/** Built after the load: each workspace's snapshots and jobs in time order, as the service reads them. */
const INDEXES = [
  'CREATE UNIQUE INDEX workspace_usage_ws_time ON workspace_usage (tenant_id, workspace_id, snapshot_at)',
  'CREATE INDEX processing_jobs_ws_time ON processing_jobs (tenant_id, workspace_id, completed_at)',
  'CREATE INDEX user_licenses_user_time ON user_licenses (tenant_id, user_id, effective_at)',
]

const sameColumns = (columns: string[]) => columns.map((c) => [c, c] as const)

export const USAGE_EXPORTS: readonly TableExport[] = [
  tableExport(
    'workspace_usage',
    sameColumns([
      'tenant_id',
      'workspace_id',
      'snapshot_at',
      'document_count',
      'review_bytes',
      'repository_bytes',
      'cold_storage_bytes',
      'data_breach_bytes',
    ]),
    [
      ['workspace_id', 'Int64'],
      ['snapshot_at', 'DateTime64'],
    ],
  ),
  tableExport(
    'processing_jobs',
    sameColumns([
      'tenant_id',
      'workspace_id',
      'completed_at',
      'job_id',
      'job_type',
      'status',
      'data_sources',
      'input_bytes',
      'document_units',
      'pages',
    ]),
    [
      ['workspace_id', 'Int64'],
      ['completed_at', 'DateTime64'],
      ['job_id', 'String'],
    ],
  ),
  tableExport(
    'user_licenses',
    sameColumns(['tenant_id', 'user_id', 'effective_at', 'change', 'license_type']),
    [
      ['user_id', 'Int64'],
      ['effective_at', 'DateTime64'],
      ['ingest_key', 'String'],
    ],
  ),
]

export async function createUsageTables(client: pg.Client): Promise<void> {
  for (const sql of TABLES) await client.query(sql)
}

/** The `workspaces` entity rows, as the control plane holds them. */
export interface WorkspaceEntity {
  tenant_id: number
  artifact_id: string | number
  name: string
  client_domain: string
  matter: string
  template: string
  status: string
  created_at: Date | null
}

/** Inserts the workspaces in one statement, every value bound (as arrays). */
export async function insertWorkspaces(client: pg.Client, rows: readonly WorkspaceEntity[]): Promise<void> {
  const column = <K extends keyof WorkspaceEntity>(key: K) => rows.map((row) => row[key])
  await client.query(
    `INSERT INTO workspaces (tenant_id, artifact_id, name, client_domain, matter, template, status, created_at)
     SELECT * FROM unnest($1::integer[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                          $8::timestamptz[])`,
    [
      column('tenant_id'),
      column('artifact_id'),
      column('name'),
      column('client_domain'),
      column('matter'),
      column('template'),
      column('status'),
      column('created_at'),
    ],
  )
}

/** The indexes, then VACUUM ANALYZE of the usage tables; the seconds it took and their sizes. */
export async function finishUsageTables(
  client: pg.Client,
): Promise<{ seconds: number; tableBytes: number; indexBytes: number }> {
  const started = performance.now()
  for (const sql of INDEXES) await client.query(sql)
  await client.query('VACUUM (ANALYZE) workspaces, workspace_usage, processing_jobs, user_licenses')
  const { rows } = await client.query<{ table: string; indexes: string }>(
    `SELECT sum(pg_table_size(t)) AS table, sum(pg_indexes_size(t)) AS indexes
     FROM unnest(ARRAY['workspaces', 'workspace_usage', 'processing_jobs', 'user_licenses']::regclass[]) AS t`,
  )
  return {
    seconds: (performance.now() - started) / 1000,
    tableBytes: Number(rows[0]?.table),
    indexBytes: Number(rows[0]?.indexes),
  }
}

/**
 * Decimal gigabytes to 2 decimals, rounded as Tally's warehouse rounds a Float64 (`round(x, 2)`):
 * the double scaled by 100, to the nearest integer, halves to even (`round(float8)` here).
 */
const gigabytes = (bytes: string) => `round(${bytes}::float8 / 1e9::float8 * 100) / 100`
/** Jobs of one type (the WHERE keeps those that ended Completed or Completed with Errors). */
const ofType = (jobType: string) => `FILTER (WHERE job_type = '${jobType}')`

/** Each Workspace metric's value, by its catalog name, over the joined row (w, m, u, j, a below). */
const WORKSPACE_COLUMNS: Record<string, string> = {
  'Workspace Artifact ID': 'w.artifact_id',
  'Report Period': `to_char(m.month, 'YYYY-MM-DD"T00:00:00"')`,
  'Workspace Name': 'w.name',
  'Workspace Template': `nullif(w.template, '')`,
  'Client Name': `nullif(w.client_domain, '')`,
  'Matter Name': `nullif(w.matter, '')`,
  'Workspace Created Date': `to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')`,
  'Workspace Status': 'w.status',
  'Peak Cold Storage Data (GB)': gigabytes('u.cold_storage'),
  'Peak Review Data (GB)': gigabytes('u.review'),
  'Peak Repository Data (GB)': gigabytes('u.repository'),
  'Document Count': 'u.documents',
  'Active Users': 'coalesce(a.users, 0)',
  'Audited Actions': 'coalesce(a.actions, 0)',
  'Processing Data Source Count': 'coalesce(j.data_sources, 0)',
  'Processing Sets Completed': 'coalesce(j.processing_sets, 0)',
  'Processed Data (GB)': `coalesce(${gigabytes('j.processed_bytes')}, 0)`,
  'Contracts Document Units': 'coalesce(j.contracts_units, 0)',
  'Current Data Breach File Size': gigabytes('u.data_breach'),
  'Imaged Pages': 'coalesce(j.imaged_pages, 0)',
  'OCR Pages': 'coalesce(j.ocr_pages, 0)',
  'Produced Pages': 'coalesce(j.produced_pages, 0)',
  'Translation Document Units': 'coalesce(j.translation_units, 0)',
  'Analytics Indexed Documents': 'coalesce(j.analytics_units, 0)',
  'Licensed Active Users': 'coalesce(l.users, 0)',
}

/**
 * The report's months (the first day of each month the range touches) and its instants: from the
 * first day's midnight to the midnight after the last, UTC.
 */
const rangeParams = (range: DayRange) => [
  range.from,
  range.to,
  `${range.from}T00:00:00Z`,
  new Date(Date.parse(`${range.to}T00:00:00Z`) + 86_400_000).toISOString(),
]

/** One row per workspace per month, from the month the workspace was created; `joins` add the sources. */
const workspaceMonths = (joins = '') => `
  FROM workspaces w
  CROSS JOIN (SELECT d::date AS month
              FROM generate_series(date_trunc('month', $2::date), $3::date, interval '1 month') AS d) AS m
  ${joins}
  WHERE w.tenant_id = $1
    AND (w.created_at IS NULL OR date_trunc('month', w.created_at AT TIME ZONE 'UTC')::date <= m.month)`

/**
 * The Workspace report's rows in Tally's order (workspace, then month), each metric's value as
 * Tally's details answer it: numbers as numbers, text and instants as text, null where empty. The
 * three sources are grouped by workspace and UTC month within the range, as are the audits of users
 * who held a license in their month (rebuilt from the license changes with `lead()`), then joined
 * to every (workspace, month) row.
 */
export async function workspaceReport(
  pool: pg.Pool,
  q: { tenantId: number; range: DayRange; metrics: readonly Metric[] },
): Promise<Cell[][]> {
  const month = (column: string) => `date_trunc('month', ${column} AT TIME ZONE 'UTC')::date`
  const inRange = (column: string) => `tenant_id = $1 AND ${column} >= $4 AND ${column} < $5`
  const select = q.metrics.map((metric, i) => {
    const sql = WORKSPACE_COLUMNS[metric.name.trim()]
    if (!sql) throw new Error(`the baseline has no expression for the metric '${metric.name}'`)
    return `${sql} AS c${i}`
  })
  const { rows } = await pool.query<Record<string, unknown>>(
    `WITH u AS (
       SELECT workspace_id, ${month('snapshot_at')} AS month,
              max(cold_storage_bytes) AS cold_storage, max(review_bytes) AS review,
              max(repository_bytes) AS repository,
              (array_agg(document_count ORDER BY snapshot_at DESC))[1] AS documents,
              (array_agg(data_breach_bytes ORDER BY snapshot_at DESC))[1] AS data_breach
       FROM workspace_usage WHERE ${inRange('snapshot_at')} GROUP BY 1, 2
     ), j AS (
       SELECT workspace_id, ${month('completed_at')} AS month,
              sum(data_sources) ${ofType('Processing')} AS data_sources,
              count(*) ${ofType('Processing')} AS processing_sets,
              sum(input_bytes) ${ofType('Processing')} AS processed_bytes,
              sum(document_units) ${ofType('Contracts')} AS contracts_units,
              sum(pages) ${ofType('Imaging')} AS imaged_pages,
              sum(pages) ${ofType('OCR')} AS ocr_pages,
              sum(pages) ${ofType('Production')} AS produced_pages,
              sum(document_units) ${ofType('Translation')} AS translation_units,
              sum(document_units) ${ofType('Analytics')} AS analytics_units
       FROM processing_jobs
       WHERE ${inRange('completed_at')} AND status IN ('Completed', 'Completed with Errors')
       GROUP BY 1, 2
     ), a AS (
       SELECT workspace_id, ${month('"timestamp"')} AS month, count(DISTINCT user_id) AS users,
              count(*) AS actions
       FROM audits WHERE ${inRange('"timestamp"')} GROUP BY 1, 2
     ), held AS (
       -- Each user's licensed periods within the range: an assignment to the user's next change.
       SELECT user_id, greatest(effective_at, $4) AS held_from, least(coalesce(next_at, $5), $5) AS held_until
       FROM (SELECT user_id, change, effective_at,
                    lead(effective_at) OVER (PARTITION BY user_id
                                             ORDER BY effective_at, change = 'Assigned', license_type COLLATE "C") AS next_at
             FROM user_licenses WHERE tenant_id = $1 AND effective_at < $5) AS changes
       WHERE change = 'Assigned' AND least(coalesce(next_at, $5), $5) > greatest(effective_at, $4)
     ), licensed AS (
       SELECT DISTINCT user_id, generate_series(date_trunc('month', held_from AT TIME ZONE 'UTC'),
                                                date_trunc('month', (held_until - interval '1 millisecond') AT TIME ZONE 'UTC'),
                                                interval '1 month')::date AS month
       FROM held
     ), l AS (
       SELECT a.workspace_id, ${month('a."timestamp"')} AS month, count(DISTINCT a.user_id) AS users
       FROM audits a JOIN licensed ON licensed.user_id = a.user_id AND licensed.month = ${month('a."timestamp"')}
       WHERE a.tenant_id = $1 AND a."timestamp" >= $4 AND a."timestamp" < $5
       GROUP BY 1, 2
     )
     SELECT ${select.join(', ')}
     ${workspaceMonths(
       ['u', 'j', 'a', 'l']
         .map((t) => `LEFT JOIN ${t} ON ${t}.workspace_id = w.artifact_id AND ${t}.month = m.month`)
         .join('\n'),
     )}
     ORDER BY w.artifact_id, m.month`,
    [q.tenantId, ...rangeParams(q.range)],
  )
  return rows.map((row) =>
    q.metrics.map((metric, i) => {
      const value = row[`c${i}`]
      if (value === null || value === undefined) return null
      return metric.valueType === 'Int64' || metric.valueType === 'Double' ? Number(value) : String(value)
    }),
  )
}

/** How many rows a Workspace report over `range` has: its (workspace, month) pairs. */
export async function workspaceReportRowCount(
  pool: pg.Pool,
  q: { tenantId: number; range: DayRange },
): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n ${workspaceMonths()}`, [
    q.tenantId,
    ...rangeParams(q.range).slice(0, 2),
  ])
  return Number(rows[0]?.n)
}
