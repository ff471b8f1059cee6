import type { Stores } from '../../store/stores.js'
import {
  activityRows,
  clientsSubquery,
  joinClients,
  needsClientProperties,
  type ReportScope,
} from './scope.js'

/** How a timeline splits its range: days, ISO weeks (from Monday), months, or not at all. */
export const DATE_SPLITS = ['day', 'week', 'month', 'none'] as const
export type DateSplit = (typeof DATE_SPLITS)[number]

/** The period a day (a SQL Date expression) falls in, as its first day's text. */
export function periodSql(split: DateSplit, day: string): string {
  switch (split) {
    case 'day':
      return `toString(${day})`
    case 'week':
      return `toString(toMonday(${day}))`
    case 'month':
      return `toString(toStartOfMonth(${day}))`
    case 'none':
      return '{startDate:String}'
  }
}

/** The first day of the period a day falls in, as a Date: grouped by before periodSql names it. */
function periodStartSql(split: DateSplit, day: string): string {
  switch (split) {
    case 'day':
      return day
    case 'week':
      return `toMonday(${day})`
    case 'month':
      return `toStartOfMonth(${day})`
    case 'none':
      return 'toDate({startDate:String})'
  }
}

const DAY_MS = 86_400_000
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** Every period of the range, first to last (a week starts on its Monday, a month on its 1st). */
export function periodsOf(split: DateSplit, startDate: string, stopDate: string): string[] {
  if (split === 'none') return [startDate]
  const start = Date.parse(startDate)
  const stop = Date.parse(stopDate)
  const first =
    split === 'week'
      ? start - ((new Date(start).getUTCDay() + 6) % 7) * DAY_MS
      : split === 'month'
        ? Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), 1)
        : start
  const periods: string[] = []
  for (let at = first; at <= stop;) {
    periods.push(isoDay(at))
    const date = new Date(at)
    at =
      split === 'month'
        ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
        : at + (split === 'week' ? 7 : 1) * DAY_MS
  }
  return periods
}

export interface PeriodActivity {
  segment: string
  subSegment: string
  period: string
  /** Clients with a session or an event in the period. */
  activeClients: number
  /** Sessions started in the period, and their runtime. */
  sessions: number
  runtimeSeconds: number
}

/** Active clients, sessions and runtime per segment, sub-segment and period of the report's range. */
export async function activityByPeriod(
  stores: Stores,
  scope: ReportScope,
  split: DateSplit,
): Promise<PeriodActivity[]> {
  const clients = clientsSubquery(scope)
  // Joined with the clients, each client's days are first summed per period: the join then reads
  // a row per client and period instead of one per client and day (a quarter's totals: 4× less
  // work). Without the join, counting distinct clients over the day rows is the faster.
  const perClient = needsClientProperties(scope)
  const source = perClient
    ? `SELECT client_key, ${periodStartSql(split, 'day')} AS period_start, sum(sessions) AS sessions, sum(seconds) AS seconds
       FROM (${activityRows()}) GROUP BY client_key, period_start`
    : `SELECT client_key, day AS period_start, sessions, seconds FROM (${activityRows()})`
  const rows = await stores.warehouse.query<{
    segment: string
    sub_segment: string
    period: string
    active: string
    sessions: string
    seconds: string
  }>({
    query: `SELECT clients.segment AS segment, clients.sub_segment AS sub_segment, ${periodSql(split, 'activity.period_start')} AS period,
                   ${perClient ? 'count()' : 'uniqExact(activity.client_key)'} AS active,
                   sum(activity.sessions) AS sessions, sum(activity.seconds) AS seconds
            FROM ${joinClients(source, scope, clients)}
            GROUP BY segment, sub_segment, period`,
    params: { ...clients.params, startDate: scope.startDate, stopDate: scope.stopDate },
    tag: 'usage-intel:activity-by-period',
  })
  return rows.map((row) => ({
    segment: row.segment,
    subSegment: row.sub_segment,
    period: row.period,
    activeClients: Number(row.active),
    sessions: Number(row.sessions),
    runtimeSeconds: Number(row.seconds),
  }))
}
