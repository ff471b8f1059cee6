import type { SqlQuery } from '../../../store/warehouse/warehouse.js'
import { BUILT_IN_PROPERTIES, propertyExpression } from '../properties.js'

/**
 * The warehouse statements of the client profile: a product's clients as of their newest
 * properties (usage_clients keeps every version; the newest by updated_at wins), in client id
 * order, which is the table's own key order, so that a page after a client id reads a key range.
 */

export interface ClientSelection {
  tenantId: number
  productId: number
  clientId?: string
  globalFilters?: { property: string; values: string[] }[]
}

export interface ClientRow {
  client_id: string
  installed: string
  properties_updated_at: string
  custom: Record<string, string>
  /** One per built-in property, named by its column (`p_product_version`, …). */
  [builtIn: `p_${string}`]: string
}

/** Aliases differ from the columns: ClickHouse aliases are query-wide and would shadow them. */
const builtInColumns = BUILT_IN_PROPERTIES.map(
  (p) => `argMax(${p.column}, updated_at) AS p_${p.column}`,
).join(', ')

/** The selection's GROUP BY client_id body: conditions on the rows, then on each client's newest properties. */
function selectionClauses(
  selection: ClientSelection,
  rowConditions: string[],
): { where: string; having: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { tenant: selection.tenantId, product: selection.productId }
  const where = ['tenant_id = {tenant:UInt32}', 'product_id = {product:UInt32}', ...rowConditions]
  if (selection.clientId !== undefined) {
    where.push('client_id = {clientId:String}')
    params.clientId = selection.clientId
  }
  const having = (selection.globalFilters ?? []).map((filter, i) => {
    const property = propertyExpression(filter.property, `filterKey${i}`)
    Object.assign(params, property.params, { [`filterValues${i}`]: filter.values })
    return `has({filterValues${i}:Array(String)}, argMax(${property.sql}, updated_at))`
  })
  return {
    where: where.join(' AND '),
    having: having.length > 0 ? `HAVING ${having.join(' AND ')}` : '',
    params,
  }
}

const clientColumns = `client_id, ${builtInColumns},
  argMax(installed_at, updated_at) AS installed,
  argMax(properties, updated_at) AS custom,
  max(updated_at) AS properties_updated_at`

/** One page of the selected clients by client id, from `offset` (the report's pages). */
export function clientPageQuery(selection: ClientSelection, offset: number, limit: number): SqlQuery {
  const clauses = selectionClauses(selection, [])
  return {
    query: `SELECT ${clientColumns} FROM usage_clients WHERE ${clauses.where}
            GROUP BY client_id ${clauses.having}
            ORDER BY client_id LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
    params: { ...clauses.params, limit, offset },
    tag: 'usage-intel:client-list',
  }
}

/** How many clients the selection holds. */
export function clientCountQuery(selection: ClientSelection): SqlQuery {
  const clauses = selectionClauses(selection, [])
  return {
    query: `SELECT count() AS total FROM (
              SELECT client_id FROM usage_clients WHERE ${clauses.where}
              GROUP BY client_id ${clauses.having})`,
    params: clauses.params,
    tag: 'usage-intel:client-list:count',
  }
}

/**
 * The selected clients whose id sorts after `after` (the export's keyset): rows of a client that
 * arrives later sort into place without moving any other client to another page.
 */
export function clientsAfterQuery(selection: ClientSelection, after: string, limit: number): SqlQuery {
  const clauses = selectionClauses(selection, ['client_id > {after:String}'])
  return {
    query: `SELECT ${clientColumns} FROM usage_clients WHERE ${clauses.where}
            GROUP BY client_id ${clauses.having}
            ORDER BY client_id LIMIT {limit:UInt32}`,
    params: { ...clauses.params, after, limit },
    tag: 'usage-intel:client-export',
  }
}

/** Whether the product has a client of this id at all. */
export const clientExistsQuery = (selection: ClientSelection & { clientId: string }): SqlQuery => ({
  query: `SELECT 1 AS found FROM usage_clients
          WHERE tenant_id = {tenant:UInt32} AND product_id = {product:UInt32} AND client_id = {clientId:String}
          LIMIT 1`,
  params: { tenant: selection.tenantId, product: selection.productId, clientId: selection.clientId },
  tag: 'usage-intel:client-exists',
})

/**
 * First and last active day of the clients of one page: their ids lie between the page's first and
 * last, which bounds the read to that key range.
 */
export const lifetimesQuery = (selection: ClientSelection, clientIds: readonly string[]): SqlQuery => ({
  query: `SELECT client_id, toString(min(first_active)) AS first_active, toString(max(last_active)) AS last_active
          FROM usage_client_lifetimes
          WHERE tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}
            AND client_id >= {first:String} AND client_id <= {last:String}
            AND has({ids:Array(String)}, client_id)
          GROUP BY client_id`,
  params: {
    tenant: selection.tenantId,
    product: selection.productId,
    first: clientIds[0] ?? '',
    last: clientIds[clientIds.length - 1] ?? '',
    ids: clientIds,
  },
  tag: 'usage-intel:client-lifetimes',
})
