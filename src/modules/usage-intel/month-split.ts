import { withinDays } from './scope.js'

/**
 * A report's range as the whole UTC months inside it and the days around them, so that a query
 * reads the months from a monthly rollup (warehouse 0006) and only the edge days from a daily one.
 */
export interface MonthSplit {
  /** First days of the first and the last whole month; absent when no month lies wholly inside. */
  months?: { from: string; to: string }
  /** The days of the range before and after the whole months (or all of it): at most two spans. */
  days: { from: string; to: string }[]
}

const DAY_MS = 86_400_000
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const monthStart = (ms: number, add = 0) => {
  const date = new Date(ms)
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + add, 1)
}

/** The split of `startDate` to `stopDate` (UTC dates, both included). */
export function splitByMonths(startDate: string, stopDate: string): MonthSplit {
  const start = Date.parse(startDate)
  const stop = Date.parse(stopDate)
  const firstWhole = monthStart(start) === start ? start : monthStart(start, 1)
  const afterLastWhole = monthStart(stop + DAY_MS) // the 1st after the last whole month
  if (firstWhole >= afterLastWhole) return { days: [{ from: startDate, to: stopDate }] }
  const days: MonthSplit['days'] = []
  if (start < firstWhole) days.push({ from: startDate, to: isoDay(firstWhole - DAY_MS) })
  if (afterLastWhole <= stop) days.push({ from: isoDay(afterLastWhole), to: stopDate })
  return { months: { from: isoDay(firstWhole), to: isoDay(monthStart(afterLastWhole, -1)) }, days }
}

/**
 * Rows `(client_key, category, name, occurrences)` of every tracked event within the range, from
 * the monthly rollup for its whole months and the daily one for the days around them, and the
 * parameters they bind. A client and event may have several rows: callers sum them.
 */
export function eventRowsByMonths(
  startDate: string,
  stopDate: string,
): { query: string; params: Record<string, string> } {
  const split = splitByMonths(startDate, stopDate)
  const params: Record<string, string> = {}
  const parts = split.days.map((span, i) => {
    Object.assign(params, { [`daysFrom${i}`]: span.from, [`daysTo${i}`]: span.to })
    return `SELECT client_key, category, name, occurrences FROM usage_event_days
            WHERE ${withinDays(`daysFrom${i}`, `daysTo${i}`)}`
  })
  if (split.months) {
    Object.assign(params, { monthsFrom: split.months.from, monthsTo: split.months.to })
    parts.push(`SELECT client_key, category, name, occurrences FROM usage_event_months
                WHERE tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}
                  AND month >= toDate({monthsFrom:String}) AND month <= toDate({monthsTo:String})`)
  }
  return { query: parts.join('\nUNION ALL\n'), params }
}
