import { ValidationError } from '../../errors.js'
import type { SqlQuery, Warehouse } from '../../store/warehouse/warehouse.js'
import {
  compileCondition,
  parseCondition,
  type ConditionLabel,
  type ConditionNode,
} from './conditions/index.js'
import { findAuditField, findAuditFieldByArtifactId, type AuditField } from './fields.js'
import { AUDIT_RECORD_COLUMNS, type AuditRow } from './records.js'

/** A field as a request names it: by name, or by the catalog's ArtifactID. */
export interface FieldRef {
  name?: string | null
  artifactId?: number | null
}

export interface SortSpec {
  field: FieldRef
  descending: boolean
}

export interface AuditQuery {
  tenantId: number
  workspaceId: number
  fields: FieldRef[]
  condition?: string | null
  rowCondition?: string | null
  sorts: SortSpec[]
  start: number
  length: number
}

/** Pages hold at most this many records; a larger `length` is refused, not silently cut. */
export const MAX_PAGE_LENGTH = 10_000

/**
 * SEMANTICS.md paging: pages are aligned to `length`; `start` picks the page that holds it
 * (length 25: start 17 → records 1–25, start 35 → 26–50).
 */
export function pageOf(start: number, length: number): { offset: number; currentStartIndex: number } {
  const page = Math.floor((Math.max(start, 1) - 1) / length)
  return { offset: page * length, currentStartIndex: page * length + 1 }
}

export function resolveField(ref: FieldRef, where: string): AuditField {
  const byName = ref.name ? findAuditField(ref.name) : undefined
  const field = byName ?? (ref.artifactId ? findAuditFieldByArtifactId(ref.artifactId) : undefined)
  if (!field) {
    const what = ref.name
      ? `'${ref.name}'`
      : ref.artifactId
        ? `ArtifactID ${ref.artifactId}`
        : 'a field without Name or ArtifactID'
    throw new ValidationError(`${where}: ${what} is not an audit field (GET …/audit-fields lists them)`)
  }
  return field
}

/** The requested fields, Audit ID first (every record carries it), each once. */
export function resolveFields(refs: FieldRef[]): AuditField[] {
  const fields = [findAuditField('Audit ID') as AuditField]
  refs.forEach((ref, i) => {
    const field = resolveField(ref, `request.fields[${i}]`)
    if (!fields.includes(field)) fields.push(field)
  })
  return fields
}

/** A parsed condition or rowCondition, with the prefix of the parameters its SQL binds. */
export interface PlannedCondition {
  node: ConditionNode
  label: ConditionLabel
  paramPrefix: string
}

export interface PlannedQuery {
  tenantId: number
  workspaceId: number
  fields: AuditField[]
  /** The filter, with every value bound. */
  where: SqlQuery
  conditions: PlannedCondition[]
  /** The sort column and direction; audit_id breaks ties in the same direction. */
  sortColumn: string
  descending: boolean
}

/** Checks and compiles a query request into the parts the statements below share. */
export function planAuditQuery(query: AuditQuery): PlannedQuery {
  if (!Number.isInteger(query.length) || query.length < 1 || query.length > MAX_PAGE_LENGTH) {
    throw new ValidationError(`length: must be a whole number from 1 to ${MAX_PAGE_LENGTH}`)
  }
  if (query.sorts.length > 1)
    throw new ValidationError('request.sorts: sort by one field (Timestamp or Execution Time (ms))')
  const sort = query.sorts[0]
  const sortField = sort
    ? resolveField(sort.field, 'request.sorts[0]')
    : (findAuditField('Timestamp') as AuditField)
  if (!sortField.sortable) {
    throw new ValidationError(
      `request.sorts[0]: '${sortField.name}' cannot be sorted; sort by Timestamp or Execution Time (ms)`,
    )
  }
  const filters = ['tenant_id = {tenant:UInt32}', 'workspace_id = {workspace:Int64}']
  const params: Record<string, unknown> = { tenant: query.tenantId, workspace: query.workspaceId }
  const conditions: PlannedCondition[] = []
  for (const [label, text, paramPrefix] of [
    ['condition', query.condition, 'c'],
    ['rowCondition', query.rowCondition, 'r'],
  ] as const) {
    const node = parseCondition(text ?? '', label)
    if (!node) continue
    const compiled = compileCondition(node, { label, paramPrefix })
    filters.push(`(${compiled.sql})`)
    Object.assign(params, compiled.params)
    conditions.push({ node, label, paramPrefix })
  }
  return {
    tenantId: query.tenantId,
    workspaceId: query.workspaceId,
    fields: resolveFields(query.fields),
    where: { query: filters.join(' AND '), params },
    conditions,
    sortColumn: sortField.sql,
    descending: sort ? sort.descending : true,
  }
}

/** Instants a statement reads, both ends included, in epoch ms (the hours that hold a page). */
export interface TimeRange {
  from: number
  to: number
}

export interface PageOptions {
  /** The sort key and Audit ID of the page's first record. */
  boundary?: { key: string; auditId: string }
  range?: TimeRange
  /** Records of the range to skip before the page (a few, within one hour). */
  skip?: number
}

export function countStatement(plan: PlannedQuery): SqlQuery {
  return {
    query: `SELECT count() AS n FROM audits WHERE ${plan.where.query}`,
    params: plan.where.params,
    tag: 'audit:query:count',
  }
}

/**
 * The sort key of the first record of a deep page: reads only the two key columns of the skipped
 * records, so the wide columns are read for one page only, however deep it is. With a range, the
 * offset counts from the range's first record.
 */
export function boundaryStatement(plan: PlannedQuery, offset: number, range?: TimeRange): SqlQuery {
  const dir = plan.descending ? 'DESC' : 'ASC'
  const within = rangeFilter(range)
  return {
    query: `SELECT ${plan.sortColumn} AS key, audit_id FROM audits WHERE ${plan.where.query}${within.sql}
            ORDER BY ${plan.sortColumn} ${dir}, audit_id ${dir} LIMIT 1 OFFSET {offset:UInt64}${within.settings}`,
    params: { ...plan.where.params, ...within.params, offset },
    tag: 'audit:query:boundary',
  }
}

/** One page of records, from the boundary key on (or from the first record of the range). */
export function pageStatement(plan: PlannedQuery, length: number, options: PageOptions = {}): SqlQuery {
  const { boundary, range, skip = 0 } = options
  const dir = plan.descending ? 'DESC' : 'ASC'
  const cmp = plan.descending ? '<=' : '>='
  // Instants come back as ISO text; parsing them in the statement keeps their milliseconds.
  const key =
    plan.sortColumn === 'timestamp'
      ? "parseDateTime64BestEffort({boundaryKey:String}, 3, 'UTC')"
      : '{boundaryKey:UInt32}'
  // The plain comparison lets the primary key skip granules; the tuple one is exact on ties.
  const from = boundary
    ? ` AND ${plan.sortColumn} ${cmp} ${key} AND (${plan.sortColumn}, audit_id) ${cmp} (${key}, {boundaryId:UInt64})`
    : ''
  const within = rangeFilter(range)
  return {
    query: `SELECT ${AUDIT_RECORD_COLUMNS.join(', ')} FROM audits WHERE ${plan.where.query}${from}${within.sql}
            ORDER BY ${plan.sortColumn} ${dir}, audit_id ${dir} LIMIT {length:UInt32}${skip > 0 ? ' OFFSET {skip:UInt64}' : ''}${within.settings}`,
    params: {
      ...plan.where.params,
      ...within.params,
      length,
      ...(skip > 0 && { skip }),
      ...(boundary && { boundaryKey: boundary.key, boundaryId: boundary.auditId }),
    },
    tag: 'audit:query:page',
  }
}

/**
 * Within a few hours the primary key finds the granules itself; checking the time index's marks of
 * every part costs more than it saves (~7 ms a statement at 100 M audits).
 */
export const NARROW_RANGE_SETTINGS = ' SETTINGS use_skip_indexes = 0'

function rangeFilter(range: TimeRange | undefined): {
  sql: string
  params: Record<string, unknown>
  settings: string
} {
  if (!range) return { sql: '', params: {}, settings: '' }
  return {
    sql: ` AND timestamp >= parseDateTime64BestEffort({rangeFrom:String}, 3, 'UTC') AND timestamp <= parseDateTime64BestEffort({rangeTo:String}, 3, 'UTC')`,
    params: { rangeFrom: new Date(range.from).toISOString(), rangeTo: new Date(range.to).toISOString() },
    settings: NARROW_RANGE_SETTINGS,
  }
}

/** The records of a page by the primary key alone: a boundary scan over the skipped records' keys. */
export async function readExactPage(
  warehouse: Warehouse,
  plan: PlannedQuery,
  offset: number,
  length: number,
): Promise<AuditRow[]> {
  const [boundary] =
    offset > 0
      ? await warehouse.query<{ key: string; audit_id: string }>(boundaryStatement(plan, offset))
      : []
  if (offset > 0 && !boundary) return []
  const from = boundary && { key: String(boundary.key), auditId: boundary.audit_id }
  return warehouse.query<AuditRow>(pageStatement(plan, length, { boundary: from }))
}

/** Count and page straight from `audits`: what every condition gets when the hour counts cannot answer it. */
export async function runExactQuery(
  warehouse: Warehouse,
  plan: PlannedQuery,
  offset: number,
  length: number,
): Promise<{ totalCount: number; rows: AuditRow[] }> {
  // The count and the page do not depend on each other: on a ClickHouse server they run at once.
  const [[count], rows] = await Promise.all([
    warehouse.query<{ n: string }>(countStatement(plan)),
    readExactPage(warehouse, plan, offset, length),
  ])
  return { totalCount: Number(count?.n ?? 0), rows }
}
