import type { Stores } from '../../../store/stores.js'
import { readInChunks } from '../../../store/warehouse/keyset.js'
import { compareText } from '../results.js'
import {
  MAX_KEY_LENGTH,
  type KeyBatchItem,
  type KeyBatchResult,
  type KeyRecord,
  type KeySearch,
} from './schemas.js'
import {
  clientsPerKey,
  insertNewKeys,
  lockKeys,
  registeredAmong,
  searchKeysQueries,
  seenKeysQuery,
  updateKnownKeys,
  type KeyRow,
  type Target,
} from './sql.js'

/**
 * The license key registry of a product: the keys its vendor registers (control plane), searched
 * and changed in batches, beside the keys its clients report running under (warehouse).
 */

export interface Paging {
  page: number
  pageSize: number
}

/** Registered keys matching a search, one page, each with the clients running under it now. */
export async function searchLicenseKeys(
  stores: Stores,
  target: Target,
  search: KeySearch & Paging,
  today: string,
): Promise<{ totalKeys: number; keys: KeyRecord[] }> {
  const queries = searchKeysQueries(target, search, {
    today,
    offset: (search.page - 1) * search.pageSize,
    limit: search.pageSize,
  })
  const [rows, [count]] = await Promise.all([
    stores.control.query<KeyRow>(queries.page.query, queries.page.params),
    stores.control.query<{ total: number }>(queries.count.query, queries.count.params),
  ])
  const clients = new Map<string, number>()
  if (rows.length > 0) {
    const counts = await stores.warehouse.query<{ license_key: string; clients: string }>(
      clientsPerKey(
        target,
        rows.map((r) => r.license_key),
      ),
    )
    for (const row of counts) clients.set(row.license_key, Number(row.clients))
  }
  return {
    totalKeys: Number(count?.total ?? 0),
    keys: rows.map((row) => ({
      licenseKey: row.license_key,
      licenseType: row.license_type,
      edition: row.edition,
      status: row.status,
      customer: row.customer,
      expiryDate: row.expiry_date,
      expired: row.expired,
      notes: row.notes,
      clients: clients.get(row.license_key) ?? 0,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    })),
  }
}

/**
 * What is wrong with a key as a registry key, if anything. Keys are matched to client data as
 * written, so spaces around one are refused rather than trimmed: the sender learns of them.
 */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'licenseKey: is empty'
  if ([...key].length > MAX_KEY_LENGTH) return `licenseKey: is longer than ${MAX_KEY_LENGTH} characters`
  if (key.trim() !== key) return 'licenseKey: has spaces around it'
  if (/\p{Cc}/u.test(key)) return 'licenseKey: has a control character'
  return undefined
}

/**
 * Stores a batch of keys: new ones inserted (absent fields take their defaults), registered ones
 * updated (absent fields keep their values). A malformed key, or one listed more than once (which
 * of its items was meant is unknowable), is rejected alone; the others are stored in one
 * transaction. Concurrent batches of one new key cannot lose fields: the insert waits for the other
 * and, finding the key, leaves it to the update, which merges.
 */
export async function applyKeyBatch(
  stores: Stores,
  target: Target,
  items: readonly KeyBatchItem[],
): Promise<{ inserted: number; updated: number; rejected: number; results: KeyBatchResult[] }> {
  const positions = new Map<string, number[]>()
  items.forEach((item, index) => {
    const list = positions.get(item.licenseKey)
    if (list) list.push(index)
    else positions.set(item.licenseKey, [index])
  })
  const errors = items.map((item) => {
    const repeated = positions.get(item.licenseKey)!
    return (
      keyProblem(item.licenseKey) ??
      (repeated.length > 1
        ? `licenseKey: listed ${repeated.length} times in this batch (items ${repeated.join(', ')}); send it once`
        : undefined)
    )
  })
  const valid = items.filter((_, index) => errors[index] === undefined)
  const inserted = valid.length > 0 ? await storeKeys(stores, target, valid) : new Set<string>()
  const results = items.map((item, index): KeyBatchResult => {
    const error = errors[index]
    if (error !== undefined) return { index, licenseKey: item.licenseKey, result: 'rejected', error }
    return {
      index,
      licenseKey: item.licenseKey,
      result: inserted.has(item.licenseKey) ? 'inserted' : 'updated',
    }
  })
  const tally = (kind: KeyBatchResult['result']) => results.filter((r) => r.result === kind).length
  return { inserted: tally('inserted'), updated: tally('updated'), rejected: tally('rejected'), results }
}

/** Stores valid keys, each listed once, in one transaction; answers those that were new. */
async function storeKeys(
  stores: Stores,
  target: Target,
  items: readonly KeyBatchItem[],
): Promise<Set<string>> {
  // Batches sharing keys take their row locks in one order (sorted here, then by the lock query),
  // so that they wait for each other instead of deadlocking.
  const sorted = [...items].sort((a, b) => compareText(a.licenseKey, b.licenseKey))
  return stores.control.transaction(async (tx) => {
    const insert = insertNewKeys(target, sorted)
    const added = new Set(
      (await tx.query<{ license_key: string }>(insert.query, insert.params)).map((r) => r.license_key),
    )
    const known = sorted.filter((item) => !added.has(item.licenseKey))
    if (known.length > 0) {
      const lock = lockKeys(
        target,
        known.map((item) => item.licenseKey),
      )
      await tx.query(lock.query, lock.params)
      const update = updateKnownKeys(target, known)
      await tx.query(update.query, update.params)
    }
    return added
  })
}

/** Seen keys are diffed against the registry this many at a time. */
const DIFF_CHUNK = 10_000

/**
 * The keys the product's clients run under now (their newest properties) that the registry does
 * not hold, in byte order, one page, with how many clients run under each. The two stores are
 * diffed chunk by chunk, so memory stays bounded however many keys clients report.
 */
export async function unregisteredLicenseKeys(
  stores: Stores,
  target: Target,
  request: { search?: string } & Paging,
): Promise<{ totalKeys: number; keys: { licenseKey: string; clients: number }[] }> {
  const start = (request.page - 1) * request.pageSize
  const keys: { licenseKey: string; clients: number }[] = []
  let totalKeys = 0
  const chunks = readInChunks<{ license_key: string; clients: string }, string>(
    stores.warehouse,
    (after, limit) => seenKeysQuery(target, request.search, after, limit),
    (row) => row.license_key,
    DIFF_CHUNK,
  )
  for await (const chunk of chunks) {
    // A key the registry would refuse (a control character, say) cannot be in it: not looked up.
    const lookup = registeredAmong(
      target,
      chunk.map((row) => row.license_key).filter((key) => keyProblem(key) === undefined),
    )
    const registered = new Set(
      (await stores.control.query<{ license_key: string }>(lookup.query, lookup.params)).map(
        (r) => r.license_key,
      ),
    )
    for (const row of chunk) {
      if (registered.has(row.license_key)) continue
      if (totalKeys >= start && keys.length < request.pageSize)
        keys.push({ licenseKey: row.license_key, clients: Number(row.clients) })
      totalKeys++
    }
  }
  return { totalKeys, keys }
}
