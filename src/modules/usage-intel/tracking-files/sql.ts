import type { SqlQuery } from '../../../store/warehouse/warehouse.js'
import { BUILT_IN_PROPERTIES } from '../properties.js'
import type { FileKind } from './columns.js'

/**
 * The warehouse side of tracking files: chunks of one day's rows in a stable order (for the file
 * builds), the newest items (getLastLines), and row counts per product and day (for the sweep).
 *
 * Rows are ordered by (timestamp, client, row hash), the tables' sort key then a hash of the row's
 * exported columns. Rows equal in all three are equal in every exported column, so their order
 * among themselves does not matter, and `LIMIT … WITH TIES` keeps them in one chunk: the next chunk
 * starts strictly after the last key without losing a duplicate at the boundary.
 */

export interface FileTarget {
  tenantId: number
  productId: number
}

/** Where the previous chunk ended. `eventType` orders the streams of a raw export at one instant. */
export interface RowCursor {
  timestamp: string
  clientId: string
  rowHash: string
  eventType?: string
}

/** Custom events and exceptions: the streams whose items carry the client's metadata. */
export type ItemKind = Exclude<FileKind, 'rawEvents'>

const OF_PRODUCT = 'tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}'
const onDay = (time: string) =>
  `${time} >= toDateTime64({day:String}, 3, 'UTC') AND ${time} < toDateTime64({day:String}, 3, 'UTC') + INTERVAL 1 DAY`
const CURSOR_TIME = "parseDateTime64BestEffort({afterTime:String}, 3, 'UTC')"

const cursorParams = (after: RowCursor) => ({
  afterTime: after.timestamp,
  afterClient: after.clientId,
  afterHash: after.rowHash,
  afterType: after.eventType ?? '',
})

const ITEM_SOURCES: Record<ItemKind, { table: string; columns: string; hash: string }> = {
  customEvents: {
    table: 'usage_custom_events',
    columns: 'name, data',
    hash: 'name, mapKeys(data), mapValues(data)',
  },
  exceptions: {
    table: 'usage_exceptions',
    columns: 'exception_type AS type, message, stack_trace AS stackTrace',
    hash: 'exception_type, message, stack_trace',
  },
}
const ITEM_KEYS: Record<ItemKind, string[]> = {
  customEvents: ['name', 'data'],
  exceptions: ['type', 'message', 'stackTrace'],
}

/** Each client's newest built-in properties, for the clients in `chunk` only. */
const CLIENTS_OF_CHUNK = `
  SELECT client_id, ${BUILT_IN_PROPERTIES.map((p) => `argMax(${p.column}, updated_at) AS ${p.name}`).join(', ')}
  FROM usage_clients
  WHERE ${OF_PRODUCT} AND client_id IN (SELECT clientId FROM chunk)
  GROUP BY client_id`

/**
 * Items of a product with their client's metadata: `chunk` picks the rows, then the clients of
 * those rows alone are looked up (a client the warehouse has no record of gets empty properties).
 */
function itemsQuery(
  kind: ItemKind,
  target: FileTarget,
  pick: { where: string[]; direction: 'ASC' | 'DESC'; ties: boolean; limit: number; params: object },
  tag: string,
): SqlQuery {
  const source = ITEM_SOURCES[kind]
  const order = ['timestamp', 'clientId', 'rowHash'].map((c) => `${c} ${pick.direction}`).join(', ')
  const outer = ['timestamp', 'clientId', 'sessionId', ...ITEM_KEYS[kind], 'rowHash']
  return {
    query: `WITH chunk AS (
              SELECT timestamp, client_id AS clientId, session_id AS sessionId, ${source.columns},
                     cityHash64(client_id, session_id, ${source.hash}) AS rowHash
              FROM ${source.table}
              WHERE ${[OF_PRODUCT, ...pick.where].join(' AND ')}
              ORDER BY ${order} LIMIT {limit:UInt32}${pick.ties ? ' WITH TIES' : ''})
            SELECT ${outer.map((c) => `chunk.${c} AS ${c}`).join(', ')},
                   ${BUILT_IN_PROPERTIES.map((p) => `clients.${p.name} AS ${p.name}`).join(', ')}
            FROM chunk LEFT JOIN (${CLIENTS_OF_CHUNK}) AS clients ON clients.client_id = chunk.clientId
            ORDER BY ${order}`,
    params: { tenant: target.tenantId, product: target.productId, limit: pick.limit, ...pick.params },
    tag,
  }
}

/** The next chunk of a day's items after `after`, oldest first. */
export function itemChunkQuery(
  kind: ItemKind,
  target: FileTarget,
  day: string,
  after: RowCursor | undefined,
  limit: number,
): SqlQuery {
  const where = [onDay('timestamp')]
  if (after) {
    // The first condition lets the primary key skip granules; the tuple one is the exact cut.
    where.push(`timestamp >= ${CURSOR_TIME}`)
    where.push(`(timestamp, clientId, rowHash) > (${CURSOR_TIME}, {afterClient:String}, {afterHash:UInt64})`)
  }
  return itemsQuery(
    kind,
    target,
    { where, direction: 'ASC', ties: true, limit, params: { day, ...(after && cursorParams(after)) } },
    `tracking-files:${kind}-chunk`,
  )
}

/** The newest `limit` items of the product, newest first. */
export const lastItemsQuery = (kind: ItemKind, target: FileTarget, limit: number): SqlQuery =>
  itemsQuery(
    kind,
    target,
    { where: [], direction: 'DESC', ties: false, limit, params: {} },
    `tracking-files:${kind}-last`,
  )

/** Columns a raw export row may leave empty, typed so the streams' rows union into one shape. */
const RAW_EMPTY: Record<string, string> = {
  endedAt: "CAST(NULL, 'Nullable(DateTime64(3, \\'UTC\\'))')",
  runtimeSeconds: "CAST(NULL, 'Nullable(UInt32)')",
  category: "''",
  name: "''",
  value: "CAST(NULL, 'Nullable(Float64)')",
  data: "CAST(map(), 'Map(String, String)')",
  exceptionType: "''",
  message: "''",
  stackTrace: "''",
}

const RAW_SOURCES: { eventType: string; table: string; time: string; columns: Record<string, string> }[] = [
  {
    eventType: 'session',
    table: 'usage_sessions',
    time: 'started_at',
    columns: { endedAt: 'toNullable(ended_at)', runtimeSeconds: 'toNullable(runtime_seconds)' },
  },
  {
    eventType: 'event',
    table: 'usage_events',
    time: 'timestamp',
    columns: { category: 'category', name: 'name', value: 'value' },
  },
  {
    eventType: 'customEvent',
    table: 'usage_custom_events',
    time: 'timestamp',
    columns: { name: 'name', data: 'data' },
  },
  {
    eventType: 'exception',
    table: 'usage_exceptions',
    time: 'timestamp',
    columns: { exceptionType: 'exception_type', message: 'message', stackTrace: 'stack_trace' },
  },
]

/**
 * The next chunk of a day's raw events after `after`, every stream of the product merged in time
 * order. Each stream's branch takes its own first `limit` rows (with ties) after the cursor, which
 * holds every row of the merged first `limit`, so the union stays small.
 */
export function rawChunkQuery(
  target: FileTarget,
  day: string,
  after: RowCursor | undefined,
  limit: number,
): SqlQuery {
  const branches = RAW_SOURCES.map((source) => {
    const columns = Object.keys(RAW_EMPTY).map((key) => `${source.columns[key] ?? RAW_EMPTY[key]} AS ${key}`)
    const hashed = Object.values(source.columns).map((c) =>
      c === 'data' ? 'mapKeys(data), mapValues(data)' : c,
    )
    const where = [OF_PRODUCT, onDay(source.time)]
    if (after) {
      where.push(`${source.time} >= ${CURSOR_TIME}`)
      where.push(
        `(${source.time}, client_id, '${source.eventType}', rowHash) > (${CURSOR_TIME}, {afterClient:String}, {afterType:String}, {afterHash:UInt64})`,
      )
    }
    return `SELECT * FROM (
              SELECT '${source.eventType}' AS eventType, ${source.time} AS timestamp, client_id AS clientId,
                     session_id AS sessionId, ingest_key AS id, ${columns.join(', ')},
                     cityHash64(client_id, session_id, ingest_key, ${hashed.join(', ')}) AS rowHash
              FROM ${source.table} WHERE ${where.join(' AND ')}
              ORDER BY timestamp, clientId, rowHash LIMIT {limit:UInt32} WITH TIES)`
  })
  return {
    query: `SELECT * FROM (${branches.join(' UNION ALL ')})
            ORDER BY timestamp, clientId, eventType, rowHash LIMIT {limit:UInt32} WITH TIES`,
    params: {
      tenant: target.tenantId,
      product: target.productId,
      day,
      limit,
      ...(after && cursorParams(after)),
    },
    tag: 'tracking-files:raw-chunk',
  }
}

/** Rows per product and UTC day in [since, until), per file kind. */
export interface DayCount {
  tenantId: number
  productId: number
  day: string
  rows: Record<FileKind, number>
}

/**
 * Rows per product and day of the days from `since` (included) to `until` (excluded), for every
 * product or only `target`'s: custom events, exceptions, and all four streams for raw exports.
 */
export function dayCountsQuery(since: string, until: string, target?: FileTarget): SqlQuery {
  const branches = RAW_SOURCES.map(
    (source) => `
      SELECT tenant_id, product_id, toDate(${source.time}) AS day, '${source.eventType}' AS source, count() AS n
      FROM ${source.table}
      WHERE ${source.time} >= toDateTime64({since:String}, 3, 'UTC') AND ${source.time} < toDateTime64({until:String}, 3, 'UTC')
        ${target ? `AND ${OF_PRODUCT}` : ''}
      GROUP BY tenant_id, product_id, day`,
  )
  return {
    query: `SELECT tenant_id, product_id, toString(day) AS day,
                   sumIf(n, source = 'customEvent') AS customEvents, sumIf(n, source = 'exception') AS exceptions,
                   sum(n) AS rawEvents
            FROM (${branches.join(' UNION ALL ')})
            GROUP BY tenant_id, product_id, day ORDER BY tenant_id, product_id, day`,
    params: { since, until, ...(target && { tenant: target.tenantId, product: target.productId }) },
    tag: 'tracking-files:day-counts',
  }
}
