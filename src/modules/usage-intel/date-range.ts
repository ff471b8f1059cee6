import type { Stores } from '../../store/stores.js'
import { activityByPeriod, periodSql, periodsOf, type DateSplit } from './periods.js'
import { checkScope, clientsSubquery, joinClients, lifetimeRows, type ReportScope } from './scope.js'
import { round2, segmentTree } from './results.js'
import { IS_LOST, lostDaySql, lostParams } from './churn/cohort.js'

/**
 * The generic date-range report: per period of the range (day, ISO week, month, or the whole
 * range) the new, active and lost clients, sessions, runtime and runtime per active client, for
 * all clients or per segment (SEMANTICS.md, "Usage intelligence").
 */

export const LOST_DATES = ['lastSeen', 'declared'] as const
export type LostDate = (typeof LOST_DATES)[number]
export const DEFAULT_DAYS_UNTIL_LOST = 30

export interface DateRangeRequest extends ReportScope {
  dateSplit: DateSplit
  daysUntilDeclaredLost: number
  /** Which day a lost client is counted on: its last active day, or that day + daysUntilDeclaredLost. */
  lostDate: LostDate
  /** Today, UTC (`YYYY-MM-DD`): a client is lost once daysUntilDeclaredLost days have passed without activity. */
  today: string
}

export interface PeriodFigures {
  period: string
  newClients: number
  activeClients: number
  lostClients: number
  sessions: number
  runtimeHours: number
  averageRuntimePerClient: number
}

/** What is counted per period before rounding; a segment's counts are its sub-segments' sums. */
interface Counts {
  newClients: number
  activeClients: number
  lostClients: number
  sessions: number
  runtimeSeconds: number
}
const COUNT_NAMES = ['newClients', 'activeClients', 'lostClients', 'sessions', 'runtimeSeconds'] as const
const noCounts = (): Counts => ({
  newClients: 0,
  activeClients: 0,
  lostClients: 0,
  sessions: 0,
  runtimeSeconds: 0,
})

/** Counts per period (in period order) of each sub-segment, combined into their segment's. */
const combinePeriods = (children: Counts[][]): Counts[] =>
  children[0]!.map((_, i) => {
    const sum = noCounts()
    for (const child of children) for (const name of COUNT_NAMES) sum[name] += child[i]![name]
    return sum
  })

const figuresOf = (period: string, counts: Counts): PeriodFigures => {
  const hours = counts.runtimeSeconds / 3600
  return {
    period,
    newClients: counts.newClients,
    activeClients: counts.activeClients,
    lostClients: counts.lostClients,
    sessions: counts.sessions,
    runtimeHours: round2(hours),
    averageRuntimePerClient: counts.activeClients ? round2(hours / counts.activeClients) : 0,
  }
}

export interface DateRangeResult {
  segment: string | null
  periods: PeriodFigures[]
  /** With subSegmentBy: the segment split by the second property. */
  children?: { segment: string; periods: PeriodFigures[] }[]
}

export async function dateRangeReport(stores: Stores, request: DateRangeRequest): Promise<DateRangeResult[]> {
  checkScope(request)
  const clients = clientsSubquery(request)
  const params = {
    ...clients.params,
    startDate: request.startDate,
    stopDate: request.stopDate,
    ...lostParams(request),
  }
  const withClients = (source: string) => joinClients(source, request, clients)

  const inRangeRows = await activityByPeriod(stores, request, request.dateSplit)
  // New and lost are about whole lifetimes: first and last activity ever, not only in the range.
  const lostDay = lostDaySql(request.lostDate)
  const lifetimeCounts = await stores.warehouse.query<{
    segment: string
    sub_segment: string
    period: string
    kind: string
    clients: string
  }>({
    query: `SELECT segment, sub_segment, ${periodSql(request.dateSplit, 'day')} AS period, kind, count() AS clients FROM (
              SELECT segment, sub_segment, event.1 AS kind, event.2 AS day FROM (
                SELECT clients.segment AS segment, clients.sub_segment AS sub_segment, first_day, last_day
                FROM ${withClients(lifetimeRows())}
              ) ARRAY JOIN [('new', first_day),
                            ('lost', if(${IS_LOST}, ${lostDay}, toDate('1970-01-01')))] AS event
            )
            WHERE day >= toDate({startDate:String}) AND day <= toDate({stopDate:String})
            GROUP BY segment, sub_segment, period, kind`,
    params,
    tag: 'usage-intel:date-range-lifetimes',
  })

  const periods = periodsOf(request.dateSplit, request.startDate, request.stopDate)
  const periodIndex = new Map(periods.map((period, i) => [period, i]))
  const leaves = new Map<string, [string, string, Counts[]]>()
  const countsOf = (segment: string, subSegment: string, period: string): Counts => {
    const key = JSON.stringify([segment, subSegment])
    let leaf = leaves.get(key)
    if (!leaf) leaves.set(key, (leaf = [segment, subSegment, periods.map(noCounts)]))
    return leaf[2][periodIndex.get(period)!]!
  }
  for (const row of inRangeRows) {
    const counts = countsOf(row.segment, row.subSegment, row.period)
    counts.activeClients = row.activeClients
    counts.sessions = row.sessions
    counts.runtimeSeconds = row.runtimeSeconds
  }
  for (const row of lifetimeCounts) {
    const counts = countsOf(row.segment, row.sub_segment, row.period)
    if (row.kind === 'new') counts.newClients = Number(row.clients)
    else counts.lostClients = Number(row.clients)
  }
  const asFigures = (counts: Counts[]) => counts.map((c, i) => figuresOf(periods[i]!, c))
  const activeTotal = (counts: Counts[]) => counts.reduce((sum, c) => sum + c.activeClients, 0)
  return segmentTree(leaves.values(), combinePeriods, activeTotal, request.subSegmentBy !== undefined).map(
    (node) => ({
      segment: request.segmentBy === undefined ? null : node.segment,
      periods: asFigures(node.value),
      ...(node.children && {
        children: node.children.map((child) => ({ segment: child.segment, periods: asFigures(child.value) })),
      }),
    }),
  )
}
