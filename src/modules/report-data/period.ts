import { ValidationError } from '../../errors.js'
import { parseWallClock } from '../../schema/date-time.js'
import { requireParameters } from './parameters.js'

/**
 * The time windows of the report data API. Every DateTime parameter is UTC (the document says
 * so); one without a zone is read as UTC, a date alone covers its whole day when it ends a range.
 */

const DAY_MS = 86_400_000

export interface TimeWindow {
  /** Instants in [fromMs, toMs). */
  fromMs: number
  toMs: number
}

/** A DateTime parameter (UTC unless it says otherwise), or a 400 naming it. */
function parseDateTime(text: string, name: string): { ms: number; dateOnly: boolean } {
  const parsed = parseWallClock(text)
  if (!parsed) {
    throw new ValidationError(
      `${name}: '${text}' is not a DateTime (2023-09-15T13:30:00, UTC) or a date (2023-12-13)`,
    )
  }
  return { ms: parsed.wallMs - (parsed.offsetMinutes ?? 0) * 60_000, dateOnly: parsed.dateOnly }
}

/** [from, to], `to` included: its whole day for a date, the instant itself for a DateTime. */
export function windowOf(from: string, to: string, names: { from: string; to: string }): TimeWindow {
  const start = parseDateTime(from, names.from)
  const end = parseDateTime(to, names.to)
  const toMs = end.dateOnly ? end.ms + DAY_MS : end.ms + 1
  if (toMs <= start.ms) throw new ValidationError(`${names.to}: '${to}' is before ${names.from} '${from}'`)
  return { fromMs: start.ms, toMs }
}

/**
 * The named ranges of the audit report, besides Custom: calendar periods in the caller's local
 * time (UTC minus `offset` minutes), the current one up to the end of today.
 */
export const NAMED_RANGES = [
  'Today',
  'Yesterday',
  'Last7Days',
  'Last30Days',
  'ThisMonth',
  'LastMonth',
] as const
export type NamedRange = (typeof NAMED_RANGES)[number]

export function namedWindow(range: NamedRange, offsetMinutes: number, nowMs: number): TimeWindow {
  // Local wall-clock time computed as if it were UTC, then shifted back: local = UTC − offset.
  const shift = -offsetMinutes * 60_000
  const local = new Date(nowMs + shift)
  const today = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate())
  const monthStart = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1)
  const [from, to] = {
    Today: [today, today + DAY_MS],
    Yesterday: [today - DAY_MS, today],
    Last7Days: [today - 6 * DAY_MS, today + DAY_MS],
    Last30Days: [today - 29 * DAY_MS, today + DAY_MS],
    ThisMonth: [monthStart, today + DAY_MS],
    LastMonth: [Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 1, 1), monthStart],
  }[range]
  return { fromMs: from! - shift, toMs: to! - shift }
}

const RANGES_TEXT = `Custom, ${NAMED_RANGES.join(', ')}`

/**
 * The audit report's window: `range=Custom` takes `from` and `to` (UTC); a named range (any letter
 * case) is computed from now. The document marks `from` and `to` mandatory, so clients send them
 * with a named range too: they must then still be DateTimes, but the named range decides.
 */
export function auditWindow(
  parameters: { range?: string; from?: string; to?: string },
  offsetMinutes: number,
  nowMs: number,
): TimeWindow {
  // Without a range, from and to (mandatory in the document too) are named with it when absent:
  // a bare /reports/v1/audit answers "range, from, to: mandatory".
  if (!parameters.range) {
    requireParameters(parameters, ['range', 'from', 'to'], `(range: ${RANGES_TEXT}; from, to: UTC DateTimes)`)
  }
  const range = parameters.range!
  const names = { from: 'from', to: 'to' }
  if (range.toLowerCase() === 'custom') {
    requireParameters(parameters, ['from', 'to'], 'with range=Custom')
    return windowOf(parameters.from!, parameters.to!, names)
  }
  const named = NAMED_RANGES.find((name) => name.toLowerCase() === range.toLowerCase())
  if (!named) throw new ValidationError(`range: '${range}' is not one of ${RANGES_TEXT}`)
  if (parameters.from) parseDateTime(parameters.from, names.from)
  if (parameters.to) parseDateTime(parameters.to, names.to)
  return namedWindow(named, offsetMinutes, nowMs)
}
