/**
 * Date and date-time parameters as the documents write them: `2019-05-01`, `2023-09-15T13:30:00`,
 * `2019-05-01T16:20:16.000`, with or without `Z` or an offset. What a time without a zone means
 * (UTC, or a request time zone) is the caller's to decide.
 */

const DATE_OR_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i

export interface WallClock {
  /** The written date and time as if it were UTC, in epoch milliseconds. */
  wallMs: number
  /** Minutes the written zone is ahead of UTC; undefined when the text carries none. */
  offsetMinutes: number | undefined
  /** Only a date was written (its first instant is meant; as a range's end, its whole day). */
  dateOnly: boolean
}

/** Reads the text, or answers undefined when it is not a date or date-time that exists. */
export function parseWallClock(text: string): WallClock | undefined {
  const match = DATE_OR_DATE_TIME.exec(text.trim())
  if (!match) return undefined
  const [, y, mo, d, h, mi, s, fraction, zone] = match
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const wallMs = Date.UTC(
    year,
    month - 1,
    day,
    hour,
    minute,
    second,
    Number((fraction ?? '').padEnd(3, '0').slice(0, 3)),
  )
  const check = new Date(wallMs)
  // Date.UTC rolls 2019-02-30 over to March; a written date must exist as written.
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined
  }
  const offsetMinutes =
    zone === undefined
      ? undefined
      : zone.toUpperCase() === 'Z'
        ? 0
        : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)))
  return { wallMs, offsetMinutes, dateOnly: h === undefined }
}
