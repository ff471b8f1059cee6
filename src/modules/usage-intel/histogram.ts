/**
 * Histogram buckets of the usage intelligence reports, as data: each bucket holds the values above
 * the previous bucket's upper edge up to its own, included; the last one has no upper edge.
 */

export interface Bucket {
  label: string
  /** Upper edge, included; null for the open last bucket. */
  max: number | null
}

export type Histogram = { bucket: string; clients: number }[]

/**
 * `countIf`s of the rows whose `column` falls in each bucket, the first starting at `from`
 * (included). Edges are catalog constants, never request values.
 */
export function bucketCounts(column: string, buckets: readonly Bucket[], from: number): string[] {
  return buckets.map((bucket, i) => {
    const lower = i === 0 ? `${column} >= ${from}` : `${column} > ${buckets[i - 1]!.max}`
    return bucket.max === null ? `countIf(${lower})` : `countIf(${lower} AND ${column} <= ${bucket.max})`
  })
}

/** The histogram of one row of `bucketCounts` columns aliased `${prefix}_${i}`; no row: all zeros. */
export const histogramOf = (
  row: Record<string, unknown> | undefined,
  prefix: string,
  buckets: readonly Bucket[],
): Histogram =>
  buckets.map((bucket, i) => ({ bucket: bucket.label, clients: Number(row?.[`${prefix}_${i}`] ?? 0) }))
