import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi } from '../helpers/app.js'

/**
 * The usage intelligence reports read rollups that sum (warehouse 0004): a session or event
 * stored twice would count twice there. Ingestion stores an event id once, so a client resending
 * a batch (after a timeout, or after a crash that kept the ids from being recorded) must leave
 * every report as it was.
 */
const PRODUCT = 307
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const MARCH = { startDate: '2024-03-01', stopDate: '2024-03-31' }
const session = (id: string, clientId: string, day: string, minutes: number) => ({
  id,
  productId: PRODUCT,
  clientId,
  sessionId: id,
  startedAt: `${day}T09:00:00Z`,
  endedAt: new Date(Date.parse(`${day}T09:00:00Z`) + minutes * 60_000).toISOString(),
})
const event = (
  id: string,
  clientId: string,
  day: string,
  category: string,
  name: string,
  value?: number,
) => ({
  id,
  productId: PRODUCT,
  clientId,
  timestamp: `${day}T12:00:00Z`,
  category,
  name,
  ...(value === undefined ? {} : { value }),
})

const SESSIONS = [
  session('s1', 'a', '2024-03-01', 30),
  session('s2', 'a', '2024-03-01', 10),
  session('s3', 'a', '2024-03-08', 20),
  session('s4', 'b', '2024-03-02', 90),
  session('s5', 'c', '2024-02-10', 5),
  session('s6', 'c', '2024-03-20', 5),
]
const EVENTS = [
  event('e1', 'a', '2024-03-01', 'Export', 'PDF', 10),
  event('e2', 'a', '2024-03-01', 'Export', 'PDF', 30),
  event('e3', 'a', '2024-03-09', 'Export', 'PNG'),
  event('e4', 'b', '2024-03-02', 'Export', 'PDF'),
  event('e5', 'b', '2024-04-02', 'Export', 'PDF'),
  event('e6', 'c', '2024-03-21', 'Import', 'CSV'),
]

const post = (path: string, body: object) =>
  app.inject({ method: 'POST', url: `/v3/reporting/${path}/${PRODUCT}`, headers: auth, payload: body })

/** Every report that reads the rollups, segmented so that the join with the clients is read too. */
const REPORTS: [string, object][] = [
  ['engagement/usageDistribution', { ...MARCH, segmentBy: 'os' }],
  ['generic/dateRange', { ...MARCH, dateSplit: 'week', segmentBy: 'os' }],
  ['eventTracking/basic/dataTable', { ...MARCH, view: 'tree', segmentBy: 'os' }],
  ['eventTracking/lifetime/dataTable', MARCH],
  ['eventTracking/basic/timeline', { ...MARCH, events: [{ category: 'Export' }], normalizeBy: 'sessions' }],
  ['eventTracking/lifetime/histogram', { ...MARCH, events: [{ category: 'Export', name: 'PDF' }] }],
  ['eventTracking/advanced/fullReport', MARCH],
]

async function reports(): Promise<unknown[]> {
  const answers = []
  for (const [path, body] of REPORTS) {
    const response = await post(path, body)
    expect(response.statusCode, `${path}: ${response.body}`).toBe(200)
    answers.push(response.json())
  }
  return answers
}

async function send(stream: string, items: object[], duplicates: number): Promise<void> {
  const response = await ingestThroughApi(app, auth, { stream }, items)
  expect(response.statusCode, response.body).toBe(200)
  expect(response.json()).toMatchObject({ accepted: items.length, duplicates, rejectedCount: 0 })
}

let before: unknown[]

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  const client = (clientId: string, os: string) => ({
    productId: PRODUCT,
    clientId,
    os,
    installedAt: '2024-01-01T00:00:00Z',
  })
  for (const response of [
    await ingestThroughApi(app, auth, { entities: 'products' }, [{ productId: PRODUCT, name: 'Resent' }]),
    await ingestThroughApi(app, auth, { entities: 'clients' }, [
      client('a', 'Windows'),
      client('b', 'Mac'),
      client('c', 'Windows'),
    ]),
    await app.inject({
      method: 'PUT',
      url: `/v3/event-tracking/${PRODUCT}`,
      headers: auth,
      payload: { events: [{ category: 'Export', name: 'PDF', advanced: true }] },
    }),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
  }
  await send('usage-sessions', SESSIONS, 0)
  await send('usage-events', EVENTS, 0)
  before = await reports()
})

describe('Reports over re-sent batches', () => {
  it('count what was sent once', async () => {
    const distribution = (await post(REPORTS[0]![0], REPORTS[0]![1])).json()
    expect(distribution.results).toMatchObject([
      // a: 3 sessions on 2 days, one more day with an event only; c: one session in March.
      { segment: 'Windows', clients: 2 },
      { segment: 'Mac', clients: 1 },
    ])
    const table = (await post('eventTracking/basic/dataTable', { ...MARCH, view: 'flat' })).json()
    expect(table.rows).toMatchObject([
      { category: 'Export', name: 'PDF', occurrences: 3, clients: 2 },
      { category: 'Export', name: 'PNG', occurrences: 1, clients: 1 },
      { category: 'Import', name: 'CSV', occurrences: 1, clients: 1 },
    ])
    // Whole March from the monthly rollup, the days around it from the daily one.
    const across = (
      await post('eventTracking/basic/dataTable', { startDate: '2024-02-20', stopDate: '2024-04-02' })
    ).json()
    expect(across.rows[0]).toMatchObject({ category: 'Export', name: 'PDF', occurrences: 4, clients: 2 })
    const within = (
      await post('eventTracking/basic/dataTable', { startDate: '2024-03-02', stopDate: '2024-03-09' })
    ).json()
    expect(within.rows).toMatchObject([
      { category: 'Export', name: 'PDF', occurrences: 1, clients: 1 },
      { category: 'Export', name: 'PNG', occurrences: 1, clients: 1 },
    ])
  })

  it('answer the same after the same batches are sent again', async () => {
    await send('usage-sessions', SESSIONS, SESSIONS.length)
    await send('usage-events', EVENTS, EVENTS.length)
    expect(await reports()).toEqual(before)
  })

  it('answer the same when a crash kept the ids from being recorded, and the batches come again', async () => {
    // Events are stored before their ids: a crash between the two leaves the ids unrecorded, and
    // the retry finds the events themselves.
    await stores.warehouse.command({ query: 'TRUNCATE TABLE ingest_keys' })
    await send('usage-sessions', SESSIONS, SESSIONS.length)
    await send('usage-events', EVENTS, EVENTS.length)
    expect(await reports()).toEqual(before)
  })

  it('still count a new event among the old ones', async () => {
    await send('usage-events', [...EVENTS, event('e7', 'c', '2024-03-22', 'Export', 'PDF')], EVENTS.length)
    const table = (await post('eventTracking/basic/dataTable', { ...MARCH, view: 'flat' })).json()
    expect(table.rows[0]).toMatchObject({ category: 'Export', name: 'PDF', occurrences: 4, clients: 3 })
    expect(await reports()).not.toEqual(before)
  })
})
