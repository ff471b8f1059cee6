import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { NotFoundError, ValidationError } from '../../errors.js'
import type { Stores } from '../../store/stores.js'
import { requirePermission, type Caller } from '../identity/caller.js'

/**
 * Client properties of the usage intelligence reports: the built-in ones every installation has
 * (the `clients` entity's fields), and the custom ones products send in `properties`. Reports
 * filter and segment by them; the metadata queries list them and their values.
 */

export interface BuiltInProperty {
  name: string
  label: string
  /** The usage_clients column (a catalog constant, never request text). */
  column: string
  /** License keys are too many to split a report by; they are only filtered on. */
  segmentable: boolean
}

export const BUILT_IN_PROPERTIES: readonly BuiltInProperty[] = [
  { name: 'productVersion', label: 'Product version', column: 'product_version', segmentable: true },
  { name: 'edition', label: 'Edition', column: 'edition', segmentable: true },
  { name: 'licenseType', label: 'License type', column: 'license_type', segmentable: true },
  { name: 'licenseKey', label: 'License key', column: 'license_key', segmentable: false },
  { name: 'os', label: 'Operating system', column: 'os', segmentable: true },
  { name: 'language', label: 'Language', column: 'language', segmentable: true },
  { name: 'country', label: 'Country', column: 'country', segmentable: true },
  { name: 'region', label: 'Region', column: 'region', segmentable: true },
]

/** Custom properties are named `custom.<key>`, so they never clash with a built-in one. */
export const CUSTOM_PREFIX = 'custom.'

/** Checks the caller may see the product (a 403 otherwise) and that Tally knows it (a 404 otherwise). */
export async function requireProduct(stores: Stores, caller: Caller, productId: number): Promise<void> {
  requirePermission(caller, 'Usage Intelligence Access', [{ kind: 'product', value: String(productId) }])
  const [row] = await stores.control.query(
    'SELECT 1 FROM products WHERE tenant_id = $1 AND product_id = $2',
    [caller.tenantId, productId],
  )
  if (!row) throw new NotFoundError(`Product ${productId}`)
}

/**
 * The preHandler of the routes under `/:product_id`: they answer only for a product the caller may
 * see (a 403 otherwise) and Tally knows (a 404 otherwise).
 */
const productAccessHook = (stores: Stores) => async (request: FastifyRequest) => {
  const { product_id: productId } = request.params as { product_id?: number }
  if (productId !== undefined) await requireProduct(stores, request.caller, productId)
}

/**
 * A usage intelligence route group's app: typed by TypeBox, with the product check on every route,
 * so no group of routes under `/:product_id` can leave it out.
 */
export function productRoutes(instance: FastifyInstance, stores: Stores) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('preHandler', productAccessHook(stores))
  return app
}

/** Whose data a product route reports on: the caller's tenant, the product in the path. */
export const reportTarget = (request: { caller: Caller; params: { product_id: number } }) => ({
  tenantId: request.caller.tenantId,
  productId: request.params.product_id,
})

/** The products the caller may see, by id. */
async function visibleProducts(stores: Stores, caller: Caller): Promise<{ id: number; name: string }[]> {
  const rows = await stores.control.query<{ product_id: number; name: string }>(
    'SELECT product_id, name FROM products WHERE tenant_id = $1 ORDER BY product_id',
    [caller.tenantId],
  )
  return rows
    .map((r) => ({ id: Number(r.product_id), name: r.name }))
    .filter((p) => caller.access.has('Usage Intelligence Access', [{ kind: 'product', value: String(p.id) }]))
}

export interface PropertyInfo {
  name: string
  label: string
  kind: 'builtIn' | 'custom'
  filterable: boolean
  segmentable: boolean
  /** The products whose clients carry it (all visible products for a built-in one). */
  productIds: number[]
}

/** Every property a report can filter or segment by, for the products the caller may see. */
export async function productProperties(stores: Stores, caller: Caller): Promise<PropertyInfo[]> {
  // Any grant will do (instance-wide or for some product): the list shows what it covers.
  const { instanceWide, scopes } = caller.access.scopesOf('Usage Intelligence Access')
  if (!instanceWide && scopes.length === 0) requirePermission(caller, 'Usage Intelligence Access')
  const products = await visibleProducts(stores, caller)
  const ids = products.map((p) => p.id)
  const custom = await stores.warehouse.query<{ key: string; products: number[] }>({
    query: `SELECT key, arraySort(groupUniqArray(product_id)) AS products
            FROM usage_clients ARRAY JOIN mapKeys(properties) AS key
            WHERE tenant_id = {tenant:UInt32} AND has({products:Array(UInt32)}, product_id)
            GROUP BY key ORDER BY key`,
    params: { tenant: caller.tenantId, products: ids },
    tag: 'usage-intel:custom-properties',
  })
  return [
    ...BUILT_IN_PROPERTIES.map((p): PropertyInfo => ({
      name: p.name,
      label: p.label,
      kind: 'builtIn',
      filterable: true,
      segmentable: p.segmentable,
      productIds: ids,
    })),
    ...custom.map((c): PropertyInfo => ({
      name: `${CUSTOM_PREFIX}${c.key}`,
      label: c.key,
      kind: 'custom',
      filterable: true,
      segmentable: true,
      productIds: c.products.map(Number),
    })),
  ]
}

/**
 * The SQL of a property's value for a client row of usage_clients: a catalog column, or a custom
 * key bound as a parameter. Unknown names are a 400 listing where to find the valid ones.
 */
export function propertyExpression(
  name: string,
  paramName: string,
): { sql: string; params: Record<string, string> } {
  const builtIn = BUILT_IN_PROPERTIES.find((p) => p.name.toLowerCase() === name.toLowerCase())
  if (builtIn) return { sql: builtIn.column, params: {} }
  if (name.startsWith(CUSTOM_PREFIX) && name.length > CUSTOM_PREFIX.length) {
    return {
      sql: `properties[{${paramName}:String}]`,
      params: { [paramName]: name.slice(CUSTOM_PREFIX.length) },
    }
  }
  throw new ValidationError(
    `property: '${name}' is not a client property; GET /v3/meta/productProperties lists them (custom ones as ${CUSTOM_PREFIX}<key>)`,
  )
}

export interface PropertyValuesRequest {
  property: string
  search?: string
  limit: number
}

/**
 * The distinct values of a property among a product's clients (each client's newest properties),
 * with how many clients have each, most clients first; `search` keeps values containing it.
 */
export async function propertyValues(
  stores: Stores,
  target: { tenantId: number; productId: number },
  request: PropertyValuesRequest,
): Promise<{ values: { value: string; clients: number }[]; totalValues: number }> {
  const property = propertyExpression(request.property, 'key')
  const rows = await stores.warehouse.query<{ value: string; clients: string; total: string }>({
    query: `SELECT value, count() AS clients, count() OVER () AS total FROM (
              SELECT argMax(${property.sql}, updated_at) AS value FROM usage_clients
              WHERE tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}
              GROUP BY client_id)
            WHERE value != '' AND ({search:String} = '' OR positionCaseInsensitiveUTF8(value, {search:String}) > 0)
            GROUP BY value ORDER BY clients DESC, value LIMIT {limit:UInt32}`,
    params: {
      tenant: target.tenantId,
      product: target.productId,
      search: request.search ?? '',
      limit: request.limit,
      ...property.params,
    },
    tag: 'usage-intel:property-values',
  })
  return {
    values: rows.map((r) => ({ value: r.value, clients: Number(r.clients) })),
    totalValues: Number(rows[0]?.total ?? 0),
  }
}
