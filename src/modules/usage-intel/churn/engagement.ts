import { ValidationError } from '../../../errors.js'
import type { Stores } from '../../../store/stores.js'
import type { LostDate } from '../date-range.js'
import { segmentsInOrder } from '../event-histograms.js'
import { round2 } from '../results.js'
import { checkScope, clientsSubquery, cohortRows, joinClients, type ReportScope } from '../scope.js'
import { IS_LOST, lostDaySql, lostParams, type LostWindow } from './cohort.js'

/**
 * The churn and engagement report: of the clients first seen within the range (all of them, lost
 * or not), how many were still engaged x days, weeks or months after their first day, and how
 * many were lost by then (docs/semantics.md, "Churn").
 *
 * Each client has a checkpoint per column: its first day plus x units. It was engaged after x
 * when it was active on or after the checkpoint (its last active day is), and lost by then when
 * it is lost and its lost date is on or before the checkpoint. A column counts a client only once
 * daysUntilDeclaredLost days have passed since its checkpoint: before that, a client inactive since
 * the checkpoint may still come back (or its checkpoint has not even come), so it is pending, neither
 * engaged nor lost. Past that, a client not engaged is lost (its last activity is before the
 * checkpoint, so more than daysUntilDeclaredLost days ago).
 */

/** The units of the columns, with the SQL adding x of them to a Date (a catalog, never request text). */
export const ENGAGEMENT_UNITS = {
  days: { add: 'addDays', max: 3660, defaults: [1, 3, 7, 14, 30, 60, 90] },
  weeks: { add: 'addWeeks', max: 520, defaults: [1, 2, 4, 8, 12, 26, 52] },
  months: { add: 'addMonths', max: 120, defaults: [1, 2, 3, 6, 9, 12] },
} as const
export type EngagementUnit = keyof typeof ENGAGEMENT_UNITS

export interface EngagementRequest extends ReportScope, LostWindow {
  unit: EngagementUnit
  /** The columns, in units after the first day; the unit's defaults when absent. */
  after?: number[]
  lostDate: LostDate
}

export interface EngagementColumn {
  after: number
  /** Cohort clients this column can judge: daysUntilDeclaredLost days past their checkpoint. */
  clients: number
  engaged: number
  lost: number
  /** Cohort clients it cannot judge yet. */
  pending: number
  /** engaged and lost ÷ clients × 100, 2 decimals. */
  engagedPercent: number
  lostPercent: number
}

export interface EngagementResult {
  segment: string | null
  /** The cohort: clients first seen in the range. */
  clients: number
  /** Of them, lost as of today. */
  lostClients: number
  columns: EngagementColumn[]
}

/** The columns asked for, in order; each within ten years. */
function columnsOf(unit: EngagementUnit, after: number[] | undefined): number[] {
  const { max, defaults } = ENGAGEMENT_UNITS[unit]
  const columns = [...(after ?? defaults)].sort((a, b) => a - b)
  const tooFar = columns.find((x) => x > max)
  if (tooFar !== undefined)
    throw new ValidationError(`after: ${tooFar} ${unit} is more than ten years; at most ${max} ${unit}`)
  return columns
}

const percent = (part: number, whole: number) => (whole ? round2((part / whole) * 100) : 0)

export async function churnAndEngagement(
  stores: Stores,
  request: EngagementRequest,
): Promise<{ after: number[]; results: EngagementResult[] }> {
  checkScope(request)
  const after = columnsOf(request.unit, request.after)
  const clients = clientsSubquery(request)
  const settled = 'checkpoint + {daysUntilLost:UInt32} <= toDate({today:String})'
  const lostDay = lostDaySql(request.lostDate)
  // Per column, over the segment's clients: sums of 0/1 arrays, one element per checkpoint.
  const perColumn = (condition: string) =>
    `sumForEach(arrayMap(checkpoint -> toUInt64(${settled}${condition}), checkpoints))`
  const rows = await stores.warehouse.query<{
    segment: string
    clients: string
    lost_now: string
    settled: string[]
    engaged: string[]
    lost: string[]
  }>({
    query: `SELECT segment, count() AS clients, countIf(${IS_LOST}) AS lost_now,
                   ${perColumn('')} AS settled,
                   ${perColumn(' AND last_day >= checkpoint')} AS engaged,
                   ${perColumn(` AND last_day < checkpoint AND ${lostDay} <= checkpoint`)} AS lost
            FROM (
              SELECT clients.segment AS segment, last_day,
                     arrayMap(x -> ${ENGAGEMENT_UNITS[request.unit].add}(first_day, x), {after:Array(UInt32)}) AS checkpoints
              FROM ${joinClients(cohortRows(), request, clients)}
            )
            GROUP BY segment`,
    params: {
      ...clients.params,
      ...lostParams(request),
      startDate: request.startDate,
      stopDate: request.stopDate,
      after,
    },
    tag: 'usage-intel:churn-engagement',
  })
  const bySegment = new Map(rows.map((row) => [row.segment, row]))
  const cohorts = new Map(rows.map((row) => [row.segment, Number(row.clients)]))
  const results = segmentsInOrder(cohorts, request.segmentBy !== undefined).map(
    ([segment, cohort]): EngagementResult => {
      const row = bySegment.get(segment)
      return {
        segment: request.segmentBy === undefined ? null : segment,
        clients: cohort,
        lostClients: Number(row?.lost_now ?? 0),
        columns: after.map((x, i) => {
          const judged = Number(row?.settled[i] ?? 0)
          const engaged = Number(row?.engaged[i] ?? 0)
          const lost = Number(row?.lost[i] ?? 0)
          return {
            after: x,
            clients: judged,
            engaged,
            lost,
            pending: cohort - judged,
            engagedPercent: percent(engaged, judged),
            lostPercent: percent(lost, judged),
          }
        }),
      }
    },
  )
  return { after, results }
}
