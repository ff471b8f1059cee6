import type { Stores } from '../../store/stores.js'
import {
  activityRows,
  checkScope,
  clientsSubquery,
  cohortKeys,
  joinClients,
  wholeProduct,
  withinDays,
  type ReportScope,
} from './scope.js'
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
  /** Rows `(client_key, category, name, occurrences)` from the event rollups (migration 0004). */
  events: string
  /** Rows `(client_key)`, one per client of the population. */
  population: string
}

const SOURCES: Record<'basic' | 'lifetime', TableSource> = {
  basic: {
    events: `SELECT client_key, category, name, occurrences FROM usage_event_days WHERE ${withinDays()}`,
    population: `SELECT DISTINCT client_key FROM (${activityRows()})`,
  },
  lifetime: {
    events: `SELECT client_key, category, name, occurrences FROM usage_event_totals
             WHERE ${wholeProduct()} AND client_key IN (${cohortKeys()})`,
    population: cohortKeys(),
  },
}

export async function eventTable(
  stores: Stores,
  kind: 'basic' | 'lifetime',
  request: EventTableRequest,
): Promise<EventTable> {
  checkScope(request)
  const source = SOURCES[kind]
  const clients = clientsSubquery(request)
  const params = { ...clients.params, startDate: request.startDate, stopDate: request.stopDate }
  const segmented = request.segmentBy !== undefined
  const sets = segmented
    ? '(category, name, segment), (category, name), (category, segment), (category)'
    : '(category, name, segment), (category, segment)' // one segment, '': the totals
  const [eventRows, populationRows] = await Promise.all([
    stores.warehouse.query<{
      category: string
      name: string
      segment: string
      occurrences: string
      clients: string
      name_total: string
      segment_total: string
    }>({
      query: `SELECT category, name, clients.segment AS segment, sum(activity.occurrences) AS occurrences,
                     uniqExact(activity.client_key) AS clients,
                     grouping(name) AS name_total, grouping(segment) AS segment_total
              FROM ${joinClients(source.events, request, clients)}
              GROUP BY GROUPING SETS (${sets})`,
      params,
      tag: `usage-intel:event-table-${kind}`,
    }),
    stores.warehouse.query<{ segment: string; clients: string; total: string }>({
      query: `SELECT clients.segment AS segment, count() AS clients, grouping(segment) AS total
              FROM ${joinClients(source.population, request, clients)}
              GROUP BY GROUPING SETS ((segment), ())`,
      params,
      tag: `usage-intel:event-table-${kind}-population`,
    }),
  ])

  const population = new Map<string | null, number>()
  for (const row of populationRows)
    population.set(Number(row.total) ? null : row.segment, Number(row.clients))
  const populationOf = (segment: string | null) => population.get(segment) ?? 0

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
  for (const row of eventRows) {
    const target = rowOf(row.category, Number(row.name_total) ? null : row.name)
    const segment = segmented && !Number(row.segment_total) ? row.segment : null
    const values = figures(Number(row.occurrences), Number(row.clients), populationOf(segment))
    if (segment === null) Object.assign(target, values)
    else (target.segments ??= []).push({ segment, ...values })
  }

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
    clients: populationOf(null),
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
