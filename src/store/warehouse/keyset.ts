import type { SqlQuery, Warehouse } from './warehouse.js'

/**
 * Reads a large result in chunks that continue after the last row's key, instead of OFFSET or one
 * huge result: chDB buffers a whole result in memory, so exports and downloads go through here.
 * `build(after, limit)` must order by the key and return rows strictly after `after`.
 */
export async function* readInChunks<Row, Cursor>(
  warehouse: Warehouse,
  build: (after: Cursor | undefined, limit: number) => SqlQuery,
  cursorOf: (row: Row) => Cursor,
  chunkSize = 50_000,
): AsyncGenerator<Row[]> {
  let after: Cursor | undefined
  for (;;) {
    const rows = await warehouse.query<Row>(build(after, chunkSize))
    if (rows.length > 0) yield rows
    if (rows.length < chunkSize) return
    after = cursorOf(rows[rows.length - 1] as Row)
  }
}
