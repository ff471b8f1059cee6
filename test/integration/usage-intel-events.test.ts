import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'
import { eventFigures } from '../helpers/usage-intel.js'

/**
 * Event tracking management and the event tracking reports over a crafted product history,
 * reported on March 2024:
 * - p (Windows) first seen 03-01: sessions 03-01 and 03-10; Export/PDF ×3 on 03-01 (values 10
 *   and 20 on two of them) and ×2 on 03-10; Import/CSV on 03-05. Lifetime 10 days.
 * - q (Mac) first seen 02-20: a session 03-02; Export/PDF on 03-02, Export/PNG ×4 on 03-03.
 * - r (Windows) first seen 03-15: one session, no events.
 * - s (Mac) first seen 03-20: Debug/Trace ×2 on 03-20 (no session), Export/PDF ×30 on 04-05.
 *   Lifetime 17 days.
 * Active in March: p, q, r, s. The March cohort (first seen in March): p, r, s.
 */
const PRODUCT = 303
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const MARCH = { startDate: '2024-03-01', stopDate: '2024-03-31' }
let sequence = 0
const session = (clientId: string, day: string) => ({
  productId: PRODUCT,
  clientId,
  sessionId: `s${++sequence}`,
  startedAt: `${day}T09:00:00Z`,
  endedAt: `${day}T10:00:00Z`,
})
const events = (
  clientId: string,
  day: string,
  category: string,
  name: string,
  times: number,
  value?: number,
) =>
  Array.from({ length: times }, (_, i) => ({
    id: `e${++sequence}`,
    productId: PRODUCT,
    clientId,
    timestamp: `${day}T12:00:${String(i).padStart(2, '0')}Z`,
    category,
    name,
    ...(value === undefined ? {} : { value }),
  }))

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  const client = (clientId: string, os: string) => ({
    productId: PRODUCT,
    clientId,
    os,
    installedAt: '2024-01-01T00:00:00Z',
  })
  for (const response of [
    await ingestThroughApi(app, auth, { entities: 'products' }, [{ productId: PRODUCT, name: 'Studio' }]),
    await ingestThroughApi(app, auth, { entities: 'clients' }, [
      client('p', 'Windows'),
      client('q', 'Mac'),
      client('r', 'Windows'),
      client('s', 'Mac'),
    ]),
    await ingestThroughApi(app, auth, { stream: 'usage-sessions' }, [
      session('p', '2024-03-01'),
      session('p', '2024-03-10'),
      session('q', '2024-02-20'),
      session('q', '2024-03-02'),
      session('r', '2024-03-15'),
    ]),
    await ingestThroughApi(app, auth, { stream: 'usage-events' }, [
      ...events('p', '2024-03-01', 'Export', 'PDF', 1, 10),
      ...events('p', '2024-03-01', 'Export', 'PDF', 1, 20),
      ...events('p', '2024-03-01', 'Export', 'PDF', 1),
      ...events('p', '2024-03-10', 'Export', 'PDF', 2),
      ...events('p', '2024-03-05', 'Import', 'CSV', 1),
      ...events('q', '2024-03-02', 'Export', 'PDF', 1),
      ...events('q', '2024-03-03', 'Export', 'PNG', 4),
      ...events('s', '2024-03-20', 'Debug', 'Trace', 2),
      ...events('s', '2024-04-05', 'Export', 'PDF', 30),
    ]),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json().rejectedCount, response.body).toBe(0)
  }
})

const post = (path: string, body: object, headers = auth) =>
  app.inject({
    method: 'POST',
    url: `/v3/reporting/eventTracking/${path}/${PRODUCT}`,
    headers,
    payload: body,
  })
const tracking = (headers = auth) =>
  app.inject({ method: 'GET', url: `/v3/event-tracking/${PRODUCT}`, headers })
const setTracking = (events: object[], headers = auth) =>
  app.inject({ method: 'PUT', url: `/v3/event-tracking/${PRODUCT}`, headers, payload: { events } })

describe('basic data table', () => {
  it('lists every event within the range among the active clients, most occurrences first', async () => {
    const response = await post('basic/dataTable', MARCH)
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual({
      clients: 4,
      totalRows: 4,
      page: 1,
      pageSize: 50,
      rows: [
        { category: 'Export', name: 'PDF', ...eventFigures(6, 2, 3, 50) },
        { category: 'Export', name: 'PNG', ...eventFigures(4, 1, 4, 25) },
        { category: 'Debug', name: 'Trace', ...eventFigures(2, 1, 2, 25) },
        { category: 'Import', name: 'CSV', ...eventFigures(1, 1, 1, 25) },
      ],
    })
  })

  it('nests names under categories, whose clients are counted once', async () => {
    const { rows } = (
      await post('basic/dataTable', { ...MARCH, view: 'tree', sortBy: 'category', sortOrder: 'asc' })
    ).json()
    expect(rows.map((r: { category: string }) => r.category)).toEqual(['Debug', 'Export', 'Import'])
    expect(rows[1]).toEqual({
      category: 'Export',
      name: null,
      ...eventFigures(10, 2, 5, 50),
      children: [
        { category: 'Export', name: 'PDF', ...eventFigures(6, 2, 3, 50) },
        { category: 'Export', name: 'PNG', ...eventFigures(4, 1, 4, 25) },
      ],
    })
  })

  it('splits each row by segment, each against its own segment’s active clients', async () => {
    const { rows } = (await post('basic/dataTable', { ...MARCH, segmentBy: 'os' })).json()
    expect(rows[0]).toEqual({
      category: 'Export',
      name: 'PDF',
      ...eventFigures(6, 2, 3, 50),
      segments: [
        { segment: 'Mac', ...eventFigures(1, 1, 1, 50) },
        { segment: 'Windows', ...eventFigures(5, 1, 5, 50) },
      ],
    })
  })

  it('pages, searches and filters', async () => {
    const page = (await post('basic/dataTable', { ...MARCH, pageSize: 3, page: 2 })).json()
    expect(page).toMatchObject({ totalRows: 4, page: 2, pageSize: 3, rows: [{ name: 'CSV' }] })
    const found = (await post('basic/dataTable', { ...MARCH, search: 'p' })).json()
    expect(found.rows.map((r: { name: string }) => r.name)).toEqual(['PDF', 'PNG', 'CSV'])
    const mac = (
      await post('basic/dataTable', { ...MARCH, globalFilters: [{ property: 'os', values: ['Mac'] }] })
    ).json()
    expect(mac.clients).toBe(2)
    expect(mac.rows.map((r: { name: string; occurrences: number }) => [r.name, r.occurrences])).toEqual([
      ['PNG', 4],
      ['Trace', 2],
      ['PDF', 1],
    ])
  })
})

describe('lifetime reports', () => {
  it('counts the whole lifetime of the clients first seen in the range', async () => {
    const response = await post('lifetime/dataTable', MARCH)
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toMatchObject({
      clients: 3,
      totalRows: 3,
      rows: [
        { category: 'Export', name: 'PDF', ...eventFigures(35, 2, 17.5, 66.67) },
        { category: 'Debug', name: 'Trace', ...eventFigures(2, 1, 2, 33.33) },
        { category: 'Import', name: 'CSV', ...eventFigures(1, 1, 1, 33.33) },
      ],
    })
  })

  it('gives counts and per-day, per-week and per-month averages of lifetime, with edges included', async () => {
    const response = await post('lifetime/histogram', {
      ...MARCH,
      events: [{ category: 'Export', name: 'PDF' }, [{ category: 'Export' }, { category: 'Import' }]],
    })
    expect(response.statusCode, response.body).toBe(200)
    const [result] = response.json().results
    expect(result).toMatchObject({ segment: null, clients: 3 })
    const [pdf, combined] = result.series
    const nonEmpty = (histogram: { bucket: string; clients: number }[]) =>
      Object.fromEntries(histogram.filter((b) => b.clients > 0).map((b) => [b.bucket, b.clients]))
    expect(pdf.label).toBe('Export / PDF')
    expect(pdf.clients).toBe(2)
    // p: 5 in 10 days; s: 30 in 17 days; r: none.
    expect(nonEmpty(pdf.count)).toEqual({ '0': 1, '4-5': 1, '21-50': 1 })
    expect(nonEmpty(pdf.perDay)).toEqual({ '0': 1, '0-0.5': 1, '1-2': 1 })
    expect(nonEmpty(pdf.perWeek)).toEqual({ '0': 1, '3-5': 1, '10-20': 1 })
    expect(nonEmpty(pdf.perMonth)).toEqual({ '0': 1, '3-5': 1, '20+': 1 })
    expect(pdf.count.map((b: { bucket: string }) => b.bucket)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4-5',
      '6-10',
      '11-20',
      '21-50',
      '51-100',
      '101+',
    ])
    expect(combined.label).toBe('Export + Import')
    expect(nonEmpty(combined.count)).toEqual({ '0': 1, '6-10': 1, '21-50': 1 })
  })

  it('gives one result per segment, each with its own cohort', async () => {
    const { results } = (
      await post('lifetime/histogram', {
        ...MARCH,
        segmentBy: 'os',
        events: [{ category: 'Export', name: 'PDF' }],
      })
    ).json()
    expect(results.map((r: { segment: string; clients: number }) => [r.segment, r.clients])).toEqual([
      ['Windows', 2],
      ['Mac', 1],
    ])
    expect(results[1].series[0].count.find((b: { bucket: string }) => b.bucket === '21-50').clients).toBe(1)
  })
})

describe('basic timeline', () => {
  it('splits by ISO week and divides by the week’s active clients or sessions', async () => {
    const body = { ...MARCH, events: [{ category: 'Export', name: 'PDF' }], dateSplit: 'week' }
    const byClients = (await post('basic/timeline', { ...body, normalizeBy: 'clients' })).json()
    expect(byClients).toMatchObject({ dateSplit: 'week', normalizeBy: 'clients' })
    expect(byClients.results[0].series[0].periods).toEqual([
      { period: '2024-02-26', occurrences: 4, value: 2 },
      { period: '2024-03-04', occurrences: 2, value: 2 },
      { period: '2024-03-11', occurrences: 0, value: 0 },
      { period: '2024-03-18', occurrences: 0, value: 0 },
      { period: '2024-03-25', occurrences: 0, value: 0 },
    ])
    const bySessions = (await post('basic/timeline', { ...body, normalizeBy: 'sessions' })).json()
    expect(bySessions.results[0].series[0].periods[0]).toEqual({
      period: '2024-02-26',
      occurrences: 4,
      value: 2,
    })
    const monthly = (await post('basic/timeline', { ...body, dateSplit: 'month' })).json()
    expect(monthly.results[0].series[0].periods).toEqual([{ period: '2024-03-01', occurrences: 6, value: 6 }])
  })
})

describe('event tracking management and the advanced report', () => {
  it('lists reported names with counts, collected and not advanced until set', async () => {
    const response = await tracking()
    expect(response.statusCode, response.body).toBe(200)
    const listed = response.json().events
    expect(
      listed.map((e: { category: string; name: string; count: number }) => [e.category, e.name, e.count]),
    ).toEqual([
      ['Debug', 'Trace', 2],
      ['Export', 'PDF', 36],
      ['Export', 'PNG', 4],
      ['Import', 'CSV', 1],
    ])
    expect(listed[0]).toMatchObject({ collected: true, advanced: false })
    expect(listed[0].firstReported).toEqual(expect.any(String))
  })

  it('refuses an advanced event that is not collected, and a name listed twice, changing nothing', async () => {
    const contradictory = await setTracking([
      { category: 'Export', name: 'PNG', advanced: true },
      { category: 'Import', name: 'CSV', collected: false, advanced: true },
    ])
    expect(contradictory.statusCode).toBe(400)
    expect(contradictory.json().message).toContain(
      "'Import' / 'CSV' would be in advanced tracking without being collected",
    )
    const twice = await setTracking([
      { category: 'Export', name: 'PNG', advanced: true },
      { category: 'Export', name: 'PNG', advanced: false },
    ])
    expect(twice.statusCode).toBe(400)
    expect(twice.json().message).toContain('listed twice')
    expect((await tracking()).json().events.every((e: { advanced: boolean }) => !e.advanced)).toBe(true)
  })

  it('needs Manage Event Tracking to change, and Usage Intelligence Access to read', async () => {
    const reader = await tokenOfUserWith(app, stores, 'event-reader', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: String(PRODUCT) },
    ])
    expect((await tracking(reader)).statusCode).toBe(200)
    expect(
      (await setTracking([{ category: 'Export', name: 'PDF', advanced: true }], reader)).statusCode,
    ).toBe(403)
    const outsider = await tokenOfUserWith(app, stores, 'event-outsider', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: '1' },
    ])
    expect((await tracking(outsider)).statusCode).toBe(403)
    expect((await post('basic/dataTable', MARCH, outsider)).statusCode).toBe(403)
  })

  it('reports advanced events only, with values and the per-client histogram', async () => {
    const refused = await post('advanced/fullReport', {
      ...MARCH,
      events: [{ category: 'Export', name: 'PDF' }],
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().message).toContain("'Export' / 'PDF' is not in advanced tracking")

    expect((await setTracking([{ category: 'Export', name: 'PDF', advanced: true }])).statusCode).toBe(200)
    const response = await post('advanced/fullReport', MARCH)
    expect(response.statusCode, response.body).toBe(200)
    const [result] = response.json().results
    expect(result).toMatchObject({ segment: null, clients: 4 })
    expect(result.events).toHaveLength(1)
    const [pdf] = result.events
    expect(pdf).toMatchObject({
      category: 'Export',
      name: 'PDF',
      ...eventFigures(6, 2, 3, 50),
      averageValue: 15,
    })
    expect(
      Object.fromEntries(
        pdf.histogram
          .filter((b: { clients: number }) => b.clients > 0)
          .map((b: { bucket: string; clients: number }) => [b.bucket, b.clients]),
      ),
    ).toEqual({ '0': 2, '1': 1, '4-5': 1 })
    // February: q was active, nobody exported; every bucket but 0 is empty, and so are the lifetime ones.
    const february = (
      await post('advanced/fullReport', { startDate: '2024-02-01', stopDate: '2024-02-29' })
    ).json().results[0]
    expect(february.clients).toBe(1)
    expect(february.events[0]).toMatchObject({ ...eventFigures(0, 0, 0, 0), averageValue: null })
    expect(february.events[0].histogram.map((b: { clients: number }) => b.clients)).toEqual([
      1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ])
    const unused = (await post('lifetime/histogram', { ...MARCH, events: [{ category: 'Nothing' }] })).json()
      .results[0].series[0]
    expect(unused.perMonth.map((b: { clients: number }) => b.clients)).toEqual([3, 0, 0, 0, 0, 0, 0, 0, 0])
  })

  it('stops storing events that are not collected, and says how many it left out', async () => {
    expect((await setTracking([{ category: 'Debug', name: 'Trace', collected: false }])).statusCode).toBe(200)
    const response = await ingestThroughApi(app, auth, { stream: 'usage-events' }, [
      ...events('p', '2024-03-12', 'Debug', 'Trace', 3),
      ...events('p', '2024-03-12', 'Import', 'CSV', 1),
    ])
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toMatchObject({ accepted: 4, notCollected: 3, duplicates: 0 })
    const listed = (await tracking()).json().events
    expect(listed.find((e: { name: string }) => e.name === 'Trace')).toMatchObject({
      collected: false,
      count: 2,
    })
    expect(listed.find((e: { name: string }) => e.name === 'CSV')).toMatchObject({
      collected: true,
      count: 2,
    })
    // Collected again: stored again.
    await setTracking([{ category: 'Debug', name: 'Trace', collected: true }])
    await ingestThroughApi(
      app,
      auth,
      { stream: 'usage-events' },
      events('p', '2024-03-12', 'Debug', 'Trace', 1),
    )
    expect((await tracking()).json().events.find((e: { name: string }) => e.name === 'Trace').count).toBe(3)
  })

  it('registers a name set before it is reported, without report times', async () => {
    const response = await setTracking([{ category: 'Future', name: 'Feature', collected: false }])
    expect(response.json().events).toContainEqual({
      category: 'Future',
      name: 'Feature',
      collected: false,
      advanced: false,
      count: 0,
      firstReported: null,
      lastReported: null,
    })
  })
})

describe('request errors', () => {
  it('answers 400s that name the problem', async () => {
    const noEvents = await post('basic/timeline', { ...MARCH, events: [] })
    expect(noEvents.statusCode).toBe(400)
    expect(noEvents.json().message).toContain('events')
    const reversed = await post('basic/dataTable', { startDate: '2024-03-31', stopDate: '2024-03-01' })
    expect(reversed.statusCode).toBe(400)
    expect(reversed.json().message).toContain('stopDate')
    const badSort = await post('lifetime/dataTable', { ...MARCH, sortBy: 'size' })
    expect(badSort.statusCode).toBe(400)
    expect(badSort.json().message).toContain('sortBy')
    const badProperty = await post('lifetime/histogram', {
      ...MARCH,
      segmentBy: 'shoeSize',
      events: [{ category: 'Export' }],
    })
    expect(badProperty.statusCode).toBe(400)
    expect(badProperty.json().message).toContain('shoeSize')
  })
})
