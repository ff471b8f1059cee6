import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { readInChunks } from '../../src/store/warehouse/keyset.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp } from '../helpers/app.js'

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

interface OpenApiOperation {
  requestBody?: {
    content?: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }>
  }
}

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
})

describe('operations endpoints', () => {
  it('publishes request examples that its own validation accepts', async () => {
    const doc = (await app.inject('/openapi.json')).json()
    const sent: string[] = []
    for (const [path, operations] of Object.entries(
      doc.paths as Record<string, Record<string, OpenApiOperation>>,
    )) {
      for (const [method, operation] of Object.entries(operations)) {
        // The document carries one example as `example`, several as `examples` by name.
        const media = operation.requestBody?.content?.['application/json']
        const examples = [
          ...(media?.example === undefined ? [] : [media.example]),
          ...Object.values(media?.examples ?? {}).map((named) => named.value),
        ]
        for (const example of examples) {
          const response = await app.inject({
            method: method.toUpperCase() as 'POST',
            // Every path parameter as 1: the route may answer 404 for it, but only after validating the body.
            url: path.replace(/\{[^}]+\}/g, '1'),
            headers: auth,
            payload: example as object,
          })
          expect([400, 500], `${method} ${path}: ${response.body}`).not.toContain(response.statusCode)
          sent.push(`${method} ${path}`)
        }
      }
    }
    expect(sent).toContain('post /v3/reporting/generic/dateRange/{product_id}')
    expect(sent).toContain('put /v3/event-tracking/{product_id}')
  })

  it('answers /healthz and /readyz with both stores checked', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    const ready = await app.inject('/readyz')
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'ready', checks: { warehouse: 'ok', control: 'ok' } })
  })

  it('publishes an OpenAPI document with every ingestion stream and its event schema', async () => {
    const doc = (await app.inject('/openapi.json')).json()
    expect(doc.openapi).toBe('3.1.0')
    for (const stream of [
      'audits',
      'usage-sessions',
      'credit-transactions',
      'sync-activity',
      'user-observations',
    ]) {
      expect(doc.paths).toHaveProperty([`/ingest/v1/${stream}`, 'post'])
    }
    const audits = doc.paths['/ingest/v1/audits'].post
    const schema = audits.requestBody.content['application/x-ndjson'].schema
    expect(schema.items.required).toEqual(expect.arrayContaining(['workspaceId', 'timestamp', 'artifactId']))
    expect(doc.paths).toHaveProperty(['/ingest/v1/entities/workspaces', 'put'])
    expect((await app.inject('/docs/')).statusCode).toBe(200)
  })

  it('echoes a given request id and makes one up otherwise', async () => {
    expect(
      (await app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } })).headers['x-request-id'],
    ).toBe('abc-123')
    expect((await app.inject('/healthz')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers an unknown route with a 404 naming it', async () => {
    const response = await app.inject({ method: 'GET', url: '/nothing/here?x=1' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ error: 'not_found', message: 'no route GET /nothing/here' })
  })
})

describe('readInChunks', () => {
  it('reads a large result in key order, chunk by chunk, without gaps or repeats', async () => {
    const rows = Array.from({ length: 12_345 }, (_, i) => ({
      tenant_id: 77,
      report_id: 'r1',
      run_id: 'run',
      row_number: i + 1,
      values: `[${i}]`,
    }))
    await stores.warehouse.insert('report_rows', rows)
    const chunks: number[][] = []
    for await (const chunk of readInChunks<{ row_number: string }, number>(
      stores.warehouse,
      (after, limit) => ({
        query: `SELECT row_number FROM report_rows
                WHERE tenant_id = 77 AND report_id = 'r1' AND row_number > {after:UInt64}
                ORDER BY row_number LIMIT {limit:UInt32}`,
        params: { after: after ?? 0, limit },
      }),
      (row) => Number(row.row_number),
      1000,
    )) {
      chunks.push(chunk.map((row) => Number(row.row_number)))
    }
    expect(chunks).toHaveLength(13)
    expect(chunks.every((chunk, i) => chunk.length === (i < 12 ? 1000 : 345))).toBe(true)
    expect(chunks.flat()).toEqual(rows.map((r) => r.row_number))
  })
})
