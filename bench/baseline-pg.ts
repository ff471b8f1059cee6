import pg from 'pg'

/**
 * The PostgreSQL baseline: the schema, indexes and queries a Postgres-based audit service would
 * use for the same API, loaded with the same rows as Tally's warehouse.
 */

export const PG_DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test'

/**
 * One row per audit, as the warehouse holds it; `changes` is the field-change list as JSON
 * (`[{fieldId, field, oldValue, newValue}]`, NULL when none), the shape a Postgres service would
 * store instead of four parallel arrays.
 */
const AUDIT_TABLE = `
  CREATE TABLE audits (
    audit_id          bigint      NOT NULL,
    tenant_id         integer     NOT NULL,
    workspace_id      bigint      NOT NULL,
    "timestamp"       timestamptz NOT NULL,
    action_id         smallint    NOT NULL,
    object_type_id    integer     NOT NULL,
    artifact_id       bigint      NOT NULL,
    artifact_name     text        NOT NULL,
    user_id           bigint      NOT NULL,
    user_name         text        NOT NULL,
    execution_time_ms bigint      NOT NULL,
    details           text        NOT NULL,
    changes           jsonb,
    size_bytes        integer     NOT NULL,
    ingest_key        text        NOT NULL
  )`

/**
 * Built after the bulk load, as PostgreSQL's guide to populating a database advises; the primary
 * key too, since the export arrives in the warehouse's sort order and audit_id would go into its
 * index at random, which slows the COPY once that index outgrows memory. The first index serves the
 * UI query's ORDER BY and LIMIT (and its OFFSET, by walking it); the second the count under an
 * action filter, as an index-only scan once VACUUM has set the visibility map.
 */
const AUDIT_INDEXES = [
  'ALTER TABLE audits ADD PRIMARY KEY (audit_id)',
  'CREATE INDEX audits_ws_time ON audits (tenant_id, workspace_id, "timestamp" DESC, audit_id DESC)',
  'CREATE INDEX audits_ws_action_time ON audits (tenant_id, workspace_id, action_id, "timestamp")',
  // Reviewer statistics walk each reviewer's actions in time order.
  'CREATE INDEX audits_ws_user_time ON audits (tenant_id, workspace_id, user_id, "timestamp")',
]

/**
 * The warehouse expression for each baseline column, in table order: the export writes them with
 * ClickHouse's TSV escaping, which PostgreSQL's text COPY format reads back unchanged (`\t`, `\n`,
 * `\\`, `\N` for NULL; `\'` is read as a plain quote).
 */
export const EXPORT_COLUMNS: readonly (readonly [pgColumn: string, warehouseExpression: string])[] = [
  ['audit_id', 'audit_id'],
  ['tenant_id', 'tenant_id'],
  ['workspace_id', 'workspace_id'],
  ['"timestamp"', 'timestamp'],
  ['action_id', 'action_id'],
  ['object_type_id', 'object_type_id'],
  ['artifact_id', 'artifact_id'],
  ['artifact_name', 'artifact_name'],
  ['user_id', 'user_id'],
  ['user_name', 'user_name'],
  ['execution_time_ms', 'execution_time_ms'],
  ['details', 'details'],
  [
    'changes',
    `if(empty(change_fields), NULL, toJSONString(arrayMap((i, f, o, n) ->
       CAST((i, f, o, n), 'Tuple(fieldId Int64, field String, oldValue Nullable(String), newValue Nullable(String))'),
       change_field_ids, change_fields, change_old_values, change_new_values)))`,
  ],
  ['size_bytes', 'size_bytes'],
  ['ingest_key', 'ingest_key'],
]

/**
 * A warehouse table as the baseline loads it: the `COPY … FROM STDIN`, the warehouse expression of
 * each column it lists, and the key the export pages by (the columns after tenant_id that identify
 * a row, in the table's sort order, with their parameter types).
 */
export interface TableExport {
  table: string
  copy: string
  expressions: readonly string[]
  key: readonly (readonly [column: string, type: 'Int64' | 'UInt64' | 'String' | 'DateTime64'])[]
}

/** The export of `columns` ([PostgreSQL column, warehouse expression]) of a warehouse table. */
export function tableExport(
  table: string,
  columns: readonly (readonly [pgColumn: string, warehouseExpression: string])[],
  key: TableExport['key'],
): TableExport {
  return {
    table,
    copy: `COPY ${table} (${columns.map(([c]) => c).join(', ')}) FROM STDIN`,
    expressions: columns.map(([, expression]) => expression),
    key,
  }
}

export const AUDITS_EXPORT = tableExport('audits', EXPORT_COLUMNS, [
  ['workspace_id', 'Int64'],
  ['timestamp', 'DateTime64'],
  ['audit_id', 'UInt64'],
])

/** A database of its own on the given server, dropped at the end of the run. */
export interface BenchDatabase {
  name: string
  url: string
  drop(): Promise<void>
}

export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `tally_bench_${process.pid}_${Date.now().toString(36)}`
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  await admin(`CREATE DATABASE ${name}`)
  return {
    name,
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}

export async function createAuditTable(client: pg.Client): Promise<void> {
  await client.query(AUDIT_TABLE)
}

/** Builds the indexes, then VACUUM ANALYZE; returns the seconds each took and the sizes. */
export async function finishAuditTable(client: pg.Client): Promise<{
  indexSeconds: number
  vacuumSeconds: number
  tableBytes: number
  indexBytes: number
}> {
  // Session settings only: the server's own configuration is the baseline's.
  await client.query("SET maintenance_work_mem = '1GB'")
  let started = performance.now()
  for (const sql of AUDIT_INDEXES) await client.query(sql)
  const indexSeconds = (performance.now() - started) / 1000
  started = performance.now()
  await client.query('VACUUM (ANALYZE) audits')
  const vacuumSeconds = (performance.now() - started) / 1000
  const { rows } = await client.query<{ table: string; indexes: string }>(
    "SELECT pg_table_size('audits') AS table, pg_indexes_size('audits') AS indexes",
  )
  return {
    indexSeconds,
    vacuumSeconds,
    tableBytes: Number(rows[0]?.table),
    indexBytes: Number(rows[0]?.indexes),
  }
}

/** The audit UI query: a time range and a set of actions in one workspace, newest first. */
export interface AuditPageQuery {
  tenantId: number
  workspaceId: number
  from: string
  to: string
  actionIds: number[]
  offset: number
  length: number
}

/**
 * The same logical query as Tally's UI query, the way a Postgres service would run it: the count
 * and the page (every column, ORDER BY … LIMIT … OFFSET) at the same time on two connections.
 */
export async function queryAuditPage(
  pool: pg.Pool,
  q: AuditPageQuery,
): Promise<{ totalCount: number; auditIds: string[] }> {
  const where = `tenant_id = $1 AND workspace_id = $2 AND "timestamp" >= $3 AND "timestamp" <= $4
                 AND action_id = ANY($5::smallint[])`
  const filter = [q.tenantId, q.workspaceId, q.from, q.to, q.actionIds]
  const [count, page] = await Promise.all([
    pool.query<{ n: string }>(`SELECT count(*) AS n FROM audits WHERE ${where}`, filter),
    pool.query<{ audit_id: string }>(
      `SELECT ${EXPORT_COLUMNS.map(([c]) => c).join(', ')} FROM audits WHERE ${where}
       ORDER BY "timestamp" DESC, audit_id DESC LIMIT $6 OFFSET $7`,
      [...filter, q.length, q.offset],
    ),
  ])
  return { totalCount: Number(count.rows[0]?.n), auditIds: page.rows.map((r) => String(r.audit_id)) }
}

/** The pivot of a workspace's audits by local day and action, as a Postgres service would group them. */
export async function pivotDayByAction(
  pool: pg.Pool,
  q: { tenantId: number; workspaceId: number; timeZone: string },
): Promise<{ day: string; actionId: number; n: number }[]> {
  const { rows } = await pool.query<{ day: string; action_id: number; n: string }>(
    `SELECT to_char(("timestamp" AT TIME ZONE $3)::date, 'YYYY-MM-DD') AS day, action_id, count(*) AS n
     FROM audits WHERE tenant_id = $1 AND workspace_id = $2 GROUP BY 1, 2`,
    [q.tenantId, q.workspaceId, q.timeZone],
  )
  return rows.map((r) => ({ day: r.day, actionId: Number(r.action_id), n: Number(r.n) }))
}

export interface ReviewerCounts {
  userId: number
  views: number
  distinctViews: number
  edits: number
  distinctEdits: number
  massEdits: number
  propagations: number
  /** Whole seconds of usage: gaps between View/Update actions up to the threshold. */
  usageSeconds: number
}

/**
 * The reviewer summary's figures with window functions: each reviewer's View and Update actions
 * in time order, the gaps no longer than the threshold summed, and the action counts.
 */
export async function reviewerSummary(
  pool: pg.Pool,
  q: { tenantId: number; workspaceId: number; from: string; to: string; thresholdSeconds: number },
): Promise<ReviewerCounts[]> {
  const { rows } = await pool.query<Record<string, string>>(
    `WITH scoped AS (
       SELECT user_id, action_id, artifact_id, "timestamp" FROM audits
       WHERE tenant_id = $1 AND workspace_id = $2 AND "timestamp" >= $3 AND "timestamp" < $4
         AND object_type_id = 10 AND action_id IN (1, 3, 4, 6)
     ), gaps AS (
       SELECT user_id, "timestamp" - lag("timestamp") OVER (PARTITION BY user_id ORDER BY "timestamp") AS gap
       FROM scoped WHERE action_id IN (1, 3)
     ), usage AS (
       SELECT user_id,
              floor(coalesce(sum(extract(epoch FROM gap)) FILTER (WHERE gap <= make_interval(secs => $5)), 0)) AS seconds
       FROM gaps GROUP BY user_id
     )
     SELECT c.user_id,
            count(*) FILTER (WHERE action_id = 1) AS views,
            count(DISTINCT artifact_id) FILTER (WHERE action_id = 1) AS distinct_views,
            count(*) FILTER (WHERE action_id = 3) AS edits,
            count(DISTINCT artifact_id) FILTER (WHERE action_id = 3) AS distinct_edits,
            count(*) FILTER (WHERE action_id = 4) AS mass_edits,
            count(*) FILTER (WHERE action_id = 6) AS propagations,
            coalesce(max(u.seconds), 0) AS seconds
     FROM scoped c LEFT JOIN usage u USING (user_id)
     GROUP BY c.user_id`,
    [q.tenantId, q.workspaceId, q.from, q.to, q.thresholdSeconds],
  )
  return rows.map((r) => ({
    userId: Number(r.user_id),
    views: Number(r.views),
    distinctViews: Number(r.distinct_views),
    edits: Number(r.edits),
    distinctEdits: Number(r.distinct_edits),
    massEdits: Number(r.mass_edits),
    propagations: Number(r.propagations),
    usageSeconds: Number(r.seconds),
  }))
}
