import { ZipArchive } from 'archiver'
import { stringify } from 'csv-stringify/sync'
import { Readable } from 'node:stream'
import type { Stores } from '../../../store/stores.js'
import { readInChunks } from '../../../store/warehouse/keyset.js'
import { COLUMNS, csvCell, fileKeyOf, fileNameOf, type FileKind } from './columns.js'
import { addDays } from './days.js'
import { saveTrackingFile } from './registry.js'
import { dayCountsQuery, itemChunkQuery, rawChunkQuery, type FileTarget, type RowCursor } from './sql.js'

/**
 * Rows per warehouse read. A row is at most about 128 KiB (an exception's message and stack trace
 * are 64 KiB each), so a chunk stays under 128 MiB however wide its rows; typical rows are well
 * under 1 KiB, a chunk under 1 MiB.
 */
export const CHUNK_ROWS = 1000

type WarehouseRow = Record<string, unknown> & RowCursor

const cursorOf = (row: WarehouseRow): RowCursor => ({
  timestamp: row.timestamp,
  clientId: row.clientId,
  rowHash: row.rowHash,
  eventType: row.eventType,
})

/** A day's rows of one kind, in file order, chunk by chunk. */
function dayRows(stores: Stores, kind: FileKind, target: FileTarget, day: string) {
  return readInChunks<WarehouseRow, RowCursor>(
    stores.warehouse,
    (after, limit) =>
      kind === 'rawEvents'
        ? rawChunkQuery(target, day, after, limit)
        : itemChunkQuery(kind, target, day, after, limit),
    cursorOf,
    CHUNK_ROWS,
  )
}

/** How many rows of each kind a product has on a day. */
export async function rowsOnDay(
  stores: Stores,
  target: FileTarget,
  day: string,
): Promise<Record<FileKind, number>> {
  const [row] = await stores.warehouse.query<Record<FileKind, string>>(
    dayCountsQuery(day, addDays(day, 1), target),
  )
  return {
    customEvents: Number(row?.customEvents ?? 0),
    exceptions: Number(row?.exceptions ?? 0),
    rawEvents: Number(row?.rawEvents ?? 0),
  }
}

export interface BuiltFile {
  fileName: string
  rows: number
  sizeBytes: number
}

/**
 * Builds a product's file of one kind for one day: the day's rows, read in keyset chunks, written
 * as CSV into a ZIP streamed into the file store, then recorded in the registry. The store swaps
 * the file in whole, so a reader never sees half of it; building a day again replaces the file
 * with the same rows (plus any that arrived since). A day without rows gets no file.
 */
export async function buildTrackingFile(
  stores: Stores,
  target: FileTarget,
  kind: FileKind,
  day: string,
  options: { signal: AbortSignal; onProgress: (fraction: number) => Promise<void> },
): Promise<BuiltFile | undefined> {
  const expected = (await rowsOnDay(stores, target, day))[kind]
  if (expected === 0) return undefined
  const fileName = fileNameOf(kind, target.productId, day)
  const fileKey = fileKeyOf(target.tenantId, kind, target.productId, day)
  const columns = COLUMNS[kind]
  let rows = 0
  let uncompressedBytes = 0
  const csv = Readable.from(
    (async function* () {
      const header = stringify([columns.map((c) => c.key)])
      uncompressedBytes += Buffer.byteLength(header)
      yield header
      for await (const chunk of dayRows(stores, kind, target, day)) {
        options.signal.throwIfAborted()
        const text = stringify(
          chunk.map((row) => columns.map((c) => (c.cell ? c.cell(row) : csvCell(row[c.key])))),
        )
        rows += chunk.length
        uncompressedBytes += Buffer.byteLength(text)
        yield text
        // Rows that arrived after the count make the fraction pass 1; the runner clamps it.
        await options.onProgress(rows / expected)
      }
    })(),
  )
  const zip = new ZipArchive()
  // The archiver leaves an entry's stream errors unhandled: a failed read must fail the write.
  csv.once('error', (error) => zip.destroy(error))
  zip.append(csv, { name: fileName.replace(/\.zip$/, '.csv') })
  void zip.finalize().catch((error: unknown) => zip.destroy(error as Error))
  const stored = await stores.files.write(fileKey, zip)
  await saveTrackingFile(stores.control, {
    ...target,
    kind,
    day,
    fileName,
    fileKey,
    rows,
    sizeBytes: stored.size,
    uncompressedBytes,
  })
  return { fileName, rows, sizeBytes: stored.size }
}
