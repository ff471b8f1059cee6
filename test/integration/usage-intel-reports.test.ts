import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'

/**
 * The usage intelligence reports over a crafted product history: bucket edges, a session across
 * the end of the range, a client active without sessions, an unknown client, segments and filters.
 */
const PRODUCT = 301
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

let sessionSeq = 0
const session = (clientId: string, start: string, seconds: number) => ({
  productId: PRODUCT,
  clientId,
  sessionId: `s${++sessionSeq}`,
  startedAt: start,
  endedAt: new Date(Date.parse(start) + seconds * 1000).toISOString(),
})
const event = (clientId: string, timestamp: string) => ({
  productId: PRODUCT,
  clientId,
  timestamp,
  category: 'File',
  name: 'Open',
})

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  const client = (clientId: string, productVersion: string, country: string) => ({
    productId: PRODUCT,
    clientId,
    productVersion,
    country,
    installedAt: '2024-01-01T00:00:00Z',
  })
  for (const response of [
    await ingestThroughApi(app, auth, { entities: 'products' }, [{ productId: PRODUCT, name: 'Designer' }]),
    await ingestThroughApi(app, auth, { entities: 'clients' }, [
      client('a', '2.0', 'US'),
      client('b', '1.0', 'DE'),
      client('c', '2.0', 'DE'),
      client('d', '2.0', 'US'),
      client('e', '1.0', 'US'),
    ]),
    await ingestThroughApi(app, auth, { stream: 'usage-sessions' }, [
      // a: three sessions on two days, 19 minutes in all; an event on a third day.
      session('a', '2024-03-01T10:00:00Z', 240),
      session('a', '2024-03-01T12:00:00Z', 600),
      session('a', '2024-03-02T09:00:00Z', 300),
      // b: exactly 5 minutes, the top of the first runtime bucket.
      session('b', '2024-03-10T08:00:00Z', 300),
      // c: 13 days of 20 minutes: 4:20 in all.
      ...Array.from({ length: 13 }, (_, i) =>
        session('c', `2024-03-${String(i + 1).padStart(2, '0')}T15:00:00Z`, 1200),
      ),
      // d: only outside the range.
      session('d', '2024-02-28T23:50:00Z', 600),
      // e: starts on the last day, ends in April: counted by its start, one hour exactly.
      session('e', '2024-03-31T23:30:00Z', 3600),
      // f: a client Tally has no properties of.
      session('f', '2024-03-15T10:00:00Z', 360),
    ]),
    await ingestThroughApi(app, auth, { stream: 'usage-events' }, [
      event('a', '2024-03-05T11:00:00Z'),
      event('d', '2024-04-01T00:00:00Z'),
    ]),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
  }
})

const distribution = (body: object, headers = auth) =>
  app.inject({
    method: 'POST',
    url: `/v3/reporting/engagement/usageDistribution/${PRODUCT}`,
    headers,
    payload: { startDate: '2024-03-01', stopDate: '2024-03-31', ...body },
  })

const histogram = (labels: string[], counts: number[]) =>
  labels.map((bucket, i) => ({ bucket, clients: counts[i] }))
const COUNTS = ['1', '2', '3', '4-5', '6-8', '9-12', '13+']
const RUNTIME = ['≤0:05', '0:06-0:15', '0:16-0:30', '0:31-1:00', '1:01-2:00', '2:01-4:00', '4:01+']

describe('Usage distribution', () => {
  it('buckets the clients active in the range by active days, sessions and runtime', async () => {
    const response = await distribution({})
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual({
      results: [
        {
          segment: null,
          clients: 5,
          activeDays: histogram(COUNTS, [3, 0, 1, 0, 0, 0, 1]),
          sessions: histogram(COUNTS, [3, 0, 1, 0, 0, 0, 1]),
          runtime: histogram(RUNTIME, [1, 1, 1, 1, 0, 0, 1]),
        },
      ],
    })
  })

  it('splits by a segment and restricts by global filters (unknown clients drop out)', async () => {
    const segmented = (await distribution({ segmentBy: 'productVersion' })).json().results
    expect(segmented.map((r: { segment: string; clients: number }) => [r.segment, r.clients])).toEqual([
      ['1.0', 2],
      ['2.0', 2],
    ])
    expect(segmented[0].runtime).toEqual(histogram(RUNTIME, [1, 0, 0, 1, 0, 0, 0]))
    const germany = (await distribution({ globalFilters: [{ property: 'country', values: ['DE'] }] })).json()
      .results
    expect(germany).toHaveLength(1)
    expect(germany[0].clients).toBe(2)
    expect(germany[0].activeDays).toEqual(histogram(COUNTS, [1, 0, 0, 0, 0, 0, 1]))
  })

  it('answers 400 for a reversed range or an unknown property, 403 for a product not granted', async () => {
    const reversed = await distribution({ startDate: '2024-04-01' })
    expect(reversed.statusCode).toBe(400)
    expect(reversed.body).toContain('stopDate: 2024-03-31 is before startDate 2024-04-01')
    const unknown = await distribution({ segmentBy: 'shoeSize' })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.body).toContain("'shoeSize' is not a client property")
    expect((await distribution({ stopDate: '2024-02-30' })).statusCode).toBe(400)
    const other = await tokenOfUserWith(app, stores, 'otherproduct', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: '999' },
    ])
    expect((await distribution({}, other)).statusCode).toBe(403)
  })
})

const dateRange = (body: object) =>
  app.inject({
    method: 'POST',
    url: `/v3/reporting/generic/dateRange/${PRODUCT}`,
    headers: auth,
    payload: { startDate: '2024-03-01', stopDate: '2024-03-31', ...body },
  })

describe('Generic date-range report', () => {
  it('totals the range: new, active and lost clients, sessions and runtime', async () => {
    const response = await dateRange({})
    expect(response.statusCode, response.body).toBe(200)
    // Runtime: 1140 + 300 + 13 x 1200 + 3600 + 360 s = 5.83 h over 5 active clients.
    expect(response.json()).toEqual({
      dateSplit: 'none',
      results: [
        {
          segment: null,
          periods: [
            {
              period: '2024-03-01',
              newClients: 5,
              activeClients: 5,
              lostClients: 5,
              sessions: 19,
              runtimeHours: 5.83,
              averageRuntimePerClient: 1.17,
            },
          ],
        },
      ],
    })
  })

  it('splits by ISO week, zero-filling weeks without activity', async () => {
    const periods = (await dateRange({ dateSplit: 'week' })).json().results[0].periods
    expect(
      periods.map((p: { period: string; activeClients: number }) => [p.period, p.activeClients]),
    ).toEqual([
      ['2024-02-26', 2],
      ['2024-03-04', 3],
      ['2024-03-11', 2],
      ['2024-03-18', 0],
      ['2024-03-25', 1],
    ])
    // New clients by the week of their first activity: a and c (Mar 1), b (Mar 10), f (Mar 15), e (Mar 31).
    expect(periods.map((p: { newClients: number }) => p.newClients)).toEqual([2, 1, 1, 0, 1])
  })

  it('counts lost clients on their last active day, or on the declared date; daysUntilDeclaredLost applies', async () => {
    const months = (
      await dateRange({ dateSplit: 'month', startDate: '2024-02-01', stopDate: '2024-05-31' })
    ).json().results[0].periods
    expect(months.map((p: { period: string; lostClients: number }) => [p.period, p.lostClients])).toEqual([
      ['2024-02-01', 0],
      ['2024-03-01', 5],
      ['2024-04-01', 1],
      ['2024-05-01', 0],
    ])
    const declared = (
      await dateRange({
        dateSplit: 'month',
        startDate: '2024-02-01',
        stopDate: '2024-05-31',
        lostDate: 'declared',
        daysUntilDeclaredLost: 10,
      })
    ).json().results[0].periods
    // Last active + 10 days: a Mar 15, b Mar 20, c Mar 23, f Mar 25, e Apr 10, d Apr 11.
    expect(declared.map((p: { lostClients: number }) => p.lostClients)).toEqual([0, 4, 2, 0])
  })

  it('gives one timeline per segment, most active first (then by name), and applies the global filters', async () => {
    const results = (await dateRange({ segmentBy: 'country' })).json().results
    expect(
      results.map((r: { segment: string; periods: { activeClients: number }[] }) => [
        r.segment,
        r.periods[0]!.activeClients,
      ]),
    ).toEqual([
      ['DE', 2],
      ['US', 2],
    ])
    const filtered = (
      await dateRange({ globalFilters: [{ property: 'productVersion', values: ['2.0'] }] })
    ).json().results
    expect(filtered[0].periods[0]).toMatchObject({ activeClients: 2, sessions: 16, newClients: 2 })
  })
})

describe('Hierarchical tables of two properties', () => {
  it('splits each segment by a second property; a segment’s figures are its children’s sums', async () => {
    const response = await dateRange({ segmentBy: 'country', subSegmentBy: 'productVersion' })
    expect(response.statusCode, response.body).toBe(200)
    const figures = (periods: { activeClients: number; sessions: number; newClients: number }[]) =>
      periods.map((p) => [p.activeClients, p.sessions, p.newClients])
    const results = response.json().results
    expect(
      results.map((r: { segment: string; periods: []; children: { segment: string; periods: [] }[] }) => [
        r.segment,
        figures(r.periods),
        r.children.map((child) => [child.segment, figures(child.periods)]),
      ]),
    ).toEqual([
      // DE: b (1.0, one session) and c (2.0, 13 sessions); US: e (1.0, one) and a (2.0, three).
      [
        'DE',
        [[2, 14, 2]],
        [
          ['1.0', [[1, 1, 1]]],
          ['2.0', [[1, 13, 1]]],
        ],
      ],
      [
        'US',
        [[2, 4, 2]],
        [
          ['1.0', [[1, 1, 1]]],
          ['2.0', [[1, 3, 1]]],
        ],
      ],
    ])
  })

  it('needs segmentBy with subSegmentBy, and a property that can split', async () => {
    const response = await dateRange({ subSegmentBy: 'productVersion' })
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toContain('subSegmentBy')
    const byKey = await dateRange({ segmentBy: 'country', subSegmentBy: 'licenseKey' })
    expect(byKey.statusCode).toBe(400)
    expect(byKey.json().message).toBe(
      'subSegmentBy: licenseKey has too many values to split a report by; filter by it',
    )
  })
})

describe('Generic current report', () => {
  const CURRENT = 302
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()
  const current = (body: object) =>
    app.inject({
      method: 'POST',
      url: `/v3/reporting/generic/current/${CURRENT}`,
      headers: auth,
      payload: body,
    })

  beforeAll(async () => {
    const client = (clientId: string, country: string) => ({
      productId: CURRENT,
      clientId,
      country,
      installedAt: '2024-01-01T00:00:00Z',
    })
    const recent = (clientId: string, days: number) => ({
      productId: CURRENT,
      clientId,
      sessionId: `${clientId}-${days}`,
      startedAt: daysAgo(days),
      endedAt: daysAgo(days),
    })
    for (const response of [
      await ingestThroughApi(app, auth, { entities: 'products' }, [{ productId: CURRENT, name: 'Viewer' }]),
      await ingestThroughApi(app, auth, { entities: 'clients' }, [
        client('g', 'US'),
        client('h', 'DE'),
        client('i', 'US'),
      ]),
      await ingestThroughApi(app, auth, { stream: 'usage-sessions' }, [
        recent('g', 1),
        recent('h', 10),
        recent('i', 40),
      ]),
    ]) {
      expect(response.statusCode, response.body).toBe(200)
    }
  })

  it('counts the clients active within the window, per segment', async () => {
    const response = await current({})
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toMatchObject({
      activeWithinDays: 30,
      totalClients: 2,
      results: [{ segment: null, clients: 2 }],
    })
    expect(response.json().asOf).toBe(new Date().toISOString().slice(0, 10))
    const wider = (await current({ activeWithinDays: 45, segmentBy: 'country' })).json()
    expect(wider.totalClients).toBe(3)
    expect(wider.results).toEqual([
      { segment: 'US', clients: 2 },
      { segment: 'DE', clients: 1 },
    ])
    const filtered = (
      await current({ activeWithinDays: 45, globalFilters: [{ property: 'country', values: ['DE'] }] })
    ).json()
    expect(filtered.results).toEqual([{ segment: null, clients: 1 }])
    const nested = (
      await current({ activeWithinDays: 45, segmentBy: 'country', subSegmentBy: 'region' })
    ).json()
    expect(nested.results).toEqual([
      { segment: 'US', clients: 2, children: [{ segment: '', clients: 2 }] },
      { segment: 'DE', clients: 1, children: [{ segment: '', clients: 1 }] },
    ])
    expect((await current({ activeWithinDays: 0 })).statusCode).toBe(400)
  })
})
