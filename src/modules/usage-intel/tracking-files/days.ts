/** UTC calendar days as `YYYY-MM-DD` text: what files are cut by and named after. */

const DAY_MS = 86_400_000

export const todayUtc = (now = new Date()) => now.toISOString().slice(0, 10)

export const addDays = (day: string, days: number) =>
  new Date(Date.parse(day) + days * DAY_MS).toISOString().slice(0, 10)

/** Days from `first` to `last`, both included. */
export const daysBetween = (first: string, last: string) =>
  Math.round((Date.parse(last) - Date.parse(first)) / DAY_MS) + 1
