import type { FastifyInstance } from 'fastify'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { systemCaller } from '../../src/modules/identity/caller.js'
import { IngestService } from '../../src/modules/ingest/service.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ndjson } from '../helpers/app.js'

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp({
    ingestMaxEvents: 150_000,
    ingestMaxBodyBytes: 64 * 1024 * 1024,
  }))
  Object.assign(NDJSON, auth)
  Object.assign(JSON_TYPE, auth)
})

/** Content types; the tests' credentials are added once the app is built. */
const NDJSON: Record<string, string> = { 'content-type': 'application/x-ndjson' }
const JSON_TYPE: Record<string, string> = { 'content-type': 'application/json' }

function audit(i: number, workspaceId: number, extra: Record<string, unknown> = {}) {
  return {
    id: `ws${workspaceId}-audit-${i}`,
    workspaceId,
    timestamp: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    action: i % 2 ? 'Update' : 'View',
    objectType: 'Document',
    artifactId: 1_040_000 + (i % 500),
    artifactName: `CTRL${String(i % 500).padStart(7, '0')}`,
    userId: 9 + (i % 7),
    userName: `Reviewer ${i % 7}`,
    executionTimeMs: i % 90,
    ...(i % 2
      ? { changes: [{ fieldId: 1035357, field: 'Responsiveness', oldValue: null, newValue: 'Responsive' }] }
      : {}),
    ...extra,
  }
}

async function countAudits(workspaceId: number): Promise<number> {
  const [row] = await stores.warehouse.query<{ n: string }>({
    query: 'SELECT count() AS n FROM audits WHERE workspace_id = {ws:Int64}',
    params: { ws: workspaceId },
  })
  return Number(row?.n)
}

describe('POST /ingest/v1/audits', () => {
  it('stores 100,000 audits sent as NDJSON, once, and rejects a malformed line by number', async () => {
    const workspaceId = 5001
    const lines = Array.from({ length: 100_000 }, (_, i) => JSON.stringify(audit(i, workspaceId)))
    lines.splice(41_999, 0, '{"workspaceId": 5001, "timestamp": "yesterday"') // line 42,000: broken JSON
    const body = lines.join('\n') + '\n'

    const first = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: body,
    })
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ accepted: 100_000, duplicates: 0, rejectedCount: 1 })
    expect(first.json().rejected).toEqual([{ line: 42_000, error: expect.stringMatching(/^not valid JSON/) }])
    expect(await countAudits(workspaceId)).toBe(100_000)

    const again = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: body,
    })
    expect(again.json()).toMatchObject({ accepted: 100_000, duplicates: 100_000, rejectedCount: 1 })
    expect(await countAudits(workspaceId)).toBe(100_000)
  })

  it('does not store again an event whose key record a crash kept from being written', async () => {
    // The state a crash between the event insert and the key insert leaves: the event, no key.
    const event = audit(1, 5006)
    await stores.warehouse.insert('audits', [
      {
        tenant_id: 1,
        workspace_id: 5006,
        audit_id: 999_999_999,
        timestamp: event.timestamp,
        action_id: 1,
        artifact_id: 1,
        ingest_key: event.id,
      },
    ])
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: ndjson([event, audit(2, 5006)]),
    })
    expect(response.json()).toMatchObject({ accepted: 2, duplicates: 1 })
    expect(await countAudits(5006)).toBe(2)
  })

  it('assigns increasing, instance-unique Audit IDs in ingestion order', async () => {
    const workspaceId = 5002
    const send = (from: number) =>
      app.inject({
        method: 'POST',
        url: '/ingest/v1/audits',
        headers: NDJSON,
        payload: ndjson([0, 1, 2].map((i) => audit(from + i, workspaceId))),
      })
    await send(0)
    await send(10)
    const rows = await stores.warehouse.query<{ audit_id: string; artifact_name: string }>({
      query: 'SELECT audit_id, artifact_name FROM audits WHERE workspace_id = {ws:Int64} ORDER BY audit_id',
      params: { ws: workspaceId },
    })
    const ids = rows.map((r) => Number(r.audit_id))
    expect(ids).toHaveLength(6)
    expect(new Set(ids).size).toBe(6)
    expect(ids[3]! - ids[2]!).toBeGreaterThanOrEqual(1)
    expect(rows.map((r) => r.artifact_name)).toEqual([
      'CTRL0000000',
      'CTRL0000001',
      'CTRL0000002',
      'CTRL0000010',
      'CTRL0000011',
      'CTRL0000012',
    ])
  })

  it('stores only the new events of a mixed batch, numbered consecutively in batch order', async () => {
    const workspaceId = 5012
    const stored = audit(0, workspaceId)
    await app.inject({ method: 'POST', url: '/ingest/v1/audits', headers: NDJSON, payload: ndjson([stored]) })
    const batch = [
      audit(1, workspaceId),
      audit(2, workspaceId, { id: undefined }),
      stored, // stored by the request before
      audit(1, workspaceId, { artifactName: 'second with key 1' }), // the first of a key wins
      audit(3, workspaceId),
      audit(4, workspaceId, { id: undefined }),
    ]
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: ndjson(batch),
    })
    expect(response.json()).toMatchObject({ accepted: 6, duplicates: 2, rejectedCount: 0 })
    const rows = await stores.warehouse.query<{
      audit_id: string
      artifact_name: string
      ingest_key: string
    }>({
      query: `SELECT audit_id, artifact_name, ingest_key FROM audits
              WHERE workspace_id = {ws:Int64} ORDER BY audit_id`,
      params: { ws: workspaceId },
    })
    expect(rows.map((r) => [r.artifact_name, r.ingest_key])).toEqual([
      ['CTRL0000000', stored.id],
      ['CTRL0000001', batch[0]!.id],
      ['CTRL0000002', ''],
      ['CTRL0000003', batch[4]!.id],
      ['CTRL0000004', ''],
    ])
    const ids = rows.slice(1).map((r) => Number(r.audit_id))
    expect(ids).toEqual([ids[0], ids[0]! + 1, ids[0]! + 2, ids[0]! + 3])
  })

  it('stores the events of two concurrent batches with the same keys once', async () => {
    // Enough keys for lookups to start while the bodies are still read, before either is stored.
    const workspaceId = 5013
    const body = ndjson(Array.from({ length: 30_000 }, (_, i) => audit(i, workspaceId)))
    const send = () =>
      app.inject({ method: 'POST', url: '/ingest/v1/audits', headers: NDJSON, payload: body })
    const responses = await Promise.all([send(), send(), send()])
    const results = responses.map((response) => response.json() as { accepted: number; duplicates: number })
    expect(results.map((r) => r.accepted)).toEqual([30_000, 30_000, 30_000])
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(60_000)
    expect(await countAudits(workspaceId)).toBe(30_000)
  })

  it('looks keys up again when another batch was stored while its body was read', async () => {
    // B's first 20,000 keys are looked up while B is still read; A, with the same keys, is stored
    // before B's body ends. B must then find A's key records rather than trust its early lookups
    // (its events carry other times, so the event table's lookup cannot find A's).
    const service = new IngestService(stores, { maxEvents: 100_000 })
    const workspaceId = 5014
    const texts = (shift: Record<string, unknown>) =>
      Array.from({ length: 25_000 }, (_, i) => ({
        line: i + 1,
        text: JSON.stringify({ ...audit(i, workspaceId), ...shift }),
      }))
    const itemsA = texts({})
    const itemsB = texts({ timestamp: '2025-06-01T00:00:00.000Z' })
    let finishB!: () => void
    const bodyBEnds = new Promise<void>((resolve) => (finishB = resolve))
    async function* bodyB() {
      yield itemsB.slice(0, 20_000)
      await bodyBEnds
      yield itemsB.slice(20_000)
    }
    async function* bodyA() {
      yield itemsA
    }
    const b = service.ingestEvents(systemCaller(), 'audits', bodyB())
    await new Promise((resolve) => setTimeout(resolve, 200))
    const a = await service.ingestEvents(systemCaller(), 'audits', bodyA())
    finishB()
    expect(a).toMatchObject({ accepted: 25_000, duplicates: 0 })
    expect(await b).toMatchObject({ accepted: 25_000, duplicates: 25_000 })
    expect(await countAudits(workspaceId)).toBe(25_000)
  })

  it('stores every field of the pinned shape', async () => {
    const event = {
      id: 'pinned-1',
      workspaceId: 1018053,
      timestamp: '2019-05-22T15:10:42.877Z',
      action: 'Update',
      objectType: 'Document',
      artifactId: 1040001,
      artifactName: 'CTRL0000001',
      userId: 9,
      userName: 'Admin, Relativity',
      executionTimeMs: 12,
      details: { any: 'json object', nested: { n: 1 } },
      changes: [{ fieldId: 1035357, field: 'Responsiveness', oldValue: null, newValue: 'Responsive' }],
    }
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: JSON_TYPE,
      payload: [event],
    })
    expect(response.json()).toMatchObject({ accepted: 1, rejectedCount: 0 })
    const [row] = await stores.warehouse.query({
      query: `SELECT workspace_id, timestamp, action_id, object_type_id, artifact_id, artifact_name, user_id, user_name,
                     execution_time_ms, details, change_field_ids, change_fields, change_old_values, change_new_values,
                     size_bytes, ingest_key
              FROM audits WHERE ingest_key = 'pinned-1'`,
    })
    expect(row).toEqual({
      workspace_id: '1018053',
      timestamp: '2019-05-22T15:10:42.877Z',
      action_id: 3,
      object_type_id: 10,
      artifact_id: '1040001',
      artifact_name: 'CTRL0000001',
      user_id: '9',
      user_name: 'Admin, Relativity',
      execution_time_ms: 12,
      details: '{"any":"json object","nested":{"n":1}}',
      change_field_ids: ['1035357'],
      change_fields: ['Responsiveness'],
      change_old_values: [null],
      change_new_values: ['Responsive'],
      size_bytes: Buffer.byteLength(JSON.stringify(event)),
      ingest_key: 'pinned-1',
    })
  })

  it('accepts actionId and objectTypeId in place of names, and the instance level -1', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: ndjson([
        {
          ...audit(1, -1),
          action: undefined,
          objectType: undefined,
          actionId: 25,
          objectTypeId: 8,
          id: 'login-1',
        },
      ]),
    })
    expect(response.json()).toMatchObject({ accepted: 1, rejectedCount: 0 })
    const [row] = await stores.warehouse.query<{ action_id: number; object_type_id: number }>({
      query: "SELECT action_id, object_type_id FROM audits WHERE ingest_key = 'login-1'",
    })
    expect(row).toEqual({ action_id: 25, object_type_id: 8 })
  })

  it.each([
    [{ colour: 'red' }, "unknown field 'colour'"],
    [{ timestamp: '2024-01-01 10:00' }, 'timestamp: not an ISO-8601 instant'],
    [{ timestamp: '2024-01-01T10:00:00' }, 'timestamp: not an ISO-8601 instant'],
    [{ action: 'Teleport' }, "action: 'Teleport' is not in the action catalog"],
    [{ action: undefined, actionId: 999 }, 'actionId: 999 is not in the action catalog'],
    [{ actionId: 3 }, 'action: give action or actionId, not both'],
    [{ workspaceId: '1018053' }, 'workspaceId: must be integer'],
    [
      { changes: [{ field: 'X', oldValue: 1, newValue: 2, extra: true }] },
      "unknown field 'changes[0].extra'",
    ],
    [{ artifactName: undefined }, 'artifactName: is required'],
    [{ timestamp: '2024-02-30T00:00:00Z' }, 'timestamp: not an ISO-8601 instant'],
    [{ artifactId: 1e19 }, 'artifactId: must be <= 9007199254740991'],
    [{ details: { blob: 'x'.repeat(70_000) } }, 'details: larger than 65536 bytes'],
  ])('rejects %j with a message naming the field', async (override, message) => {
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: ndjson([audit(1, 5003, { id: undefined }), audit(2, 5003, { id: undefined, ...override })]),
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().accepted).toBe(1)
    expect(response.json().rejected).toEqual([{ line: 2, error: expect.stringContaining(message) }])
  })

  it('numbers JSON array elements from 1 and keeps the valid ones', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: JSON_TYPE,
      payload: JSON.stringify([audit(1, 5004), { nope: true }, audit(2, 5004), 'text']),
    })
    expect(response.json()).toMatchObject({
      accepted: 2,
      rejected: [
        { line: 2, error: expect.stringContaining("unknown field 'nope'") },
        { line: 4, error: 'expected a JSON object' },
      ],
    })
    expect(await countAudits(5004)).toBe(2)
  })

  it('reads application/jsonl as one event a line', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: { 'content-type': 'application/jsonl; charset=utf-8', ...auth },
      payload: ndjson([audit(1, 5007), audit(2, 5007)]),
    })
    expect(response.json()).toMatchObject({ accepted: 2, rejectedCount: 0 })
  })

  it('reads gzip bodies and tolerates letter case and a trailing slash in the URL', async () => {
    const payload = gzipSync(ndjson([audit(1, 5005), audit(2, 5005)]))
    const response = await app.inject({
      method: 'POST',
      url: '/Ingest/V1/Audits/',
      headers: { ...NDJSON, 'content-encoding': 'gzip' },
      payload,
    })
    expect(response.json()).toMatchObject({ accepted: 2, rejectedCount: 0 })
  })

  it('lists at most 1,000 rejections but counts them all', async () => {
    const lines = Array.from({ length: 1500 }, () => '{}')
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: lines.join('\n'),
    })
    expect(response.json().rejected).toHaveLength(1000)
    expect(response.json().rejectedCount).toBe(1500)
  })
})

describe('ingestion errors store nothing', () => {
  it.each([
    ['a body that is not a JSON array', JSON_TYPE, '{"workspaceId": 1}', 400, 'expected a JSON array'],
    ['an unclosed JSON array', JSON_TYPE, JSON.stringify([audit(1, 5010)]).slice(0, -1), 400, 'not closed'],
    ['data after the array', JSON_TYPE, JSON.stringify([audit(1, 5010)]) + ' []', 400, 'after the end'],
    ['an unsupported content type', { 'content-type': 'text/csv' }, 'a,b', 415, "content type 'text/csv'"],
    [
      'an unsupported content encoding',
      { ...NDJSON, 'content-encoding': 'br' },
      'x',
      415,
      "content encoding 'br'",
    ],
    [
      'a broken gzip body',
      { ...NDJSON, 'content-encoding': 'gzip' },
      'not gzip at all',
      400,
      'not valid gzip data',
    ],
  ])('%s', async (_name, headers, payload, status, message) => {
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: { ...auth, ...headers },
      payload,
    })
    expect(response.statusCode).toBe(status)
    expect(response.json().message).toContain(message)
    expect(await countAudits(5010)).toBe(0)
  })

  it('refuses an unknown stream by name, listing the streams', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audit',
      headers: NDJSON,
      payload: '{}',
    })
    expect(response.statusCode).toBe(404)
    expect(response.json().message).toMatch(
      /no ingestion stream 'audit'; the streams are audits, usage-sessions/,
    )
  })

  it('refuses more events than a batch may carry with 413, storing none', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: ndjson(Array.from({ length: 150_001 }, (_, i) => ({ i }))),
    })
    expect(response.statusCode).toBe(413)
    expect(response.json().message).toContain('at most 150000 events')
  })

  it('refuses a body over the byte limit with 413, storing none', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: NDJSON,
      payload: ndjson(Array.from({ length: 300_000 }, (_, i) => audit(i, 5011))),
    })
    expect(response.statusCode).toBe(413)
    expect(response.json().message).toContain('67108864-byte limit')
    expect(await countAudits(5011)).toBe(0)
  })
})
