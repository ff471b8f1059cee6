import type { Stores } from '../../../store/stores.js'
import { segmentsInOrder } from '../event-histograms.js'
import { bucketCounts, histogramOf, type Histogram } from '../histogram.js'
import {
  checkScope,
  clientsSubquery,
  cohortKeys,
  joinClients,
  wholeProduct,
  type ReportScope,
} from '../scope.js'
import { HISTOGRAMS } from '../usage-distribution.js'
import { churnedCohort, type LostWindow } from './cohort.js'

/**
 * The churn histograms: how many of the churned clients (new in the range, lost since) had how
 * many active days, sessions and hours of runtime over their whole lifetime, in the usage
 * distribution's buckets.
 */

const byName = (name: (typeof HISTOGRAMS)[number]['name']) => HISTOGRAMS.find((h) => h.name === name)!
export const CHURN_HISTOGRAMS = {
  days: byName('activeDays'),
  runtime: byName('runtime'),
  sessions: byName('sessions'),
}
export type ChurnHistogramKind = keyof typeof CHURN_HISTOGRAMS

export type ChurnHistogramRequest = ReportScope & LostWindow

export async function churnHistogram(
  stores: Stores,
  kind: ChurnHistogramKind,
  request: ChurnHistogramRequest,
): Promise<{ segment: string | null; clients: number; histogram: Histogram }[]> {
  checkScope(request)
  const histogram = CHURN_HISTOGRAMS[kind]
  const churned = churnedCohort(request)
  const clients = clientsSubquery(request)
  const buckets = bucketCounts(histogram.column, histogram.buckets, histogram.from)
  // Each client's lifetime totals, in the columns the histograms name, from its 64-day blocks
  // (migration 0009): a block's rows merge first, then its active days are its mask's bits.
  const lifetimes = `
    SELECT client_key, sum(bitCount(day_mask)) AS days, sum(block_sessions) AS session_count,
           sum(block_runtime) AS runtime
    FROM (
      SELECT client_key, groupBitOr(active_days) AS day_mask, sum(sessions) AS block_sessions,
             sum(runtime_seconds) AS block_runtime
      FROM usage_client_totals
      WHERE ${wholeProduct()} AND client_key IN (${cohortKeys(churned.rows)})
      GROUP BY client_key, block
    )
    GROUP BY client_key`
  const rows = await stores.warehouse.query<Record<string, string>>({
    query: `SELECT clients.segment AS segment, count() AS clients,
                   ${buckets.map((sql, i) => `${sql} AS bucket_${i}`).join(', ')}
            FROM ${joinClients(lifetimes, request, clients)}
            GROUP BY segment`,
    params: {
      ...clients.params,
      ...churned.params,
      startDate: request.startDate,
      stopDate: request.stopDate,
    },
    tag: `usage-intel:churn-histogram-${kind}`,
  })
  const bySegment = new Map(rows.map((row) => [row.segment!, row]))
  const population = new Map(rows.map((row) => [row.segment!, Number(row.clients)]))
  return segmentsInOrder(population, request.segmentBy !== undefined).map(([segment, churnedClients]) => ({
    segment: request.segmentBy === undefined ? null : segment,
    clients: churnedClients,
    histogram: histogramOf(bySegment.get(segment), 'bucket', histogram.buckets),
  }))
}
