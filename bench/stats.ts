import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'

/**
 * Summary statistics of one scenario's measured runs. Pure code; `npx tsx bench/stats.ts` runs the
 * self-check at the bottom.
 */
export interface Summary {
  runs: number
  median: number
  /** The slow end: the 95th percentile of times, or the 5th percentile of rates (see `summarize`). */
  p95: number
  min: number
  max: number
}

/** The median; the mean of the two middle values when the count is even. */
export function median(values: readonly number[]): number {
  const sorted = sortedCopy(values)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? at(sorted, mid) : (at(sorted, mid - 1) + at(sorted, mid)) / 2
}

/**
 * The q-quantile by nearest rank: the smallest value with at least q of the values at or below it.
 * No interpolation, so it is always a value that was measured: with 7 runs, p95 is the slowest run;
 * with 20 runs, the 19th.
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`)
  const sorted = sortedCopy(values)
  return at(sorted, Math.ceil(q * sorted.length) - 1)
}

/**
 * Median and p95 of measured runs. For times (lower is better) p95 is the 95th percentile; for rates
 * (higher is better) it is the rate 95 % of the runs reached or beat, i.e. the 5th percentile, so
 * "p95" always names the slow end.
 */
export function summarize(values: readonly number[], better: 'lower' | 'higher' = 'lower'): Summary {
  const sorted = sortedCopy(values)
  const p95 =
    better === 'lower'
      ? quantile(sorted, 0.95)
      : -quantile(
          sorted.map((v) => -v),
          0.95,
        )
  return {
    runs: sorted.length,
    median: median(sorted),
    p95,
    min: at(sorted, 0),
    max: at(sorted, sorted.length - 1),
  }
}

function sortedCopy(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError('no values to summarize')
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('values must be finite numbers')
  return [...values].sort((a, b) => a - b)
}

function at(sorted: readonly number[], index: number): number {
  return sorted[index] as number
}

function selfCheck(): void {
  assert.equal(median([3, 1, 2]), 2)
  assert.equal(median([4, 1, 3, 2]), 2.5)
  assert.equal(median([7]), 7)
  // Nearest rank: ceil(0.95 * 7) = 7th of 7 (the max); ceil(0.95 * 20) = 19th of 20.
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7], 0.95), 7)
  const twenty = Array.from({ length: 20 }, (_, i) => 20 - i)
  assert.equal(quantile(twenty, 0.95), 19)
  assert.equal(quantile(twenty, 0.5), 10)
  assert.deepEqual(summarize([30, 10, 20]), { runs: 3, median: 20, p95: 30, min: 10, max: 30 })
  // Rates: the slow end is the low end.
  assert.equal(summarize(twenty, 'higher').p95, 2)
  assert.equal(summarize([100, 300, 200], 'higher').p95, 100)
  assert.throws(() => median([]), RangeError)
  assert.throws(() => quantile([1], 0), RangeError)
  assert.throws(() => summarize([1, Number.NaN]), RangeError)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  selfCheck()
  process.stdout.write('bench/stats.ts: self-check passed\n')
}
