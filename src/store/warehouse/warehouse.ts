import {
  createClient,
  ClickHouseError,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  type ClickHouseSettings,
} from '@clickhouse/client'
import { createChdbConnection, type ChdbExtension } from 'chdb/connection'
import fs from 'node:fs'
import { Readable } from 'node:stream'
import { AppError } from '../../errors.js'
import { TsvEncoder, type TsvLines } from './tsv.js'

/** A statement and its bound values. Builders return this; values never reach SQL as text. */
export interface SqlQuery {
  query: string
  params?: Record<string, unknown>
  /** Shows up as `log_comment` in the engine's query log, to find a slow report's query. */
  tag?: string
}

/** Rows encoded for one table's INSERT (`Warehouse.encode`), not inserted yet. */
export interface EncodedRows {
  table: string
  columns: readonly string[]
  lines: TsvLines
}

export interface WarehouseOptions {
  /** ClickHouse server URL; without it the embedded chDB engine opens `path`. */
  url?: string
  path?: string
  database: string
  cluster?: string
}

/** Applied to every statement, so the chDB and server engines return rows in the same shapes. */
const COMMON_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  date_time_output_format: 'iso',
  date_time_input_format: 'best_effort',
  max_execution_time: 300,
  // ClickHouse JIT-compiles an expression, aggregate or sort the third time it sees it, inside
  // that statement: one ~150 ms stall per query shape (bench/README.md, "Audit queries"), for no
  // measured gain in Tally's statements.
  compile_expressions: 0,
  compile_aggregate_expressions: 0,
  compile_sort_description: 0,
}

export class WarehouseError extends AppError {
  constructor(message: string, cause: unknown) {
    super('warehouse_error', 500, message, undefined, false)
    this.cause = cause
  }
}

/**
 * The only door to the event store (chDB embedded, or a ClickHouse server or cluster). It owns the
 * connection, the common settings, query tags and error wrapping; callers pass SQL and bound values.
 */
export class Warehouse {
  /** Each table's column types, read from the engine on its first insert. */
  private readonly columnTypes = new Map<string, Map<string, string>>()
  private readonly encoders = new Map<string, TsvEncoder>()

  private constructor(
    private readonly client: ClickHouseClient,
    readonly database: string,
    readonly cluster: string | undefined,
    /** The embedded engine's own insert, which takes the encoded rows as one buffer. */
    private readonly chdb: ChdbExtension | undefined,
  ) {}

  static async open(options: WarehouseOptions): Promise<Warehouse> {
    if (options.url) {
      const bootstrap = createClient({ url: options.url })
      await bootstrap.command({ query: createDatabaseSql(options.database, options.cluster) })
      await bootstrap.close()
      const client = createClient({ url: options.url, database: options.database })
      return new Warehouse(client, options.database, options.cluster, undefined)
    }
    if (!options.path) throw new Error('the embedded warehouse needs a data path')
    fs.mkdirSync(options.path, { recursive: true })
    // chDB has no per-request database; `USE` sets it for the one in-process session.
    const connection = createChdbConnection({ path: options.path })
    const client = createClient({ connection: asClientConnection(connection) })
    await client.command({ query: createDatabaseSql(options.database, undefined) })
    await client.command({ query: `USE ${options.database}` })
    return new Warehouse(client, options.database, undefined, connection.chdb)
  }

  /** Runs a SELECT and returns its rows as JSON objects (64-bit integers arrive as strings). */
  async query<Row = Record<string, unknown>>(q: SqlQuery): Promise<Row[]> {
    try {
      const result = await this.client.query({
        query: q.query,
        query_params: q.params ?? {},
        format: 'JSONEachRow',
        clickhouse_settings: this.settings(q.tag),
      })
      return await result.json<Row>()
    } catch (error) {
      throw wrap(error, q.tag)
    }
  }

  /** Runs a statement that returns no rows (DDL, INSERT … SELECT, ALTER). */
  async command(q: SqlQuery): Promise<void> {
    try {
      await this.client.command({
        query: q.query,
        query_params: q.params ?? {},
        clickhouse_settings: this.settings(q.tag),
      })
    } catch (error) {
      throw wrap(error, q.tag)
    }
  }

  /**
   * Inserts rows as one block. When this resolves the rows are on disk (tables are created with
   * fsync_after_insert), which is what lets the ingestion API promise durability with its 200.
   * The first row's keys name the columns; every row must carry them all.
   */
  async insert(table: string, rows: readonly object[], tag = `insert:${table}`): Promise<void> {
    if (rows.length === 0) return
    await this.insertEncoded(await this.encode(table, rows, tag), { tag })
  }

  /**
   * Encodes rows for `insertEncoded`, so the work can be done while the engine runs a statement
   * the insert waits for. The first row's keys name the columns; every row must carry them all.
   */
  async encode(table: string, rows: readonly object[], tag = `insert:${table}`): Promise<EncodedRows> {
    if (rows.length === 0) return { table, columns: [], lines: new TsvEncoder([]).encodeLines([]) }
    try {
      const encoder = await this.encoderFor(table, Object.keys(rows[0]!))
      return { table, columns: encoder.columns.map(([name]) => name), lines: encoder.encodeLines(rows) }
    } catch (error) {
      throw wrap(error, tag)
    }
  }

  /**
   * Inserts encoded rows as one block, durably like `insert`: all of them, or those at `rows` in
   * that order. `numbered` adds a column holding consecutive numbers from `first` (assigned ids).
   */
  async insertEncoded(
    encoded: EncodedRows,
    options: { rows?: readonly number[]; numbered?: { column: string; first: number }; tag?: string } = {},
  ): Promise<void> {
    const { rows, numbered, tag = `insert:${encoded.table}` } = options
    if ((rows ?? encoded.lines).length === 0) return
    const { table } = encoded
    try {
      if (numbered && !this.columnTypes.get(table)?.has(numbered.column))
        throw new Error(`table ${table} has no column ${numbered.column}`)
      const body =
        rows || numbered
          ? encoded.lines.select(rows ?? [...Array(encoded.lines.length).keys()], numbered?.first)
          : encoded.lines.bytes
      const columns = numbered ? [numbered.column, ...encoded.columns] : [...encoded.columns]
      const settings = this.settings(tag)
      if (this.chdb) {
        // Every setting here is a number or a string (COMMON_SETTINGS, the tag).
        const raw = settings as Record<string, string | number>
        await this.chdb.rawInsert({ table, columns, format: 'TabSeparated', values: body, settings: raw })
      } else {
        await this.client.insert({
          table,
          columns: columns as [string, ...string[]],
          format: 'TabSeparated',
          values: Readable.from([body]),
          clickhouse_settings: settings,
        })
      }
    } catch (error) {
      throw wrap(error, tag)
    }
  }

  private async encoderFor(table: string, columns: readonly string[]): Promise<TsvEncoder> {
    const key = `${table}(${columns.join(',')})`
    let encoder = this.encoders.get(key)
    if (!encoder) {
      let types = this.columnTypes.get(table)
      // A column added by a migration since the types were read: read them again.
      if (!types || columns.some((column) => !types!.has(column))) types = await this.readColumnTypes(table)
      const unknown = columns.filter((column) => !types!.has(column))
      if (unknown.length > 0) throw new Error(`table ${table} has no column ${unknown.join(', ')}`)
      encoder = new TsvEncoder(columns.map((column) => [column, types!.get(column)!] as const))
      this.encoders.set(key, encoder)
    }
    return encoder
  }

  private async readColumnTypes(table: string): Promise<Map<string, string>> {
    const rows = await this.query<{ name: string; type: string }>({
      query:
        'SELECT name, type FROM system.columns WHERE database = {database:String} AND table = {table:String}',
      params: { database: this.database, table },
      tag: `insert:${table}:columns`,
    })
    const types = new Map(rows.map((row) => [row.name, row.type]))
    this.columnTypes.set(table, types)
    return types
  }

  async ping(): Promise<boolean> {
    const result = await this.client.ping()
    return result.success
  }

  async close(): Promise<void> {
    await this.client.close()
  }

  private settings(tag: string | undefined): ClickHouseSettings {
    // A Distributed table forwards inserts to the shards in the background by default; a 200 from
    // ingestion (and the idempotency check of a retry) needs them written before the insert returns.
    const cluster: ClickHouseSettings = this.cluster ? { insert_distributed_sync: 1 } : {}
    return { ...COMMON_SETTINGS, ...cluster, ...(tag && { log_comment: tag }) }
  }
}

/**
 * chDB implements @clickhouse/client's Connection, but types it against its own copy of
 * @clickhouse/client-common, which TypeScript sees as a different (structurally equal) type.
 */
function asClientConnection(
  connection: ReturnType<typeof createChdbConnection>,
): ClickHouseClientConfigOptions['connection'] {
  return connection as unknown as ClickHouseClientConfigOptions['connection']
}

function createDatabaseSql(database: string, cluster: string | undefined): string {
  return `CREATE DATABASE IF NOT EXISTS ${database}${cluster ? ` ON CLUSTER '${cluster}'` : ''}`
}

function wrap(error: unknown, tag: string | undefined): Error {
  if (error instanceof AppError) return error
  const what = tag ? `warehouse statement ${tag}` : 'warehouse statement'
  if (error instanceof ClickHouseError) return new WarehouseError(`${what} failed: ${error.message}`, error)
  return new WarehouseError(`${what} failed: ${String(error)}`, error)
}
