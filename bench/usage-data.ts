import type { DemoPlan } from '../src/demo/index.js'
import type { StreamDef } from '../src/modules/ingest/stream.js'
import type { Stores } from '../src/store/stores.js'
import type { Warehouse } from '../src/store/warehouse/warehouse.js'
import { BATCH_ROWS, BENCH_TENANT_ID, USAGE_STREAMS, stepOf, usageWorkspaceCount } from './data.js'

/**
 * The usage reports' sources for scenarios 6 and 7: the demo plan's `workspace-usage` snapshots and
 * `processing-jobs` of its workspaces, inserted through the streams' own `toRow`, then copied inside
 * the engine (and the workspaces in the control plane) until there are as many workspaces as the
 * run's size asks for (usageWorkspaceCount); and its `user-licenses` changes, not copied: the audit
 * copies keep the block's users. Runs in the prepare process, on the stores it owns.
 */

export interface UsageData {
  /** Workspaces in the `workspaces` entity after the copies. */
  workspaces: number
  /** Workspaces the generator made; the rest are copies. */
  generatedWorkspaces: number
  copies: number
  /** Copy c of a generated workspace has its Artifact ID + c × idSpan. */
  idSpan: number
  /** Rows per source table: from the generator, and in all. */
  rows: Record<string, { generated: number; total: number }>
  warehouseBytes: number
}

/** Copies per INSERT … SELECT: about two million rows each, as for the audits. */
const ROWS_PER_STATEMENT = 2_000_000

/**
 * How a copy's columns are derived from the generated row. Measures are scaled by a factor of
 * 0.5-1.5 hashed from (workspace, copy), the same for every row of the copied workspace, so copies
 * keep the generated shape (documents loading, then review, repository, cold storage) but every
 * workspace reports its own figures: an aggregation that mixed workspaces up would show.
 */
const COPIED_COLUMNS: Record<string, { scaled: readonly string[]; plain: readonly string[] }> = {
  workspace_usage: {
    scaled: ['document_count', 'review_bytes', 'repository_bytes', 'cold_storage_bytes', 'data_breach_bytes'],
    plain: ['tenant_id', 'snapshot_at'],
  },
  processing_jobs: {
    scaled: ['input_bytes', 'document_units', 'pages'],
    plain: ['tenant_id', 'completed_at', 'job_type', 'status', 'data_sources'],
  },
}
/** Text ids that must stay unique per copy: they get `~c` appended, like the audits' keys. */
const SUFFIXED: Record<string, readonly string[]> = {
  workspace_usage: ['ingest_key'],
  processing_jobs: ['job_id', 'ingest_key'],
}

export async function loadUsage(
  stores: Stores,
  plan: DemoPlan,
  audits: number,
  log: (message: string) => void,
): Promise<UsageData> {
  const ids = [...stepOf(plan, 'workspaces').batches]
    .flat()
    .map((item) => (item as { artifactId: number }).artifactId)
    .sort((a, b) => a - b)
  if (ids.length === 0) throw new Error('the demo plan has no workspaces')
  // Past the generated ids, so copy c's ids (first + c × span … last + c × span) never meet another's.
  const idSpan = ids[ids.length - 1]! - ids[0]! + (ids.length > 1 ? ids[1]! - ids[0]! : 1)
  const workspaces = usageWorkspaceCount(audits, ids.length)
  const copies = Math.ceil(workspaces / ids.length) - 1
  const generated: Record<string, number> = {}
  for (const stream of USAGE_STREAMS)
    generated[stream.table] = await insertStep(stores.warehouse, plan, stream)
  log(
    `generated ${Object.entries(generated)
      .map(([table, n]) => `${n} ${table}`)
      .join(' and ')} rows for ${ids.length} workspaces`,
  )
  const copy = { ids, idSpan, copies, workspaces }
  for (const table of Object.keys(COPIED_COLUMNS))
    await copyRows(stores.warehouse, table, copy, generated[table]!)
  await copyWorkspaces(stores, copy)
  for (const stream of USAGE_STREAMS) {
    await stores.warehouse.command({
      // The idempotency keys ingestion would have written beside every keyed event.
      query: `INSERT INTO ingest_keys (tenant_id, stream, key)
              SELECT tenant_id, {stream:String}, ingest_key FROM ${stream.table} WHERE ingest_key != ''`,
      params: { stream: stream.name },
      tag: 'bench:keys',
    })
  }
  const [entities] = await stores.control.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM workspaces WHERE tenant_id = $1',
    [BENCH_TENANT_ID],
  )
  if (entities?.n !== workspaces)
    throw new Error(`${entities?.n} workspaces after the copies, expected ${workspaces}`)
  const rows: UsageData['rows'] = {}
  for (const { table } of USAGE_STREAMS) {
    const [row] = await stores.warehouse.query<{ n: string }>({ query: `SELECT count() AS n FROM ${table}` })
    rows[table] = { generated: generated[table]!, total: Number(row?.n) }
  }
  const [size] = await stores.warehouse.query<{ bytes: string }>({
    query: `SELECT sum(bytes_on_disk) AS bytes FROM system.parts
            WHERE database = currentDatabase() AND active AND has({tables:Array(String)}, table)`,
    params: { tables: USAGE_STREAMS.map((stream) => stream.table) },
  })
  return {
    workspaces,
    generatedWorkspaces: ids.length,
    copies,
    idSpan,
    rows,
    warehouseBytes: Number(size?.bytes ?? 0),
  }
}

/** The plan's events of one stream, stored as ingestion would store them; returns how many. */
async function insertStep(warehouse: Warehouse, plan: DemoPlan, stream: StreamDef<unknown>): Promise<number> {
  let count = 0
  for (const batch of stepOf(plan, stream.name).batches) {
    for (let first = 0; first < batch.length; first += BATCH_ROWS) {
      const events = batch.slice(first, first + BATCH_ROWS)
      await warehouse.insert(
        stream.table,
        events.map((event) => stream.toRow(event, BENCH_TENANT_ID)),
        'bench:load',
      )
      count += events.length
    }
  }
  return count
}

interface CopyPlan {
  /** The generated workspaces' ids, in order: the position of one is its index in a copy. */
  ids: number[]
  idSpan: number
  copies: number
  /** Workspaces wanted in all: copy c of workspace i exists when c × ids.length + i < workspaces. */
  workspaces: number
}

/** Copies 1..copies of a source table's generated rows, in statements of about two million rows. */
async function copyRows(
  warehouse: Warehouse,
  table: string,
  plan: CopyPlan,
  blockRows: number,
): Promise<void> {
  const { scaled, plain } = COPIED_COLUMNS[table]!
  const suffixed = SUFFIXED[table]!
  const columns = ['workspace_id', ...plain, ...scaled, ...suffixed]
  const select = [
    'workspace_id + copy.number * {span:Int64}',
    ...plain,
    ...scaled.map((column) => `intDiv(${column} * factor, 1000)`),
    ...suffixed.map((column) => `if(${column} = '', '', concat(${column}, '~', toString(copy.number)))`),
  ]
  const perStatement = Math.max(1, Math.floor(ROWS_PER_STATEMENT / Math.max(1, blockRows)))
  for (let first = 1; first <= plan.copies; first += perStatement) {
    await warehouse.command({
      query: `INSERT INTO ${table} (${columns.join(', ')})
              WITH 500 + cityHash64(workspace_id, copy.number) % 1000 AS factor
              SELECT ${select.join(', ')} FROM ${table} CROSS JOIN numbers({first:UInt64}, {count:UInt64}) AS copy
              WHERE tenant_id = {tenant:UInt32} AND has({ids:Array(Int64)}, workspace_id)
                AND copy.number * {block:UInt64} + indexOf({ids:Array(Int64)}, workspace_id) <= {workspaces:UInt64}`,
      params: {
        span: plan.idSpan,
        first,
        count: Math.min(perStatement, plan.copies - first + 1),
        tenant: BENCH_TENANT_ID,
        ids: plan.ids,
        block: plan.ids.length,
        workspaces: plan.workspaces,
      },
      tag: 'bench:replicate',
    })
  }
}

/**
 * The copies' `workspaces` entities. A copy is an older workspace: created ten years (and up to a
 * year more) before the one it copies, with the same client domain, matter, template and status, so
 * it has a row in every month of both report ranges; its usage is the copied last year's.
 */
async function copyWorkspaces(stores: Stores, plan: CopyPlan): Promise<void> {
  await stores.control.query(
    `INSERT INTO workspaces (tenant_id, artifact_id, name, client_domain, matter, template, status, created_at)
     SELECT w.tenant_id, w.artifact_id + c * $3::bigint, w.name || ' #' || c, w.client_domain, w.matter,
            w.template, w.status, w.created_at - make_interval(years => 10, days => c % 365)
     FROM workspaces w CROSS JOIN generate_series(1, $4::int) AS c
     WHERE w.tenant_id = $1 AND w.artifact_id = ANY($2::bigint[])
       AND c * $5::int + array_position($2::bigint[], w.artifact_id) <= $6::int`,
    [BENCH_TENANT_ID, plan.ids, plan.idSpan, plan.copies, plan.ids.length, plan.workspaces],
  )
}
