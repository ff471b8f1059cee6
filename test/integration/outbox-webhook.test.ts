import type { FastifyInstance } from 'fastify'
import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServices } from '../../src/app.js'
import { getJob, listJobs } from '../../src/jobs/queue.js'
import { JobRegistry } from '../../src/jobs/registry.js'
import { JobRunner } from '../../src/jobs/runner.js'
import { getOutboxEvent, listOutboxEvents } from '../../src/modules/audit/revert/outbox.js'
import { RevertService } from '../../src/modules/audit/revert/revert-service.js'
import { clearWebhookTarget, setWebhookTarget } from '../../src/modules/audit/revert/revert-settings.js'
import {
  OUTBOX_DELIVER_JOB,
  enqueueBacklog,
  registerOutboxDelivery,
} from '../../src/modules/audit/revert/webhook.js'
import { systemCaller } from '../../src/modules/identity/caller.js'
import { serviceSink, type IngestSink } from '../../src/modules/ingest/sink.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, tokenOfUserWith } from '../helpers/app.js'

const WS = 1018053
const SECRET = 'a-shared-secret-for-the-tests'
const BACKOFF_MS = 40

let app: FastifyInstance
let auth: { authorization: string }
let stores: Stores
let service: RevertService
let sink: IngestSink
let runner: JobRunner

/** A local receiver: records every request and answers with the next queued status (200 after). */
const receiver = {
  server: http.createServer(),
  url: '',
  requests: [] as { headers: http.IncomingHttpHeaders; body: string }[],
  statuses: [] as number[],
}

let doc = 3_000_000
/** Reverts a fresh document update; returns the outbox event it recorded and both Audit IDs. */
async function revertOne(): Promise<{ outboxId: number; revertedAuditId: string; revertAuditId: string }> {
  const key = `outbox-test-${++doc}`
  await sink.sendEvents('audits', [
    {
      id: key,
      workspaceId: WS,
      timestamp: '2019-05-22T15:10:42.877Z',
      action: 'Update',
      objectType: 'Document',
      artifactId: doc,
      artifactName: `CTRL${doc}`,
      userId: 9,
      userName: 'Admin, Relativity',
      changes: [
        { fieldId: 1035357, field: 'Responsiveness', oldValue: 'Responsive', newValue: 'Not Responsive' },
      ],
    },
  ])
  const [row] = await stores.warehouse.query<{ audit_id: string }>({
    query: 'SELECT audit_id FROM audits WHERE ingest_key = {key:String}',
    params: { key },
  })
  const outcome = await service.revert(systemCaller(), WS, { auditId: row!.audit_id, timestamp: undefined })
  expect(outcome.success).toBe(true)
  const events = await listOutboxEvents(stores.control, { tenantId: 1, limit: 1000 })
  const event = events.find(
    (e) => (e.payload as { revertedAuditId: string }).revertedAuditId === row!.audit_id,
  )
  return { outboxId: event!.id, revertedAuditId: row!.audit_id, revertAuditId: outcome.revertAuditIds[0]! }
}

const deliveryJobs = async () =>
  (await listJobs(stores.control, { tenantId: 1, kind: OUTBOX_DELIVER_JOB, limit: 1000 })).map((j) => ({
    id: j.id,
    outboxId: (j.payload as { outboxId: number }).outboxId,
    status: j.status,
  }))

beforeAll(async () => {
  let config
  ;({ app, auth, stores, config } = await buildTestApp())
  const services = buildServices(config, stores)
  service = new RevertService(stores, services.ingest)
  sink = serviceSink(services.ingest, systemCaller())
  runner = new JobRunner({
    db: stores.control,
    registry: registerOutboxDelivery(new JobRegistry(), { stores, timeoutMs: 2000 }),
    workerId: 'outbox-test-worker',
    concurrency: 8,
    logger: pino({ level: 'silent' }),
    backoffMs: () => BACKOFF_MS,
  })
  receiver.server.on('request', (request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => {
      receiver.requests.push({ headers: request.headers, body })
      response.statusCode = receiver.statuses.shift() ?? 200
      response.end()
    })
  })
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hooks/tally`
})

afterAll(async () => {
  await new Promise((resolve) => receiver.server.close(resolve))
})

describe('outbox (polling)', () => {
  it('lists the events of reverts oldest first, keyset-paged by id', async () => {
    const [before] = (await listOutboxEvents(stores.control, { tenantId: 1, limit: 1000 })).slice(-1)
    const start = before?.id ?? 0
    const made = [await revertOne(), await revertOne(), await revertOne()]
    const page = async (query: string) =>
      (await app.inject({ url: `/admin/v1/outbox?${query}`, headers: auth })).json()
    const first = await page(`afterId=${start}&limit=2`)
    expect(first.events.map((e: { id: number }) => e.id)).toEqual([made[0]!.outboxId, made[1]!.outboxId])
    expect(first.nextAfterId).toBe(made[1]!.outboxId)
    expect(first.events[0]).toEqual({
      id: made[0]!.outboxId,
      kind: 'audit.reverted',
      payload: {
        workspaceId: WS,
        documentArtifactId: expect.any(Number),
        changes: [{ field: 'Responsiveness', fieldId: 1035357, value: 'Responsive' }],
        revertAuditId: made[0]!.revertAuditId,
        revertedAuditId: made[0]!.revertedAuditId,
      },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      deliveredAt: null,
      attempts: 0,
      lastError: null,
    })
    const second = await page(`afterId=${first.nextAfterId}&limit=2`)
    expect(second.events.map((e: { id: number }) => e.id)).toEqual([made[2]!.outboxId])
    expect(second.nextAfterId).toBeNull()
    expect((await page(`afterId=${start}&delivered=true`)).events).toEqual([])
    expect((await page(`afterId=${start}&delivered=false`)).events).toHaveLength(3)
    expect((await page('')).events.length).toBeGreaterThanOrEqual(3)
    expect((await app.inject({ url: '/admin/v1/outbox?limit=0', headers: auth })).statusCode).toBe(400)
  })

  it('is for administrators only', async () => {
    const headers = await tokenOfUserWith(app, stores, 'reverter', [
      { permission: 'Revert Audits', scopeKind: 'instance', scopeValue: '' },
    ])
    for (const [method, url] of [
      ['GET', '/admin/v1/outbox'],
      ['GET', '/admin/v1/webhooks'],
      ['PUT', '/admin/v1/webhooks'],
      ['DELETE', '/admin/v1/webhooks'],
      ['GET', '/admin/v1/settings/revert-max-audit-count'],
      ['PUT', '/admin/v1/settings/revert-max-audit-count'],
    ] as const) {
      const payload = method === 'PUT' ? { url: receiver.url, secret: SECRET, value: 5 } : undefined
      const response = await app.inject({ method, url, headers, payload })
      expect(response.statusCode, `${method} ${url}`).toBe(403)
    }
    expect((await app.inject({ url: '/admin/v1/outbox' })).statusCode).toBe(401)
  })
})

describe('webhooks', () => {
  it('are set with an http(s) URL and a secret that is never shown again', async () => {
    const put = (payload: object) =>
      app.inject({ method: 'PUT', url: '/admin/v1/webhooks', headers: auth, payload })
    for (const [payload, message] of [
      [
        { url: 'ftp://127.0.0.1/x', secret: SECRET },
        'url: only http and https URLs can receive webhooks, not ftp:',
      ],
      [
        { url: 'http://user:pw@127.0.0.1/x', secret: SECRET },
        'url: leave credentials out of the URL; the signature authenticates deliveries',
      ],
      [{ url: 'not a url', secret: SECRET }, "url: 'not a url' is not an absolute URL"],
    ] as const) {
      const response = await put(payload)
      expect(response.statusCode).toBe(400)
      expect(response.json().message).toBe(message)
    }
    expect((await put({ url: receiver.url, secret: 'short' })).statusCode).toBe(400)
    const set = await put({ url: receiver.url, secret: SECRET })
    expect(set.statusCode).toBe(200)
    // The three events of the polling test were not delivered: setting the webhook enqueued them.
    expect(set.json()).toEqual({ url: receiver.url, secretSet: true, enqueued: 3 })
    const got = await app.inject({ url: '/admin/v1/webhooks', headers: auth })
    expect(got.json()).toEqual({ url: receiver.url, secretSet: true })
    expect(got.body).not.toContain(SECRET)
    const deleted = await app.inject({ method: 'DELETE', url: '/admin/v1/webhooks', headers: auth })
    expect(deleted.statusCode).toBe(204)
    expect((await app.inject({ url: '/admin/v1/webhooks', headers: auth })).json()).toEqual({
      url: null,
      secretSet: false,
    })
    // With no webhook any more, their jobs succeed without posting anything.
    receiver.requests.length = 0
    expect(await runner.runOnce()).toBe(3)
    expect(receiver.requests).toEqual([])
  })

  it('delivers each event signed with the shared secret, and marks it delivered', async () => {
    await setWebhookTarget(stores.control, 1, { url: receiver.url, secret: SECRET })
    receiver.requests.length = 0
    const { outboxId, revertAuditId, revertedAuditId } = await revertOne()
    const jobs = await deliveryJobs()
    expect(jobs.filter((j) => j.outboxId === outboxId && j.status === 'queued')).toHaveLength(1)
    expect(await runner.runOnce()).toBe(1)
    expect(receiver.requests).toHaveLength(1)
    const { headers, body } = receiver.requests[0]!
    const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`
    expect(headers['x-tally-signature']).toBe(expected)
    expect(headers['x-tally-event-id']).toBe(String(outboxId))
    expect(headers['content-type']).toBe('application/json')
    expect(JSON.parse(body)).toEqual({
      id: outboxId,
      kind: 'audit.reverted',
      createdAt: expect.any(String),
      payload: {
        workspaceId: WS,
        documentArtifactId: doc,
        changes: [{ field: 'Responsiveness', fieldId: 1035357, value: 'Responsive' }],
        revertAuditId,
        revertedAuditId,
      },
    })
    const event = await getOutboxEvent(stores.control, 1, outboxId)
    expect(event).toMatchObject({ attempts: 1, lastError: null })
    expect(event!.deliveredAt).toBeInstanceOf(Date)
  })

  it('retries a failing receiver with the runner’s backoff until it answers 2xx', async () => {
    await setWebhookTarget(stores.control, 1, { url: receiver.url, secret: SECRET })
    receiver.requests.length = 0
    receiver.statuses.push(500, 503)
    const { outboxId } = await revertOne()
    const [job] = (await deliveryJobs()).filter((j) => j.outboxId === outboxId)
    for (const [attempt, status] of [
      [1, 500],
      [2, 503],
    ] as const) {
      expect(await runner.runOnce()).toBe(1)
      expect(await getOutboxEvent(stores.control, 1, outboxId)).toMatchObject({
        attempts: attempt,
        deliveredAt: null,
        lastError: `the webhook answered HTTP ${status}`,
      })
      expect(await getJob(stores.control, 1, job!.id)).toMatchObject({ status: 'queued', attempts: attempt })
      // Not due before its backoff has passed.
      expect(await runner.runOnce()).toBe(0)
      await delay(BACKOFF_MS * 2)
    }
    expect(await runner.runOnce()).toBe(1)
    expect(receiver.requests.map((r) => r.headers['x-tally-event-id'])).toEqual(
      Array(3).fill(String(outboxId)),
    )
    const signatures = receiver.requests.map((r) => r.headers['x-tally-signature'])
    expect(new Set(signatures).size).toBe(1)
    const event = await getOutboxEvent(stores.control, 1, outboxId)
    expect(event).toMatchObject({ attempts: 3, lastError: null })
    expect(event!.deliveredAt).toBeInstanceOf(Date)
    expect(await getJob(stores.control, 1, job!.id)).toMatchObject({ status: 'succeeded', attempts: 3 })
  })

  it('counts an unreachable receiver as a failed attempt; a new webhook takes over the backlog once', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`
    await new Promise((resolve) => closed.close(resolve))
    await setWebhookTarget(stores.control, 1, { url: deadUrl, secret: SECRET })
    const failing = await revertOne()
    expect(await runner.runOnce()).toBe(1)
    expect((await getOutboxEvent(stores.control, 1, failing.outboxId))?.lastError).toBe(
      'the webhook could not be reached: ECONNREFUSED',
    )
    // Events recorded while no webhook is set get no job; setting one enqueues them, once.
    await clearWebhookTarget(stores.control, 1)
    const quiet = await revertOne()
    expect((await deliveryJobs()).some((j) => j.outboxId === quiet.outboxId)).toBe(false)
    await setWebhookTarget(stores.control, 1, { url: receiver.url, secret: SECRET })
    const enqueued = await enqueueBacklog(stores.control, 1)
    expect(enqueued).toBeGreaterThanOrEqual(1)
    expect(await enqueueBacklog(stores.control, 1)).toBe(0)
    const jobs = await deliveryJobs()
    for (const { outboxId } of [failing, quiet])
      expect(jobs.filter((j) => j.outboxId === outboxId && j.status === 'queued')).toHaveLength(1)
    receiver.requests.length = 0
    await delay(BACKOFF_MS * 2)
    expect(await runner.runOnce()).toBe(enqueued + 1)
    const delivered = receiver.requests.map((r) => Number(r.headers['x-tally-event-id']))
    expect(delivered).toEqual(expect.arrayContaining([failing.outboxId, quiet.outboxId]))
    expect(new Set(delivered).size).toBe(delivered.length)
    expect(await listOutboxEvents(stores.control, { tenantId: 1, limit: 1000, delivered: false })).toEqual([])
  })
})
