import { Random, deriveSeed } from './random.js'

/** What a demo data set is generated from: the same options give byte-identical items. */
export interface DemoOptions {
  /** Multiplies every volume; 1 is the default demo, 0.05 a test-sized one, 100 a benchmark. */
  scale: number
  /** Any integer; each seed is a different, equally realistic data set. */
  seed: number
  /** The instant the data set ends at; reports over "the last N months" find data. */
  now: Date
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export const DEFAULT_SEED = 1

/** The current time rounded down to the hour, so runs within one hour generate the same data. */
export function defaultNow(): Date {
  return new Date(Math.floor(Date.now() / HOUR) * HOUR)
}

export function resolveDemoOptions(options: Partial<DemoOptions> = {}): DemoOptions {
  const scale = options.scale ?? 1
  const seed = options.seed ?? DEFAULT_SEED
  const now = options.now ?? defaultNow()
  if (!(Number.isFinite(scale) && scale > 0))
    throw new RangeError(`demo scale must be a positive number, got ${scale}`)
  if (!Number.isSafeInteger(seed)) throw new RangeError(`demo seed must be an integer, got ${seed}`)
  if (Number.isNaN(now.getTime())) throw new RangeError('demo now must be a valid date')
  return { scale, seed, now }
}

/** Everything a family generator needs: the options, scaled counts and seeded sub-sequences. */
export class DemoContext {
  readonly seed: number
  readonly scale: number
  /** `now` in epoch milliseconds; no generated instant is later. */
  readonly now: number
  /** The UTC day number (days since 1970-01-01) of `now`. */
  readonly today: number

  constructor(options: DemoOptions) {
    this.seed = options.seed
    this.scale = options.scale
    this.now = options.now.getTime()
    this.today = Math.floor(this.now / DAY)
  }

  /** A volume that grows with the scale and never falls below `min` (small tests still cover every case). */
  count(base: number, min = 1): number {
    return Math.max(min, Math.round(base * this.scale))
  }

  /** The generator of one named sub-sequence: regenerating one part never disturbs another. */
  rng(...parts: readonly (string | number)[]): Random {
    return Random.derive(this.seed, ...parts)
  }

  /** A fast hash in [0, 1) of a path, for stable per-item traits (a document's true responsiveness). */
  unit(...parts: readonly (string | number)[]): number {
    return deriveSeed(this.seed, ...parts) / 0x1_0000_0000
  }

  /**
   * Idempotency keys for one stream: seed, scale and position, so loading the same demo twice stores
   * nothing twice. `now` is left out on purpose: re-running the demo an hour later is still "the same demo".
   */
  eventIds(stream: string): () => string {
    const prefix = `demo-${this.seed}-${this.scale}-${stream}-`
    let position = 0
    return () => prefix + position++
  }
}

/** Epoch milliseconds as the ISO instant the ingestion schemas expect. */
export const iso = (ms: number): string => new Date(ms).toISOString()

const offsetFormats = new Map<string, Intl.DateTimeFormat>()
const offsets = new Map<string, number>()

/**
 * The UTC offset of an IANA time zone on a given UTC day, in milliseconds (DST included). Sessions
 * are laid out in each reviewer's working hours, so the demo shows a real time-zone spread.
 */
export function zoneOffset(zone: string, day: number): number {
  const key = `${zone}/${day}`
  let offset = offsets.get(key)
  if (offset === undefined) {
    let format = offsetFormats.get(zone)
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      offsetFormats.set(zone, format)
    }
    // Noon UTC is inside the local day for every zone from UTC-12 to UTC+12.
    const name =
      format.formatToParts(day * DAY + 12 * HOUR).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
    offset = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * HOUR + Number(match[3]) * MINUTE) : 0
    offsets.set(key, offset)
  }
  return offset
}

/** Day of the week of a day number: 0 Sunday … 6 Saturday (1970-01-01 was a Thursday). */
export const weekday = (day: number): number => (((day + 4) % 7) + 7) % 7
export const isWeekend = (day: number): boolean => weekday(day) === 0 || weekday(day) === 6

/**
 * `count` instants between `from` and `to`, in order: one in each equal slice, at a random point of
 * it, so records cover the whole period evenly without bunching (and stream without sorting).
 */
export function* spread(rng: Random, from: number, to: number, count: number): Generator<number> {
  const slice = (to - from) / count
  for (let i = 0; i < count; i++) yield Math.floor(from + (i + rng.next()) * slice)
}
