import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { renderStep } from '../../src/store/warehouse/ddl.js'
import { WAREHOUSE_MIGRATIONS } from '../../src/store/warehouse/migrate.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'
import { eventFigures } from '../helpers/usage-intel.js'

/**
 * The churn reports over a crafted history, reported on the cohort first seen in March 2024:
 * - a (Windows, Pro) 03-01 to 03-08: sessions 03-01, 03-02 (600 s each), 03-08 (1200 s);
 *   Export/PDF ×2 on 03-01, File/Open on 03-08.
 * - b (Mac, Pro) 03-05 only: one session of exactly 300 s; Export/PDF on 03-05.
 * - c (Windows, Free) 03-10 to 05-10: a 1200 s session daily 03-10 to 03-21 and on 05-10 (13 days,
 *   4:20 in all); File/Open ×25 on 03-10.
 * - d (Mac, Free) 03-15 to 03-20: Help/About on both days, no session.
 * - e (Windows, Pro) 03-31 to 06-30: sessions of 3000, 301, 300 and 0 s (3601 s: just over an hour).
 * - h (no properties) 03-12 only: one session of 301 s.
 * - k (Windows, Free) 03-03 and 2 days ago: Export/PDF ×7 on 03-03. Never lost.
 * - m (Mac, Pro) 03-25 and 20 days ago (600 s each): File/Open ×3 on 03-25. Lost when
 *   daysUntilDeclaredLost is under 20.
 * - f (first seen in February) and g (in April) are not in the cohort.
 * With the default 30 days the churned clients are a, b, c, d, e and h.
 */
const PRODUCT = 305
/** Clients first seen weeks ago: their columns are judged only once the lost window has passed. */
const RECENT = 306
const DAY_MS = 86_400_000
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const MARCH = { startDate: '2024-03-01', stopDate: '2024-03-31' }
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10)

let sequence = 0
const session = (productId: number, clientId: string, day: string, seconds: number) => ({
  productId,
  clientId,
  sessionId: `s${++sequence}`,
  startedAt: `${day}T10:00:00.000Z`,
  endedAt: new Date(Date.parse(`${day}T10:00:00Z`) + seconds * 1000).toISOString(),
})
const events = (clientId: string, day: string, category: string, name: string, times: number) =>
  Array.from({ length: times }, (_, i) => ({
    id: `e${++sequence}`,
    productId: PRODUCT,
    clientId,
    timestamp: `${day}T12:00:${String(i).padStart(2, '0')}Z`,
    category,
    name,
  }))
const at = (clientId: string, day: string, seconds: number) => session(PRODUCT, clientId, day, seconds)

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  const client = (productId: number, clientId: string, os: string, edition: string) => ({
    productId,
    clientId,
    os,
    edition,
    installedAt: '2024-01-01T00:00:00Z',
  })
  for (const response of [
    await ingestThroughApi(app, auth, { entities: 'products' }, [
      { productId: PRODUCT, name: 'Churn Studio' },
      { productId: RECENT, name: 'Fresh Studio' },
    ]),
    await ingestThroughApi(app, auth, { entities: 'clients' }, [
      client(PRODUCT, 'a', 'Windows', 'Pro'),
      client(PRODUCT, 'b', 'Mac', 'Pro'),
      client(PRODUCT, 'c', 'Windows', 'Free'),
      client(PRODUCT, 'd', 'Mac', 'Free'),
      client(PRODUCT, 'e', 'Windows', 'Pro'),
      client(PRODUCT, 'k', 'Windows', 'Free'),
      client(PRODUCT, 'm', 'Mac', 'Pro'),
      client(PRODUCT, 'f', 'Windows', 'Pro'),
      client(PRODUCT, 'g', 'Mac', 'Pro'),
    ]),
    await ingestThroughApi(app, auth, { stream: 'usage-sessions' }, [
      at('a', '2024-03-01', 600),
      at('a', '2024-03-02', 600),
      at('a', '2024-03-08', 1200),
      at('b', '2024-03-05', 300),
      ...Array.from({ length: 12 }, (_, i) => at('c', `2024-03-${String(10 + i)}`, 1200)),
      at('c', '2024-05-10', 1200),
      at('e', '2024-03-31', 3000),
      at('e', '2024-04-07', 301),
      at('e', '2024-04-30', 300),
      at('e', '2024-06-30', 0),
      at('h', '2024-03-12', 301),
      at('k', '2024-03-03', 600),
      at('k', daysAgo(2), 600),
      at('m', '2024-03-25', 600),
      at('m', daysAgo(20), 600),
      at('f', '2024-02-20', 600),
      at('f', '2024-03-05', 600),
      at('g', '2024-04-02', 600),
      // The recent product: r1 from 50 to 45 days ago, r2 from 40 to 5 days ago, r3 15 days ago.
      session(RECENT, 'r1', daysAgo(50), 60),
      session(RECENT, 'r1', daysAgo(45), 60),
      session(RECENT, 'r2', daysAgo(40), 60),
      session(RECENT, 'r2', daysAgo(5), 60),
      session(RECENT, 'r3', daysAgo(15), 60),
    ]),
    await ingestThroughApi(app, auth, { stream: 'usage-events' }, [
      ...events('a', '2024-03-01', 'Export', 'PDF', 2),
      ...events('a', '2024-03-08', 'File', 'Open', 1),
      ...events('b', '2024-03-05', 'Export', 'PDF', 1),
      ...events('c', '2024-03-10', 'File', 'Open', 25),
      ...events('d', '2024-03-15', 'Help', 'About', 1),
      ...events('d', '2024-03-20', 'Help', 'About', 1),
      ...events('k', '2024-03-03', 'Export', 'PDF', 7),
      ...events('m', '2024-03-25', 'File', 'Open', 3),
      ...events('f', '2024-03-05', 'Export', 'PDF', 5),
    ]),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json().rejectedCount ?? 0, response.body).toBe(0)
  }
})

const post = (path: string, body: object, { product = PRODUCT, headers = auth } = {}) =>
  app.inject({ method: 'POST', url: `/v3/reporting/${path}/${product}`, headers, payload: body })
const engagement = (body: object, options?: { product?: number }) =>
  post('engagement/churnAndEngagement', body, options)

/** A column of the cohort table: `clients` judged, of which engaged and lost, and those pending. */
const column = (after: number, clients: number, engaged: number, lost: number, pending = 0) => ({
  after,
  clients,
  engaged,
  lost,
  pending,
  engagedPercent: clients ? Math.round((engaged / clients) * 10_000) / 100 : 0,
  lostPercent: clients ? Math.round((lost / clients) * 10_000) / 100 : 0,
})
/** Columns of all eight cohort clients, judged, from their engaged and lost counts. */
const columns = (after: number[], engaged: number[], lost: number[]) =>
  after.map((x, i) => column(x, 8, engaged[i]!, lost[i]!))

describe('churn and engagement', () => {
  it('gives, per default day column, the cohort clients engaged on or after it and those lost by it', async () => {
    const response = await engagement(MARCH)
    expect(response.statusCode, response.body).toBe(200)
    const after = [1, 3, 7, 14, 30, 60, 90]
    expect(response.json()).toEqual({
      unit: 'days',
      after,
      daysUntilDeclaredLost: 30,
      lostDate: 'lastSeen',
      asOf: daysAgo(0),
      results: [
        {
          segment: null,
          // All eight first seen in March, lost or not: k and m are still active.
          clients: 8,
          lostClients: 6,
          // After 7 days a (last active on its 7th day after the first) is engaged; after 60 c
          // (05-09 ≤ 05-10) is, after 90 it is not; e is up to 90 (06-29 ≤ 06-30).
          columns: columns(after, [6, 6, 5, 4, 4, 4, 3], [2, 2, 3, 4, 4, 4, 5]),
        },
      ],
    })
  })

  it('counts weeks as 7 days and months as calendar months from the first day', async () => {
    const weeks = (await engagement({ ...MARCH, unit: 'weeks' })).json()
    expect(weeks.after).toEqual([1, 2, 4, 8, 12, 26, 52])
    expect(weeks.results[0].columns).toEqual(
      columns(weeks.after, [5, 4, 4, 4, 3, 2, 2], [3, 4, 4, 4, 5, 6, 6]),
    )
    // c is engaged after 2 months exactly (05-10); e after 3 (03-31 + 3 months is 06-30, its last day).
    const months = (await engagement({ ...MARCH, unit: 'months' })).json()
    expect(months.after).toEqual([1, 2, 3, 6, 9, 12])
    expect(months.results[0].columns).toEqual(columns(months.after, [4, 4, 3, 2, 2, 2], [4, 4, 5, 6, 6, 6]))
    const chosen = (await engagement({ ...MARCH, unit: 'months', after: [12, 2] })).json()
    expect(chosen.after).toEqual([2, 12])
    expect(chosen.results[0].columns).toEqual(columns([2, 12], [4, 2], [4, 6]))
  })

  it('with the declared lost date, counts a client lost only from its last active day + daysUntilDeclaredLost', async () => {
    const response = await engagement({ ...MARCH, after: [1, 30, 60, 90], lostDate: 'declared' })
    expect(response.statusCode, response.body).toBe(200)
    // After 30 days b (03-05 + 30 = 04-04) and h are declared lost, a (04-07) and d (04-19) not yet;
    // after 90 c is neither engaged (05-10 < 06-08) nor declared lost (06-09).
    expect(response.json()).toMatchObject({
      lostDate: 'declared',
      results: [
        { clients: 8, lostClients: 6, columns: columns([1, 30, 60, 90], [6, 4, 4, 3], [0, 2, 4, 4]) },
      ],
    })
    const shorter = (
      await engagement({ ...MARCH, after: [14], lostDate: 'declared', daysUntilDeclaredLost: 10 })
    ).json()
    // m, 20 days without activity, is lost with 10 days; b (03-15) and h (03-22) by day 14.
    expect(shorter).toMatchObject({
      daysUntilDeclaredLost: 10,
      results: [{ clients: 8, lostClients: 7, columns: [column(14, 8, 4, 2)] }],
    })
  })

  it('splits by a segment, largest cohort first, and applies global filters', async () => {
    const results = (await engagement({ ...MARCH, after: [7, 14], segmentBy: 'os' })).json().results
    // h has no properties: it drops out.
    expect(results).toEqual([
      { segment: 'Windows', clients: 4, lostClients: 3, columns: [column(7, 4, 4, 0), column(14, 4, 3, 1)] },
      { segment: 'Mac', clients: 3, lostClients: 2, columns: [column(7, 3, 1, 2), column(14, 3, 1, 2)] },
    ])
    const free = (
      await engagement({ ...MARCH, after: [7], globalFilters: [{ property: 'edition', values: ['Free'] }] })
    ).json().results
    expect(free).toEqual([{ segment: null, clients: 3, lostClients: 2, columns: [column(7, 3, 2, 1)] }])
  })

  it('leaves a client pending, neither engaged nor lost, until daysUntilDeclaredLost days past its checkpoint', async () => {
    const range = { startDate: daysAgo(60), stopDate: daysAgo(0) }
    const standard = (await engagement({ ...range, after: [7, 30] }, { product: RECENT })).json()
    // After 7 days: r1 lost, r2 engaged, r3's checkpoint (8 days ago) too recent. After 30 days
    // nobody is judged: r1 is lost today, but its checkpoint was only 20 days ago.
    expect(standard.results).toEqual([
      { segment: null, clients: 3, lostClients: 1, columns: [column(7, 2, 1, 1, 1), column(30, 0, 0, 0, 3)] },
    ])
    const shorter = (
      await engagement({ ...range, after: [7, 30], daysUntilDeclaredLost: 10 }, { product: RECENT })
    ).json()
    // With 10 days r3 is lost too, but its checkpoint after 30 days is in the future: pending.
    expect(shorter.results).toEqual([
      { segment: null, clients: 3, lostClients: 2, columns: [column(7, 2, 1, 1, 1), column(30, 2, 1, 1, 1)] },
    ])
  })

  it('answers an empty cohort with zeros', async () => {
    const response = await engagement({ startDate: '2023-01-01', stopDate: '2023-01-31', after: [7] })
    expect(response.json().results).toEqual([
      { segment: null, clients: 0, lostClients: 0, columns: [column(7, 0, 0, 0)] },
    ])
  })
})

const COUNTS = ['1', '2', '3', '4-5', '6-8', '9-12', '13+']
const RUNTIME = ['≤0:05', '0:06-0:15', '0:16-0:30', '0:31-1:00', '1:01-2:00', '2:01-4:00', '4:01+']
const buckets = (labels: string[], counts: number[]) =>
  labels.map((bucket, i) => ({ bucket, clients: counts[i] }))

describe('churn histograms', () => {
  it('buckets the churned clients by lifetime active days, sessions and runtime, edges included', async () => {
    const days = await post('churn/histogram/days', MARCH)
    expect(days.statusCode, days.body).toBe(200)
    // b and h 1 day, d 2, a 3, e 4, c 13.
    expect(days.json()).toEqual({
      daysUntilDeclaredLost: 30,
      asOf: daysAgo(0),
      results: [{ segment: null, clients: 6, histogram: buckets(COUNTS, [2, 1, 1, 1, 0, 0, 1]) }],
    })
    // d has no session: in no sessions bucket.
    expect((await post('churn/histogram/sessions', MARCH)).json().results).toEqual([
      { segment: null, clients: 6, histogram: buckets(COUNTS, [2, 0, 1, 1, 0, 0, 1]) },
    ])
    // b 300 s and d 0 s, h 301 s, a 40 min, e 3601 s, c 4:20.
    expect((await post('churn/histogram/runtime', MARCH)).json().results).toEqual([
      { segment: null, clients: 6, histogram: buckets(RUNTIME, [2, 1, 0, 1, 1, 0, 1]) },
    ])
  })

  it('takes daysUntilDeclaredLost: with 10 days m (2 days, 2 sessions, 20 minutes) is churned too', async () => {
    const body = { ...MARCH, daysUntilDeclaredLost: 10 }
    const results = async (kind: string) => (await post(`churn/histogram/${kind}`, body)).json().results
    expect(await results('days')).toEqual([
      { segment: null, clients: 7, histogram: buckets(COUNTS, [2, 2, 1, 1, 0, 0, 1]) },
    ])
    expect((await results('sessions'))[0].histogram).toEqual(buckets(COUNTS, [2, 1, 1, 1, 0, 0, 1]))
    expect((await results('runtime'))[0].histogram).toEqual(buckets(RUNTIME, [2, 1, 1, 1, 1, 0, 1]))
  })

  it('splits by a segment and applies global filters', async () => {
    const byOs = (await post('churn/histogram/days', { ...MARCH, segmentBy: 'os' })).json().results
    expect(byOs).toEqual([
      { segment: 'Windows', clients: 3, histogram: buckets(COUNTS, [0, 0, 1, 1, 0, 0, 1]) },
      { segment: 'Mac', clients: 2, histogram: buckets(COUNTS, [1, 1, 0, 0, 0, 0, 0]) },
    ])
    const pro = (
      await post('churn/histogram/days', {
        ...MARCH,
        globalFilters: [{ property: 'edition', values: ['Pro'] }],
      })
    ).json().results
    expect(pro).toEqual([{ segment: null, clients: 3, histogram: buckets(COUNTS, [1, 0, 1, 1, 0, 0, 0]) }])
  })
})

describe('the lifetime totals the churn histograms read', () => {
  it('are rebuilt from the stored sessions and events by their migration, to the same figures', async () => {
    const histograms = async () =>
      Promise.all(
        ['days', 'runtime', 'sessions'].map(async (kind) =>
          (await post(`churn/histogram/${kind}`, MARCH)).json(),
        ),
      )
    const kept = await histograms()
    const migration = WAREHOUSE_MIGRATIONS.find((m) => m.name === 'client-usage-totals')!
    // Twice: a rebuild empties the table first, so running it again counts nothing twice.
    for (let run = 0; run < 2; run++)
      for (const step of migration.steps)
        for (const query of renderStep(step, { database: 'tally' })) await stores.warehouse.command({ query })
    expect(await histograms()).toEqual(kept)
    expect(kept[0].results[0].histogram).toEqual(buckets(COUNTS, [2, 1, 1, 1, 0, 0, 1]))
  })
})

describe('churned clients’ events', () => {
  it('tables every event of the churned clients over their lifetime, against their number', async () => {
    const response = await post('eventTracking/churn/lifetime/dataTable', MARCH)
    expect(response.statusCode, response.body).toBe(200)
    // k (not lost) and f (not new in March) leave their Export/PDF out; m (not lost) its File/Open.
    expect(response.json()).toEqual({
      clients: 6,
      totalRows: 3,
      page: 1,
      pageSize: 50,
      rows: [
        { category: 'File', name: 'Open', ...eventFigures(26, 2, 13, 33.33) },
        { category: 'Export', name: 'PDF', ...eventFigures(3, 2, 1.5, 33.33) },
        { category: 'Help', name: 'About', ...eventFigures(2, 1, 2, 16.67) },
      ],
    })
    const shorter = (
      await post('eventTracking/churn/lifetime/dataTable', { ...MARCH, daysUntilDeclaredLost: 10 })
    ).json()
    expect(shorter.clients).toBe(7)
    expect(shorter.rows[0]).toEqual({ category: 'File', name: 'Open', ...eventFigures(29, 3, 9.67, 42.86) })
  })

  it('splits the table by segment, each against its own churned clients', async () => {
    const { clients, rows } = (
      await post('eventTracking/churn/lifetime/dataTable', {
        ...MARCH,
        segmentBy: 'os',
        sortBy: 'name',
        sortOrder: 'asc',
      })
    ).json()
    expect(clients).toBe(5)
    expect(rows[2]).toEqual({
      category: 'Export',
      name: 'PDF',
      ...eventFigures(3, 2, 1.5, 40),
      segments: [
        { segment: 'Mac', ...eventFigures(1, 1, 1, 50) },
        { segment: 'Windows', ...eventFigures(2, 1, 2, 33.33) },
      ],
    })
    expect(rows[1]).toEqual({
      category: 'File',
      name: 'Open',
      ...eventFigures(26, 2, 13, 40),
      segments: [{ segment: 'Windows', ...eventFigures(26, 2, 13, 66.67) }],
    })
  })

  it('gives the lifetime event histograms of the churned clients', async () => {
    const response = await post('eventTracking/churn/lifetime/histogram', {
      ...MARCH,
      events: [{ category: 'File', name: 'Open' }],
    })
    expect(response.statusCode, response.body).toBe(200)
    const [result] = response.json().results
    expect(result).toMatchObject({ segment: null, clients: 6 })
    const [open] = result.series
    const nonEmpty = (histogram: { bucket: string; clients: number }[]) =>
      Object.fromEntries(histogram.filter((b) => b.clients > 0).map((b) => [b.bucket, b.clients]))
    expect(open).toMatchObject({ label: 'File / Open', clients: 2 })
    // a: once in 8 days; c: 25 times in 62 days.
    expect(nonEmpty(open.count)).toEqual({ '0': 4, '1': 1, '21-50': 1 })
    expect(nonEmpty(open.perDay)).toEqual({ '0': 4, '0-0.5': 2 })
    expect(nonEmpty(open.perWeek)).toEqual({ '0': 4, '0.5-1': 1, '2-3': 1 })
    expect(nonEmpty(open.perMonth)).toEqual({ '0': 4, '0.5-1': 1, '10-20': 1 })
  })
})

describe('request errors and access', () => {
  it('answers 400s that name the problem', async () => {
    const cases: [string, object, string][] = [
      ['engagement/churnAndEngagement', { startDate: '2024-03-31', stopDate: '2024-03-01' }, 'stopDate'],
      ['engagement/churnAndEngagement', { ...MARCH, unit: 'years' }, 'unit'],
      ['engagement/churnAndEngagement', { ...MARCH, daysUntilDeclaredLost: -1 }, 'daysUntilDeclaredLost'],
      ['engagement/churnAndEngagement', { ...MARCH, after: [0] }, 'after'],
      ['engagement/churnAndEngagement', { ...MARCH, after: [7, 7] }, 'after'],
      ['engagement/churnAndEngagement', { ...MARCH, lostDate: 'someday' }, 'lostDate'],
      ['churn/histogram/runtime', { ...MARCH, daysUntilDeclaredLost: 0 }, 'daysUntilDeclaredLost'],
      ['churn/histogram/days', { startDate: '2024-03-31', stopDate: '2024-03-01' }, 'stopDate'],
      ['churn/histogram/days', { ...MARCH, lostDate: 'declared' }, 'lostDate'],
      ['churn/histogram/sessions', { ...MARCH, segmentBy: 'shoeSize' }, 'shoeSize'],
      [
        'eventTracking/churn/lifetime/dataTable',
        { ...MARCH, daysUntilDeclaredLost: 400 },
        'daysUntilDeclaredLost',
      ],
      ['eventTracking/churn/lifetime/histogram', { ...MARCH, events: [] }, 'events'],
    ]
    for (const [path, body, named] of cases) {
      const response = await post(path, body)
      expect(response.statusCode, `${path} ${JSON.stringify(body)}: ${response.body}`).toBe(400)
      expect(response.json().message).toContain(named)
    }
    const tooFar = await engagement({ ...MARCH, unit: 'months', after: [121] })
    expect(tooFar.statusCode).toBe(400)
    expect(tooFar.json().message).toBe('after: 121 months is more than ten years; at most 120 months')
  })

  it('answers 403 for a product the caller may not see', async () => {
    const outsider = await tokenOfUserWith(app, stores, 'churn-outsider', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: String(RECENT) },
    ])
    for (const path of [
      'engagement/churnAndEngagement',
      'churn/histogram/days',
      'churn/histogram/runtime',
      'churn/histogram/sessions',
      'eventTracking/churn/lifetime/dataTable',
      'eventTracking/churn/lifetime/histogram',
    ]) {
      const body = { ...MARCH, events: path.endsWith('histogram') ? [{ category: 'File' }] : undefined }
      expect((await post(path, body, { headers: outsider })).statusCode, path).toBe(403)
    }
    expect(
      (await post('engagement/churnAndEngagement', MARCH, { product: RECENT, headers: outsider })).statusCode,
    ).toBe(200)
  })
})
