import type { Readable } from 'node:stream'
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../../../errors.js'
import type { Stores } from '../../../store/stores.js'
import { requirePermission, type Caller } from '../../identity/caller.js'
import { COLUMNS, FILE_KINDS, fileNameOf, type FileKind } from './columns.js'
import { daysBetween, todayUtc } from './days.js'
import { enqueueDays, enqueueMissingFiles, type EnqueuedBuild } from './job.js'
import {
  findTrackingFile,
  getRawExport,
  listTrackingFiles,
  setRawExport,
  type RawExportSetting,
  type TrackingFile,
} from './registry.js'
import type { LastLines } from './schemas.js'
import type { DownloadSigner } from './signing.js'
import { lastItemsQuery, type FileTarget, type ItemKind } from './sql.js'

/** What the tracking file routes do: previews, listings, signed links, downloads, and settings. */

/** The latest items of a product with their client's metadata, newest first. */
export async function lastLines<K extends ItemKind>(
  stores: Stores,
  target: FileTarget,
  kind: K,
  lineCount: number,
): Promise<LastLines[K]> {
  const rows = await stores.warehouse.query<Record<string, unknown>>(lastItemsQuery(kind, target, lineCount))
  const columns = COLUMNS[kind]
  // The query names its columns by the catalog's keys, and every one is text but custom data (a
  // map of text): each row is a line of the kind's schema once cut to the file's columns.
  const results = rows.map((row) => Object.fromEntries(columns.map((c) => [c.key, row[c.key]])))
  return {
    productId: target.productId,
    fieldNames: Object.fromEntries(columns.map((c) => [c.key, c.label])),
    results,
  } as LastLines[K]
}

const rawExportDisabled = (productId: number) =>
  new AppError(
    'raw_export_disabled',
    409,
    `raw data export is disabled for product ${productId}; an administrator turns it on with PUT /admin/v1/products/${productId}/raw-export`,
  )

/** The raw export endpoints answer only for a product whose raw export is on: a 409 otherwise. */
export async function requireRawExport(stores: Stores, target: FileTarget): Promise<void> {
  if (!(await getRawExport(stores.control, target)).enabled) throw rawExportDisabled(target.productId)
}

export interface FileView {
  fileName: string
  fileDate: string
  rows: number
  sizeBytes: number
  uncompressedSizeBytes: number
  createdAt: string
}

const toView = (file: TrackingFile): FileView => ({
  fileName: file.fileName,
  fileDate: file.day,
  rows: file.rows,
  sizeBytes: file.sizeBytes,
  uncompressedSizeBytes: file.uncompressedBytes,
  createdAt: file.createdAt.toISOString(),
})

export async function listFiles(stores: Stores, target: FileTarget, kind: FileKind): Promise<FileView[]> {
  if (kind === 'rawEvents') await requireRawExport(stores, target)
  return (await listTrackingFiles(stores.control, target, kind)).map(toView)
}

/**
 * A link that downloads one listed file without other credentials, until it expires: `linkBase`
 * (the download route's absolute URL) with the file's name, and the token naming the file.
 */
export async function downloadUrl(
  stores: Stores,
  signer: DownloadSigner,
  linkBase: string,
  target: FileTarget,
  kind: FileKind,
  fileName: string,
): Promise<{ fileName: string; downloadUrl: string; expiresAt: string }> {
  if (kind === 'rawEvents') await requireRawExport(stores, target)
  const file = await findTrackingFile(stores.control, target, kind, { fileName })
  if (!file)
    throw new NotFoundError(`File '${fileName}' of product ${target.productId} (listFiles lists them)`)
  const { token, expiresAt } = await signer.sign({ ...target, kind, day: file.day })
  const url = new URL(encodeURIComponent(file.fileName), linkBase)
  url.searchParams.set('token', token)
  return { fileName: file.fileName, downloadUrl: url.toString(), expiresAt: expiresAt.toISOString() }
}

/** The file a valid link names, opened for streaming; 403 when the link is bad or for another file. */
export async function openDownload(
  stores: Stores,
  signer: DownloadSigner,
  fileName: string,
  token: string,
): Promise<{ file: TrackingFile; body: Readable }> {
  const claims = await signer.verify(token)
  if (fileNameOf(claims.kind, claims.productId, claims.day) !== fileName)
    throw new ForbiddenError('this download link is for another file')
  const target = { tenantId: claims.tenantId, productId: claims.productId }
  if (claims.kind === 'rawEvents') await requireRawExport(stores, target)
  const file = await findTrackingFile(stores.control, target, claims.kind, { day: claims.day })
  if (!file) throw new NotFoundError(`File '${fileName}'`)
  return { file, body: await stores.files.read(file.fileKey) }
}

/** Checks the caller may manage the product's files (403) and that Tally knows the product (404). */
export async function requireManagedProduct(
  stores: Stores,
  caller: Caller,
  productId: number,
): Promise<FileTarget> {
  requirePermission(caller, 'Manage Tracking Files', [{ kind: 'product', value: String(productId) }])
  const [row] = await stores.control.query(
    'SELECT 1 FROM products WHERE tenant_id = $1 AND product_id = $2',
    [caller.tenantId, productId],
  )
  if (!row) throw new NotFoundError(`Product ${productId}`)
  return { tenantId: caller.tenantId, productId }
}

export const rawExportSetting = (stores: Stores, target: FileTarget): Promise<RawExportSetting> =>
  getRawExport(stores.control, target)

/**
 * Turns a product's raw export on or off. Turning it on enqueues the builds of the sweep's days at
 * once rather than at the next sweep; turning it off keeps the files built so far, unreachable.
 */
export async function changeRawExport(
  stores: Stores,
  target: FileTarget,
  enabled: boolean,
): Promise<RawExportSetting & { enqueuedBuilds: number }> {
  await setRawExport(stores.control, target, enabled)
  const enqueuedBuilds = enabled ? await enqueueMissingFiles(stores, todayUtc(), target) : 0
  return { ...(await getRawExport(stores.control, target)), enqueuedBuilds }
}

/** At most a year of days per build request. */
export const MAX_BUILD_DAYS = 366

/**
 * Builds a product's files of finished days again, on request: each day from `firstDay` to
 * `lastDay` (default `firstDay`) that has rows, of the kinds asked (default every kind the
 * product has on). Asking for raw events of a product with raw export off is a 409.
 */
export async function buildFiles(
  stores: Stores,
  target: FileTarget,
  request: { firstDay: string; lastDay?: string; kinds?: FileKind[] },
  today = todayUtc(),
): Promise<EnqueuedBuild[]> {
  const lastDay = request.lastDay ?? request.firstDay
  if (lastDay < request.firstDay)
    throw new ValidationError(`lastDay: ${lastDay} is before firstDay ${request.firstDay}`)
  if (lastDay >= today)
    throw new ValidationError(
      `lastDay: ${lastDay} is not a finished UTC day; the last one is the day before ${today}`,
    )
  if (daysBetween(request.firstDay, lastDay) > MAX_BUILD_DAYS)
    throw new ValidationError(`lastDay: one request builds at most ${MAX_BUILD_DAYS} days`)
  const rawEnabled = (await getRawExport(stores.control, target)).enabled
  if (request.kinds?.includes('rawEvents') && !rawEnabled) throw rawExportDisabled(target.productId)
  const kinds = request.kinds ?? FILE_KINDS.filter((kind) => kind !== 'rawEvents' || rawEnabled)
  return enqueueDays(stores, target, { first: request.firstDay, last: lastDay }, kinds)
}
