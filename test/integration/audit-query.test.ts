import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, ndjson } from '../helpers/app.js'

let app: FastifyInstance
let auth: { authorization: string }

const WS = 1018053
const url = (path: 'query' | 'query-slim') =>
  `/Relativity.Rest/API/relativity-audit/v1/workspaces/${WS}/audits/UI/${path}/`
const ACTIONS = ['View', 'Update', 'Document Query', 'Export'] as const

/** 60 audits a minute apart from 2017-11-01, with distinct execution times. */
const AUDITS = Array.from({ length: 60 }, (_, i) => ({
  id: `aq-${i}`,
  workspaceId: WS,
  timestamp: new Date(Date.UTC(2017, 10, 1) + i * 60_000 + (i >= 50 ? 40 * 86_400_000 : 0)).toISOString(),
  action: ACTIONS[i % 4]!,
  objectType: i % 5 === 0 ? 'Workspace' : 'Document',
  artifactId: 1_040_000 + i,
  artifactName: `CTRL${String(i).padStart(7, '0')}`,
  userId: i % 2 ? 9 : 777,
  userName: i % 2 ? 'Admin, Relativity' : 'Service Account, Relativity',
  executionTimeMs: (i * 37) % 100,
  details: { n: i, note: i === 3 ? '<b>bold</b>' : 'plain' },
  ...(ACTIONS[i % 4] === 'Update' && {
    changes: [
      {
        fieldId: 1035357,
        field: 'Responsiveness',
        oldValue: i > 20 ? 'Responsive' : null,
        newValue: 'Not Responsive',
      },
    ],
  }),
}))
/** Newest first: the default order. */
const NEWEST_FIRST = [...AUDITS].reverse()
const idsByKey = new Map<string, string>()

const body = (overrides: Record<string, unknown> = {}, request: Record<string, unknown> = {}) => ({
  request: {
    fields: [{ Name: 'User Name', Guids: [], ArtifactID: 0 }],
    condition: '',
    rowCondition: '',
    executingViewId: 1039633,
    ...request,
  },
  start: 1,
  length: 25,
  ...overrides,
})
const query = (payload: object, path: 'query' | 'query-slim' = 'query') =>
  app.inject({ method: 'POST', url: url(path), headers: auth, payload })
const namesOf = (response: { json(): { Objects: { Name: string }[] } }) =>
  response.json().Objects.map((o) => o.Name)
const idsOf = (audits: typeof AUDITS) => audits.map((a) => idsByKey.get(a.id))

beforeAll(async () => {
  let stores
  ;({ app, auth, stores } = await buildTestApp())
  const response = await app.inject({
    method: 'POST',
    url: '/ingest/v1/audits',
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    payload: ndjson(AUDITS),
  })
  expect(response.json().accepted).toBe(60)
  const rows = await stores.warehouse.query<{ audit_id: string; ingest_key: string }>({
    query: 'SELECT audit_id, ingest_key FROM audits WHERE workspace_id = {ws:Int64}',
    params: { ws: WS },
  })
  for (const row of rows) idsByKey.set(row.ingest_key, row.audit_id)
})

describe('audits/UI/query', () => {
  it('answers the document’s sample request with the documented shape', async () => {
    const response = await query(
      body(
        { start: 1, length: 2 },
        {
          fields: ['User Name', 'Details', 'Old Value', 'New Value'].map((Name) => ({
            Name,
            Guids: [],
            ArtifactID: 0,
          })),
        },
      ),
    )
    expect(response.statusCode).toBe(200)
    const page = response.json()
    expect(page).toMatchObject({
      TotalCount: 60,
      CurrentStartIndex: 1,
      ResultCount: 2,
      IDWindow: [],
      SampleDetails: null,
      RankWindow: [],
      RelationalField: null,
      ObjectType: { ArtifactID: 0, Name: '', Guids: [], ArtifactTypeID: 0 },
    })
    const [first] = page.Objects
    const newest = NEWEST_FIRST[0]!
    expect(first.Name).toBe(idsByKey.get(newest.id))
    expect(first.ArtifactID).toBe(newest.artifactId)
    expect(first.ParentObject).toBeNull()
    expect(first.FieldValues.map((v: { Field: { Name: string } }) => v.Field.Name)).toEqual([
      'Audit ID',
      'User Name',
      'Details',
      'Old Value',
      'New Value',
    ])
    expect(first.FieldValues[0]).toEqual({
      Value: idsByKey.get(newest.id),
      Field: {
        FieldCategory: 0,
        FieldType: 0,
        ViewFieldID: 0,
        ArtifactID: 1001,
        Guids: [],
        Name: 'Audit ID',
      },
    })
    expect(first.FieldValues[1].Value).toBe(newest.userName)
    expect(first.FieldValues[2].Value).toMatch(/^<div class="audit-details"/)
  })

  it('pages aligned to length: start 17 gives records 1–25, start 35 gives 26–50', async () => {
    const first = await query(body({ start: 17, length: 25 }))
    expect(first.json()).toMatchObject({ CurrentStartIndex: 1, ResultCount: 25 })
    expect(namesOf(first)).toEqual(idsOf(NEWEST_FIRST.slice(0, 25)))
    const second = await query(body({ start: 35, length: 25 }))
    expect(second.json()).toMatchObject({ CurrentStartIndex: 26, ResultCount: 25 })
    expect(namesOf(second)).toEqual(idsOf(NEWEST_FIRST.slice(25, 50)))
    const last = await query(body({ start: 51, length: 25 }))
    expect(last.json()).toMatchObject({ CurrentStartIndex: 51, ResultCount: 10, TotalCount: 60 })
    expect(namesOf(last)).toEqual(idsOf(NEWEST_FIRST.slice(50)))
    expect((await query(body({ start: 1000, length: 25 }))).json()).toMatchObject({
      ResultCount: 0,
      TotalCount: 60,
    })
  })

  it('sorts by Timestamp ascending and by Execution Time (ms), and refuses other sorts', async () => {
    const asc = await query(
      body(
        { length: 60 },
        { sorts: [{ FieldIdentifier: { Name: 'Timestamp' }, Order: 0, Direction: 'Ascending' }] },
      ),
    )
    expect(namesOf(asc)).toEqual(idsOf(AUDITS))
    const byTime = await query(
      body({ length: 60 }, { sorts: [{ FieldIdentifier: { ArtifactID: 1010 }, Direction: 'Descending' }] }),
    )
    const expected = [...AUDITS].sort(
      (a, b) =>
        b.executionTimeMs - a.executionTimeMs || Number(idsByKey.get(b.id)) - Number(idsByKey.get(a.id)),
    )
    expect(namesOf(byTime)).toEqual(idsOf(expected))
    const deep = await query(
      body(
        { start: 31, length: 10 },
        { sorts: [{ FieldIdentifier: { Name: 'Execution Time (ms)' }, Direction: 'Descending' }] },
      ),
    )
    expect(namesOf(deep)).toEqual(idsOf(expected.slice(30, 40)))
    const refused = await query(
      body({}, { sorts: [{ FieldIdentifier: { Name: 'User Name' }, Direction: 'Ascending' }] }),
    )
    expect(refused.statusCode).toBe(400)
    expect(refused.json().message).toContain("'User Name' cannot be sorted")
  })

  it('filters with the document’s condition examples and a rowCondition', async () => {
    const complex =
      "(('Timestamp' >= 2017-11-01T00:00:00.00Z AND 'Timestamp' <= 2017-11-23T23:59:00.00Z)) AND (('Object Type' == CHOICE 10)) AND (('Action' IN CHOICE [3, 1]))"
    const expected = NEWEST_FIRST.filter(
      (a) =>
        a.timestamp <= '2017-11-23T23:59:00.000Z' &&
        a.objectType === 'Document' &&
        ['Update', 'View'].includes(a.action),
    )
    const response = await query(body({ length: 100 }, { condition: complex }))
    expect(response.json().TotalCount).toBe(expected.length)
    expect(namesOf(response)).toEqual(idsOf(expected))

    const slow = await query(
      body(
        { length: 100 },
        { condition: "(('Execution Time (ms)' > 90))", rowCondition: "(('User Name' == CHOICE 9))" },
      ),
    )
    expect(namesOf(slow)).toEqual(idsOf(NEWEST_FIRST.filter((a) => a.executionTimeMs > 90 && a.userId === 9)))

    const one = idsByKey.get('aq-7')!
    expect(namesOf(await query(body({}, { condition: `(('Audit ID' == ${one}))` })))).toEqual([one])
  })

  it('refuses a broken condition, a saved view and an unknown field with a 400 naming them', async () => {
    const broken = await query(body({}, { condition: "(('Timestamp' >= ))" }))
    expect(broken.statusCode).toBe(400)
    expect(broken.json().message).toMatch(/^condition: .*position/)
    const view = await query(body({}, { condition: "(('Artifact ID' IN VIEW 1039633))" }))
    expect(view.statusCode).toBe(400)
    expect(view.json().message).toContain('IN VIEW')
    const field = await query(body({}, { fields: [{ Name: 'Colour' }] }))
    expect(field.statusCode).toBe(400)
    expect(field.json().message).toContain("request.fields[0]: 'Colour' is not an audit field")
  })

  it('returns raw details as escaped JSON text when asked, HTML (escaped) otherwise', async () => {
    const fields = [{ Name: 'Details' }]
    const condition = "(('Object Name' == 'CTRL0000003'))"
    const raw = await query(body({ auditQueryOptions: { returnRawDetails: true } }, { fields, condition }))
    expect(raw.json().Objects[0].FieldValues[1].Value).toBe(JSON.stringify(AUDITS[3]!.details))
    const html = (await query(body({}, { fields, condition }))).json().Objects[0].FieldValues[1].Value
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;')
    expect(html).not.toContain('<b>')
  })

  it('converts numbers to strings on request and accepts the documents’ other spellings of keys', async () => {
    const fields = [
      { Name: 'Execution Time (ms)' },
      { Name: 'Object ArtifactID' },
      { Name: 'Timestamp' },
      { Name: 'Action' },
    ]
    const plain = (await query(body({ length: 1 }, { fields })))
      .json()
      .Objects[0].FieldValues.map((v: { Value: unknown }) => v.Value)
    const newest = NEWEST_FIRST[0]!
    expect(plain.slice(1)).toEqual([
      newest.executionTimeMs,
      newest.artifactId,
      newest.timestamp.slice(0, -1),
      newest.action,
    ])
    const converted = await query({
      Request: { Fields: fields, ConvertNumberFieldValuesToString: true, RowCondition: '' },
      Start: 1,
      Length: 1,
    })
    expect(
      converted
        .json()
        .Objects[0].FieldValues.map((v: { Value: unknown }) => v.Value)
        .slice(1, 3),
    ).toEqual([String(newest.executionTimeMs), String(newest.artifactId)])
  })

  it('lists a change per line in Field, Old Value and New Value', async () => {
    const fields = [{ Name: 'Field' }, { Name: 'Old Value' }, { Name: 'New Value' }]
    const response = await query(body({}, { fields, condition: "(('Object Name' == 'CTRL0000025'))" }))
    expect(
      response
        .json()
        .Objects[0].FieldValues.slice(1)
        .map((v: { Value: unknown }) => v.Value),
    ).toEqual(['Responsiveness', 'Responsive', 'Not Responsive'])
  })
})

describe('audits/UI/query-slim', () => {
  it('returns values in field order and lists the fields once', async () => {
    const response = await query(
      body(
        { length: 3 },
        {
          fields: ['Execution Time (ms)', 'Object ArtifactID', 'User Name'].map((Name) => ({
            Name,
            Guids: [],
            ArtifactID: 0,
          })),
          convertNumberFieldValuesToString: true,
        },
      ),
      'query-slim',
    )
    const page = response.json()
    expect(page).toMatchObject({ TotalCount: 60, CurrentStartIndex: 1, ResultCount: 3, ObjectType: null })
    expect(page.Fields.map((f: { Name: string }) => f.Name)).toEqual([
      'Audit ID',
      'Execution Time (ms)',
      'Object ArtifactID',
      'User Name',
    ])
    const newest = NEWEST_FIRST[0]!
    expect(page.Objects[0]).toEqual({
      ArtifactID: newest.artifactId,
      Values: [
        idsByKey.get(newest.id),
        String(newest.executionTimeMs),
        String(newest.artifactId),
        newest.userName,
      ],
    })
  })
})
