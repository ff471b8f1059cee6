import type { Stores } from '../../store/stores.js'
import { seriesLabel, seriesMatcher, type EventSeries } from './events.js'
import { activityByPeriod, periodSql, periodsOf, type DateSplit } from './periods.js'
import { checkScope, clientsSubquery, joinClients, withinDays, type ReportScope } from './scope.js'
import { largestSegmentFirst } from './results.js'

/**
 * The basic event timeline: how often each requested event (or category, or combination)
 * occurred per day, week or month of the range, optionally divided by that period's active
 * clients, sessions started or runtime hours (of the same segment).
 */

export const NORMALIZATIONS = ['none', 'clients', 'sessions', 'runtimeHours'] as const
export type Normalization = (typeof NORMALIZATIONS)[number]

export interface TimelineRequest extends ReportScope {
  events: EventSeries[]
  dateSplit: DateSplit
  normalizeBy: Normalization
}

export interface TimelineSeries {
  label: string
  periods: { period: string; occurrences: number; value: number }[]
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000

export async function eventTimeline(
  stores: Stores,
  request: TimelineRequest,
): Promise<{ segment: string | null; series: TimelineSeries[] }[]> {
  checkScope(request)
  const clients = clientsSubquery(request)
  const matcher = seriesMatcher(request.events)
  const [counts, activity] = await Promise.all([
    stores.warehouse.query<{ segment: string; period: string; series: number; occurrences: string }>({
      query: `SELECT clients.segment AS segment, ${periodSql(request.dateSplit, 'day')} AS period,
                     series, sum(activity.occurrences) AS occurrences
              FROM ${joinClients(
                `SELECT client_key, day, series, occurrences FROM usage_event_days
                 ARRAY JOIN ${matcher.indexes} AS series
                 WHERE ${withinDays()} AND ${matcher.where}`,
                request,
                clients,
              )}
              GROUP BY segment, period, series`,
      params: {
        ...clients.params,
        ...matcher.params,
        startDate: request.startDate,
        stopDate: request.stopDate,
      },
      tag: 'usage-intel:event-timeline',
    }),
    request.normalizeBy === 'none' ? [] : activityByPeriod(stores, request, request.dateSplit),
  ])

  const denominators = new Map(
    activity.map((row) => [
      JSON.stringify([row.segment, row.period]),
      request.normalizeBy === 'clients'
        ? row.activeClients
        : request.normalizeBy === 'sessions'
          ? row.sessions
          : row.runtimeSeconds / 3600,
    ]),
  )
  const valueOf = (segment: string, period: string, occurrences: number) => {
    if (request.normalizeBy === 'none') return occurrences
    const denominator = denominators.get(JSON.stringify([segment, period])) ?? 0
    return denominator ? round4(occurrences / denominator) : 0
  }

  const periods = periodsOf(request.dateSplit, request.startDate, request.stopDate)
  const bySegment = new Map<string, Map<string, number>[]>()
  for (const row of counts) {
    let perSeries = bySegment.get(row.segment)
    if (!perSeries) bySegment.set(row.segment, (perSeries = request.events.map(() => new Map())))
    perSeries[Number(row.series) - 1]!.set(row.period, Number(row.occurrences))
  }
  const total = (perSeries: Map<string, number>[]) =>
    perSeries.reduce((sum, byPeriod) => sum + [...byPeriod.values()].reduce((a, b) => a + b, 0), 0)
  // Without segments, the one result is there even when nothing occurred.
  if (request.segmentBy === undefined && bySegment.size === 0)
    bySegment.set(
      '',
      request.events.map(() => new Map()),
    )
  return largestSegmentFirst(bySegment, total).map(([segment, perSeries]) => ({
    segment: request.segmentBy === undefined ? null : segment,
    series: request.events.map((series, i) => ({
      label: seriesLabel(series),
      periods: periods.map((period) => {
        const occurrences = perSeries[i]!.get(period) ?? 0
        return { period, occurrences, value: valueOf(segment, period, occurrences) }
      }),
    })),
  }))
}
