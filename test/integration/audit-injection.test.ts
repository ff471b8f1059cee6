import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SqlQuery } from '../../src/store/warehouse/warehouse.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ndjson } from '../helpers/app.js'

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }
const statements: SqlQuery[] = []

/** Strings an attacker would try; each is unique so a leak into SQL text is unambiguous. */
const HOSTILE = [
  "x' OR 1=1 --",
  'x"; DROP TABLE audits; --',
  '{evil:String} {c0:UInt8}x',
  "') UNION ALL SELECT * FROM system.users --",
  "\\\\' OR ''='",
  'x`; SELECT 1; `',
  "UNI'/**/ON SELECT",
]

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  await app.inject({
    method: 'POST',
    url: '/ingest/v1/audits',
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    payload: ndjson(
      HOSTILE.map((text, i) => ({
        id: `inj-${i}`,
        workspaceId: 5150,
        timestamp: `2024-01-0${i + 1}T00:00:00Z`,
        action: 'Update',
        objectType: 'Document',
        artifactId: 100 + i,
        artifactName: text,
        userId: 1,
        userName: text,
        changes: [{ field: text, oldValue: text, newValue: text }],
      })),
    ),
  })
  // Record every statement the warehouse receives from here on.
  const query = stores.warehouse.query.bind(stores.warehouse)
  stores.warehouse.query = (async (q: SqlQuery) => {
    statements.push(q)
    return query(q)
  }) as typeof stores.warehouse.query
})

const base = '/Relativity.REST/api/relativity-audit/v1/workspaces/5150'

describe('no request string reaches SQL as text', () => {
  it.each(HOSTILE)('%s', async (hostile) => {
    const quoted = `'${hostile.replace(/'/g, "''")}'`
    const requests = [
      {
        url: `${base}/audits/UI/query`,
        payload: { request: { fields: [{ Name: hostile }] }, start: 1, length: 5 },
      },
      {
        url: `${base}/audits/UI/query`,
        payload: {
          request: { fields: [{ Name: 'Object Name' }], condition: `(('Object Name' == ${quoted}))` },
          start: 1,
          length: 5,
        },
      },
      {
        url: `${base}/audits/UI/query`,
        payload: {
          request: {
            fields: [],
            condition: `(('User Name' LIKE [${quoted}]))`,
            rowCondition: `(('Field' STARTSWITH ${quoted}))`,
          },
          start: 1,
          length: 5,
        },
      },
      {
        url: `${base}/audits/UI/query`,
        payload: { request: { fields: [], condition: `((${quoted} == 1))` }, start: 1, length: 5 },
      },
      {
        url: `${base}/audits/UI/query`,
        payload: { request: { fields: [], condition: hostile }, start: 1, length: 5 },
      },
      {
        url: `${base}/audits/UI/query-slim`,
        payload: {
          request: { fields: [], sorts: [{ FieldIdentifier: { Name: hostile }, Direction: 'Ascending' }] },
          start: 1,
          length: 5,
        },
      },
      { url: `${base}/audits`, payload: { request: { auditId: hostile } } },
    ]
    let seen = 0
    for (const { url, payload } of requests) {
      statements.length = 0
      const response = await app.inject({ method: 'POST', url, headers: auth, payload })
      expect([200, 400, 404]).toContain(response.statusCode)
      for (const statement of statements) expect(statement.query).not.toContain(hostile)
      seen += statements.length
    }
    expect(seen).toBeGreaterThan(3)
    // The value still matched as data where it was data.
    const found = await app.inject({
      method: 'POST',
      url: `${base}/audits/UI/query`,
      headers: auth,
      payload: {
        request: { fields: [{ Name: 'Object Name' }], condition: `(('Object Name' == ${quoted}))` },
        start: 1,
        length: 5,
      },
    })
    expect(
      found.json().Objects.map((o: { FieldValues: { Value: string }[] }) => o.FieldValues[1]!.Value),
    ).toEqual([hostile])
  })
})
