import Type from 'typebox'
import { ValidationError } from '../../errors.js'
import type { SqlQuery } from '../../store/warehouse/warehouse.js'
import { BUILT_IN_PROPERTIES, propertyExpression } from './properties.js'

/**
 * What every usage intelligence report is asked for, in one shape across reports: a date range,
 * global filters on client properties, and an optional segmentation by one property.
 */
export const ReportScopeProperties = {
  startDate: Type.String({ format: 'iso-date', description: 'First day, UTC (2024-01-01)' }),
  stopDate: Type.String({ format: 'iso-date', description: 'Last day, UTC, included' }),
  globalFilters: Type.Optional(
    Type.Array(
      Type.Object(
        {
          property: Type.String({
            maxLength: 300,
            description: 'A property from /v3/meta/productProperties',
          }),
          values: Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 1000 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 20, description: 'Clients must match every filter: a property equal to one of its values' },
    ),
  ),
  segmentBy: Type.Optional(
    Type.String({ maxLength: 300, description: 'Split the report by this property (one result per value)' }),
  ),
}

/** The OpenAPI examples' report scope: a quarter, two editions. */
export const SCOPE_EXAMPLE = {
  startDate: '2025-01-01',
  stopDate: '2025-03-31',
  globalFilters: [{ property: 'edition', values: ['Professional', 'Enterprise'] }],
}

export interface ReportScope {
  tenantId: number
  productId: number
  startDate: string
  stopDate: string
  globalFilters?: { property: string; values: string[] }[]
  segmentBy?: string
  /** A second property splitting each segment (the generic reports' hierarchical tables). */
  subSegmentBy?: string
}

const DAY_MS = 86_400_000
/** At most ten years in one report. */
const MAX_DAYS = 3660

/** Checks what the schema cannot: the range's order and length, and a sub-segment's segment. */
export function checkScope(scope: ReportScope): void {
  if (scope.subSegmentBy !== undefined && scope.segmentBy === undefined)
    throw new ValidationError('subSegmentBy: splits the segments of segmentBy; give segmentBy too')
  const days = (Date.parse(scope.stopDate) - Date.parse(scope.startDate)) / DAY_MS
  if (days < 0)
    throw new ValidationError(`stopDate: ${scope.stopDate} is before startDate ${scope.startDate}`)
  if (days >= MAX_DAYS) throw new ValidationError(`stopDate: a report spans at most ${MAX_DAYS} days`)
}

/**
 * Clients are grouped and joined by a 64-bit hash of their id: several times faster than by the id
 * text, and a collision among even ten million clients has odds of about 3 in a million.
 */
const CLIENT_KEY = 'cityHash64(client_id)'

/** A client's value of the property splitting a report, or '' for all when there is none. */
function segmentColumn(
  field: 'segmentBy' | 'subSegmentBy',
  property: string | undefined,
  alias: string,
  params: Record<string, unknown>,
): string {
  if (property === undefined) return `'' AS ${alias}`
  const builtIn = BUILT_IN_PROPERTIES.find((p) => p.name.toLowerCase() === property.toLowerCase())
  if (builtIn && !builtIn.segmentable)
    throw new ValidationError(
      `${field}: ${builtIn.name} has too many values to split a report by; filter by it`,
    )
  const expression = propertyExpression(property, `${field}Key`)
  Object.assign(params, expression.params)
  return `argMax(${expression.sql}, updated_at) AS ${alias}`
}

/**
 * The product's clients as of their newest properties, with the segment values of each and only
 * those passing the global filters: a subquery with columns `client_key`, `segment` and `sub_segment`.
 */
export function clientsSubquery(scope: ReportScope): SqlQuery {
  const params: Record<string, unknown> = { tenant: scope.tenantId, product: scope.productId }
  const columns = [
    segmentColumn('segmentBy', scope.segmentBy, 'segment', params),
    segmentColumn('subSegmentBy', scope.subSegmentBy, 'sub_segment', params),
  ]
  const having: string[] = []
  ;(scope.globalFilters ?? []).forEach((filter, i) => {
    const property = propertyExpression(filter.property, `filterKey${i}`)
    columns.push(`argMax(${property.sql}, updated_at) AS filter${i}`)
    having.push(`has({filterValues${i}:Array(String)}, filter${i})`)
    Object.assign(params, property.params, { [`filterValues${i}`]: filter.values })
  })
  return {
    query: `SELECT ${CLIENT_KEY} AS client_key, ${columns.join(', ')} FROM usage_clients
            WHERE tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}
            GROUP BY client_id ${having.length ? `HAVING ${having.join(' AND ')}` : ''}`,
    params,
  }
}

/**
 * Rollup rows (migration 0004) of the product on the days from `{<from>:String}` to
 * `{<to>:String}`, both included (UTC dates; the report's range by default).
 */
export const withinDays = (from = 'startDate', to = 'stopDate') =>
  `tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}
   AND day >= toDate({${from}:String}) AND day <= toDate({${to}:String})`

/** Whether clients must be known to count: filters and segments need their properties. */
export const needsClientProperties = (scope: ReportScope) =>
  scope.segmentBy !== undefined || scope.subSegmentBy !== undefined || (scope.globalFilters?.length ?? 0) > 0

/**
 * A client's activity as rows `(client_key, day, sessions, seconds)`: the sessions it started that
 * day and their runtime, and a row for each day it had only events, from the rows `days` keeps.
 * A client and day may have several rows until the rollup's parts merge: callers sum them.
 */
export const activityRows = (days = withinDays()) => `
  SELECT client_key, day, sessions, runtime_seconds AS seconds FROM usage_client_days WHERE ${days}`

/** Every row of the product, whatever its time. */
export const wholeProduct = () => 'tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}'

/**
 * Each client's first and last active day over all time: rows `(client_key, first_day, last_day)`,
 * from the lifetimes the warehouse keeps as sessions and events arrive (migration 0003).
 */
export const lifetimeRows = () => `
  SELECT ${CLIENT_KEY} AS client_key, min(first_active) AS first_day, max(last_active) AS last_day
  FROM usage_client_lifetimes WHERE ${wholeProduct()} GROUP BY client_id`

/**
 * The lifetime reports' clients: those first seen within the report's days (new in the range),
 * with their first and last active day, `lifetime_days` from one to the other, both included.
 */
export const cohortRows = () => `
  SELECT client_key, first_day, last_day, toUInt32(last_day - first_day + 1) AS lifetime_days
  FROM (${lifetimeRows()})
  WHERE first_day >= toDate({startDate:String}) AND first_day <= toDate({stopDate:String})`

/** The clients of a cohort's rows (the new clients by default), for an `IN` that narrows a scan before it groups. */
export const cohortKeys = (rows = cohortRows()) => `SELECT client_key FROM (${rows})`

/**
 * The population of a lifetime report: `rows` with the columns of `cohortRows`, the parameters
 * they bind beyond the scope's, and a `name` for the tags of its queries.
 */
export interface Cohort {
  name: string
  rows: string
  params: Record<string, unknown>
}
/** The lifetime reports' cohort: the clients first seen within the report's days. */
export const NEW_CLIENTS: Cohort = { name: 'lifetime', rows: cohortRows(), params: {} }

/**
 * Per-client rows (`client_key`) joined with their segment; with filters or a segment, known
 * clients only. Without either every row counts in the one segment '', so the clients need not
 * be read: each row carries a constant tuple named `clients`, so that `clients.segment` and
 * `clients.sub_segment` read '' as they would from the join. (A one-row CROSS JOIN gives the same
 * columns but copies every row through it: three times slower over millions of rows.)
 */
export const joinClients = (source: string, scope: ReportScope, clients: SqlQuery) =>
  needsClientProperties(scope)
    ? `(${source}) AS activity INNER JOIN (${clients.query}) AS clients ON clients.client_key = activity.client_key`
    : `(SELECT *, CAST(('', ''), 'Tuple(segment String, sub_segment String)') AS clients FROM (${source})) AS activity`
