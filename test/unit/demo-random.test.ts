import { describe, expect, it } from 'vitest'
import { Random, deriveSeed, weightedTable } from '../../src/demo/random.js'

const draws = (rng: Random, n: number, draw: (r: Random) => number) =>
  Array.from({ length: n }, () => draw(rng))
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

describe('Random', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    const a = draws(new Random(42), 100, (r) => r.uint32())
    expect(draws(new Random(42), 100, (r) => r.uint32())).toEqual(a)
    expect(draws(new Random(43), 100, (r) => r.uint32())).not.toEqual(a)
  })

  it('pins its output, so a library or engine change cannot silently alter the demo data', () => {
    // Golden values: integer arithmetic only, so every engine and platform must give exactly these.
    expect(draws(new Random(1), 3, (r) => r.uint32())).toEqual([3658481128, 1318607818, 3686608092])
    expect(deriveSeed(1, 'audits', 3)).toBe(2719464596)
    expect(new Random(1).int(1, 1000)).toBe(852)
  })

  it.each([
    ['different names', ['audits'], ['usage']],
    ['different indexes', ['client', 1], ['client', 2]],
    ['a number and its text', [7], ['7']],
    ['the order of parts', ['a', 'b'], ['b', 'a']],
    ['ids beyond 32 bits', [2 ** 32 + 5], [5]],
  ] as const)('derives distinct sub-sequences for %s', (_, left, right) => {
    expect(deriveSeed(9, ...left)).not.toBe(deriveSeed(9, ...right))
    expect(Random.derive(9, ...left).uint32()).toBe(Random.derive(9, ...left).uint32())
  })

  it('keeps next() in [0, 1) and spreads it evenly', () => {
    const values = draws(new Random(1), 20_000, (r) => r.next())
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...values)).toBeLessThan(1)
    expect(mean(values)).toBeCloseTo(0.5, 1)
    const deciles = new Array<number>(10).fill(0)
    for (const v of values) deciles[Math.floor(v * 10)]!++
    for (const count of deciles) expect(count).toBeGreaterThan(1_700)
  })

  it.each([
    [0, 0],
    [1, 6],
    [-3, 3],
    [1_000_000, 1_000_010],
  ])('int(%i, %i) stays in range and reaches both ends', (min, max) => {
    const values = new Set(draws(new Random(5), 2_000, (r) => r.int(min, max)))
    expect(Math.min(...values)).toBe(min)
    expect(Math.max(...values)).toBe(max)
    for (const v of values) expect(Number.isInteger(v)).toBe(true)
  })

  it('rejects a reversed int range', () => {
    expect(() => new Random(1).int(5, 4)).toThrow(/max is below min/)
  })

  it('keeps float() in [min, max)', () => {
    const values = draws(new Random(2), 5_000, (r) => r.float(-2, 3))
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-2)
    expect(Math.max(...values)).toBeLessThan(3)
  })

  it.each([
    [0, 0, 0],
    [1, 1, 1],
    [0.25, 0.22, 0.28],
  ])('chance(%f) comes true at that rate', (p, low, high) => {
    const rate = mean(draws(new Random(3), 10_000, (r) => (r.chance(p) ? 1 : 0)))
    expect(rate).toBeGreaterThanOrEqual(low)
    expect(rate).toBeLessThanOrEqual(high)
  })

  it('picks every item, and refuses an empty list', () => {
    const rng = new Random(4)
    expect(new Set(draws(rng, 500, (r) => r.pick([10, 20, 30])))).toEqual(new Set([10, 20, 30]))
    expect(() => rng.pick([])).toThrow(/empty/)
  })

  it('picks weighted items in proportion, never a zero weight', () => {
    const table = weightedTable([
      ['a', 1],
      ['b', 3],
      ['never', 0],
    ] as const)
    const picks = draws(new Random(6), 20_000, (r) => (r.weighted(table) === 'a' ? 1 : 0))
    expect(mean(picks)).toBeCloseTo(0.25, 1)
    expect(draws(new Random(6), 5_000, (r) => (r.weighted(table) === 'never' ? 1 : 0))).not.toContain(1)
  })

  it.each([
    ['no entries', []],
    ['a negative weight', [['a', -1]]],
    ['no positive weight', [['a', 0]]],
  ] as const)('refuses a weighted table with %s', (_, entries) => {
    expect(() => weightedTable(entries as unknown as [string, number][])).toThrow()
  })

  it('draws normal, log-normal and exponential values with the asked centre', () => {
    const normal = draws(new Random(7), 20_000, (r) => r.normal(10, 2))
    expect(mean(normal)).toBeCloseTo(10, 0)
    const sd = Math.sqrt(mean(normal.map((v) => (v - 10) ** 2)))
    expect(sd).toBeGreaterThan(1.9)
    expect(sd).toBeLessThan(2.1)
    const logNormal = draws(new Random(8), 20_001, (r) => r.logNormal(100, 1)).sort((a, b) => a - b)
    expect(logNormal[10_000]).toBeGreaterThan(95)
    expect(logNormal[10_000]).toBeLessThan(105)
    expect(logNormal[0]).toBeGreaterThan(0)
    expect(mean(draws(new Random(9), 20_000, (r) => r.exponential(30)))).toBeCloseTo(30, -1)
  })

  it('shuffles into a permutation, deterministically, without touching the input', () => {
    const items = Array.from({ length: 50 }, (_, i) => i)
    const shuffled = new Random(10).shuffle(items)
    expect(shuffled).not.toEqual(items)
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items)
    expect(new Random(10).shuffle(items)).toEqual(shuffled)
    expect(items[0]).toBe(0)
  })

  it('samples distinct items, at most as many as there are', () => {
    const sample = new Random(11).sample(['a', 'b', 'c', 'd'], 3)
    expect(new Set(sample).size).toBe(3)
    expect(new Random(11).sample(['a', 'b'], 5)).toHaveLength(2)
  })

  it('makes hex ids and GUIDs of the right shape', () => {
    const rng = new Random(12)
    expect(rng.hex(13)).toMatch(/^[0-9a-f]{13}$/)
    expect(rng.guid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  })
})
