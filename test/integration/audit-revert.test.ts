import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildServices } from '../../src/app.js'
import { ForbiddenError, ValidationError } from '../../src/errors.js'
import type { AuditService } from '../../src/modules/audit/service.js'
import { listOutboxEvents } from '../../src/modules/audit/revert/outbox.js'
import { RevertService } from '../../src/modules/audit/revert/revert-service.js'
import {
  getRevertMaxAuditCount,
  setRevertMaxAuditCount,
} from '../../src/modules/audit/revert/revert-settings.js'
import { Access, systemCaller, type Caller } from '../../src/modules/identity/caller.js'
import type { Grant } from '../../src/modules/identity/permissions.js'
import { serviceSink, type IngestSink } from '../../src/modules/ingest/sink.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, tokenOfUserWith } from '../helpers/app.js'

const WS = 1018053
const OTHER_WS = 1018054
const NOT_MOST_RECENT = 'This audit does not represent the most recent change to this document.'

let app: FastifyInstance
let auth: { authorization: string }
let stores: Stores
let service: RevertService
let audits: AuditService
let sink: IngestSink

const grantsOn = (workspaceId: number, ...permissions: Grant['permission'][]): Grant[] =>
  permissions.map((permission) => ({ permission, scopeKind: 'workspace', scopeValue: String(workspaceId) }))
/** A reviewer signed in through an OAuth2 client: revert audits name its context user. */
const reviewer: Caller = {
  tenantId: 1,
  principal: { kind: 'client', clientId: 'rev', userId: 42, username: 'reviewer.one', isSystemAdmin: false },
  access: new Access(grantsOn(WS, 'Workspace Access', 'Revert Audits'), false),
}
const readOnly: Caller = { ...reviewer, access: new Access(grantsOn(WS, 'Workspace Access'), false) }

let docSeq = 2_000_000
const newDoc = () => ++docSeq
const change = (field: string, oldValue: string | null, newValue: string | null, fieldId = 0) => ({
  ...(fieldId && { fieldId }),
  field,
  oldValue,
  newValue,
})
type Change = ReturnType<typeof change>
let keySeq = 0

/** Ingests audits of documents (Update unless said) and returns their Audit IDs, in order. */
async function ingest(
  items: {
    doc: number
    at: string
    changes?: Change[]
    action?: string
    objectType?: string
    ws?: number
  }[],
): Promise<string[]> {
  const events = items.map((item) => ({
    id: `revert-test-${++keySeq}`,
    workspaceId: item.ws ?? WS,
    timestamp: item.at.endsWith('Z') ? item.at : `${item.at}Z`,
    action: item.action ?? 'Update',
    objectType: item.objectType ?? 'Document',
    artifactId: item.doc,
    artifactName: `CTRL${item.doc}`,
    userId: 9,
    userName: 'Admin, Relativity',
    changes: item.changes ?? [change('Responsiveness', null, 'Responsive', 1035357)],
  }))
  const result = await sink.sendEvents('audits', events)
  expect(result.rejected).toEqual([])
  const rows = await stores.warehouse.query<{ audit_id: string; ingest_key: string }>({
    query: 'SELECT audit_id, ingest_key FROM audits WHERE ingest_key IN {keys:Array(String)}',
    params: { keys: events.map((e) => e.id) },
  })
  const byKey = new Map(rows.map((r) => [r.ingest_key, r.audit_id]))
  return events.map((e) => byKey.get(e.id)!)
}

const target = (auditId: string, at?: string) => ({
  auditId,
  timestamp: at === undefined ? undefined : new Date(`${at}Z`),
})
const countByKey = async (key: string) =>
  Number(
    (
      await stores.warehouse.query<{ n: string }>({
        query: 'SELECT count() AS n FROM audits WHERE ingest_key = {key:String}',
        params: { key },
      })
    )[0]!.n,
  )
const stateOf = async (doc: number) =>
  Object.fromEntries((await service.documentState(reviewer, WS, doc)).map((s) => [s.field, s.value]))

beforeAll(async () => {
  let config
  ;({ app, auth, stores, config } = await buildTestApp())
  const services = buildServices(config, stores)
  service = new RevertService(stores, services.ingest)
  audits = services.audit
  sink = serviceSink(services.ingest, systemCaller())
})

describe('revert rules (service)', () => {
  it('takes the most recent change of each field: a later change of the same field blocks, of another does not', async () => {
    const doc = newDoc()
    const [a1, a2, a3, a4, a5] = await ingest([
      { doc, at: '2019-04-25T16:05:24.867', changes: [change('Responsiveness', null, 'Responsive')] },
      {
        doc,
        at: '2019-04-26T09:00:00.000',
        changes: [change('Responsiveness', 'Responsive', 'Not Responsive')],
      },
      { doc, at: '2019-04-27T09:00:00.000', changes: [change('Privilege', null, 'Privileged')] },
      {
        doc,
        at: '2019-04-28T09:00:00.000',
        changes: [change('Issues', null, 'Fraud'), change('Custodian', 'A', 'B')],
      },
      {
        doc,
        at: '2019-04-29T09:00:00.000',
        changes: [change('Custodian', 'B', 'C')],
        action: 'Update - Mass Edit',
      },
    ])
    expect(await service.validate(reviewer, WS, target(a1!, '2019-04-25T16:05:24.867'))).toEqual({
      auditId: a1,
      timestamp: new Date('2019-04-25T16:05:24.867Z'),
      revertable: false,
      message: NOT_MOST_RECENT,
    })
    expect(await service.validate(reviewer, WS, target(a2!))).toMatchObject({
      revertable: true,
      message: null,
    })
    expect(await service.validate(reviewer, WS, target(a3!))).toMatchObject({ revertable: true })
    // One of its two fields changed later (by a mass edit, also an update): not revertible.
    expect(await service.validate(reviewer, WS, target(a4!))).toMatchObject({
      revertable: false,
      message: NOT_MOST_RECENT,
    })
    expect(await service.validate(reviewer, WS, target(a5!))).toMatchObject({ revertable: true })
    // A change of the same field on another document does not count.
    await ingest([{ doc: newDoc(), at: '2020-01-01T00:00:00.000', changes: [change('Privilege', 'x', 'y')] }])
    expect(await service.validate(reviewer, WS, target(a3!))).toMatchObject({ revertable: true })
  })

  it('explains every other audit it cannot revert', async () => {
    const doc = newDoc()
    const [view, workspace, empty, other] = await ingest([
      { doc, at: '2019-05-01T00:00:00.000', action: 'View', changes: [] },
      { doc, at: '2019-05-01T00:00:01.000', objectType: 'Workspace' },
      { doc, at: '2019-05-01T00:00:02.000', changes: [] },
      { doc, at: '2019-05-01T00:00:03.000', ws: OTHER_WS },
    ])
    const message = async (auditId: string, at?: string) =>
      (await service.validate(reviewer, WS, target(auditId, at))).message
    expect(await message(view!)).toBe("Only update actions can be reverted; this audit's action is View.")
    expect(await message(workspace!)).toBe(
      'Only changes to documents can be reverted; this audit is of a Workspace.',
    )
    expect(await message(empty!)).toBe('This audit records no field changes to revert.')
    expect(await message(other!)).toBe(`Audit ${other} was not found in workspace ${WS}.`)
    expect(await message('999999999')).toBe(`Audit 999999999 was not found in workspace ${WS}.`)
    const lookalike = await ingest([{ doc: newDoc(), at: '2019-05-01T00:00:04.000' }])
    expect(await message(lookalike[0]!, '2019-05-01T00:00:05.000')).toBe(
      `The Timestamp does not match audit ${lookalike[0]}, which was recorded at 2019-05-01T00:00:04.000.`,
    )
    expect(
      await service.validate(reviewer, WS, target('999999999', '2019-05-01T00:00:05.000')),
    ).toMatchObject({
      timestamp: new Date('2019-05-01T00:00:05.000Z'),
      revertable: false,
    })
  })

  it('writes a swapped Update - Revert audit; the state then holds the old value, and reverting the revert restores the new one', async () => {
    const doc = newDoc()
    const [first, second] = await ingest([
      {
        doc,
        at: '2019-04-25T16:05:24.867',
        changes: [change('Responsiveness', null, 'Responsive', 1035357)],
      },
      {
        doc,
        at: '2019-05-22T15:10:42.877',
        changes: [
          change('Responsiveness', 'Responsive', 'Not Responsive', 1035357),
          change('Notes', 'old', null),
        ],
      },
    ])
    expect(await stateOf(doc)).toEqual({ Responsiveness: 'Not Responsive', Notes: null })
    const before = Date.now()
    const outcome = await service.revert(reviewer, WS, target(second!, '2019-05-22T15:10:42.877'))
    expect(outcome).toMatchObject({
      success: true,
      message: null,
      validations: [{ auditId: second, revertable: true, message: null }],
    })
    const [revertId] = outcome.revertAuditIds
    expect(BigInt(revertId!)).toBeGreaterThan(BigInt(second!))
    const written = await audits.readAudit(reviewer, WS, revertId!)
    expect(written).toMatchObject({
      actionId: 58,
      actionName: 'Update - Revert',
      objectTypeId: 10,
      artifactId: doc,
      artifactName: `CTRL${doc}`,
      userId: 42,
      userName: 'reviewer.one',
      changes: [
        { fieldId: 1035357, field: 'Responsiveness', oldValue: 'Not Responsive', newValue: 'Responsive' },
        { fieldId: 0, field: 'Notes', oldValue: null, newValue: 'old' },
      ],
    })
    expect(JSON.parse(written.detailsJson!)).toEqual({ revertedAuditId: second, revertedAction: 'Update' })
    expect(written.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1)
    expect(await stateOf(doc)).toEqual({ Responsiveness: 'Responsive', Notes: 'old' })
    expect((await service.validate(reviewer, WS, target(second!))).message).toBe(NOT_MOST_RECENT)
    expect((await service.validate(reviewer, WS, target(first!))).message).toBe(NOT_MOST_RECENT)

    const again = await service.revert(reviewer, WS, target(revertId!))
    expect(again.success).toBe(true)
    const undo = await audits.readAudit(reviewer, WS, again.revertAuditIds[0]!)
    expect(undo).toMatchObject({
      actionId: 58,
      changes: [{ oldValue: 'Responsive', newValue: 'Not Responsive' }, {}],
    })
    expect(await stateOf(doc)).toEqual({ Responsiveness: 'Not Responsive', Notes: null })
  })

  it('records an outbox event per revert with the values to write back', async () => {
    const doc = newDoc()
    const [audit] = await ingest([
      {
        doc,
        at: '2019-06-01T10:00:00.000',
        changes: [change('Responsiveness', 'Responsive', 'Not Responsive', 77)],
      },
    ])
    const { revertAuditIds } = await service.revert(reviewer, WS, target(audit!))
    const events = await listOutboxEvents(stores.control, { tenantId: 1, limit: 1000 })
    const event = events.find((e) => (e.payload as { revertedAuditId: string }).revertedAuditId === audit)
    expect(event).toMatchObject({
      kind: 'audit.reverted',
      deliveredAt: null,
      attempts: 0,
      lastError: null,
      payload: {
        workspaceId: WS,
        documentArtifactId: doc,
        changes: [{ field: 'Responsiveness', fieldId: 77, value: 'Responsive' }],
        revertAuditId: revertAuditIds[0],
        revertedAuditId: audit,
      },
    })
  })

  it('never writes a revert twice: a retry and a concurrent second request each answer success', async () => {
    const [one, two] = await ingest([
      { doc: newDoc(), at: '2019-06-02T10:00:00.000' },
      { doc: newDoc(), at: '2019-06-02T10:00:00.000' },
    ])
    const first = await service.revert(reviewer, WS, target(one!))
    const retry = await service.revert(reviewer, WS, target(one!))
    expect(retry).toEqual({
      success: true,
      validations: [
        { auditId: one, timestamp: new Date('2019-06-02T10:00:00.000Z'), revertable: true, message: null },
      ],
      message: `Audit ${one} was already reverted by audit ${first.revertAuditIds[0]}; nothing was written again.`,
      revertAuditIds: first.revertAuditIds,
    })
    const both = await Promise.all([
      service.revert(reviewer, WS, target(two!)),
      service.revert(reviewer, WS, target(two!)),
    ])
    expect(both.map((o) => o.success)).toEqual([true, true])
    expect(both[0]!.revertAuditIds).toEqual(both[1]!.revertAuditIds)
    for (const id of [one!, two!]) {
      expect(await countByKey(`revert:${id}`)).toBe(1)
      const events = await listOutboxEvents(stores.control, { tenantId: 1, limit: 1000 })
      expect(
        events.filter((e) => (e.payload as { revertedAuditId: string }).revertedAuditId === id),
      ).toHaveLength(1)
    }
  })

  it('mass revert is all-or-nothing, and writes Update - Mass Revert audits when all pass', async () => {
    const [d1, d2, d3] = [newDoc(), newDoc(), newDoc()]
    const [a, b, stale, c] = await ingest([
      { doc: d1, at: '2019-05-22T15:10:42.877' },
      { doc: d2, at: '2019-05-22T15:35:01.947' },
      { doc: d3, at: '2019-05-22T15:40:00.000', changes: [change('Responsiveness', null, 'Responsive')] },
      {
        doc: d3,
        at: '2019-05-22T15:41:00.000',
        changes: [change('Responsiveness', 'Responsive', 'Not Responsive')],
      },
    ])
    const failed = await service.massRevert(reviewer, WS, [target(a!), target(b!), target(stale!)])
    expect(failed).toEqual({
      success: false,
      message: null,
      revertAuditIds: [],
      validations: [
        { auditId: a, timestamp: new Date('2019-05-22T15:10:42.877Z'), revertable: true, message: null },
        { auditId: b, timestamp: new Date('2019-05-22T15:35:01.947Z'), revertable: true, message: null },
        {
          auditId: stale,
          timestamp: new Date('2019-05-22T15:40:00.000Z'),
          revertable: false,
          message: NOT_MOST_RECENT,
        },
      ],
    })
    for (const id of [a!, b!, stale!]) expect(await countByKey(`revert:${id}`)).toBe(0)
    expect(await stateOf(d1)).toEqual({ Responsiveness: 'Responsive' })

    const listedTwice = await service.massRevert(reviewer, WS, [target(a!), target(a!)])
    expect(listedTwice.validations.map((v) => v.message)).toEqual([
      'This audit is listed more than once in the request.',
      'This audit is listed more than once in the request.',
    ])

    const done = await service.massRevert(reviewer, WS, [target(a!), target(b!), target(c!)])
    expect(done.success).toBe(true)
    expect(done.validations.map((v) => [v.revertable, v.message])).toEqual([
      [true, null],
      [true, null],
      [true, null],
    ])
    for (const [i, id] of done.revertAuditIds.entries()) {
      const written = await audits.readAudit(reviewer, WS, id)
      expect(written.actionId).toBe(59)
      expect(written.actionName).toBe('Update - Mass Revert')
      expect(JSON.parse(written.detailsJson!).revertedAuditId).toBe([a, b, c][i])
    }
    expect(await stateOf(d1)).toEqual({ Responsiveness: null })
    expect(await stateOf(d3)).toEqual({ Responsiveness: 'Responsive' })
  })

  it('bounds a mass revert by RevertMaxAuditCount (default 1000)', async () => {
    expect(await getRevertMaxAuditCount(stores.control)).toBe(1000)
    await setRevertMaxAuditCount(stores.control, 2)
    try {
      const ids = await ingest([1, 2, 3].map(() => ({ doc: newDoc(), at: '2019-06-03T00:00:00.000' })))
      const refused = service.massRevert(
        reviewer,
        WS,
        ids.map((id) => target(id)),
      )
      await expect(refused).rejects.toThrow(ValidationError)
      await expect(refused).rejects.toThrow(
        'request.RevertAuditRequests: 3 audits is more than the RevertMaxAuditCount instance setting allows (2)',
      )
      for (const id of ids) expect(await countByKey(`revert:${id}`)).toBe(0)
      expect(
        (
          await service.massRevert(
            reviewer,
            WS,
            ids.slice(0, 2).map((id) => target(id)),
          )
        ).success,
      ).toBe(true)
    } finally {
      await setRevertMaxAuditCount(stores.control, 1000)
    }
  })

  it('needs Workspace Access and Revert Audits on the workspace', async () => {
    const [audit] = await ingest([{ doc: newDoc(), at: '2019-06-04T00:00:00.000' }])
    for (const call of [
      () => service.validate(readOnly, WS, target(audit!)),
      () => service.revert(readOnly, WS, target(audit!)),
      () => service.massRevert(readOnly, WS, [target(audit!)]),
      () => service.revert(reviewer, OTHER_WS, target(audit!)),
    ]) {
      await expect(call()).rejects.toThrow(ForbiddenError)
    }
    await expect(service.revert(readOnly, WS, target(audit!))).rejects.toThrow(
      `this needs the 'Revert Audits' permission for workspace ${WS}`,
    )
    expect(await countByKey(`revert:${audit}`)).toBe(0)
  })
})

const base = `/Relativity.REST/api/relativity-audit/v1/workspaces/${WS}/audits`
const post = (path: string, payload: object, headers = auth) =>
  app.inject({ method: 'POST', url: `${base}/${path}/`, headers, payload })

/** Two audits of one document, at the times of the document's revert samples: only the newer is revertable. */
async function theDocumentsHistory() {
  const doc = newDoc()
  const [older, newer] = await ingest([
    { doc, at: '2019-04-25T16:05:24.867' },
    {
      doc,
      at: '2019-05-22T15:10:42.877',
      changes: [change('Responsiveness', 'Responsive', 'Not Responsive')],
    },
  ])
  return { doc, older: older!, newer: newer! }
}

describe('Audit Revert HTTP API', () => {
  it('validate: the document’s request, for an audit that can and one that cannot be reverted', async () => {
    const { older, newer } = await theDocumentsHistory()
    const cannot = await post('revert/validate', {
      workspaceId: WS,
      request: { AuditId: older, Timestamp: '2019-04-25T16:05:24.867' },
    })
    expect(cannot.statusCode).toBe(200)
    expect(cannot.json()).toEqual({
      AuditId: older,
      Timestamp: '2019-04-25T16:05:24.867',
      IsRevertable: false,
      Message: NOT_MOST_RECENT,
    })
    const can = await post('revert/validate', {
      workspaceId: WS,
      request: { AuditId: newer, Timestamp: '2019-05-22T15:10:42.877' },
    })
    expect(can.json()).toEqual({ AuditId: newer, Timestamp: '2019-05-22T15:10:42.877', IsRevertable: true })
  })

  it('revert: the document’s request, reverted and refused', async () => {
    const { doc, older, newer } = await theDocumentsHistory()
    const refused = await post('revert', {
      workspaceId: WS,
      request: { AuditId: older, Timestamp: '2019-04-25T16:05:24.867' },
    })
    expect(refused.statusCode).toBe(200)
    expect(refused.json()).toEqual({
      Success: false,
      ValidationResponse: {
        AuditId: older,
        Timestamp: '2019-04-25T16:05:24.867',
        IsRevertable: false,
        Message: NOT_MOST_RECENT,
      },
      Message: null,
    })
    const reverted = await post('revert', {
      workspaceId: WS,
      request: { AuditId: newer, Timestamp: '2019-05-22T15:10:42.877' },
    })
    expect(reverted.json()).toEqual({
      Success: true,
      ValidationResponse: {
        AuditId: newer,
        Timestamp: '2019-05-22T15:10:42.877',
        IsRevertable: true,
        Message: null,
      },
      Message: null,
    })
    expect(await countByKey(`revert:${newer}`)).toBe(1)
    expect(await stateOf(doc)).toEqual({ Responsiveness: 'Responsive' })
    // A retry (the response was lost, say) answers success and writes nothing again.
    expect((await post('revert', { workspaceId: WS, request: { AuditId: newer } })).json()).toEqual({
      Success: true,
      ValidationResponse: {
        AuditId: newer,
        Timestamp: '2019-05-22T15:10:42.877',
        IsRevertable: true,
        Message: null,
      },
      Message: expect.stringMatching(
        /^Audit \d+ was already reverted by audit \d+; nothing was written again\.$/,
      ),
    })
    expect(await countByKey(`revert:${newer}`)).toBe(1)
    // The validation, though, tells the truth: it is no longer the most recent change.
    expect((await post('revert/validate', { request: { AuditId: newer } })).json()).toMatchObject({
      IsRevertable: false,
      Message: NOT_MOST_RECENT,
    })
  })

  it('mass-revert: the document’s request fails as a whole, then succeeds once every audit can be reverted', async () => {
    const doc = newDoc()
    const [first, second] = await ingest([
      { doc, at: '2019-05-22T15:10:42.877' },
      {
        doc,
        at: '2019-05-22T15:35:01.947',
        changes: [change('Responsiveness', 'Responsive', 'Not Responsive')],
      },
    ])
    const sample = {
      request: {
        RevertAuditRequests: [
          { AuditId: first, Timestamp: '2019-05-22T15:10:42.877' },
          { AuditId: second, Timestamp: '2019-05-22T15:35:01.947' },
        ],
      },
    }
    const failed = await post('mass-revert', sample)
    expect(failed.statusCode).toBe(200)
    expect(failed.json()).toEqual({
      Success: false,
      ValidationResponses: [
        {
          AuditId: first,
          Timestamp: '2019-05-22T15:10:42.877',
          IsRevertable: false,
          Message: NOT_MOST_RECENT,
        },
        { AuditId: second, Timestamp: '2019-05-22T15:35:01.947', IsRevertable: true, Message: null },
      ],
    })
    expect(await countByKey(`revert:${second}`)).toBe(0)
    const ok = await post('mass-revert', {
      request: { RevertAuditRequests: [sample.request.RevertAuditRequests[1]] },
    })
    expect(ok.json()).toEqual({
      Success: true,
      ValidationResponses: [
        { AuditId: second, Timestamp: '2019-05-22T15:35:01.947', IsRevertable: true, Message: null },
      ],
    })
    const [row] = await stores.warehouse.query<{ action_id: number }>({
      query: 'SELECT action_id FROM audits WHERE ingest_key = {key:String}',
      params: { key: `revert:${second}` },
    })
    expect(row?.action_id).toBe(59)
  })

  it('uses the workspace in the URL, whatever the body says, and matches keys without regard to case', async () => {
    const [here] = await ingest([{ doc: newDoc(), at: '2019-06-05T00:00:00.000' }])
    const [there] = await ingest([{ doc: newDoc(), at: '2019-06-05T00:00:00.000', ws: OTHER_WS }])
    const notHere = await post('revert', { workspaceId: OTHER_WS, request: { AuditId: there } })
    expect(notHere.json().ValidationResponse).toEqual({
      AuditId: there,
      Timestamp: null,
      IsRevertable: false,
      Message: `Audit ${there} was not found in workspace ${WS}.`,
    })
    const response = await post('revert', {
      WorkspaceID: OTHER_WS,
      Request: { auditid: Number(here), TIMESTAMP: '2019-06-05T00:00:00.000Z' },
    })
    expect(response.json()).toMatchObject({ Success: true, ValidationResponse: { AuditId: here } })
    const [row] = await stores.warehouse.query<{ workspace_id: string }>({
      query: 'SELECT workspace_id FROM audits WHERE ingest_key = {key:String}',
      params: { key: `revert:${here}` },
    })
    expect(Number(row?.workspace_id)).toBe(WS)
  })

  it('answers 400 naming the offending part', async () => {
    const bad = await post('revert', { request: { AuditId: 'abc' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toBe("request.AuditId: 'abc' is not an Audit ID")
    const when = await post('revert/validate', { request: { AuditId: '1', Timestamp: 'yesterday' } })
    expect(when.statusCode).toBe(400)
    expect(when.json().message).toMatch(/^request\.Timestamp: 'yesterday' is not a date and time/)
    const nth = await post('mass-revert', {
      request: { RevertAuditRequests: [{ AuditId: '1' }, { AuditId: '-2' }] },
    })
    expect(nth.statusCode).toBe(400)
    expect(nth.json().message).toBe("request.RevertAuditRequests[1].AuditId: '-2' is not an Audit ID")
    expect((await post('mass-revert', { request: { RevertAuditRequests: [] } })).statusCode).toBe(400)
  })

  it('refuses a mass revert over RevertMaxAuditCount with 400, the setting being an admin one', async () => {
    const setting = '/admin/v1/settings/revert-max-audit-count'
    expect((await app.inject({ url: setting, headers: auth })).json()).toEqual({
      name: 'RevertMaxAuditCount',
      value: 1000,
    })
    const put = await app.inject({ method: 'PUT', url: setting, headers: auth, payload: { value: 2 } })
    expect(put.json()).toEqual({ name: 'RevertMaxAuditCount', value: 2 })
    try {
      const ids = await ingest([1, 2, 3].map(() => ({ doc: newDoc(), at: '2019-06-06T00:00:00.000' })))
      const response = await post('mass-revert', {
        request: { RevertAuditRequests: ids.map((AuditId) => ({ AuditId })) },
      })
      expect(response.statusCode).toBe(400)
      expect(response.json().message).toBe(
        'request.RevertAuditRequests: 3 audits is more than the RevertMaxAuditCount instance setting allows (2)',
      )
      for (const id of ids) expect(await countByKey(`revert:${id}`)).toBe(0)
    } finally {
      await app.inject({ method: 'PUT', url: setting, headers: auth, payload: { value: 1000 } })
    }
    expect(
      (await app.inject({ method: 'PUT', url: setting, headers: auth, payload: { value: 0 } })).statusCode,
    ).toBe(400)
  })

  it('answers 403 to a user with Workspace Access but without Revert Audits', async () => {
    const headers = await tokenOfUserWith(app, stores, 'reader-no-revert', grantsOn(WS, 'Workspace Access'))
    const [audit] = await ingest([{ doc: newDoc(), at: '2019-06-07T00:00:00.000' }])
    for (const [path, payload] of [
      ['revert/validate', { request: { AuditId: audit } }],
      ['revert', { request: { AuditId: audit } }],
      ['mass-revert', { request: { RevertAuditRequests: [{ AuditId: audit }] } }],
    ] as const) {
      const response = await post(path, payload, headers)
      expect(response.statusCode).toBe(403)
      expect(response.json().message).toBe(`this needs the 'Revert Audits' permission for workspace ${WS}`)
    }
    expect(await countByKey(`revert:${audit}`)).toBe(0)
    expect((await app.inject({ url: '/admin/v1/settings/revert-max-audit-count', headers })).statusCode).toBe(
      403,
    )
  })
})
