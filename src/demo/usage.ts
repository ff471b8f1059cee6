import type { clientsEntity, productsEntity } from '../modules/ingest/entities/product.js'
import type {
  usageCustomEventsStream,
  usageEventsStream,
  usageExceptionsStream,
  usageSessionsStream,
} from '../modules/ingest/streams/usage.js'
import type { EventOf, ItemOf } from './shapes.js'
import { type DemoContext, iso } from './context.js'
import { type Random, weightedTable } from './random.js'
import {
  type ClientProfile,
  type DemoSession,
  PRODUCTS,
  allClients,
  clientSessions,
} from './usage-clients.js'

/**
 * The usage intelligence streams: sessions, tracked events, custom events and exceptions of every
 * client. Each stream walks the same clients and sessions with its own random sub-sequence.
 */

export const productItems = (): ItemOf<typeof productsEntity>[] =>
  PRODUCTS.map((p) => ({ productId: p.productId, name: p.name }))

export function* clientItems(ctx: DemoContext): Generator<ItemOf<typeof clientsEntity>> {
  for (const client of allClients(ctx)) yield client.item
}

/** Calls `make` for every session of every client, with a generator private to this stream and client. */
function* perSession<T>(
  ctx: DemoContext,
  stream: string,
  make: (rng: Random, client: ClientProfile, session: DemoSession) => Iterable<T>,
): Generator<T> {
  for (const client of allClients(ctx)) {
    const rng = ctx.rng(stream, client.product.productId, client.index)
    for (const session of clientSessions(ctx, client)) yield* make(rng, client, session)
  }
}

/** `count` instants spread over the session, in order. */
function instantsIn(rng: Random, session: DemoSession, count: number): number[] {
  const length = session.endedAt - session.startedAt
  return Array.from({ length: count }, () => session.startedAt + Math.floor(rng.next() * length)).sort(
    (a, b) => a - b,
  )
}

const source = (client: ClientProfile, session: DemoSession) => ({
  productId: client.product.productId,
  clientId: client.clientId,
  sessionId: session.sessionId,
})

export function sessionEvents(ctx: DemoContext): Generator<EventOf<typeof usageSessionsStream>> {
  const nextId = ctx.eventIds('usage-sessions')
  return perSession(ctx, 'usage-sessions', (_rng, client, session) => [
    {
      id: nextId(),
      ...source(client, session),
      startedAt: iso(session.startedAt),
      endedAt: iso(session.endedAt),
    },
  ])
}

/** Tracked events by product: [category, name, how a value is drawn (or none)]. */
type EventSpec = readonly [string, string, ((rng: Random) => number)?]
const TRACKED_EVENTS: Record<number, ReturnType<typeof weightedTable<EventSpec>>> = {
  4711: weightedTable<EventSpec>([
    [['Navigation', 'Open Case'], 30],
    [['Navigation', 'Open Settings'], 5],
    [['Review', 'Open Document'], 40],
    [['Review', 'Apply Tag'], 25],
    [['Search', 'Run Search', (rng) => rng.int(0, 5000)], 20],
    [['Export', 'Export PDF', (rng) => rng.int(1, 300)], 6],
    [['Collaboration', 'Share Link'], 4],
  ]),
  4712: weightedTable<EventSpec>([
    [['Capture', 'Scan Batch', (rng) => rng.int(1, 500)], 30],
    [['Capture', 'OCR Page', (rng) => Math.round(rng.logNormal(900, 0.5))], 35],
    [['Processing', 'Upload Batch', (rng) => Math.round(rng.logNormal(40, 1) * 10) / 10], 20],
    [['Settings', 'Change Profile'], 5],
  ]),
}
/** Events a session carries: usually a few, sometimes none, now and then a burst. */
const EVENTS_PER_SESSION = weightedTable([
  [0, 15],
  [1, 25],
  [2, 25],
  [3, 15],
  [4, 10],
  [6, 6],
  [10, 4],
] as const)

export function trackedEvents(ctx: DemoContext): Generator<EventOf<typeof usageEventsStream>> {
  const nextId = ctx.eventIds('usage-events')
  return perSession(ctx, 'usage-events', (rng, client, session) =>
    instantsIn(rng, session, rng.weighted(EVENTS_PER_SESSION)).map((at) => {
      const [category, name, value] = rng.weighted(TRACKED_EVENTS[client.product.productId]!)
      return {
        id: nextId(),
        ...source(client, session),
        timestamp: iso(at),
        category,
        name,
        ...(value ? { value: value(rng) } : {}),
      }
    }),
  )
}

const CUSTOM_EVENTS: readonly [string, (rng: Random) => Record<string, string | number | boolean>][] = [
  [
    'ProjectOpened',
    (rng) => ({ source: rng.pick(['Recent', 'Browse', 'Link']), documentCount: rng.int(1, 250_000) }),
  ],
  [
    'FeatureUsed',
    (rng) => ({
      feature: rng.pick(['Redaction', 'Batch Print', 'Translation', 'Near-Dupe Compare']),
      durationMs: rng.int(200, 120_000),
    }),
  ],
  ['LicenseActivated', (rng) => ({ method: rng.pick(['Online', 'Offline']), success: rng.chance(0.95) })],
  [
    'ImportCompleted',
    (rng) => ({
      format: rng.pick(['PDF', 'MSG', 'DOCX', 'TIFF']),
      files: rng.int(1, 2000),
      failed: rng.chance(0.1),
    }),
  ],
]

export function customEvents(ctx: DemoContext): Generator<EventOf<typeof usageCustomEventsStream>> {
  const nextId = ctx.eventIds('usage-custom-events')
  return perSession(ctx, 'usage-custom-events', (rng, client, session) =>
    instantsIn(rng, session, rng.chance(0.25) ? 1 : 0).map((at) => {
      const [name, data] = rng.pick(CUSTOM_EVENTS)
      return { id: nextId(), ...source(client, session), timestamp: iso(at), name, data: data(rng) }
    }),
  )
}

const EXCEPTIONS: readonly [string, string, string][] = [
  [
    'System.NullReferenceException',
    'Object reference not set to an instance of an object.',
    'Lexicon.Review.Viewer.RenderPage(Int32 page)',
  ],
  [
    'System.IO.IOException',
    'The process cannot access the file because it is being used by another process.',
    'Lexicon.Storage.Cache.Write(String path)',
  ],
  [
    'System.TimeoutException',
    'The operation has timed out after 00:01:40.',
    'Lexicon.Api.Client.SendAsync(Request request)',
  ],
  [
    'System.OutOfMemoryException',
    'Insufficient memory to continue the execution of the program.',
    'Lexicon.Imaging.Tiff.Decode(Stream input)',
  ],
  [
    'System.UnauthorizedAccessException',
    'Access to the path is denied.',
    'Lexicon.Export.PdfWriter.Save(String path)',
  ],
]

export function exceptionEvents(ctx: DemoContext): Generator<EventOf<typeof usageExceptionsStream>> {
  const nextId = ctx.eventIds('usage-exceptions')
  return perSession(ctx, 'usage-exceptions', (rng, client, session) => {
    // Older releases crash more: the first release of each product twice as often.
    const rate = client.item.productVersion === client.product.releases[0]![0] ? 0.12 : 0.06
    return instantsIn(rng, session, rng.chance(rate) ? 1 : 0).map((at) => {
      const [type, message, frame] = rng.pick(EXCEPTIONS)
      const stackTrace = `   at ${frame}\n   at Lexicon.Shell.Dispatcher.Invoke(Action action)\n   at Lexicon.Shell.Program.Main(String[] args)`
      return { id: nextId(), ...source(client, session), timestamp: iso(at), type, message, stackTrace }
    })
  })
}
