import type { clientsEntity } from '../modules/ingest/entities/product.js'
import { DAY, type DemoContext, HOUR, MINUTE, isWeekend, iso } from './context.js'
import { type Random, weightedTable } from './random.js'
import type { ItemOf } from './shapes.js'
import { COUNTRIES, OPERATING_SYSTEMS } from './vocabulary.js'

/**
 * Product installations (clients) and their sessions. Everything about client i of a product is a
 * pure function of (seed, product, i), so the sessions, events, custom events and exceptions
 * streams each regenerate the same sessions without holding any of them in memory.
 */

export interface DemoProduct {
  productId: number
  name: string
  /** Share of the installations. */
  share: number
  /** Releases, oldest first, with how many days before `now` each shipped. */
  releases: readonly (readonly [string, number])[]
}

export const PRODUCTS: readonly DemoProduct[] = [
  {
    productId: 4711,
    name: 'Lexicon Review Desktop',
    share: 0.65,
    releases: [
      ['5.0.0', 540],
      ['5.1.0', 330],
      ['5.1.2', 270],
      ['5.2.0', 180],
      ['5.3.0', 90],
      ['5.3.1', 30],
    ],
  },
  {
    productId: 4712,
    name: 'Lexicon Capture',
    share: 0.35,
    releases: [
      ['2.4.0', 400],
      ['2.5.0', 250],
      ['3.0.0', 120],
      ['3.0.2', 45],
    ],
  },
]

/**
 * How long an installation stays in use: most stop after days or weeks (trials, evaluations), a core
 * stays. `activity` is the chance of a session on a working day.
 */
const LIFETIMES = weightedTable([
  [{ kind: 'trial', minDays: 1, maxDays: 14, activity: 0.6 }, 35],
  [{ kind: 'short', minDays: 15, maxDays: 60, activity: 0.4 }, 25],
  [{ kind: 'medium', minDays: 61, maxDays: 180, activity: 0.3 }, 15],
  [{ kind: 'core', minDays: Infinity, maxDays: Infinity, activity: 0.28 }, 25],
] as const)
const SESSIONS_PER_ACTIVE_DAY = weightedTable([
  [1, 70],
  [2, 22],
  [3, 8],
] as const)
const EDITIONS = weightedTable([
  ['Standard', 50],
  ['Professional', 35],
  ['Enterprise', 15],
] as const)
const PAID_LICENSES = weightedTable([
  ['Subscription', 65],
  ['Perpetual', 25],
  ['Academic', 10],
] as const)
const COUNTRY_TABLE = weightedTable(COUNTRIES.map((c) => [c, c.weight] as const))
/** Enterprise installations share site license keys, as in a license key registry. */
const SITE_LICENSES_AT_SCALE_1 = 40

export interface ClientProfile {
  product: DemoProduct
  index: number
  clientId: string
  installedAt: number
  /** The last UTC day the client may be active (its churn day, or today). */
  lastDay: number
  activity: number
  /** Hours ahead of UTC where the client runs, for realistic times of day. */
  utcOffset: number
  item: ClientItem
}

export type ClientItem = ItemOf<typeof clientsEntity>

export interface DemoSession {
  sessionId: string
  startedAt: number
  endedAt: number
}

export const clientCount = (ctx: DemoContext, product: DemoProduct): number =>
  ctx.count(3000 * product.share, 5)

export function clientProfile(ctx: DemoContext, product: DemoProduct, index: number): ClientProfile {
  const rng = ctx.rng('client', product.productId, index)
  // Installs grow towards `now`: the density falls linearly from today to a year ago.
  const installedAt = Math.round(ctx.now - (1 - Math.sqrt(rng.next())) * 365 * DAY)
  const installDay = Math.floor(installedAt / DAY)
  const lifetime = rng.weighted(LIFETIMES)
  const lastDay = Math.min(
    ctx.today,
    lifetime.kind === 'core' ? ctx.today : installDay + rng.int(lifetime.minDays, lifetime.maxDays),
  )
  const place = rng.weighted(COUNTRY_TABLE)
  const edition = rng.weighted(EDITIONS)
  const trial = lifetime.kind === 'trial' ? rng.chance(0.7) : rng.chance(0.05)
  const licenseType = trial ? 'Trial' : rng.weighted(PAID_LICENSES)
  const clientId = rng.guid()
  return {
    product,
    index,
    clientId,
    installedAt,
    lastDay,
    activity: lifetime.activity,
    utcOffset: place.offset,
    item: {
      productId: product.productId,
      clientId,
      productVersion: versionAt(product, ctx, rng.chance(0.7) ? lastDay : installDay),
      edition,
      licenseType,
      ...(trial ? {} : { licenseKey: licenseKey(ctx, product, rng, edition) }),
      os: rng.weighted(OPERATING_SYSTEMS),
      language: rng.chance(0.9) ? place.language : 'en-US',
      country: place.country,
      region: rng.pick(place.regions),
      installedAt: iso(installedAt),
      properties: {
        architecture: rng.chance(0.9) ? 'x64' : 'arm64',
        ramGb: String(rng.pick([8, 16, 16, 32, 64])),
        screen: rng.pick(['1920x1080', '2560x1440', '3840x2160', '1366x768']),
      },
    },
  }
}

/** The newest release shipped by that day (installations upgrade when they stay in use). */
function versionAt(product: DemoProduct, ctx: DemoContext, day: number): string {
  let version = product.releases[0]![0]
  for (const [name, daysAgo] of product.releases) if (ctx.today - daysAgo <= day) version = name
  return version
}

function licenseKey(ctx: DemoContext, product: DemoProduct, rng: Random, edition: string): string {
  const key =
    edition === 'Enterprise'
      ? ctx.rng('site license', product.productId, rng.int(1, ctx.count(SITE_LICENSES_AT_SCALE_1))).hex(20)
      : rng.hex(20)
  return key.toUpperCase().match(/.{5}/g)!.join('-')
}

/** A client's sessions, oldest first: one at install, then on active days, none after it churns or after `now`. */
export function* clientSessions(ctx: DemoContext, client: ClientProfile): Generator<DemoSession> {
  const rng = ctx.rng('sessions', client.product.productId, client.index)
  let cursor = client.installedAt
  for (let day = Math.floor(client.installedAt / DAY); day <= client.lastDay; day++) {
    const first = cursor === client.installedAt
    if (!first && !rng.chance(isWeekend(day) ? client.activity * 0.3 : client.activity)) continue
    const localMidnight = day * DAY - client.utcOffset * HOUR
    cursor = Math.max(cursor, localMidnight + Math.min(22, Math.max(6, rng.normal(12, 3))) * HOUR)
    for (let n = first ? 1 : rng.weighted(SESSIONS_PER_ACTIVE_DAY); n > 0; n--) {
      const startedAt = Math.round(cursor)
      const endedAt = Math.round(
        startedAt + Math.min(10 * HOUR, Math.max(30_000, rng.logNormal(20 * MINUTE, 1.1))),
      )
      if (endedAt > ctx.now) return
      yield { sessionId: rng.hex(16), startedAt, endedAt }
      cursor = endedAt + rng.float(10, 180) * MINUTE
    }
  }
}

/** Every client of every product, in order. */
export function* allClients(ctx: DemoContext): Generator<ClientProfile> {
  for (const product of PRODUCTS) {
    const count = clientCount(ctx, product)
    for (let index = 0; index < count; index++) yield clientProfile(ctx, product, index)
  }
}
