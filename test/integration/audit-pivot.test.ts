import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { findAuditField } from '../../src/modules/audit/fields.js'
import { toPivotResponse } from '../../src/modules/audit/pivot/routes.js'
import { pivot, type PivotRequest } from '../../src/modules/audit/pivot/service.js'
import { dayStartsStatement, pivotCellsStatement } from '../../src/modules/audit/pivot/sql.js'
import { Access, systemCaller, type Caller } from '../../src/modules/identity/caller.js'
import type { SqlQuery } from '../../src/store/warehouse/warehouse.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ndjson } from '../helpers/app.js'

/** The document's sample workspace and the user its RowCondition names. */
const SAMPLE_WS = 1018053
const SAMPLE_USER = 1039872
/** Day boundaries across the 2019 DST change of America/Chicago (Sunday 2019-03-10, 08:00 UTC). */
const DST_WS = 2_000_001
/** Users, object types and actions. */
const USERS_WS = 2_000_002

const TIMESTAMP = findAuditField('Timestamp')!.artifactId
const ACTION = findAuditField('Action')!.artifactId

let seq = 0
const audit = (
  workspaceId: number,
  timestamp: string,
  action: string,
  user: [number, string] = [SAMPLE_USER, 'Admin, Relativity'],
  objectType = 'Document',
) => ({
  id: `pivot-${++seq}`,
  workspaceId,
  timestamp,
  action,
  objectType,
  artifactId: 1_040_000 + seq,
  artifactName: `CTRL${seq}`,
  userId: user[0],
  userName: user[1],
})

const SERVICE: [number, string] = [777, 'Service Account, Relativity']
const ADMIN: [number, string] = [9, 'Admin, Relativity']
const JANE: [number, string] = [SAMPLE_USER, 'Doe, Jane']

const AUDITS = [
  // April 16 2019 in Chicago (CDT, UTC-5) runs from 05:00 UTC to 04:59:59.999 UTC the next day.
  ...Array.from({ length: 4 }, (_, i) => audit(SAMPLE_WS, `2019-04-16T14:0${i}:00.000Z`, 'Delete')),
  audit(SAMPLE_WS, '2019-04-17T04:59:59.999Z', 'Delete'),
  audit(SAMPLE_WS, '2019-04-16T05:00:00.000Z', 'Update'),
  audit(SAMPLE_WS, '2019-04-16T20:00:00.000Z', 'Document Query'),
  audit(SAMPLE_WS, '2019-04-19T15:00:00.000Z', 'View'),
  audit(SAMPLE_WS, '2019-04-19T15:01:00.000Z', 'View'),
  audit(SAMPLE_WS, '2019-04-19T15:02:00.000Z', 'Create'),
  audit(SAMPLE_WS, '2019-04-20T04:00:00.000Z', 'Export'),
  // Another user, earlier and later: the RowCondition leaves these out.
  audit(SAMPLE_WS, '2019-04-14T12:00:00.000Z', 'Login', SERVICE),
  audit(SAMPLE_WS, '2019-04-25T12:00:00.000Z', 'Delete', SERVICE),

  audit(DST_WS, '2019-03-08T05:59:59.999Z', 'Update'), // Mar 7 23:59:59.999 CST
  audit(DST_WS, '2019-03-08T06:00:00.000Z', 'View'), // Mar 8 00:00 CST
  audit(DST_WS, '2019-03-10T07:59:59.000Z', 'Document Query'), // Mar 10 01:59:59 CST
  audit(DST_WS, '2019-03-10T08:00:00.000Z', 'Document Query'), // Mar 10 03:00 CDT
  audit(DST_WS, '2019-03-11T04:59:59.999Z', 'Query'), // Mar 10 23:59:59.999 CDT
  audit(DST_WS, '2019-03-11T05:00:00.000Z', 'Query'), // Mar 11 00:00 CDT
  audit(DST_WS, '2019-03-14T17:00:00.000Z', 'Export'),

  audit(USERS_WS, '2019-05-01T10:00:00.000Z', 'View', ADMIN),
  audit(USERS_WS, '2019-05-01T11:00:00.000Z', 'View', ADMIN),
  audit(USERS_WS, '2019-05-01T12:00:00.000Z', 'Update', SERVICE, 'Workspace'),
  audit(USERS_WS, '2019-05-01T13:00:00.000Z', 'Login', JANE, 'Workspace'),
  audit(USERS_WS, '2019-05-03T09:00:00.000Z', 'Update', ADMIN),
  audit(USERS_WS, '2019-05-03T12:00:00.000Z', 'Delete', SERVICE, 'Workspace'),
  // User 9 was renamed: the name of the latest audit is the one shown.
  audit(USERS_WS, '2019-05-03T10:00:00.000Z', 'View', [9, 'Relativity Admin']),
]

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }
const admin: Caller = systemCaller()

const request = (settings: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  settings,
  cancel: {
    RequestId: 'e54e41a4-d2fb-439c-b517-1717dafc00ee',
    TicketId: 'e54e41a4-d2fb-439c-b517-1717dafc00ee',
  },
  progress: {
    RequestId: 'e54e41a4-d2fb-439c-b517-1717dafc00ee',
    TicketId: 'e54e41a4-d2fb-439c-b517-1717dafc00ee',
  },
  ...extra,
})
const post = (payload: object, ws = SAMPLE_WS, headers = auth) =>
  app.inject({
    method: 'POST',
    url: `/Relativity.REST/api/relativity-audit/v1/workspaces/${ws}/pivots/`,
    headers,
    payload,
  })
const run = async (ws: number, req: PivotRequest) => toPivotResponse(await pivot(stores, admin, ws, req))

beforeAll(async () => {
  const test = await buildTestApp()
  stores = test.stores
  const ingested = await test.app.inject({
    method: 'POST',
    url: '/ingest/v1/audits',
    headers: { ...test.auth, 'content-type': 'application/x-ndjson' },
    payload: ndjson(AUDITS),
  })
  expect(ingested.json().accepted).toBe(AUDITS.length)
  ;({ app, auth } = test)
})

const zeros = { _x0039_: 0, _x0031_: 0, _x0032_: 0, _x0032_8: 0, _x0033_3: 0, _x0033_: 0 }

describe('POST …/workspaces/{workspaceID}/pivots', () => {
  it('answers the document’s sample request (GroupBy Timestamp, PivotOn Action, America/Chicago)', async () => {
    const response = await post({
      workspaceId: SAMPLE_WS,
      settings: {
        GroupBy: { ArtifactID: TIMESTAMP },
        PivotOn: { ArtifactID: ACTION },
        ObjectSetQuery: { Condition: '', RowCondition: `(('User Name' == CHOICE ${SAMPLE_USER}))` },
        ConvertNumberFieldValuesToString: true,
        TimeZone: 'America/Chicago',
      },
      cancel: {
        RequestId: 'e54e41a4-d2fb-439c-b517-1717dafc00ee',
        TicketId: 'e54e41a4-d2fb-439c-b517-1717dafc00ee',
      },
      progress: {
        RequestId: 'e54e41a4-d2fb-439c-b517-1717dafc00ee',
        TicketId: 'e54e41a4-d2fb-439c-b517-1717dafc00ee',
      },
    })
    expect(response.statusCode).toBe(200)
    // Columns: most audits first (Delete 5, View 2), ties by name; days 17 and 18 zero-filled.
    const expected = {
      Results: [
        { Timestamp: '2019-04-16T05:00:00', ...zeros, _x0039_: 5, _x0032_8: 1, _x0033_: 1, 'Grand Total': 7 },
        { Timestamp: '2019-04-17T05:00:00', ...zeros, 'Grand Total': 0 },
        { Timestamp: '2019-04-18T05:00:00', ...zeros, 'Grand Total': 0 },
        { Timestamp: '2019-04-19T05:00:00', ...zeros, _x0031_: 2, _x0032_: 1, _x0033_3: 1, 'Grand Total': 4 },
      ],
      TotalCount: 4,
      QueryToken: '',
      Success: true,
      Message: 'SUCCESS',
      PivotIdToDisplayValueMap: [
        ['Timestamp', 'Timestamp'],
        ['_x0039_', 'Delete'],
        ['_x0031_', 'View'],
        ['_x0032_', 'Create'],
        ['_x0032_8', 'Document Query'],
        ['_x0033_3', 'Export'],
        ['_x0033_', 'Update'],
        ['Grand Total', 'Grand Total'],
      ],
    }
    // Byte for byte: the keys keep the document's order (GroupBy, columns, Grand Total).
    expect(response.body).toBe(JSON.stringify(expected))
  })

  it('takes the workspace from the URL, keys in any letter case and fields by name', async () => {
    const response = await post({
      WORKSPACEID: DST_WS,
      Settings: {
        groupby: { name: 'timestamp' },
        PIVOTON: { Name: 'ACTION', ArtifactID: 0 },
        objectsetquery: { rowcondition: `(('User Name' == CHOICE ${SAMPLE_USER}))` },
        timezone: 'america/chicago',
      },
      Cancel: {},
      Progress: {},
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().Results[0]).toMatchObject({ Timestamp: '2019-04-16T05:00:00', 'Grand Total': 7 })
  })

  it('groups by Action without PivotOn: one count per row, no key map', async () => {
    const response = await post(request({ GroupBy: { ArtifactID: ACTION } }), DST_WS)
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe(
      JSON.stringify({
        Results: [
          { Action: 'Document Query', 'Grand Total': 2 },
          { Action: 'Query', 'Grand Total': 2 },
          { Action: 'Export', 'Grand Total': 1 },
          { Action: 'Update', 'Grand Total': 1 },
          { Action: 'View', 'Grand Total': 1 },
        ],
        TotalCount: 5,
        QueryToken: '',
        Success: true,
        Message: 'SUCCESS',
        PivotIdToDisplayValueMap: null,
      }),
    )
  })

  it('refuses fields that cannot be pivoted, unknown fields and unknown time zones with a 400 naming them', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ GroupBy: { ArtifactID: 1010 } }, "settings.GroupBy: 'Execution Time (ms)' cannot be pivoted"],
      [{ GroupBy: { Name: 'Details' } }, "settings.GroupBy: 'Details' cannot be pivoted"],
      [
        { GroupBy: { Name: 'Action' }, PivotOn: { ArtifactID: 424242 } },
        'settings.PivotOn: ArtifactID 424242',
      ],
      [{ GroupBy: { Name: 'Colour' } }, "settings.GroupBy: 'Colour' is not an audit field"],
      [{ GroupBy: { Name: 'Action' }, PivotOn: { ArtifactID: ACTION } }, "'Action' is already the GroupBy"],
      [{ GroupBy: { Name: 'Timestamp' }, TimeZone: 'Mars/Olympus' }, "settings.TimeZone: 'Mars/Olympus'"],
      [{ GroupBy: { Name: 'Action' }, ObjectSetQuery: { Condition: "(('Timestamp' >= ))" } }, 'condition: '],
      [
        { GroupBy: { Name: 'Action' }, ObjectSetQuery: { RowCondition: "(('Colour' == 1))" } },
        'rowCondition: ',
      ],
    ]
    for (const [settings, message] of cases) {
      const response = await post(request(settings))
      expect(response.statusCode, JSON.stringify(settings)).toBe(400)
      expect(response.json().message).toContain(message)
    }
    const noCancel = await post({ settings: { GroupBy: { Name: 'Action' } }, progress: {} })
    expect(noCancel.statusCode).toBe(400)
    expect(noCancel.json().message).toContain('cancel')
  })

  it('keeps injection attempts out of SQL: they are refused before any statement runs', async () => {
    const attempts: Record<string, unknown>[] = [
      { GroupBy: { Name: 'Timestamp' }, TimeZone: "UTC') OR 1=1 --" },
      { GroupBy: { Name: 'Timestamp' }, TimeZone: "UTC'), (SELECT count() FROM system.tables" },
      { GroupBy: { Name: "Action') , (SELECT 1) --" } },
      { GroupBy: { Name: 'Action' }, PivotOn: { Name: 'user_name; DROP TABLE audits' } },
    ]
    for (const settings of attempts) {
      const response = await post(request(settings))
      expect(response.statusCode, JSON.stringify(settings)).toBe(400)
    }
    const still = await post(request({ GroupBy: { Name: 'Action' } }), DST_WS)
    expect(still.json().TotalCount).toBe(5)
  })

  it('needs a signed-in caller', async () => {
    const response = await post(request({ GroupBy: { Name: 'Action' } }), SAMPLE_WS, { authorization: '' })
    expect(response.statusCode).toBe(401)
  })
})

describe('pivot (service)', () => {
  it('buckets Action × day across a DST change, zero-filled, at the UTC instant of each local midnight', async () => {
    const result = await run(DST_WS, {
      groupBy: { artifactId: TIMESTAMP },
      pivotOn: { name: 'Action' },
      timeZone: 'America/Chicago',
    })
    const empty = { _x0032_8: 0, _x0032_9: 0, _x0033_3: 0, _x0033_: 0, _x0031_: 0 }
    expect(result.Results).toEqual([
      { Timestamp: '2019-03-07T06:00:00', ...empty, _x0033_: 1, 'Grand Total': 1 },
      { Timestamp: '2019-03-08T06:00:00', ...empty, _x0031_: 1, 'Grand Total': 1 },
      { Timestamp: '2019-03-09T06:00:00', ...empty, 'Grand Total': 0 },
      // The first day of daylight time still starts at 00:00 CST; the next at 00:00 CDT.
      { Timestamp: '2019-03-10T06:00:00', ...empty, _x0032_8: 2, _x0032_9: 1, 'Grand Total': 3 },
      { Timestamp: '2019-03-11T05:00:00', ...empty, _x0032_9: 1, 'Grand Total': 1 },
      { Timestamp: '2019-03-12T05:00:00', ...empty, 'Grand Total': 0 },
      { Timestamp: '2019-03-13T05:00:00', ...empty, 'Grand Total': 0 },
      { Timestamp: '2019-03-14T05:00:00', ...empty, _x0033_3: 1, 'Grand Total': 1 },
    ])
    expect(result.TotalCount).toBe(8)
    expect(result.PivotIdToDisplayValueMap).toEqual([
      ['Timestamp', 'Timestamp'],
      ['_x0032_8', 'Document Query'],
      ['_x0032_9', 'Query'],
      ['_x0033_3', 'Export'],
      ['_x0033_', 'Update'],
      ['_x0031_', 'View'],
      ['Grand Total', 'Grand Total'],
    ])
    for (const row of result.Results) {
      const sum = Object.entries(row)
        .filter(([key]) => key.startsWith('_x'))
        .reduce((total, [, n]) => total + Number(n), 0)
      expect(row['Grand Total']).toBe(sum)
    }
  })

  it('uses UTC days without a time zone, and other zones’ offsets', async () => {
    const utc = await run(DST_WS, { groupBy: { name: 'Timestamp' }, timeZone: null })
    expect(utc.Results).toEqual([
      { Timestamp: '2019-03-08T00:00:00', 'Grand Total': 2 },
      { Timestamp: '2019-03-09T00:00:00', 'Grand Total': 0 },
      { Timestamp: '2019-03-10T00:00:00', 'Grand Total': 2 },
      { Timestamp: '2019-03-11T00:00:00', 'Grand Total': 2 },
      { Timestamp: '2019-03-12T00:00:00', 'Grand Total': 0 },
      { Timestamp: '2019-03-13T00:00:00', 'Grand Total': 0 },
      { Timestamp: '2019-03-14T00:00:00', 'Grand Total': 1 },
    ])
    expect(utc.PivotIdToDisplayValueMap).toBeNull()
    const kolkata = await run(DST_WS, { groupBy: { name: 'Timestamp' }, timeZone: 'Asia/Kolkata' })
    // Mar 8 05:59 UTC is 11:29 in Kolkata (UTC+5:30): the first day is Mar 8, starting 18:30 UTC the day before.
    expect(kolkata.Results.map((r) => r.Timestamp)).toEqual([
      '2019-03-07T18:30:00',
      '2019-03-08T18:30:00',
      '2019-03-09T18:30:00',
      '2019-03-10T18:30:00',
      '2019-03-11T18:30:00',
      '2019-03-12T18:30:00',
      '2019-03-13T18:30:00',
    ])
  })

  it('pivots on User Name keyed by user id, named by the latest audit', async () => {
    const byType = await run(USERS_WS, { groupBy: { name: 'Object Type' }, pivotOn: { name: 'User Name' } })
    expect(byType.Results).toEqual([
      { 'Object Type': 'Document', _x0039_: 4, _x0037_77: 0, _x0031_039872: 0, 'Grand Total': 4 },
      { 'Object Type': 'Workspace', _x0039_: 0, _x0037_77: 2, _x0031_039872: 1, 'Grand Total': 3 },
    ])
    expect(byType.PivotIdToDisplayValueMap).toEqual([
      ['Object Type', 'Object Type'],
      ['_x0039_', 'Relativity Admin'],
      ['_x0037_77', 'Service Account, Relativity'],
      ['_x0031_039872', 'Doe, Jane'],
      ['Grand Total', 'Grand Total'],
    ])
    const byUser = await run(USERS_WS, { groupBy: { name: 'User Name' }, pivotOn: { artifactId: ACTION } })
    expect(byUser.Results).toEqual([
      { 'User Name': 'Relativity Admin', _x0031_: 3, _x0033_: 1, _x0039_: 0, _x0032_5: 0, 'Grand Total': 4 },
      {
        'User Name': 'Service Account, Relativity',
        _x0031_: 0,
        _x0033_: 1,
        _x0039_: 1,
        _x0032_5: 0,
        'Grand Total': 2,
      },
      { 'User Name': 'Doe, Jane', _x0031_: 0, _x0033_: 0, _x0039_: 0, _x0032_5: 1, 'Grand Total': 1 },
    ])
    expect(byUser.TotalCount).toBe(3)
  })

  it('pivots on Timestamp: one column per day, in order, zero-filled', async () => {
    const result = await run(USERS_WS, { groupBy: { name: 'Action' }, pivotOn: { name: 'Timestamp' } })
    const [may1, may2, may3] = ['01', '02', '03'].map((d) => `_x0032_019-05-${d}T00:00:00`)
    expect(result.PivotIdToDisplayValueMap).toEqual([
      ['Action', 'Action'],
      [may1, '2019-05-01T00:00:00'],
      [may2, '2019-05-02T00:00:00'],
      [may3, '2019-05-03T00:00:00'],
      ['Grand Total', 'Grand Total'],
    ])
    expect(result.Results).toEqual([
      { Action: 'View', [may1!]: 2, [may2!]: 0, [may3!]: 1, 'Grand Total': 3 },
      { Action: 'Update', [may1!]: 1, [may2!]: 0, [may3!]: 1, 'Grand Total': 2 },
      { Action: 'Delete', [may1!]: 0, [may2!]: 0, [may3!]: 1, 'Grand Total': 1 },
      { Action: 'Login', [may1!]: 1, [may2!]: 0, [may3!]: 0, 'Grand Total': 1 },
    ])
  })

  it('filters with Condition AND RowCondition', async () => {
    const byUser = (condition: string, rowCondition: string) =>
      run(USERS_WS, { groupBy: { name: 'User Name' }, condition, rowCondition }).then((r) => r.Results)
    const condition = "(('Action' IN CHOICE [1, 3]))"
    const rowCondition = `(('User Name' == CHOICE ${SERVICE[0]}))`
    expect(await byUser(condition, '')).toEqual([
      { 'User Name': 'Relativity Admin', 'Grand Total': 4 },
      { 'User Name': 'Service Account, Relativity', 'Grand Total': 1 },
    ])
    expect(await byUser('', rowCondition)).toEqual([
      { 'User Name': 'Service Account, Relativity', 'Grand Total': 2 },
    ])
    expect(await byUser(condition, rowCondition)).toEqual([
      { 'User Name': 'Service Account, Relativity', 'Grand Total': 1 },
    ])
    expect(await byUser("(('Object Name' == 'nothing'))", '')).toEqual([])
  })

  it('binds the time zone and the condition values; field SQL comes from the catalog', async () => {
    const spy = vi.spyOn(stores.warehouse, 'query')
    try {
      await run(SAMPLE_WS, {
        groupBy: { name: 'Timestamp' },
        pivotOn: { name: 'User Name' },
        condition: "(('Object Name' STARTSWITH 'CTRL'))",
        rowCondition: `(('User Name' == CHOICE ${SAMPLE_USER}))`,
        timeZone: 'America/Chicago',
      })
      const statements = spy.mock.calls.map(([statement]) => statement as SqlQuery)
      expect(statements).toHaveLength(2)
      for (const statement of statements) {
        expect(statement.query).not.toContain('America/Chicago')
        expect(statement.query.toLowerCase()).not.toContain('ctrl')
        expect(statement.query).not.toContain(String(SAMPLE_USER))
        expect(statement.query).toContain('{tz:String}')
        expect(statement.params?.tz).toBe('America/Chicago')
      }
      const bound = Object.values(statements[0]!.params ?? {}).map((v) => String(v).toLowerCase())
      expect(bound).toContain('ctrl')
    } finally {
      spy.mockRestore()
    }
  })

  it('builds its SQL from the catalog (golden)', () => {
    const cells = pivotCellsStatement({
      tenantId: 1,
      workspaceId: SAMPLE_WS,
      groupBy: findAuditField('Timestamp')!,
      pivotOn: findAuditField('User Name')!,
      condition: "(('Action' == CHOICE 3))",
      rowCondition: "(('Object Type' == CHOICE 10))",
      timeZone: 'America/Chicago',
    })
    expect(cells).toEqual({
      query:
        'SELECT toString(toDate32(timestamp, {tz:String})) AS g, toString(user_id) AS p, count() AS n, ' +
        'max(audit_id) AS last_id, argMax(user_name, audit_id) AS p_name FROM audits ' +
        'WHERE tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64} ' +
        'AND (action_id = {c0:UInt16}) AND (object_type_id = {r0:UInt32}) GROUP BY g, p',
      params: { tenant: 1, workspace: SAMPLE_WS, c0: 3n, r0: 10n, tz: 'America/Chicago' },
      tag: 'audit:pivot:cells',
    })
    const plain = pivotCellsStatement({
      tenantId: 1,
      workspaceId: SAMPLE_WS,
      groupBy: findAuditField('Action')!,
      pivotOn: undefined,
      timeZone: 'UTC',
    })
    expect(plain.query).toBe(
      "SELECT toString(action_id) AS g, '' AS p, count() AS n, max(audit_id) AS last_id FROM audits " +
        'WHERE tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64} GROUP BY g, p',
    )
    expect(plain.params).toEqual({ tenant: 1, workspace: SAMPLE_WS })
    expect(dayStartsStatement('2019-03-07', 8, 'America/Chicago').params).toEqual({
      first: '2019-03-07',
      days: 8,
      tz: 'America/Chicago',
    })
  })

  it('checks Workspace Access', async () => {
    const outsider: Caller = {
      tenantId: 1,
      principal: { kind: 'user', userId: 5, username: 'outsider', isSystemAdmin: false },
      access: new Access([], false),
    }
    await expect(pivot(stores, outsider, SAMPLE_WS, { groupBy: { name: 'Action' } })).rejects.toThrow(
      /Workspace Access/,
    )
    await expect(pivot(stores, outsider, -1, { groupBy: { name: 'Action' } })).rejects.toThrow(
      /Instance Audit Access/,
    )
  })
})
