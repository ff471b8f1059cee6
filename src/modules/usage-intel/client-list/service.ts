import { createHash } from 'node:crypto'
import { NotFoundError, ValidationError } from '../../../errors.js'
import type { Stores } from '../../../store/stores.js'
import { BUILT_IN_PROPERTIES, CUSTOM_PREFIX, type BuiltInProperty } from '../properties.js'
import { compareText } from '../results.js'
import type { ClientRecord } from './schemas.js'
import {
  clientCountQuery,
  clientExistsQuery,
  clientPageQuery,
  clientsAfterQuery,
  lifetimesQuery,
  type ClientRow,
  type ClientSelection,
} from './sql.js'

/**
 * The client profile: every property of a product's clients as of their newest version, for one
 * client, a filtered set in pages, or all of them as an export that pages to the end.
 */

/** Which properties a response carries: the built-in ones asked for, and the custom keys (all by default). */
interface PropertyChoice {
  builtIns: readonly BuiltInProperty[]
  custom: readonly string[] | 'all'
}

function chooseProperties(names: readonly string[] | undefined): PropertyChoice {
  if (names === undefined) return { builtIns: BUILT_IN_PROPERTIES, custom: 'all' }
  const builtIns: BuiltInProperty[] = []
  const custom: string[] = []
  for (const name of names) {
    const builtIn = BUILT_IN_PROPERTIES.find((p) => p.name.toLowerCase() === name.toLowerCase())
    if (builtIn) builtIns.push(builtIn)
    else if (name.startsWith(CUSTOM_PREFIX) && name.length > CUSTOM_PREFIX.length)
      custom.push(name.slice(CUSTOM_PREFIX.length))
    else
      throw new ValidationError(
        `propertyNames: '${name}' is not a client property; GET /v3/meta/productProperties lists them (custom ones as ${CUSTOM_PREFIX}<key>)`,
      )
  }
  return { builtIns, custom }
}

/** The records of a page of rows, with the first and last active day of each client. */
async function toRecords(
  stores: Stores,
  selection: ClientSelection,
  rows: readonly ClientRow[],
  choice: PropertyChoice,
): Promise<ClientRecord[]> {
  if (rows.length === 0) return []
  const lifetimes = new Map(
    (
      await stores.warehouse.query<{ client_id: string; first_active: string; last_active: string }>(
        lifetimesQuery(
          selection,
          rows.map((r) => r.client_id),
        ),
      )
    ).map((l) => [l.client_id, l]),
  )
  return rows.map((row) => {
    const properties: Record<string, string> = {}
    for (const p of choice.builtIns) properties[p.name] = row[`p_${p.column}`] ?? ''
    const keys = choice.custom === 'all' ? Object.keys(row.custom).sort(compareText) : choice.custom
    for (const key of keys) properties[`${CUSTOM_PREFIX}${key}`] = row.custom[key] ?? ''
    const lifetime = lifetimes.get(row.client_id)
    return {
      clientId: row.client_id,
      installedAt: new Date(row.installed).toISOString(),
      propertiesUpdatedAt: new Date(row.properties_updated_at).toISOString(),
      firstActive: lifetime?.first_active ?? null,
      lastActive: lifetime?.last_active ?? null,
      properties,
    }
  })
}

export interface ClientListRequest extends ClientSelection {
  propertyNames?: string[]
  page: number
  pageSize: number
}

/**
 * One page of the selected clients by client id, and how many there are. Asked for one client,
 * one Tally has never heard of is a 404 (one the filters leave out is just not listed).
 */
export async function clientPropertyList(
  stores: Stores,
  request: ClientListRequest,
): Promise<{ totalClients: number; clients: ClientRecord[] }> {
  const choice = chooseProperties(request.propertyNames)
  const [rows, [count]] = await Promise.all([
    stores.warehouse.query<ClientRow>(
      clientPageQuery(request, (request.page - 1) * request.pageSize, request.pageSize),
    ),
    stores.warehouse.query<{ total: string }>(clientCountQuery(request)),
  ])
  const totalClients = Number(count?.total ?? 0)
  if (request.clientId !== undefined && totalClients === 0) {
    const [found] = await stores.warehouse.query(
      clientExistsQuery({ ...request, clientId: request.clientId }),
    )
    if (!found) throw new NotFoundError(`Client '${request.clientId}' of product ${request.productId}`)
  }
  return { totalClients, clients: await toRecords(stores, request, rows, choice) }
}

export interface ClientExportRequest extends ClientSelection {
  propertyNames?: string[]
  pageSize: number
  continuationToken?: string
}

/**
 * A token carries the last client id exported and a digest of what was asked, so that a page
 * is only ever continued with the request that started it. It is not signed: it only says where
 * to resume, and the product and the caller's rights come from the request.
 */
const requestDigest = (request: ClientExportRequest) =>
  createHash('sha256')
    .update(JSON.stringify([request.productId, request.globalFilters ?? [], request.propertyNames ?? null]))
    .digest('base64url')
    .slice(0, 22)

const encodeToken = (after: string, digest: string) =>
  Buffer.from(JSON.stringify({ v: 1, after, digest })).toString('base64url')

function decodeToken(token: string, digest: string): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  const fields = parsed as { v?: unknown; after?: unknown; digest?: unknown } | undefined
  if (fields?.v !== 1 || typeof fields.after !== 'string' || typeof fields.digest !== 'string')
    throw new ValidationError('continuationToken: is not a token this export issued; start again without one')
  if (fields.digest !== digest)
    throw new ValidationError(
      'continuationToken: was issued for another export; send the product, globalFilters and propertyNames of its first page',
    )
  return fields.after
}

/**
 * The next page of an export of every selected client, by client id after the token's: a client
 * that arrives during the export is listed if its id sorts after the page being read and never
 * moves another, and each client is listed once. Each page reads the properties as they are then.
 */
export async function exportClientProperties(
  stores: Stores,
  request: ClientExportRequest,
): Promise<{ clients: ClientRecord[]; continuationToken: string | null }> {
  const choice = chooseProperties(request.propertyNames)
  const digest = requestDigest(request)
  const after = request.continuationToken === undefined ? '' : decodeToken(request.continuationToken, digest)
  // One row past the page tells whether another page follows, so the last page says so itself.
  const rows = await stores.warehouse.query<ClientRow>(
    clientsAfterQuery(request, after, request.pageSize + 1),
  )
  const page = rows.slice(0, request.pageSize)
  const last = page[page.length - 1]
  return {
    clients: await toRecords(stores, request, page, choice),
    continuationToken: rows.length > request.pageSize && last ? encodeToken(last.client_id, digest) : null,
  }
}
