import type { SqlQuery } from '../../../store/warehouse/warehouse.js'
import type { KeyBatchItem, KeySearch } from './schemas.js'

/**
 * The statements of the license key registry: Postgres ones over license_keys (migration 0007)
 * and warehouse ones over the clients' keys. Columns come from the maps below; values are bound.
 */

/** A Postgres statement and its `$n` values, in the shape of the warehouse's SqlQuery. */
export interface PgQuery {
  query: string
  params: unknown[]
}

/** Whose registry: the caller's tenant, the product in the path. */
export interface Target {
  tenantId: number
  productId: number
}

/** The filterable and sortable properties' columns (catalog constants, never request text). */
const FILTER_COLUMNS: Record<NonNullable<KeySearch['filters']>[number]['property'], string> = {
  licenseKey: 'license_key',
  licenseType: 'license_type',
  edition: 'edition',
  status: 'status',
  customer: 'customer',
}
const SORT_COLUMNS: Record<NonNullable<KeySearch['sortBy']>, string> = {
  licenseKey: 'license_key',
  expiryDate: 'expiry_date',
  customer: 'customer',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
}

export interface KeyRow {
  license_key: string
  license_type: string
  edition: string
  status: 'active' | 'blocked' | 'revoked'
  customer: string
  expiry_date: string | null
  expired: boolean
  notes: string
  created_at: Date
  updated_at: Date
}

/**
 * One page of the keys matching a search, and the count of all matches. `today` (UTC) decides
 * which keys have expired: a key is valid through its expiry date.
 */
export function searchKeysQueries(
  target: Target,
  search: KeySearch,
  paging: { today: string; offset: number; limit: number },
): { page: PgQuery; count: PgQuery } {
  const values: unknown[] = [target.tenantId, target.productId]
  const bind = (value: unknown) => `$${values.push(value)}`
  // Bound once, where first needed: the count statement takes only the values its filters use.
  let today: string | undefined
  const expired = () => `coalesce(expiry_date < ${(today ??= bind(paging.today))}::date, false)`
  const where = ['tenant_id = $1', 'product_id = $2']
  if (search.search !== undefined) where.push(`strpos(lower(license_key), lower(${bind(search.search)})) > 0`)
  for (const filter of search.filters ?? [])
    where.push(`${FILTER_COLUMNS[filter.property]} = ANY(${bind(filter.values)}::text[])`)
  if (search.expiryDate !== undefined) where.push('expiry_date IS NOT NULL')
  if (search.expiryDate?.from !== undefined)
    where.push(`expiry_date >= ${bind(search.expiryDate.from)}::date`)
  if (search.expiryDate?.to !== undefined) where.push(`expiry_date <= ${bind(search.expiryDate.to)}::date`)
  if (search.expired !== undefined) where.push(`${expired()} = ${bind(search.expired)}::boolean`)
  const conditions = where.join(' AND ')
  const count = {
    query: `SELECT count(*)::integer AS total FROM license_keys WHERE ${conditions}`,
    params: [...values],
  }
  const order = search.sortOrder === 'desc' ? 'DESC' : 'ASC'
  // Postgres puts nulls last ascending and first descending: a key that never expires sorts latest.
  const sort = SORT_COLUMNS[search.sortBy ?? 'licenseKey']
  const page = {
    query: `SELECT license_key, license_type, edition, status, customer,
             to_char(expiry_date, 'YYYY-MM-DD') AS expiry_date, ${expired()} AS expired,
             notes, created_at, updated_at
           FROM license_keys WHERE ${conditions}
           ORDER BY ${sort} ${order}, license_key ${order}
           OFFSET ${bind(paging.offset)} LIMIT ${bind(paging.limit)}`,
    params: values,
  }
  return { page, count }
}

/** The columns of a batch, one array each, for unnest(); absent fields are null. */
function batchArrays(items: readonly KeyBatchItem[]): unknown[] {
  return [
    items.map((k) => k.licenseKey),
    items.map((k) => k.licenseType ?? null),
    items.map((k) => k.edition ?? null),
    items.map((k) => k.status ?? null),
    items.map((k) => k.customer ?? null),
    items.map((k) => k.expiryDate ?? null),
    // Whether expiryDate was sent: null is a value for it (never expires), not "leave as is".
    items.map((k) => k.expiryDate !== undefined),
    items.map((k) => k.notes ?? null),
  ]
}

const BATCH_ROWS = `unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[], $9::boolean[], $10::text[])
  AS k (license_key, license_type, edition, status, customer, expiry_date, expiry_given, notes)`

/** Inserts the keys not registered yet, with defaults for what is absent; returns those inserted. */
export function insertNewKeys(target: Target, items: readonly KeyBatchItem[]): PgQuery {
  return {
    query: `INSERT INTO license_keys (tenant_id, product_id, license_key, license_type, edition, status, customer, expiry_date, notes)
           SELECT $1, $2, k.license_key, coalesce(k.license_type, ''), coalesce(k.edition, ''),
             coalesce(k.status, 'active'), coalesce(k.customer, ''), k.expiry_date, coalesce(k.notes, '')
           FROM ${BATCH_ROWS}
           ON CONFLICT (tenant_id, product_id, license_key) DO NOTHING
           RETURNING license_key`,
    params: [target.tenantId, target.productId, ...batchArrays(items)],
  }
}

/** Updates registered keys with the fields sent; the others keep their values. */
export function updateKnownKeys(target: Target, items: readonly KeyBatchItem[]): PgQuery {
  return {
    query: `UPDATE license_keys AS t SET
             license_type = coalesce(k.license_type, t.license_type),
             edition = coalesce(k.edition, t.edition),
             status = coalesce(k.status, t.status),
             customer = coalesce(k.customer, t.customer),
             expiry_date = CASE WHEN k.expiry_given THEN k.expiry_date ELSE t.expiry_date END,
             notes = coalesce(k.notes, t.notes),
             updated_at = now()
           FROM ${BATCH_ROWS}
           WHERE t.tenant_id = $1 AND t.product_id = $2 AND t.license_key = k.license_key`,
    params: [target.tenantId, target.productId, ...batchArrays(items)],
  }
}

/** Locks the rows of registered `keys`, in key order. */
export const lockKeys = (target: Target, keys: readonly string[]): PgQuery => ({
  query: `SELECT license_key FROM license_keys
         WHERE tenant_id = $1 AND product_id = $2 AND license_key = ANY($3::text[])
         ORDER BY license_key FOR UPDATE`,
  params: [target.tenantId, target.productId, keys],
})

/** Which of `keys` the registry holds. */
export const registeredAmong = (target: Target, keys: readonly string[]): PgQuery => ({
  query:
    'SELECT license_key FROM license_keys WHERE tenant_id = $1 AND product_id = $2 AND license_key = ANY($3::text[])',
  params: [target.tenantId, target.productId, keys],
})

/** Each client's key as of its newest properties: rows `license_key`, one per client with a key. */
const currentClientKeys = `
  SELECT argMax(license_key, updated_at) AS license_key FROM usage_clients
  WHERE tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}
  GROUP BY client_id`

/** How many clients run under each of `keys` now. */
export const clientsPerKey = (target: Target, keys: readonly string[]): SqlQuery => ({
  query: `SELECT license_key, count() AS clients FROM (${currentClientKeys})
          WHERE has({keys:Array(String)}, license_key) GROUP BY license_key`,
  params: { tenant: target.tenantId, product: target.productId, keys },
  tag: 'usage-intel:license-key-clients',
})

/**
 * The keys clients run under now, with their client counts, in byte order after `after` (keyset
 * chunks: a product may see many keys); `search` keeps those containing it, any case.
 */
export const seenKeysQuery = (
  target: Target,
  search: string | undefined,
  after: string | undefined,
  limit: number,
): SqlQuery => ({
  query: `SELECT license_key, count() AS clients FROM (${currentClientKeys})
          WHERE license_key != '' AND license_key > {after:String}
            AND ({search:String} = '' OR positionCaseInsensitiveUTF8(license_key, {search:String}) > 0)
          GROUP BY license_key ORDER BY license_key LIMIT {limit:UInt32}`,
  params: {
    tenant: target.tenantId,
    product: target.productId,
    after: after ?? '',
    search: search ?? '',
    limit,
  },
  tag: 'usage-intel:seen-license-keys',
})
