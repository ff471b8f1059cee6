import type { Stores } from '../../store/stores.js'
import {
  activityRows,
  checkScope,
  clientsSubquery,
  cohortKeys,
  joinClients,
  NEW_CLIENTS,
  wholeProduct,
  type Cohort,
  type ReportScope,
} from './scope.js'
import { eventRowsByMonths } from './month-split.js'
import { compareText, round2 } from './results.js'

/**
 * The event tracking data tables: for every tracked event, how often it occurred and how many
 * clients performed it, flat or as a category → name tree, paged, optionally per segment.
 * - basic: the events within the report's days, among the clients active in them;
 * - lifetime: every event of the clients first seen within the report's days (the cohort), over
 *   their whole lifetime.
 */

export const TABLE_VIEWS = ['flat', 'tree'] as const
export const TABLE_SORTS = [
  'occurrences',
  'clients',
  'averagePerClient',
  'percentOfClients',
  'category',
  'name',
] as const
export const SORT_ORDERS = ['desc', 'asc'] as const

export interface EventTableRequest extends ReportScope {
  view: (typeof TABLE_VIEWS)[number]
  sortBy: (typeof TABLE_SORTS)[number]
  sortOrder: (typeof SORT_ORDERS)[number]
  /** Only events whose category or name contains this, any case. */
  search?: string
  /** 1-based. */
  page: number
  pageSize: number
}

export interface EventFigures {
  occurrences: number
  /** Clients who performed it. */
  clients: number
  /** occurrences ÷ clients, 2 decimals. */
  averagePerClient: number
  /** clients ÷ the population (active clients, or the cohort) × 100, 2 decimals. */
  percentOfClients: number
}

export interface EventTableRow extends EventFigures {
  category: string
  /** null on a category row of the tree view. */
  name: string | null
  segments?: (EventFigures & { segment: string })[]
  children?: EventTableRow[]
}

export interface EventTable {
  /** The population: active clients in the range (basic) or the cohort (lifetime). */
  clients: number
  /** Rows (top-level rows in the tree view) matching the search, over all pages. */
  totalRows: number
  page: number
  pageSize: number
  rows: EventTableRow[]
}

function figures(occurrences: number, clients: number, population: number): EventFigures {
  return {
    occurrences,
    clients,
    averagePerClient: clients ? round2(occurrences / clients) : 0,
    percentOfClients: population ? round2((clients / population) * 100) : 0,
  }
}

/** What a table counts: per-client event rows, and the population's clients. */
interface TableSource {
  /** Rows `(client_key, category, name, occurrences)` from the event rollups (migrations 0004, 0006). */
  events: string
  /** What `events` binds beyond the scope's parameters. */
  params: Record<string, unknown>
  /** Rows `(client_key)`, one per client of the population. */
  population: string
}

const SOURCES: Record<'basic' | 'lifetime', (cohort: Cohort, scope: ReportScope) => TableSource> = {
  basic: (_cohort, scope) => {
    const events = eventRowsByMonths(scope.startDate, scope.stopDate)
    return {
      events: events.query,
      params: events.params,
      population: `SELECT DISTINCT client_key FROM (${activityRows()})`,
    }
  },
  lifetime: (cohort) => ({
    events: `SELECT client_key, category, name, occurrences FROM usage_event_totals
             WHERE ${wholeProduct()} AND client_key IN (${cohortKeys(cohort.rows)})`,
    params: {},
    population: cohortKeys(cohort.rows),
  }),
}

/** `cohort`: the lifetime table's population (the churn table's: the new clients lost since). */
export async function eventTable(
  stores: Stores,
  kind: 'basic' | 'lifetime',
  request: EventTableRequest,
  cohort: Cohort = NEW_CLIENTS,
): Promise<EventTable> {
  checkScope(request)
  const source = SOURCES[kind](cohort, request)
  const tag = `usage-intel:event-table-${kind === 'basic' ? kind : cohort.name}`
  const clients = clientsSubquery(request)
  const params = {
    ...clients.params,
    ...cohort.params,
    ...source.params,
    startDate: request.startDate,
    stopDate: request.stopDate,
  }
  const segmented = request.segmentBy !== undefined
  // A client has one segment, so the figures of all clients are the sums of their segments': the
  // queries count per segment only (each grouping set is a pass over the rows), and per category
  // only for the category rows of the tree view.
  const sets =
    request.view === 'tree' ? '(category, name, segment), (category, segment)' : '(category, name, segment)'
  const [eventRows, populationRows] = await Promise.all([
    stores.warehouse.query<{
      category: string
      name: string
      segment: string
      occurrences: string
      clients: string
      name_total: string
    }>({
      query: `SELECT category, name, clients.segment AS segment, sum(activity.occurrences) AS occurrences,
                     uniqExact(activity.client_key) AS clients, grouping(name) AS name_total
              FROM ${joinClients(source.events, request, clients)}
              GROUP BY GROUPING SETS (${sets})`,
      params,
      tag,
    }),
    stores.warehouse.query<{ segment: string; clients: string }>({
      query: `SELECT clients.segment AS segment, count() AS clients
              FROM ${joinClients(source.population, request, clients)}
              GROUP BY segment`,
      params,
      tag: `${tag}-population`,
    }),
  ])

  const population = new Map(populationRows.map((row) => [row.segment, Number(row.clients)]))
  const allClients = [...population.values()].reduce((sum, clients) => sum + clients, 0)

  // Category rows hold their names' rows; each row its segments.
  const categories = new Map<string, EventTableRow & { children: EventTableRow[] }>()
  const names = new Map<string, EventTableRow>()
  const rowOf = (category: string, name: string | null): EventTableRow => {
    let categoryRow = categories.get(category)
    if (!categoryRow) {
      categoryRow = { category, name: null, ...figures(0, 0, 0), children: [] }
      categories.set(category, categoryRow)
    }
    if (name === null) return categoryRow
    const key = JSON.stringify([category, name])
    let nameRow = names.get(key)
    if (!nameRow) {
      nameRow = { category, name, ...figures(0, 0, 0) }
      names.set(key, nameRow)
      categoryRow.children.push(nameRow)
    }
    return nameRow
  }
  const totals = new Map<EventTableRow, { occurrences: number; clients: number }>()
  for (const row of eventRows) {
    const target = rowOf(row.category, Number(row.name_total) ? null : row.name)
    const occurrences = Number(row.occurrences)
    const performers = Number(row.clients)
    const total = totals.get(target) ?? { occurrences: 0, clients: 0 }
    totals.set(target, { occurrences: total.occurrences + occurrences, clients: total.clients + performers })
    if (segmented)
      (target.segments ??= []).push({
        segment: row.segment,
        ...figures(occurrences, performers, population.get(row.segment) ?? 0),
      })
  }
  for (const [target, total] of totals)
    Object.assign(target, figures(total.occurrences, total.clients, allClients))

  const needle = request.search?.toLowerCase()
  const matches = (row: EventTableRow) =>
    needle === undefined ||
    row.category.toLowerCase().includes(needle) ||
    (row.name ?? '').toLowerCase().includes(needle)
  const compare = comparator(request)
  const bySegmentSize = (a: { clients: number; segment: string }, b: { clients: number; segment: string }) =>
    b.clients - a.clients || compareText(a.segment, b.segment)
  for (const row of [...categories.values(), ...names.values()]) row.segments?.sort(bySegmentSize)

  let rows: EventTableRow[]
  if (request.view === 'flat') {
    rows = [...names.values()].filter(matches).sort(compare)
  } else {
    rows = [...categories.values()]
      .map((category) => ({
        ...category,
        // A category matches with all its names; otherwise it shows the names that match.
        children: (matches(category) ? category.children : category.children.filter(matches)).sort(compare),
      }))
      .filter((category) => category.children.length > 0)
      .sort(compare)
  }
  const first = (request.page - 1) * request.pageSize
  return {
    clients: allClients,
    totalRows: rows.length,
    page: request.page,
    pageSize: request.pageSize,
    rows: rows.slice(first, first + request.pageSize),
  }
}

/** The requested order, then category and name ascending so that pages are stable. */
function comparator(request: EventTableRequest): (a: EventTableRow, b: EventTableRow) => number {
  const direction = request.sortOrder === 'asc' ? 1 : -1
  const key = request.sortBy
  const primary =
    key === 'category' || key === 'name'
      ? (a: EventTableRow, b: EventTableRow) => compareText(a[key] ?? '', b[key] ?? '')
      : (a: EventTableRow, b: EventTableRow) => a[key] - b[key]
  return (a, b) =>
    direction * primary(a, b) ||
    compareText(a.category, b.category) ||
    compareText(a.name ?? '', b.name ?? '')
}
