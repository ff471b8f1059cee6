import { ValidationError } from '../../errors.js'
import type { Stores } from '../../store/stores.js'
import { listAdvancedEvents } from './event-tracking.js'
import { seriesLabel, seriesMatcher, type EventRef, type EventSeries } from './events.js'
import { bucketCounts, histogramOf, type Bucket, type Histogram } from './histogram.js'
import {
  activityRows,
  checkScope,
  clientsSubquery,
  cohortKeys,
  joinClients,
  NEW_CLIENTS,
  wholeProduct,
  withinDays,
  type Cohort,
  type ReportScope,
} from './scope.js'
import { largestSegmentFirst, round2 } from './results.js'

/**
 * Histograms of how much each client performed events: the lifetime histograms (the cohort of
 * clients first seen in the range, over their whole lifetime: counts and averages per day, week and
 * month of lifetime) and the advanced report (clients active in the range, events in the range, for
 * events in advanced tracking). Both start with a `0` bucket: the population's clients who never
 * performed the event.
 */

/** Event counts per client: 0 first, then each bucket up to its edge, included. */
export const COUNT_BUCKETS: Bucket[] = [
  { label: '1', max: 1 },
  { label: '2', max: 2 },
  { label: '3', max: 3 },
  { label: '4-5', max: 5 },
  { label: '6-10', max: 10 },
  { label: '11-20', max: 20 },
  { label: '21-50', max: 50 },
  { label: '51-100', max: 100 },
  { label: '101+', max: null },
]
/** Average counts per day, week or month of lifetime: above the previous edge up to this one. */
export const AVERAGE_BUCKETS: Bucket[] = [
  { label: '0-0.5', max: 0.5 },
  { label: '0.5-1', max: 1 },
  { label: '1-2', max: 2 },
  { label: '2-3', max: 3 },
  { label: '3-5', max: 5 },
  { label: '5-10', max: 10 },
  { label: '10-20', max: 20 },
  { label: '20+', max: null },
]

/** The lifetime histograms: a week is 7 days and a month 30, and a lifetime counts as at least one of each. */
const LIFETIME_HISTOGRAMS = [
  { name: 'count', value: 'occurrences', buckets: COUNT_BUCKETS, from: 1 },
  { name: 'perDay', value: 'occurrences / lifetime_days', buckets: AVERAGE_BUCKETS, from: 0 },
  {
    name: 'perWeek',
    value: 'occurrences / greatest(1, lifetime_days / 7)',
    buckets: AVERAGE_BUCKETS,
    from: 0,
  },
  {
    name: 'perMonth',
    value: 'occurrences / greatest(1, lifetime_days / 30)',
    buckets: AVERAGE_BUCKETS,
    from: 0,
  },
] as const

/** A histogram with the population's clients who never performed it in its `0` bucket. */
const withZero = (histogram: Histogram, population: number, performers: number): Histogram => [
  { bucket: '0', clients: population - performers },
  ...histogram,
]

/** Clients of the population per segment. */
async function populationBySegment(
  stores: Stores,
  scope: ReportScope,
  population: string,
  params: Record<string, unknown>,
  tag: string,
): Promise<Map<string, number>> {
  const clients = clientsSubquery(scope)
  const rows = await stores.warehouse.query<{ segment: string; clients: string }>({
    query: `SELECT clients.segment AS segment, count() AS clients FROM ${joinClients(population, scope, clients)}
            GROUP BY segment`,
    params: { ...clients.params, ...params },
    tag,
  })
  return new Map(rows.map((row) => [row.segment, Number(row.clients)]))
}

/** Results per segment, largest population first; without segments, one result even when empty. */
export function segmentsInOrder(population: Map<string, number>, segmented: boolean): [string, number][] {
  if (!segmented && population.size === 0) return [['', 0]]
  return largestSegmentFirst(population, (clients) => clients)
}

export interface LifetimeHistogramRequest extends ReportScope {
  events: EventSeries[]
}

export interface LifetimeSeriesHistograms {
  label: string
  /** Cohort clients who performed it at least once. */
  clients: number
  count: Histogram
  perDay: Histogram
  perWeek: Histogram
  perMonth: Histogram
}

/** `cohort`: the population (the churn histogram's: the new clients lost since). */
export async function lifetimeHistogram(
  stores: Stores,
  request: LifetimeHistogramRequest,
  cohort: Cohort = NEW_CLIENTS,
): Promise<{ segment: string | null; clients: number; series: LifetimeSeriesHistograms[] }[]> {
  checkScope(request)
  const clients = clientsSubquery(request)
  const matcher = seriesMatcher(request.events)
  const range = { startDate: request.startDate, stopDate: request.stopDate, ...cohort.params }
  const columns = LIFETIME_HISTOGRAMS.flatMap((h) =>
    bucketCounts(h.value, h.buckets, h.from).map((sql, i) => `${sql} AS ${h.name}_${i}`),
  )
  const [rows, population] = await Promise.all([
    stores.warehouse.query<Record<string, string>>({
      query: `SELECT segment, series, count() AS clients, ${columns.join(', ')} FROM (
                SELECT clients.segment AS segment, series, performed AS occurrences, cohort.lifetime_days AS lifetime_days
                FROM ${joinClients(
                  `SELECT client_key, series, sum(occurrences) AS performed FROM usage_event_totals
                   ARRAY JOIN ${matcher.indexes} AS series
                   WHERE ${wholeProduct()} AND ${matcher.where} AND client_key IN (${cohortKeys(cohort.rows)})
                   GROUP BY client_key, series`,
                  request,
                  clients,
                )}
                INNER JOIN (${cohort.rows}) AS cohort ON cohort.client_key = activity.client_key
              )
              GROUP BY segment, series`,
      params: { ...clients.params, ...matcher.params, ...range },
      tag: `usage-intel:${cohort.name}-histogram`,
    }),
    populationBySegment(stores, request, cohortKeys(cohort.rows), range, `usage-intel:${cohort.name}-cohort`),
  ])
  const found = new Map(rows.map((row) => [JSON.stringify([row.segment, Number(row.series)]), row]))
  return segmentsInOrder(population, request.segmentBy !== undefined).map(([segment, cohort]) => ({
    segment: request.segmentBy === undefined ? null : segment,
    clients: cohort,
    series: request.events.map((series, i) => {
      const row = found.get(JSON.stringify([segment, i + 1])) ?? {}
      const performers = Number(row.clients ?? 0)
      const histogram = (h: (typeof LIFETIME_HISTOGRAMS)[number]) =>
        withZero(histogramOf(row, h.name, h.buckets), cohort, performers)
      return {
        label: seriesLabel(series),
        clients: performers,
        count: histogram(LIFETIME_HISTOGRAMS[0]),
        perDay: histogram(LIFETIME_HISTOGRAMS[1]),
        perWeek: histogram(LIFETIME_HISTOGRAMS[2]),
        perMonth: histogram(LIFETIME_HISTOGRAMS[3]),
      }
    }),
  }))
}

export interface AdvancedRequest extends ReportScope {
  /** Events in advanced tracking to report; absent: all of them. */
  events?: Required<EventRef>[]
}

export interface AdvancedEvent {
  category: string
  name: string
  clients: number
  occurrences: number
  averagePerClient: number
  percentOfClients: number
  /** The mean of the values the occurrences carried; null when none carried one. */
  averageValue: number | null
  histogram: Histogram
}

/** The events of the request, each checked to be in advanced tracking (a 400 naming one that is not). */
async function advancedEvents(stores: Stores, request: AdvancedRequest): Promise<Required<EventRef>[]> {
  const advanced = await listAdvancedEvents(stores, request.tenantId, request.productId)
  if (request.events === undefined) return advanced
  for (const ref of request.events) {
    if (!advanced.some((event) => event.category === ref.category && event.name === ref.name))
      throw new ValidationError(
        `events: '${ref.category}' / '${ref.name}' is not in advanced tracking; PUT /v3/event-tracking/${request.productId} sets which events are`,
      )
  }
  return request.events
}

export async function advancedReport(
  stores: Stores,
  request: AdvancedRequest,
): Promise<{ segment: string | null; clients: number; events: AdvancedEvent[] }[]> {
  checkScope(request)
  const events = await advancedEvents(stores, request)
  const range = { startDate: request.startDate, stopDate: request.stopDate }
  const population = await populationBySegment(
    stores,
    request,
    `SELECT DISTINCT client_key FROM (${activityRows()})`,
    range,
    'usage-intel:advanced-population',
  )
  const found = new Map<string, Record<string, string>>()
  if (events.length > 0) {
    const clients = clientsSubquery(request)
    const matcher = seriesMatcher(events)
    const rows = await stores.warehouse.query<Record<string, string>>({
      query: `SELECT clients.segment AS segment, series, count() AS clients, sum(performed) AS total_occurrences,
                     sum(values_total) AS total_value, sum(values_carried) AS total_values,
                     ${bucketCounts('performed', COUNT_BUCKETS, 1)
                       .map((sql, i) => `${sql} AS count_${i}`)
                       .join(', ')}
              FROM ${joinClients(
                `SELECT client_key, series, sum(occurrences) AS performed,
                        sum(value_sum) AS values_total, sum(value_count) AS values_carried
                 FROM usage_event_days ARRAY JOIN ${matcher.indexes} AS series
                 WHERE ${withinDays()} AND ${matcher.where}
                 GROUP BY client_key, series`,
                request,
                clients,
              )}
              GROUP BY segment, series`,
      params: { ...clients.params, ...matcher.params, ...range },
      tag: 'usage-intel:advanced',
    })
    for (const row of rows) found.set(JSON.stringify([row.segment, Number(row.series)]), row)
  }
  return segmentsInOrder(population, request.segmentBy !== undefined).map(([segment, active]) => ({
    segment: request.segmentBy === undefined ? null : segment,
    clients: active,
    events: events.map((event, i) => {
      const row = found.get(JSON.stringify([segment, i + 1])) ?? {}
      const performers = Number(row.clients ?? 0)
      const occurrences = Number(row.total_occurrences ?? 0)
      const values = Number(row.total_values ?? 0)
      return {
        category: event.category,
        name: event.name,
        clients: performers,
        occurrences,
        averagePerClient: performers ? round2(occurrences / performers) : 0,
        percentOfClients: active ? round2((performers / active) * 100) : 0,
        averageValue: values ? round2(Number(row.total_value) / values) : null,
        histogram: withZero(histogramOf(row, 'count', COUNT_BUCKETS), active, performers),
      }
    }),
  }))
}
