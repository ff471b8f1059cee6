import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { loadConfig } from '../src/config/config.js'
import { systemCaller } from '../src/modules/identity/caller.js'
import { IngestService } from '../src/modules/ingest/service.js'
import { serviceSink } from '../src/modules/ingest/sink.js'
import { openOwnedStores } from '../src/store/stores.js'
import { readInChunks } from '../src/store/warehouse/keyset.js'
import type { Warehouse } from '../src/store/warehouse/warehouse.js'
import { AUDITS_EXPORT, type TableExport, createAuditTable, finishAuditTable } from './baseline-pg.js'
import {
  USAGE_EXPORTS,
  type WorkspaceEntity,
  createUsageTables,
  finishUsageTables,
  insertWorkspaces,
} from './baseline-usage.js'
import { BENCH_TENANT_ID, auditBatches, benchPlan, stepOf, toAuditRow } from './data.js'
import { formatNumber, log as logLine } from './log.js'
import { copyFromStdin } from './pg-copy.js'
import { type UsageData, loadUsage } from './usage-data.js'

/**
 * Builds a fresh Tally data directory holding `rows` audits and the usage reports' sources for them
 * (usage-data.ts), and loads the same rows into the PostgreSQL baseline. Runs as its own process (`node --import tsx bench/prepare-data.ts '<args>'`)
 * before the server starts on the directory: chDB opens one data directory per process, and the
 * benchmark process keeps its own for the raw insert measurement.
 */

export interface PrepareArgs {
  dataDir: string
  rows: number
  seed: number
  /** The baseline's database (created and dropped by the caller). */
  pgUrl: string
  /** Where the PreparedData JSON is written. */
  resultFile: string
}

export interface PreparedData {
  rows: number
  /** Rows that came out of the generator; the rest are copies made in the engine. */
  generatedRows: number
  copies: number
  /** The largest workspace, which the query scenarios read. */
  workspace: { id: number; rows: number; first: string; last: string }
  warehouse: { activeParts: number; auditBytes: number; keyBytes: number }
  postgres: { tableBytes: number; indexBytes: number }
  /** The usage reports' sources, and their size in PostgreSQL. */
  usage: UsageData & { postgres: { tableBytes: number; indexBytes: number } }
  seconds: Record<string, number>
}

const log = (message: string) => logLine(message, 'prepare')
const WEEK_MS = 7 * 24 * 3600 * 1000
/** Copies per INSERT … SELECT statement: about two million rows each. */
const ROWS_PER_REPLICATION = 2_000_000
const EXPORT_CHUNK_ROWS = 100_000

async function prepareData(args: PrepareArgs): Promise<PreparedData> {
  const seconds: Record<string, number> = {}
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    const result = await work()
    seconds[name] = (performance.now() - started) / 1000
    return result
  }
  const config = loadConfig({}, { dataDir: args.dataDir, demo: false })
  const owned = await openOwnedStores(config, 'bench-prepare')
  const { stores } = owned
  try {
    const warehouse = stores.warehouse
    const plan = benchPlan(args.rows, args.seed)
    const sink = serviceSink(new IngestService(stores, { maxEvents: 200_000 }), systemCaller())
    await timed('entities', async () => {
      for (const name of ['workspaces', 'users', 'documents']) {
        for (const batch of stepOf(plan, name).batches) {
          const result = await sink.upsertEntities(name, batch)
          if (result.rejectedCount > 0) throw new Error(`${name}: ${JSON.stringify(result.rejected[0])}`)
        }
      }
    })
    log(`generating audits with the demo generator (scale ${plan.options.scale.toFixed(3)})`)
    const generatedRows = await timed('generateAndInsert', async () => {
      let auditId = 1
      for (const batch of auditBatches(plan, args.rows)) {
        await warehouse.insert(
          'audits',
          batch.map((event) => toAuditRow(event, auditId++)),
          'bench:load',
        )
      }
      return auditId - 1
    })
    log(
      `generated and inserted ${formatNumber(generatedRows)} audits in ${seconds.generateAndInsert!.toFixed(1)} s`,
    )
    const copies = Math.ceil(args.rows / generatedRows) - 1
    await timed('replicate', () => replicate(warehouse, generatedRows, copies, args.rows))
    if (copies > 0)
      log(`replicated to ${formatNumber(args.rows)} audits in ${seconds.replicate!.toFixed(1)} s`)
    await timed('keys', () =>
      warehouse.command({
        // The idempotency keys ingestion would have written beside every keyed event.
        query: `INSERT INTO ingest_keys (tenant_id, stream, key)
                SELECT tenant_id, 'audits', ingest_key FROM audits WHERE ingest_key != ''`,
        tag: 'bench:keys',
      }),
    )
    // Later ingestion continues the Audit ID sequence after the loaded rows.
    await stores.control.query("UPDATE id_counters SET last_value = $1 WHERE name = 'audit_id'", [args.rows])
    const usage = await timed('usage', () => loadUsage(stores, plan, args.rows, log))
    log(
      `usage sources for ${formatNumber(usage.workspaces)} workspaces (${usage.copies} copies) in ${seconds.usage!.toFixed(1)} s`,
    )
    const activeParts = await timed('merges', () => settleMerges(warehouse))
    log(`background merges settled in ${seconds.merges!.toFixed(1)} s (${activeParts} active parts)`)

    const [largest] = await warehouse.query<{ id: string; n: string; first: string; last: string }>({
      query: `SELECT workspace_id AS id, count() AS n, min(timestamp) AS first, max(timestamp) AS last
              FROM audits WHERE tenant_id = {tenant:UInt32} AND workspace_id != -1
              GROUP BY workspace_id ORDER BY n DESC, id LIMIT 1`,
      params: { tenant: BENCH_TENANT_ID },
    })
    if (!largest) throw new Error('no workspace audits were loaded')
    const sizes = await warehouse.query<{ table: string; bytes: string }>({
      query: `SELECT table, sum(bytes_on_disk) AS bytes FROM system.parts
              WHERE database = currentDatabase() AND active AND table IN ('audits', 'ingest_keys') GROUP BY table`,
    })
    const bytesOf = (table: string) => Number(sizes.find((s) => s.table === table)?.bytes ?? 0)

    const client = new pg.Client({ connectionString: args.pgUrl })
    await client.connect()
    try {
      // The exported instants are UTC wall times without a zone.
      await client.query("SET TIME ZONE 'UTC'")
      await createAuditTable(client)
      const copied = await timed('pgCopy', () => copyTable(client, warehouse, AUDITS_EXPORT))
      if (copied !== args.rows) throw new Error(`COPY stored ${copied} rows, expected ${args.rows}`)
      log(`copied ${formatNumber(copied)} rows into PostgreSQL in ${seconds.pgCopy!.toFixed(1)} s`)
      await timed('pgUsageCopy', async () => {
        await createUsageTables(client)
        await insertWorkspaces(
          client,
          await stores.control.query<WorkspaceEntity>(
            `SELECT tenant_id, artifact_id::text AS artifact_id, name, client_domain, matter, template, status,
                    created_at
             FROM workspaces WHERE tenant_id = $1 ORDER BY artifact_id`,
            [BENCH_TENANT_ID],
          ),
        )
        for (const source of USAGE_EXPORTS) {
          const stored = await copyTable(client, warehouse, source)
          if (stored !== usage.rows[source.table]?.total)
            throw new Error(
              `COPY stored ${stored} ${source.table} rows, expected ${usage.rows[source.table]?.total}`,
            )
        }
      })
      log(`copied the usage sources into PostgreSQL in ${seconds.pgUsageCopy!.toFixed(1)} s`)
      const finished = await finishAuditTable(client)
      seconds.pgIndexes = finished.indexSeconds
      seconds.pgVacuum = finished.vacuumSeconds
      const usageTables = await finishUsageTables(client)
      seconds.pgUsageIndexesAndVacuum = usageTables.seconds
      log(
        `PostgreSQL indexes in ${finished.indexSeconds.toFixed(1)} s, VACUUM ANALYZE in ${finished.vacuumSeconds.toFixed(1)} s` +
          ` (usage tables: ${usageTables.seconds.toFixed(1)} s for both)`,
      )
      return {
        rows: args.rows,
        generatedRows,
        copies,
        workspace: {
          id: Number(largest.id),
          rows: Number(largest.n),
          first: largest.first,
          last: largest.last,
        },
        warehouse: { activeParts, auditBytes: bytesOf('audits'), keyBytes: bytesOf('ingest_keys') },
        postgres: { tableBytes: finished.tableBytes, indexBytes: finished.indexBytes },
        usage: {
          ...usage,
          postgres: { tableBytes: usageTables.tableBytes, indexBytes: usageTables.indexBytes },
        },
        seconds,
      }
    } finally {
      await client.end()
    }
  } finally {
    await owned.close()
  }
}

const AUDIT_COLUMNS = [
  'tenant_id',
  'workspace_id',
  'audit_id',
  'timestamp',
  'action_id',
  'object_type_id',
  'artifact_id',
  'artifact_name',
  'user_id',
  'user_name',
  'execution_time_ms',
  'details',
  'change_field_ids',
  'change_fields',
  'change_old_values',
  'change_new_values',
  'size_bytes',
  'ingest_key',
]

/**
 * Makes copies 1..`copies` of the generated block inside the engine, up to `rows` in all. Copy c
 * takes Audit IDs id + c x block and idempotency keys `key~c`, and moves each audit back in time by
 * a hashed 0-7 days, so copies interleave with the original activity instead of sitting next to it
 * (identical neighbours would compress, and so scan, unrealistically well).
 */
async function replicate(warehouse: Warehouse, block: number, copies: number, rows: number): Promise<void> {
  const perStatement = Math.max(1, Math.floor(ROWS_PER_REPLICATION / block))
  const select = AUDIT_COLUMNS.map((column) => {
    if (column === 'audit_id') return 'audit_id + copy.number * {block:UInt64}'
    if (column === 'timestamp')
      return 'timestamp - toIntervalMillisecond(cityHash64(audit_id, copy.number) % {shift:UInt64})'
    if (column === 'ingest_key')
      return "if(ingest_key = '', '', concat(ingest_key, '~', toString(copy.number)))"
    return column
  })
  for (let first = 1; first <= copies; first += perStatement) {
    const count = Math.min(perStatement, copies - first + 1)
    await warehouse.command({
      query: `INSERT INTO audits (${AUDIT_COLUMNS.join(', ')})
              SELECT ${select.join(', ')} FROM audits CROSS JOIN numbers({first:UInt64}, {count:UInt64}) AS copy
              WHERE audit_id <= {block:UInt64} AND audit_id + copy.number * {block:UInt64} <= {rows:UInt64}`,
      params: { block, shift: WEEK_MS, first, count, rows },
      tag: 'bench:replicate',
    })
    log(`copies ${first}-${first + count - 1} of ${copies}`)
  }
}

/**
 * Waits until the engine has no merge running for two polls in a row: the state a table reaches
 * between bursts of ingestion, so the measurements do not share the CPU with the load's merges.
 */
async function settleMerges(warehouse: Warehouse): Promise<number> {
  let quiet = 0
  const deadline = Date.now() + 30 * 60_000
  while (quiet < 2 && Date.now() < deadline) {
    const [row] = await warehouse.query<{ n: string }>({
      query: 'SELECT count() AS n FROM system.merges WHERE database = currentDatabase()',
    })
    quiet = Number(row?.n) === 0 ? quiet + 1 : 0
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  const [parts] = await warehouse.query<{ n: string }>({
    query:
      "SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = 'audits' AND active",
  })
  return Number(parts?.n)
}

/** Streams a warehouse table into its baseline table with `COPY … FROM STDIN`; resolves to the rows stored. */
function copyTable(client: pg.Client, warehouse: Warehouse, source: TableExport): Promise<number> {
  return copyFromStdin(client, source.copy, exportTable(warehouse, source))
}

/**
 * A table's rows as lines of PostgreSQL's text COPY format, read in sort-key order by keyset chunks.
 * The "after the last row" condition is spelled out as OR/AND of key comparisons, which the primary
 * key index can use (a tuple comparison would scan).
 */
async function* exportTable(warehouse: Warehouse, source: TableExport): AsyncGenerator<Buffer> {
  type Row = { line: string } & Record<string, string>
  const value = (i: number) => {
    const type = source.key[i]![1]
    return type === 'DateTime64' ? `parseDateTime64BestEffort({k${i}:String}, 3, 'UTC')` : `{k${i}:${type}}`
  }
  const after = (i: number): string => {
    const column = source.key[i]![0]
    return i === source.key.length - 1
      ? `${column} > ${value(i)}`
      : `(${column} > ${value(i)} OR (${column} = ${value(i)} AND ${after(i + 1)}))`
  }
  const columns = source.key.map(([column]) => column)
  const chunks = readInChunks<Row, Row>(
    warehouse,
    (last, limit) => ({
      query: `SELECT formatRowNoNewline('TSV', ${source.expressions.join(', ')}) AS line,
                     ${columns.map((column, i) => `${column} AS k${i}`).join(', ')}
              FROM ${source.table} WHERE tenant_id = {tenant:UInt32} ${last ? `AND ${after(0)}` : ''}
              ORDER BY ${columns.join(', ')} LIMIT {limit:UInt32}`,
      params: {
        tenant: BENCH_TENANT_ID,
        limit,
        ...(last && Object.fromEntries(columns.map((_, i) => [`k${i}`, last[`k${i}`]]))),
      },
      tag: 'bench:export',
    }),
    (row) => row,
    EXPORT_CHUNK_ROWS,
  )
  for await (const rows of chunks) yield Buffer.from(rows.map((r) => r.line).join('\n') + '\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = JSON.parse(process.argv[2] ?? '{}') as PrepareArgs
  prepareData(args)
    .then((prepared) => fs.writeFileSync(args.resultFile, JSON.stringify(prepared, null, 2)))
    .then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
        process.exit(1)
      },
    )
}
