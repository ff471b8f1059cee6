import { ValidationError } from '../../../errors.js'
import { parseWallClock } from '../../../schema/date-time.js'

/**
 * A reviewer's time zone: an IANA name, or a fixed UTC offset (the summary report's document says
 * "specified as a UTC offset"). `engineName` is what ClickHouse's date functions take for it.
 */
export interface ReviewZone {
  /** As the client should read it back: `America/Chicago`, `UTC-05:00`. */
  name: string
  engineName: string
  /** Minutes to add to UTC to get local time at the instant `utcMs`. */
  offsetMinutesAt(utcMs: number): number
}

const OFFSET = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i
/** A .NET TimeSpan, as .NET clients serialize an offset: `-05:00:00`, `05:30:00` (no sign when positive). */
const TIME_SPAN = /^([+-]?)(\d{1,2}):(\d{2}):00$/
const MAX_OFFSET_MINUTES = 14 * 60

const pad2 = (n: number) => String(n).padStart(2, '0')

function fixedZone(sign: string, hours: number, minutes: number, where: string): ReviewZone {
  const total = (sign === '-' ? -1 : 1) * (hours * 60 + minutes)
  if (minutes > 59 || Math.abs(total) > MAX_OFFSET_MINUTES) {
    throw new ValidationError(`${where}: a UTC offset lies between -14:00 and +14:00`)
  }
  const text = `${total < 0 ? '-' : '+'}${pad2(Math.floor(Math.abs(total) / 60))}:${pad2(Math.abs(total) % 60)}`
  return { name: `UTC${text}`, engineName: `Fixed/UTC${text}:00`, offsetMinutesAt: () => total }
}

function ianaZone(name: string): ReviewZone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  })
  const canonical = format.resolvedOptions().timeZone
  return {
    name: canonical,
    engineName: canonical,
    offsetMinutesAt(utcMs) {
      const parts = Object.fromEntries(format.formatToParts(utcMs).map((p) => [p.type, Number(p.value)]))
      const wallClock = Date.UTC(
        parts.year!,
        parts.month! - 1,
        parts.day!,
        parts.hour!,
        parts.minute!,
        parts.second!,
      )
      return Math.round((wallClock - (utcMs - (((utcMs % 1000) + 1000) % 1000))) / 60_000)
    },
  }
}

/**
 * Reads a time zone: an IANA name (any letter case), or an offset (`-05:00`, `UTC+5:30`,
 * `-05:00:00`). Empty: UTC.
 */
export function parseReviewZone(text: string | null | undefined, where: string): ReviewZone {
  const trimmed = text?.trim() ?? ''
  if (trimmed === '') return ianaZone('UTC')
  const offset = OFFSET.exec(trimmed)
  if (offset) return fixedZone(offset[1]!, Number(offset[2]), Number(offset[3] ?? 0), where)
  const span = TIME_SPAN.exec(trimmed)
  if (span) return fixedZone(span[1] || '+', Number(span[2]), Number(span[3]), where)
  try {
    return ianaZone(trimmed)
  } catch {
    throw new ValidationError(
      `${where}: '${trimmed}' is not a time zone; give an IANA name (America/Chicago) or a UTC offset (-05:00)`,
    )
  }
}

/**
 * Local wall-clock milliseconds (as if UTC) to the UTC instant. A time that happens twice (the hour
 * clocks are set back) is the earlier instant; a time that never happens (the hour skipped) is read
 * with the offset before the change, as calendars and Temporal do: 02:30 becomes 03:30.
 */
export function wallClockToUtc(wallMs: number, zone: ReviewZone): number {
  // Transitions are months apart: the offsets a day either side are those around any change near.
  const before = wallMs - zone.offsetMinutesAt(wallMs - 86_400_000) * 60_000
  const after = wallMs - zone.offsetMinutesAt(wallMs + 86_400_000) * 60_000
  const valid = [before, after].filter((t) => t + zone.offsetMinutesAt(t) * 60_000 === wallMs)
  return valid.length > 0 ? Math.min(...valid) : before
}

/** The local calendar day (days since 1970-01-01) of an instant in the zone. */
export const localDayOf = (utcMs: number, zone: ReviewZone): number =>
  Math.floor((utcMs + zone.offsetMinutesAt(utcMs) * 60_000) / 86_400_000)

/**
 * A reporting period: instants in [fromMs, toMs), and the number of calendar days it covers in the
 * request zone (SEMANTICS.md: per-day rates divide by it).
 */
export interface ReviewPeriod {
  fromMs: number
  toMs: number
  days: number
}

interface ParsedInstant {
  /** The first instant it names. */
  utcMs: number
  dateOnly: boolean
}

function parseBoundary(text: string, zone: ReviewZone, where: string): ParsedInstant {
  const parsed = parseWallClock(text)
  if (!parsed) {
    throw new ValidationError(
      `${where}: '${text}' is not a date (2019-05-01) or date and time (2019-05-01T16:20:16.000)`,
    )
  }
  const { wallMs, offsetMinutes, dateOnly } = parsed
  if (offsetMinutes === undefined) return { utcMs: wallClockToUtc(wallMs, zone), dateOnly }
  return { utcMs: wallMs - offsetMinutes * 60_000, dateOnly: false }
}

/**
 * The reporting period of a request. Both ends are read in the request zone unless they carry an
 * offset; an end date without a time covers that whole day (SEMANTICS.md, General).
 */
export function reviewPeriod(
  start: string,
  end: string,
  zone: ReviewZone,
  names: { start: string; end: string },
): ReviewPeriod {
  const from = parseBoundary(start, zone, names.start)
  const to = parseBoundary(end, zone, names.end)
  const toMs = to.dateOnly ? wallClockToUtc(wallMidnightAfter(to.utcMs, zone), zone) : to.utcMs + 1
  if (toMs <= from.utcMs) {
    throw new ValidationError(`${names.end}: '${end}' is before ${names.start} '${start}'`)
  }
  return { fromMs: from.utcMs, toMs, days: localDayOf(toMs - 1, zone) - localDayOf(from.utcMs, zone) + 1 }
}

/** Wall-clock midnight of the local day after the one holding the instant. */
const wallMidnightAfter = (utcMs: number, zone: ReviewZone) => (localDayOf(utcMs, zone) + 1) * 86_400_000
