/**
 * A small seeded pseudo-random generator for the demo data: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counter, 128-bit state, passes PractRand) seeded through splitmix32. Math.random cannot be seeded,
 * and the demo must be byte-identical for the same seed, so every draw goes through this.
 */

/** Mixes one 32-bit value into a well-spread 32-bit value (the splitmix32 finalizer). */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  return (z ^ (z >>> 15)) >>> 0
}

/** Mixes a safe integer (both 32-bit halves, so large ids stay distinct) into a hash. */
function mixNumber(hash: number, value: number): number {
  return mix32(mix32(hash ^ (value >>> 0)) ^ Math.floor(value / 0x1_0000_0000))
}

/**
 * A 32-bit seed from a root seed and a path of parts (names and indexes), so that every workspace,
 * client or stream draws from its own sequence and can be regenerated without the others.
 */
export function deriveSeed(seed: number, ...parts: readonly (string | number)[]): number {
  let h = mixNumber(0, seed)
  for (const part of parts) {
    if (typeof part === 'number' && Number.isSafeInteger(part)) {
      h = mixNumber(h, part)
    } else {
      // Text (and non-integers, through their shortest text form): FNV-1a, then mixed.
      const text = String(part)
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
      h = mix32(h ^ text.length)
    }
  }
  return h >>> 0
}

/** Cumulative weights, computed once for a table that is drawn from many times. */
export interface WeightedTable<T> {
  readonly items: readonly T[]
  readonly cumulative: readonly number[]
}

export function weightedTable<T>(entries: readonly (readonly [T, number])[]): WeightedTable<T> {
  if (entries.length === 0) throw new Error('a weighted table needs at least one entry')
  let total = 0
  const cumulative = entries.map(([, weight]) => {
    if (!(weight >= 0)) throw new Error(`weights must be non-negative, got ${weight}`)
    return (total += weight)
  })
  if (total <= 0) throw new Error('a weighted table needs a positive total weight')
  return { items: entries.map(([item]) => item), cumulative }
}

export class Random {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    this.a = mix32(seed)
    this.b = mix32(this.a ^ 0x6a09e667)
    this.c = mix32(this.b ^ 0xbb67ae85)
    this.d = 1
    // sfc32's first outputs are correlated with the seed; 12 rounds spread it.
    for (let i = 0; i < 12; i++) this.uint32()
  }

  /** A generator for a named sub-sequence of `seed` (see deriveSeed). */
  static derive(seed: number, ...parts: readonly (string | number)[]): Random {
    return new Random(deriveSeed(seed, ...parts))
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    if (max < min) throw new Error(`int(${min}, ${max}): max is below min`)
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** A float in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }

  weighted<T>(table: WeightedTable<T>): T {
    const { items, cumulative } = table
    const target = this.next() * (cumulative[cumulative.length - 1] as number)
    let i = 0
    while (i < cumulative.length - 1 && (cumulative[i] as number) <= target) i++
    return items[i] as T
  }

  /** A normally distributed value (Box-Muller). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next() // (0, 1]: log(0) is -Infinity
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }

  /** A positive, right-skewed value around `median` (durations, sizes). `spread` is sigma of the log. */
  logNormal(median: number, spread: number): number {
    return median * Math.exp(this.normal(0, spread))
  }

  /** Waiting time between independent events happening `mean` apart on average. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next())
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items]
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      ;[copy[i], copy[j]] = [copy[j] as T, copy[i] as T]
    }
    return copy
  }

  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle(items).slice(0, Math.min(count, items.length))
  }

  /** Lower-case hex digits (ids, keys). */
  hex(length: number): string {
    let out = ''
    while (out.length < length) out += this.uint32().toString(16).padStart(8, '0')
    return out.slice(0, length)
  }

  /** A random GUID-shaped id (8-4-4-4-12 hex digits). */
  guid(): string {
    const h = this.hex(32)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }
}
