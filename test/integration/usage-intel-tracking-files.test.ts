import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'
import JSZip from 'jszip'
import { pino } from 'pino'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { getJob, listJobs } from '../../src/jobs/queue.js'
import { JobRegistry } from '../../src/jobs/registry.js'
import { JobRunner } from '../../src/jobs/runner.js'
import { CHUNK_ROWS } from '../../src/modules/usage-intel/tracking-files/build.js'
import { addDays, todayUtc } from '../../src/modules/usage-intel/tracking-files/days.js'
import {
  SWEEP_JOB,
  registerTrackingFileJobs,
  scheduleSweep,
} from '../../src/modules/usage-intel/tracking-files/job.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'

/**
 * Tracking files over a crafted history of product 404, days counted back from today (UTC):
 * - D1 (3 days ago): 1,200 custom events of client a (30 identical ones without id around the
 *   first chunk boundary) and 2 of client b; 2 exceptions; a session and an event of a.
 * - D2 (2 days ago): 1 custom event of c, a client with no clients record.
 * - D3 (yesterday): a session and an event only: no custom event or exception file.
 * - D0 (4 days ago): nothing. Today: a custom event and an exception, in no file (unfinished).
 */
const PRODUCT = 404
const ORIGIN = 'https://tally.example.com'
const TODAY = todayUtc()
const [D0, D1, D2, D3] = [4, 3, 2, 1].map((n) => addDays(TODAY, -n)) as [string, string, string, string]

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }
let runner: JobRunner

const CLIENTS = [
  {
    productId: PRODUCT,
    clientId: 'a',
    productVersion: '5.2.1',
    edition: 'Professional',
    licenseType: 'Subscription',
    licenseKey: 'KEY-A',
    os: 'Windows 11',
    language: 'en-US',
    country: 'MT',
    region: 'Malta',
    installedAt: '2024-01-01T00:00:00Z',
  },
  {
    productId: PRODUCT,
    clientId: 'b',
    productVersion: '5.1.0',
    os: 'macOS',
    installedAt: '2024-01-01T00:00:00Z',
  },
]
const CLIENT_KEYS = [
  'productVersion',
  'edition',
  'licenseType',
  'licenseKey',
  'os',
  'language',
  'country',
  'region',
]

const at = (day: string, ms: number) => new Date(Date.parse(`${day}T00:00:00Z`) + ms).toISOString()
interface CustomEvent {
  id?: string
  productId: number
  clientId: string
  sessionId?: string
  timestamp: string
  name: string
  data: Record<string, string | number | boolean>
}
const customEvents: CustomEvent[] = [
  ...Array.from({ length: 990 }, (_, i) => ({
    id: `c${i}`,
    productId: PRODUCT,
    clientId: 'a',
    sessionId: 's1',
    timestamp: at(D1, 3_600_000 + i * 1000),
    name: i % 2 ? 'Export' : 'Import',
    data: { index: i, format: 'pdf', ok: i % 3 === 0 },
  })),
  // Identical rows: the ordering cannot tell them apart, and the first chunk's end falls among them.
  ...Array.from({ length: 30 }, () => ({
    productId: PRODUCT,
    clientId: 'a',
    timestamp: at(D1, 5_000_000),
    name: 'Burst',
    data: { same: 'yes' },
  })),
  ...Array.from({ length: 180 }, (_, i) => ({
    id: `d${i}`,
    productId: PRODUCT,
    clientId: 'a',
    timestamp: at(D1, 6_000_000 + i),
    name: 'Tail, "quoted"\nline',
    data: {},
  })),
  {
    id: 'b1',
    productId: PRODUCT,
    clientId: 'b',
    timestamp: at(D1, 7_000_000),
    name: 'Export',
    data: { n: 1.5 },
  },
  {
    id: 'b2',
    productId: PRODUCT,
    clientId: 'b',
    timestamp: at(D1, 7_000_000),
    name: 'Export',
    data: { n: 2 },
  },
  {
    id: 'c-d2',
    productId: PRODUCT,
    clientId: 'c',
    timestamp: at(D2, 1000),
    name: 'Lonely',
    data: { x: 'y' },
  },
  { id: 'today', productId: PRODUCT, clientId: 'a', timestamp: at(TODAY, 0), name: 'Today', data: {} },
]
const exceptions = [
  {
    id: 'x1',
    productId: PRODUCT,
    clientId: 'b',
    sessionId: 's9',
    timestamp: at(D1, 100),
    type: 'NullReferenceException',
    message: 'Object reference not set',
    stackTrace: 'at Main()\nat Run()',
  },
  {
    id: 'x2',
    productId: PRODUCT,
    clientId: 'a',
    timestamp: at(D1, 200),
    type: 'IOException',
    message: 'Disk full',
  },
  {
    id: 'x-today',
    productId: PRODUCT,
    clientId: 'a',
    timestamp: at(TODAY, 0),
    type: 'Late',
    message: 'today',
  },
]
const sessions = [
  {
    id: 'ss1',
    productId: PRODUCT,
    clientId: 'a',
    sessionId: 's1',
    startedAt: at(D1, 3_000_000),
    endedAt: at(D1, 9_000_000),
  },
  {
    id: 'ss3',
    productId: PRODUCT,
    clientId: 'a',
    sessionId: 's3',
    startedAt: at(D3, 0),
    endedAt: at(D3, 60_000),
  },
]
const events = [
  {
    id: 'ev1',
    productId: PRODUCT,
    clientId: 'a',
    sessionId: 's1',
    timestamp: at(D1, 3_500_000),
    category: 'File',
    name: 'Open',
    value: 2.5,
  },
  { id: 'ev3', productId: PRODUCT, clientId: 'a', timestamp: at(D3, 1000), category: 'File', name: 'Close' },
]

async function ingest(target: { stream: string } | { entities: string }, items: readonly object[]) {
  const response = await ingestThroughApi(app, auth, target, items)
  expect(response.statusCode, response.body).toBe(200)
  expect(response.json().rejectedCount ?? 0).toBe(0)
}

/** Runs due jobs until none is left. */
async function drain(): Promise<void> {
  while ((await runner.runOnce()) > 0);
}

const post = (url: string, payload: object, headers: object = auth) =>
  app.inject({ method: 'POST', url, headers: { ...headers }, payload })
const filesOf = async (prefix: string) => {
  const response = await app.inject({ url: `/v3/${prefix}/listFiles/${PRODUCT}`, headers: auth })
  expect(response.statusCode, response.body).toBe(200)
  return response.json().files as { fileName: string; fileDate: string; rows: number; sizeBytes: number }[]
}
async function urlOf(prefix: string, fileName: string): Promise<URL> {
  const response = await post(`/v3/${prefix}/getDownloadUrl/${PRODUCT}`, { fileName })
  expect(response.statusCode, response.body).toBe(200)
  return new URL(response.json().downloadUrl)
}
/** Downloads through the link alone (no credentials) and returns the CSV inside. */
async function download(url: URL): Promise<string> {
  expect(url.origin).toBe(ORIGIN)
  const response = await app.inject({ url: url.pathname + url.search })
  expect(response.statusCode, response.body).toBe(200)
  expect(response.headers['content-type']).toBe('application/zip')
  const zip = await JSZip.loadAsync(response.rawPayload)
  const names = Object.keys(zip.files)
  expect(names).toEqual([decodeURIComponent(url.pathname.split('/').pop()!).replace('.zip', '.csv')])
  return zip.file(names[0]!)!.async('string')
}
const recordsOf = (csv: string) => parse(csv, { columns: true }) as Record<string, string>[]

/** What a client's columns hold in a file: its clients record, or nothing. */
const clientColumns = (clientId: string) => {
  const client = CLIENTS.find((c) => c.clientId === clientId) as Record<string, string> | undefined
  return Object.fromEntries(CLIENT_KEYS.map((key) => [key, client?.[key] ?? '']))
}
/** Rows compared in a canonical order: the file's own order among equal instants is a hash's. */
const canonical = (rows: Record<string, string>[]) => rows.map((row) => JSON.stringify(row)).sort()
const onDay = <T extends { timestamp?: string; startedAt?: string }>(items: T[], day: string) =>
  items.filter((item) => (item.timestamp ?? item.startedAt)!.startsWith(day))

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp({ publicOrigin: ORIGIN }))
  await ingest({ entities: 'products' }, [{ productId: PRODUCT, name: 'Files' }])
  await ingest({ entities: 'clients' }, CLIENTS)
  await ingest({ stream: 'usage-custom-events' }, customEvents)
  await ingest({ stream: 'usage-exceptions' }, exceptions)
  await ingest({ stream: 'usage-sessions' }, sessions)
  await ingest({ stream: 'usage-events' }, events)
  runner = new JobRunner({
    db: stores.control,
    registry: registerTrackingFileJobs(new JobRegistry(), stores),
    workerId: 'tracking-files-test',
    concurrency: 2,
    logger: pino({ level: 'silent' }),
    backoffMs: () => 0,
  })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('getLastLines', () => {
  it('returns the newest custom events first, with their client’s metadata', async () => {
    const response = await post(`/v3/customEventTracking/getLastLines/${PRODUCT}`, { lineCount: 3 })
    expect(response.statusCode, response.body).toBe(200)
    const body = response.json()
    expect(body.productId).toBe(PRODUCT)
    expect(Object.keys(body.fieldNames)).toEqual([
      'timestamp',
      'clientId',
      'sessionId',
      'name',
      'data',
      ...CLIENT_KEYS,
    ])
    expect(body.fieldNames.clientId).toBe('Client ID')
    expect(body.results).toEqual([
      {
        timestamp: at(TODAY, 0),
        clientId: 'a',
        sessionId: '',
        name: 'Today',
        data: {},
        ...clientColumns('a'),
      },
      {
        timestamp: at(D2, 1000),
        clientId: 'c',
        sessionId: '',
        name: 'Lonely',
        data: { x: 'y' },
        ...clientColumns('c'),
      },
      expect.objectContaining({ timestamp: at(D1, 7_000_000), clientId: 'b', name: 'Export', os: 'macOS' }),
    ])
  })

  it('returns the newest exceptions first and 10 lines by default', async () => {
    const response = await post(`/v3/exceptionTracking/getLastLines/${PRODUCT}`, {})
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json().results).toEqual(
      [exceptions[2]!, exceptions[1]!, exceptions[0]!].map((x) => ({
        timestamp: x.timestamp,
        clientId: x.clientId,
        sessionId: x.sessionId ?? '',
        type: x.type,
        message: x.message,
        stackTrace: x.stackTrace ?? '',
        ...clientColumns(x.clientId),
      })),
    )
  })

  it('refuses a line count out of bounds, an unknown product and a caller without access', async () => {
    const tooMany = await post(`/v3/customEventTracking/getLastLines/${PRODUCT}`, { lineCount: 1001 })
    expect(tooMany.statusCode).toBe(400)
    expect(tooMany.body).toContain('lineCount')
    expect((await post('/v3/customEventTracking/getLastLines/999', {})).statusCode).toBe(404)
    const other = await tokenOfUserWith(app, stores, 'files-other', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: String(PRODUCT + 1) },
    ])
    expect((await post(`/v3/exceptionTracking/getLastLines/${PRODUCT}`, {}, other)).statusCode).toBe(403)
  })
})

describe('daily files', () => {
  let customCsv = ''

  it('queues one sweep however often workers start', async () => {
    expect(await scheduleSweep(stores.control)).toBe(true)
    expect(await scheduleSweep(stores.control)).toBe(false)
    const queued = await listJobs(stores.control, {
      tenantId: 1,
      kind: SWEEP_JOB,
      status: 'queued',
      limit: 10,
    })
    expect(queued).toHaveLength(1)
  })

  it('builds a file per finished day with data, and none for days without', async () => {
    await drain()
    expect((await filesOf('customEventTracking')).map((f) => [f.fileName, f.fileDate, f.rows])).toEqual([
      [`${PRODUCT}_cust_${D2}.zip`, D2, 1],
      [`${PRODUCT}_cust_${D1}.zip`, D1, 1202],
    ])
    expect((await filesOf('exceptionTracking')).map((f) => [f.fileName, f.rows])).toEqual([
      [`${PRODUCT}_exc_${D1}.zip`, 2],
    ])
    // The next sweep waits an hour; the one that ran succeeded.
    const sweeps = await listJobs(stores.control, { tenantId: 1, kind: SWEEP_JOB, limit: 10 })
    expect(sweeps.map((s) => s.status)).toEqual(['succeeded', 'queued'])
    expect(sweeps[1]!.runAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000)
  })

  it('downloads a custom event file without credentials, holding exactly what was ingested', async () => {
    expect(customEvents.filter((e) => e.timestamp.startsWith(D1)).length).toBeGreaterThan(CHUNK_ROWS)
    customCsv = await download(await urlOf('customEventTracking', `${PRODUCT}_cust_${D1}.zip`))
    const records = recordsOf(customCsv)
    const expected = onDay(customEvents, D1).map((e) => ({
      timestamp: e.timestamp,
      clientId: e.clientId,
      sessionId: e.sessionId ?? '',
      name: e.name,
      data: JSON.stringify(Object.fromEntries(Object.entries(e.data).map(([k, v]) => [k, String(v)]))),
      ...clientColumns(e.clientId),
    }))
    const normalized = records.map((r) => ({ ...r, data: JSON.stringify(JSON.parse(r.data!)) }))
    expect(canonical(normalized)).toEqual(canonical(expected))
    // In time order, then by client.
    const keys = records.map((r) => `${r.timestamp}|${r.clientId}`)
    expect(keys).toEqual([...keys].sort())
  })

  it('downloads an exception file with each exception’s client metadata', async () => {
    const csv = await download(await urlOf('exceptionTracking', `${PRODUCT}_exc_${D1}.zip`))
    expect(recordsOf(csv)).toEqual(
      onDay(exceptions, D1).map((x) => ({
        timestamp: x.timestamp,
        clientId: x.clientId,
        sessionId: x.sessionId ?? '',
        type: x.type,
        message: x.message,
        stackTrace: x.stackTrace ?? '',
        ...clientColumns(x.clientId),
      })),
    )
  })

  it('refuses tampered, expired and other files’ links with 403', async () => {
    const url = await urlOf('customEventTracking', `${PRODUCT}_cust_${D1}.zip`)
    const token = url.searchParams.get('token')!
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`
    const withToken = (t: string, path = url.pathname) =>
      app.inject({ url: `${path}?token=${encodeURIComponent(t)}` })
    expect((await withToken(tampered)).statusCode).toBe(403)
    const other = await withToken(token, url.pathname.replace(D1, D2))
    expect(other.statusCode).toBe(403)
    expect(other.json().message).toContain('another file')
    expect((await app.inject({ url: url.pathname })).statusCode).toBe(400)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 16 * 60_000 })
    const expired = await withToken(token)
    expect(expired.statusCode).toBe(403)
    expect(expired.json().message).toContain('expired')
  })

  it('answers 404 for a file listFiles does not list', async () => {
    const response = await post(`/v3/customEventTracking/getDownloadUrl/${PRODUCT}`, {
      fileName: `${PRODUCT}_cust_${D3}.zip`,
    })
    expect(response.statusCode).toBe(404)
  })

  it('enqueues nothing when the sweep runs again, and rebuilds a day identically on request', async () => {
    expect(await scheduleSweep(stores.control)).toBe(false)
    await stores.control.query(`UPDATE jobs SET run_at = now() WHERE kind = $1 AND status = 'queued'`, [
      SWEEP_JOB,
    ])
    await drain()
    const sweeps = await listJobs(stores.control, {
      tenantId: 1,
      kind: SWEEP_JOB,
      status: 'succeeded',
      limit: 10,
    })
    expect(sweeps.map((s) => s.result)).toEqual([{ enqueued: 3 }, { enqueued: 0 }])

    const build = await post(`/admin/v1/products/${PRODUCT}/tracking-files/build`, {
      firstDay: D0,
      lastDay: D3,
    })
    expect(build.statusCode, build.body).toBe(202)
    // D0 and D3 have no custom events or exceptions; raw exports are off.
    expect(build.json().jobs.map((j: { kind: string; day: string }) => `${j.kind} ${j.day}`)).toEqual([
      `customEvents ${D1}`,
      `exceptions ${D1}`,
      `customEvents ${D2}`,
    ])
    await drain()
    for (const job of build.json().jobs)
      expect((await getJob(stores.control, 1, job.jobId)).status).toBe('succeeded')
    expect((await filesOf('customEventTracking')).map((f) => f.rows)).toEqual([1, 1202])
    expect(await download(await urlOf('customEventTracking', `${PRODUCT}_cust_${D1}.zip`))).toBe(customCsv)
  })

  it('rebuilds a day whose events arrived late at the next sweep', async () => {
    await ingest({ stream: 'usage-custom-events' }, [
      { id: 'late', productId: PRODUCT, clientId: 'b', timestamp: at(D2, 5000), name: 'Late', data: {} },
    ])
    await scheduleSweep(stores.control)
    await stores.control.query(`UPDATE jobs SET run_at = now() WHERE kind = $1 AND status = 'queued'`, [
      SWEEP_JOB,
    ])
    await drain()
    expect((await filesOf('customEventTracking')).map((f) => [f.fileDate, f.rows])).toEqual([
      [D2, 2],
      [D1, 1202],
    ])
  })

  it('checks build requests', async () => {
    const build = (body: object) => post(`/admin/v1/products/${PRODUCT}/tracking-files/build`, body)
    const unfinished = await build({ firstDay: TODAY })
    expect(unfinished.statusCode).toBe(400)
    expect(unfinished.json().message).toContain('not a finished UTC day')
    expect((await build({ firstDay: D2, lastDay: D1 })).statusCode).toBe(400)
    expect((await build({ firstDay: D1, kinds: ['rawEvents'] })).statusCode).toBe(409)
    const reader = await tokenOfUserWith(app, stores, 'files-reader', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: String(PRODUCT) },
    ])
    expect(
      (await post(`/admin/v1/products/${PRODUCT}/tracking-files/build`, { firstDay: D1 }, reader)).statusCode,
    ).toBe(403)
  })
})

describe('raw data exports', () => {
  const rawPath = (endpoint: string) => `/v3/rawEvents/download/${endpoint}/${PRODUCT}`

  it('answer 409 saying so while the product’s raw export is off', async () => {
    const list = await app.inject({ url: rawPath('listFiles'), headers: auth })
    expect(list.statusCode).toBe(409)
    expect(list.json()).toMatchObject({ error: 'raw_export_disabled' })
    expect(list.json().message).toContain('raw data export is disabled')
    expect((await post(rawPath('getDownloadUrl'), { fileName: `${PRODUCT}_${D1}.zip` })).statusCode).toBe(409)
    const setting = await app.inject({ url: `/admin/v1/products/${PRODUCT}/raw-export`, headers: auth })
    expect(setting.json()).toEqual({ productId: PRODUCT, enabled: false, updatedAt: null })
  })

  it('builds a file per day with every raw event once turned on', async () => {
    const on = await app.inject({
      method: 'PUT',
      url: `/admin/v1/products/${PRODUCT}/raw-export`,
      headers: auth,
      payload: { enabled: true },
    })
    expect(on.statusCode, on.body).toBe(200)
    expect(on.json()).toMatchObject({ productId: PRODUCT, enabled: true, enqueuedBuilds: 3 })
    await drain()
    expect((await filesOf('rawEvents/download')).map((f) => [f.fileName, f.rows])).toEqual([
      [`${PRODUCT}_${D3}.zip`, 2],
      [`${PRODUCT}_${D2}.zip`, 2],
      [`${PRODUCT}_${D1}.zip`, 1202 + 2 + 1 + 1],
    ])
    const records = recordsOf(await download(await urlOf('rawEvents/download', `${PRODUCT}_${D1}.zip`)))
    const empty = {
      endedAt: '',
      runtimeSeconds: '',
      category: '',
      name: '',
      value: '',
      data: '',
      exceptionType: '',
      message: '',
      stackTrace: '',
    }
    const base = (
      type: string,
      item: { id?: string; clientId: string; sessionId?: string },
      timestamp: string,
    ) => ({
      eventType: type,
      timestamp,
      clientId: item.clientId,
      sessionId: item.sessionId ?? '',
      id: item.id ?? '',
    })
    const expected = [
      ...onDay(sessions, D1).map((s) => ({
        ...base('session', s, s.startedAt),
        ...empty,
        endedAt: s.endedAt,
        runtimeSeconds: String((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000),
      })),
      ...onDay(events, D1).map((e) => ({
        ...base('event', e, e.timestamp),
        ...empty,
        category: e.category,
        name: e.name,
        value: e.value === undefined ? '' : String(e.value),
      })),
      ...onDay(customEvents, D1).map((e) => ({
        ...base('customEvent', e, e.timestamp),
        ...empty,
        name: e.name,
        data: JSON.stringify(Object.fromEntries(Object.entries(e.data).map(([k, v]) => [k, String(v)]))),
      })),
      ...onDay(exceptions, D1).map((x) => ({
        ...base('exception', x, x.timestamp),
        ...empty,
        exceptionType: x.type,
        message: x.message,
        stackTrace: x.stackTrace ?? '',
      })),
    ]
    const normalized = records.map((r) => (r.data ? { ...r, data: JSON.stringify(JSON.parse(r.data)) } : r))
    expect(canonical(normalized)).toEqual(canonical(expected))
  })

  it('answers 409 again once turned off, also for links handed out before', async () => {
    const url = await urlOf('rawEvents/download', `${PRODUCT}_${D3}.zip`)
    const off = await app.inject({
      method: 'PUT',
      url: `/admin/v1/products/${PRODUCT}/raw-export`,
      headers: auth,
      payload: { enabled: false },
    })
    expect(off.json()).toMatchObject({ enabled: false, enqueuedBuilds: 0 })
    expect((await app.inject({ url: url.pathname + url.search })).statusCode).toBe(409)
    expect((await app.inject({ url: rawPath('listFiles'), headers: auth })).statusCode).toBe(409)
  })
})
