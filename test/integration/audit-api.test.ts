import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ndjson, tokenOfUserWith } from '../helpers/app.js'

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const ACME = 1018053
const OTHER = 1019000
const base = (workspace: number, version = 'v1') =>
  `/Relativity.REST/api/relativity-audit/${version}/workspaces/${workspace}`

const queryAudit = {
  id: 'q-1',
  workspaceId: ACME,
  timestamp: '2019-04-26T15:56:53.427Z',
  action: 'Query',
  objectType: 'Workspace',
  artifactId: 1003663,
  artifactName: 'Audit',
  userId: 777,
  userName: 'Service Account, Relativity',
  executionTimeMs: 0,
  details: { auditElement: { QueryText: 'SELECT * FROM EveryThing;', Milliseconds: '0' } },
}
const updateAudit = {
  id: 'u-1',
  workspaceId: ACME,
  timestamp: '2019-05-22T15:10:42.877Z',
  action: 'Update',
  objectType: 'Document',
  artifactId: 1040001,
  artifactName: 'CTRL0000001',
  userId: 9,
  userName: 'Admin, Relativity',
  executionTimeMs: 12,
  changes: [
    { fieldId: 1035357, field: 'Responsiveness', oldValue: null, newValue: 'Responsive' },
    { fieldId: 1035358, field: 'Privilege', oldValue: 'Yes', newValue: 'No' },
  ],
}
const otherAudit = { ...queryAudit, id: 'o-1', workspaceId: OTHER }
const instanceAudit = {
  ...queryAudit,
  id: 'i-1',
  workspaceId: -1,
  action: 'Login',
  objectType: 'User',
  artifactId: 9,
}
const ALL = [queryAudit, updateAudit, otherAudit, instanceAudit]

async function post(url: string, payload: object, headers: Record<string, string> = auth) {
  return app.inject({ method: 'POST', url, headers, payload })
}

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  const put = await app.inject({
    method: 'PUT',
    url: '/ingest/v1/entities/workspaces',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: [
      { artifactId: ACME, name: 'Audit', clientDomain: 'Acme Legal' },
      { artifactId: OTHER, name: 'Other matter', clientDomain: 'Other Corp' },
    ],
  })
  expect(put.json().accepted).toBe(2)
  const ingested = await app.inject({
    method: 'POST',
    url: '/ingest/v1/audits',
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    payload: ndjson(ALL),
  })
  expect(ingested.json()).toMatchObject({ accepted: 4, rejectedCount: 0 })
})

describe('Audit Metrics', () => {
  it('counts the audits of a workspace and sums their stored size', async () => {
    const response = await app.inject({ url: `${base(ACME)}/audit-metrics/`, headers: auth })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      Count: 2,
      SizeInBytes:
        Buffer.byteLength(JSON.stringify(queryAudit)) + Buffer.byteLength(JSON.stringify(updateAudit)),
    })
  })

  it('answers for the instance level (-1) and at the URL spellings the document uses', async () => {
    const instance = await app.inject({
      url: `/Relativity.Rest/API/relativity-audit/V1/workspaces/-1/Audit-Metrics`,
      headers: auth,
    })
    expect(instance.json()).toEqual({
      Count: 1,
      SizeInBytes: Buffer.byteLength(JSON.stringify(instanceAudit)),
    })
    expect((await app.inject({ url: `${base(424242)}/audit-metrics`, headers: auth })).json()).toEqual({
      Count: 0,
      SizeInBytes: 0,
    })
  })

  it.each([
    [`${base(ACME, 'one')}/audit-metrics`, 'params.versionNumber'],
    [`${base(-2)}/audit-metrics`, 'params.workspaceID'],
  ])('refuses %s naming the parameter', async (url, message) => {
    const response = await app.inject({ url, headers: auth })
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toContain(message)
  })
})

describe('Audit Query (one record)', () => {
  async function idOf(key: string): Promise<string> {
    const [row] = await stores.warehouse.query<{ audit_id: string }>({
      query: 'SELECT audit_id FROM audits WHERE ingest_key = {key:String}',
      params: { key },
    })
    return row!.audit_id
  }

  it('reads every documented field of an audit', async () => {
    const id = await idOf('q-1')
    const response = await post(`${base(ACME)}/audits/`, { workspaceId: ACME, request: { auditId: id } })
    expect(response.json()).toEqual({
      ID: id,
      TimeStamp: '2019-04-26T15:56:53.427',
      ArtifactName: 'Audit',
      ActionName: 'Query',
      ActionID: 29,
      ObjectTypeName: 'Workspace',
      ObjectTypeID: 8,
      ExecutionTime: 0,
      ArtifactID: 1003663,
      UserName: 'Service Account, Relativity',
      UserID: 777,
      Details: queryAudit.details,
      OldValues: [],
      NewValues: [],
      Fields: [],
      WorkspaceId: ACME,
      WorkspaceName: 'Audit',
    })
  })

  it('lists the changed fields with their old and new values, the URL workspace winning over the body', async () => {
    const id = await idOf('u-1')
    const response = await post(`${base(ACME)}/audits`, {
      workspaceId: OTHER,
      request: { AuditID: Number(id) },
    })
    expect(response.json()).toMatchObject({
      ActionName: 'Update',
      ActionID: 3,
      Details: null,
      Fields: ['Responsiveness', 'Privilege'],
      OldValues: [null, 'Yes'],
      NewValues: ['Responsive', 'No'],
      WorkspaceId: ACME,
    })
  })

  it('answers 404 for an audit of another workspace or none, and 400 for a malformed id', async () => {
    const id = await idOf('o-1')
    expect((await post(`${base(ACME)}/audits`, { request: { auditId: id } })).statusCode).toBe(404)
    expect((await post(`${base(ACME)}/audits`, { request: { auditId: '999999999' } })).statusCode).toBe(404)
    const bad = await post(`${base(ACME)}/audits`, { request: { auditId: '1 OR 1=1' } })
    expect(bad.statusCode).toBe(400)
    expect((await post(`${base(ACME)}/audits`, { request: {} })).json().message).toContain('request.auditId')
  })
})

describe('audit access', () => {
  it('follows workspace and client-domain grants, and needs Instance Audit Access for -1', async () => {
    const acme = await tokenOfUserWith(app, stores, 'acme-reader', [
      { permission: 'Workspace Access', scopeKind: 'client_domain', scopeValue: 'Acme Legal' },
    ])
    expect((await app.inject({ url: `${base(ACME)}/audit-metrics`, headers: acme })).statusCode).toBe(200)
    const refused = await app.inject({ url: `${base(OTHER)}/audit-metrics`, headers: acme })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().message).toContain(
      "'Workspace Access' permission for workspace 1019000 or client domain Other Corp",
    )
    expect((await app.inject({ url: `${base(-1)}/audit-metrics`, headers: acme })).statusCode).toBe(403)

    const one = await tokenOfUserWith(app, stores, 'one-workspace', [
      { permission: 'Workspace Access', scopeKind: 'workspace', scopeValue: String(OTHER) },
    ])
    expect((await app.inject({ url: `${base(OTHER)}/audit-metrics`, headers: one })).statusCode).toBe(200)
    expect((await app.inject({ url: `${base(ACME)}/audit-metrics`, headers: one })).statusCode).toBe(403)

    const instance = await tokenOfUserWith(app, stores, 'instance-auditor', [
      { permission: 'Instance Audit Access', scopeKind: 'instance', scopeValue: '' },
    ])
    expect((await app.inject({ url: `${base(-1)}/audit-metrics`, headers: instance })).statusCode).toBe(200)
    expect((await app.inject({ url: `${base(ACME)}/audit-metrics` })).statusCode).toBe(401)
  })
})
