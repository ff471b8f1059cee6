import type { ComparisonOperator } from './ast.js'

/** An exact decimal: sign, whole part, and whether a non-zero fraction follows (enough to round). */
export interface Decimal {
  whole: bigint
  negative: boolean
  fraction: boolean
}

/** `-12`, `3.50`, `007`: the number forms of the grammar (and of quoted Audit IDs). */
export function parseDecimal(text: string): Decimal | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text)
  if (!m) return undefined
  return { negative: m[1] === '-', whole: BigInt(m[2]!), fraction: /[1-9]/.test(m[3] ?? '') }
}

export const floor = (d: Decimal) => (d.negative ? -d.whole - (d.fraction ? 1n : 0n) : d.whole)
export const ceil = (d: Decimal) => (d.negative ? -d.whole : d.whole + (d.fraction ? 1n : 0n))
export const wholeNumber = (n: bigint): Decimal => ({
  whole: n < 0n ? -n : n,
  negative: n < 0n,
  fraction: false,
})

export type Range = readonly [min: bigint, max: bigint]

/** What each integer column type can hold. */
export const INTEGER_RANGES: Record<string, Range> = {
  UInt16: [0n, 2n ** 16n - 1n],
  UInt32: [0n, 2n ** 32n - 1n],
  UInt64: [0n, 2n ** 64n - 1n],
  Int64: [-(2n ** 63n), 2n ** 63n - 1n],
}

/** DateTime64(3) holds 1900-01-01 … 2299-12-31 (ClickHouse's documented range), in epoch ms. */
export const TIMESTAMP_RANGE: Range = [
  BigInt(Date.UTC(1900, 0, 1)),
  BigInt(Date.UTC(2299, 11, 31, 23, 59, 59, 999)),
]

export type OrderOp = Exclude<ComparisonOperator, '<>'>

/**
 * `column op d` for a column of whole numbers in [min, max], rewritten with a whole number that
 * fits the column (`> 3.5` is `> 3`, `>= 3.5` is `>= 4`), or a constant when the range decides it.
 */
export function foldComparison(
  op: OrderOp,
  d: Decimal,
  [min, max]: Range,
): boolean | { op: OrderOp; value: bigint } {
  switch (op) {
    case '==':
      return !d.fraction && floor(d) >= min && floor(d) <= max ? { op, value: floor(d) } : false
    case '>':
      return floor(d) >= max ? false : floor(d) < min ? true : { op, value: floor(d) }
    case '>=':
      return ceil(d) > max ? false : ceil(d) <= min ? true : { op, value: ceil(d) }
    case '<':
      return ceil(d) <= min ? false : ceil(d) > max ? true : { op, value: ceil(d) }
    case '<=':
      return floor(d) < min ? false : floor(d) >= max ? true : { op, value: floor(d) }
  }
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:[Zz]|([+-])(\d{2}):?(\d{2}))?)?$/

/**
 * Milliseconds since the epoch of an ISO instant (date only = 00:00 UTC; no offset = UTC; digits
 * past milliseconds are dropped, as DateTime64(3) does), or undefined if it is not a real instant.
 */
export function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 9, 10].map(
    (i) => Number(m[i] ?? 0),
  ) as [number, number, number, number, number, number, number, number]
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day) // setUTCFullYear: years 0-99 stay themselves
  date.setUTCHours(hour, minute, second, ms)
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    offsetHours < 24 &&
    offsetMinutes < 60
  const offset = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes)
  return real ? date.getTime() - offset * 60_000 : undefined
}
