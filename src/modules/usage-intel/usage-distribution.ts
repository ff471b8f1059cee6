import type { Stores } from '../../store/stores.js'
import { bucketCounts, histogramOf, type Bucket, type Histogram } from './histogram.js'
import { activityRows, checkScope, clientsSubquery, joinClients, type ReportScope } from './scope.js'

/**
 * The usage distribution histograms (SEMANTICS.md): how many clients active in the range had how
 * many active days, sessions and hours of runtime in it. A client is active on a day it has a
 * session starting or an event that day (UTC); sessions count by their start.
 */

const COUNT_BUCKETS: Bucket[] = [
  { label: '1', max: 1 },
  { label: '2', max: 2 },
  { label: '3', max: 3 },
  { label: '4-5', max: 5 },
  { label: '6-8', max: 8 },
  { label: '9-12', max: 12 },
  { label: '13+', max: null },
]
const MINUTE = 60
const RUNTIME_BUCKETS: Bucket[] = [
  { label: '≤0:05', max: 5 * MINUTE },
  { label: '0:06-0:15', max: 15 * MINUTE },
  { label: '0:16-0:30', max: 30 * MINUTE },
  { label: '0:31-1:00', max: 60 * MINUTE },
  { label: '1:01-2:00', max: 120 * MINUTE },
  { label: '2:01-4:00', max: 240 * MINUTE },
  { label: '4:01+', max: null },
]

/** `from`: the first bucket's lower edge, included. */
export const HISTOGRAMS = [
  { name: 'activeDays', column: 'days', buckets: COUNT_BUCKETS, from: 1 },
  { name: 'sessions', column: 'session_count', buckets: COUNT_BUCKETS, from: 1 },
  { name: 'runtime', column: 'runtime', buckets: RUNTIME_BUCKETS, from: 0 },
] as const

export interface DistributionResult {
  segment: string | null
  clients: number
  activeDays: Histogram
  sessions: Histogram
  runtime: Histogram
}

export async function usageDistribution(stores: Stores, scope: ReportScope): Promise<DistributionResult[]> {
  checkScope(scope)
  const clients = clientsSubquery(scope)
  const columns = HISTOGRAMS.flatMap((h) =>
    bucketCounts(h.column, h.buckets, h.from).map((sql, i) => `${sql} AS ${h.name}_${i}`),
  )
  const rows = await stores.warehouse.query<Record<string, string>>({
    query: `SELECT clients.segment AS segment, count() AS clients, ${columns.join(', ')} FROM ${joinClients(
      `SELECT client_key, uniqExact(day) AS days, sum(sessions) AS session_count, sum(seconds) AS runtime
       FROM (${activityRows()}) GROUP BY client_key`,
      scope,
      clients,
    )}
            GROUP BY segment ORDER BY clients DESC, segment`,
    params: { ...clients.params, startDate: scope.startDate, stopDate: scope.stopDate },
    tag: 'usage-intel:usage-distribution',
  })
  return rows.map((row) => {
    const histogram = (h: (typeof HISTOGRAMS)[number]) => histogramOf(row, h.name, h.buckets)
    return {
      segment: scope.segmentBy === undefined ? null : row.segment!,
      clients: Number(row.clients),
      activeDays: histogram(HISTOGRAMS[0]),
      sessions: histogram(HISTOGRAMS[1]),
      runtime: histogram(HISTOGRAMS[2]),
    }
  })
}
