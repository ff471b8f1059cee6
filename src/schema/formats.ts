import Format from 'typebox/format'

/**
 * An instant with a date, a time and an explicit zone (`Z` or `±hh:mm`): ingested events are stored
 * in UTC, and an instant without a zone would be read differently by different senders.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i

/** Date.parse rolls 2024-02-30 over to 1 March; a calendar date must exist as written. */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

export function isIsoInstant(text: string): boolean {
  return ISO_INSTANT.test(text) && !Number.isNaN(Date.parse(text)) && isCalendarDate(text)
}

/** A calendar date, `2024-05-05`: a day in UTC (SEMANTICS.md, General). */
export const isIsoDate = (text: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(text) && isCalendarDate(text)

export const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  'iso-instant': 'not an ISO-8601 instant with a time zone (e.g. 2019-05-22T15:10:42.877Z)',
  'iso-date': 'not a calendar date (e.g. 2024-05-05)',
}

Format.Set('iso-instant', isIsoInstant)
Format.Set('iso-date', isIsoDate)
