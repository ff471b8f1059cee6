import type { Queryable } from '../../../store/control/driver.js'
import type { FileKind } from './columns.js'
import type { FileTarget } from './sql.js'

/**
 * The control-plane side of tracking files (migration 0008): the registry of built files and the
 * per-product raw export switch. Rows are parsed here; nothing above sees them raw.
 */

export interface TrackingFile {
  tenantId: number
  productId: number
  kind: FileKind
  /** The UTC day, YYYY-MM-DD. */
  day: string
  fileName: string
  fileKey: string
  rows: number
  sizeBytes: number
  uncompressedBytes: number
  createdAt: Date
}

interface FileRow {
  tenant_id: number
  product_id: number
  kind: FileKind
  day: string
  file_name: string
  file_key: string
  rows: string | number
  size_bytes: string | number
  uncompressed_bytes: string | number
  created_at: Date | string
}

// The day as text: a `date` would come back as a local-midnight Date from one driver and not another.
const FILE_COLUMNS = `tenant_id, product_id, kind, to_char(day, 'YYYY-MM-DD') AS day, file_name, file_key,
  rows, size_bytes, uncompressed_bytes, created_at`

const parseFile = (row: FileRow): TrackingFile => ({
  tenantId: Number(row.tenant_id),
  productId: Number(row.product_id),
  kind: row.kind,
  day: row.day,
  fileName: row.file_name,
  fileKey: row.file_key,
  rows: Number(row.rows),
  sizeBytes: Number(row.size_bytes),
  uncompressedBytes: Number(row.uncompressed_bytes),
  createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
})

/** A product's files of one kind, newest day first. */
export async function listTrackingFiles(
  db: Queryable,
  target: FileTarget,
  kind: FileKind,
): Promise<TrackingFile[]> {
  const rows = await db.query<FileRow>(
    `SELECT ${FILE_COLUMNS} FROM tracking_files
     WHERE tenant_id = $1 AND product_id = $2 AND kind = $3 ORDER BY day DESC`,
    [target.tenantId, target.productId, kind],
  )
  return rows.map(parseFile)
}

export async function findTrackingFile(
  db: Queryable,
  target: FileTarget,
  kind: FileKind,
  by: { fileName: string } | { day: string },
): Promise<TrackingFile | undefined> {
  const [column, value] = 'fileName' in by ? ['file_name', by.fileName] : ['day', by.day]
  const [row] = await db.query<FileRow>(
    `SELECT ${FILE_COLUMNS} FROM tracking_files
     WHERE tenant_id = $1 AND product_id = $2 AND kind = $3 AND ${column} = $4`,
    [target.tenantId, target.productId, kind, value],
  )
  return row && parseFile(row)
}

/** Records a (re)built file; a rebuild replaces the day's row. */
export async function saveTrackingFile(db: Queryable, file: Omit<TrackingFile, 'createdAt'>): Promise<void> {
  await db.query(
    `INSERT INTO tracking_files
       (tenant_id, product_id, kind, day, file_name, file_key, rows, size_bytes, uncompressed_bytes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, product_id, kind, day) DO UPDATE SET
       file_name = EXCLUDED.file_name, file_key = EXCLUDED.file_key, rows = EXCLUDED.rows,
       size_bytes = EXCLUDED.size_bytes, uncompressed_bytes = EXCLUDED.uncompressed_bytes, created_at = now()`,
    [
      file.tenantId,
      file.productId,
      file.kind,
      file.day,
      file.fileName,
      file.fileKey,
      file.rows,
      file.sizeBytes,
      file.uncompressedBytes,
    ],
  )
}

/** `tenant/product/kind/day` → rows of every file of the days from `since`, for the sweep. */
export async function registeredRows(
  db: Queryable,
  since: string,
  target?: FileTarget,
): Promise<Map<string, number>> {
  const rows = await db.query<{
    tenant_id: number
    product_id: number
    kind: FileKind
    day: string
    rows: string
  }>(
    `SELECT tenant_id, product_id, kind, to_char(day, 'YYYY-MM-DD') AS day, rows FROM tracking_files
     WHERE day >= $1 AND ($2::integer IS NULL OR (tenant_id = $2 AND product_id = $3))`,
    [since, target?.tenantId ?? null, target?.productId ?? null],
  )
  return new Map(
    rows.map((r) => [fileId(Number(r.tenant_id), Number(r.product_id), r.kind, r.day), Number(r.rows)]),
  )
}

/** One file's identity as a map key. */
export const fileId = (tenantId: number, productId: number, kind: FileKind, day: string) =>
  `${tenantId}/${productId}/${kind}/${day}`

export interface RawExportSetting {
  enabled: boolean
  /** When an administrator last changed it; null: never (off by default). */
  updatedAt: Date | null
}

export async function getRawExport(db: Queryable, target: FileTarget): Promise<RawExportSetting> {
  const [row] = await db.query<{ enabled: boolean; updated_at: Date | string }>(
    'SELECT enabled, updated_at FROM raw_export_settings WHERE tenant_id = $1 AND product_id = $2',
    [target.tenantId, target.productId],
  )
  if (!row) return { enabled: false, updatedAt: null }
  return { enabled: row.enabled, updatedAt: new Date(row.updated_at) }
}

export async function setRawExport(db: Queryable, target: FileTarget, enabled: boolean): Promise<void> {
  await db.query(
    `INSERT INTO raw_export_settings (tenant_id, product_id, enabled) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, product_id) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()`,
    [target.tenantId, target.productId, enabled],
  )
}

/** `tenant/product` of the products Tally knows, with whether their raw export is on. */
export async function knownProducts(db: Queryable, target?: FileTarget): Promise<Map<string, boolean>> {
  const rows = await db.query<{ tenant_id: number; product_id: number; raw: boolean | null }>(
    `SELECT p.tenant_id, p.product_id, s.enabled AS raw FROM products p
     LEFT JOIN raw_export_settings s ON s.tenant_id = p.tenant_id AND s.product_id = p.product_id
     WHERE $1::integer IS NULL OR (p.tenant_id = $1 AND p.product_id = $2)`,
    [target?.tenantId ?? null, target?.productId ?? null],
  )
  return new Map(rows.map((r) => [`${Number(r.tenant_id)}/${Number(r.product_id)}`, r.raw === true]))
}
