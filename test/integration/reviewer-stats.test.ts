import ExcelJS from 'exceljs'
import type { FastifyInstance } from 'fastify'
import { parse } from 'csv-parse/sync'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Permission } from '../../src/modules/identity/permissions.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, ndjson, tokenOfUserWith } from '../helpers/app.js'

/**
 * The Reviewer Statistics service over the HTTP API, with the document's requests and sample
 * figures reproduced from ingested audits (the property tests check every statistic against the
 * reference implementation on random histories).
 */
const WS = 1018053
const ADMIN = { id: 9, name: 'Admin, Relativity' }
const SERVICE = { id: 777, name: 'Service Account, Relativity' }
const REVIEWER = { id: 1040, name: 'Doe, Jane' }
const RESPONSIVENESS = 1035357
const CHOICES = { responsive: 1035871, notResponsive: 1035850, review: 1035916, privileged: 1035891 }
const ISSUES = 1035400
const ISSUE = { pricing: 1035401, damages: 1035402 }
const HOT = 1035500
const EXTRACTED_TEXT = 1035600
const DOCS = [1040001, 1040002, 1040003, 1040004]
const TEXT_BYTES = [18_342, 4_096, 100_000, 7]

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

let seq = 0
interface Change {
  fieldId: number
  field: string
  oldValue: string | boolean | null
  newValue: string | boolean | null
}
const audit = (
  user: { id: number; name: string },
  at: number,
  action: string,
  doc: number,
  changes: Change[] = [],
) => ({
  id: `reviewer-${++seq}`,
  workspaceId: WS,
  timestamp: new Date(at).toISOString(),
  action,
  objectType: 'Document',
  artifactId: doc,
  artifactName: `CTRL${doc}`,
  userId: user.id,
  userName: user.name,
  ...(changes.length > 0 && { changes }),
})

const responsiveness = (oldValue: string | null, newValue: string | null): Change => ({
  fieldId: RESPONSIVENESS,
  field: 'Responsiveness',
  oldValue,
  newValue,
})

/**
 * The document's summary line for user 9: 37 views of 3 documents and 31 edits of 3 documents in
 * one session of 11:35:28 (67 gaps, none over the 900 s threshold), over 2019-01-01 … 2019-10-09:
 * 282 days. Edits are Responsiveness changes, Responsive first.
 */
function adminHistory() {
  const start = Date.parse('2019-05-02T13:00:00Z')
  const gaps = [...Array<number>(66).fill(622), 41_728 - 622 * 66]
  const times = [start, ...gaps.map((_, i) => start + 1000 * gaps.slice(0, i + 1).reduce((a, b) => a + b, 0))]
  return times.map((at, i) => {
    const doc = DOCS[i % 3]!
    if (i % 2 === 0 && i < 74 - 12) {
      // 31 edits at even positions 0, 2, …, 60.
      const values = ['Responsive', 'Not Responsive']
      const edit = i / 2
      return audit(ADMIN, at, 'Update', doc, [
        responsiveness(edit < 3 ? null : values[(edit + 1) % 2]!, values[edit % 2]!),
      ])
    }
    return audit(ADMIN, at, 'View', doc)
  })
}

const AUDITS = [
  ...adminHistory(),
  // Jane, in Chicago: two sessions on May 2 (the second after a 20-minute gap), crossing local
  // midnight into May 3, with a mass edit, a propagation, and choice coding.
  audit(REVIEWER, Date.parse('2019-05-03T04:50:00Z'), 'View', DOCS[3]!), // May 2 23:50 CDT
  audit(REVIEWER, Date.parse('2019-05-03T04:55:00Z'), 'Update', DOCS[3]!, [
    responsiveness(null, 'Responsive'),
    { fieldId: ISSUES, field: 'Issues', oldValue: null, newValue: 'Pricing; Damages' },
    { fieldId: HOT, field: 'Hot Document', oldValue: null, newValue: true },
  ]),
  audit(REVIEWER, Date.parse('2019-05-03T05:05:00Z'), 'View', DOCS[0]!), // May 3 00:05 CDT
  audit(REVIEWER, Date.parse('2019-05-03T05:25:00Z'), 'Update - Mass Edit', DOCS[1]!, [
    responsiveness('Not Responsive', 'Needs Further Review'),
  ]),
  audit(REVIEWER, Date.parse('2019-05-03T05:30:00Z'), 'Update - Propagation', DOCS[2]!, [
    { fieldId: ISSUES, field: 'Issues', oldValue: 'Pricing; Damages', newValue: 'Damages' },
    { fieldId: HOT, field: 'Hot Document', oldValue: true, newValue: false },
  ]),
  // The service account views nothing: a login only, which no statistic counts.
  {
    ...audit(SERVICE, Date.parse('2019-05-04T10:00:00Z'), 'Login', 0),
    objectType: 'Workspace',
    artifactId: WS,
  },
]

const post = (path: string, payload: object) =>
  app.inject({
    method: 'POST',
    url: `/Relativity.REST/api/relativity-audit/v1/workspaces/${WS}/${path}/`,
    headers: auth,
    payload,
  })

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  const put = (kind: string, items: object[]) => ingestThroughApi(app, auth, { entities: kind }, items)
  for (const response of [
    await put('workspaces', [{ artifactId: WS, name: 'Acme v. Widget' }]),
    await put('users', [
      { artifactId: ADMIN.id, fullName: ADMIN.name, isSystemAdmin: true },
      { artifactId: SERVICE.id, fullName: SERVICE.name },
      { artifactId: REVIEWER.id, fullName: REVIEWER.name },
    ]),
    await put('fields', [
      {
        artifactId: RESPONSIVENESS,
        workspaceId: WS,
        name: 'Responsiveness',
        fieldType: 'SingleChoice',
        choices: [
          { artifactId: CHOICES.responsive, name: 'Responsive' },
          { artifactId: CHOICES.notResponsive, name: 'Not Responsive' },
          { artifactId: CHOICES.review, name: 'Needs Further Review' },
          { artifactId: CHOICES.privileged, name: 'Privileged Responsive' },
        ],
      },
      {
        artifactId: ISSUES,
        workspaceId: WS,
        name: 'Issues',
        fieldType: 'MultipleChoice',
        choices: [
          { artifactId: ISSUE.pricing, name: 'Pricing' },
          { artifactId: ISSUE.damages, name: 'Damages' },
        ],
      },
      { artifactId: HOT, workspaceId: WS, name: 'Hot Document', fieldType: 'YesNo' },
      { artifactId: EXTRACTED_TEXT, workspaceId: WS, name: 'Extracted Text', fieldType: 'LongText' },
    ]),
    await put(
      'documents',
      DOCS.map((artifactId, i) => ({
        artifactId,
        workspaceId: WS,
        controlNumber: `CTRL${artifactId}`,
        extractedTextBytes: TEXT_BYTES[i],
      })),
    ),
    await app.inject({
      method: 'POST',
      url: '/ingest/v1/audits',
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
      payload: ndjson(AUDITS),
    }),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
  }
})

const PERIOD = { startDate: '2019-01-01', endDate: '2019-10-09' }

describe('Reviewer statistics: summary-report', () => {
  it('reproduces the document’s sample line for user 9: 31 edits over 11:35:28 is 2.67 per hour', async () => {
    const response = await post('summary-report', {
      reviewerStatsDataRequest: { ...PERIOD, timeZone: 'UTC', downTimeThreshold: 900, nonAdmin: false },
    })
    expect(response.statusCode, response.body).toBe(200)
    const admin = response.json().find((line: { UserId: number }) => line.UserId === ADMIN.id)
    expect(admin).toEqual({
      FullName: 'Admin, Relativity',
      UserId: 9,
      TotalUsageTime: '11:35:28',
      Views: 37,
      DistinctViews: 3,
      Edits: 31,
      DistinctEdits: 3,
      EditsPerHour: 2.67,
      EditsPerDay: 0.11,
      DistinctEditsPerHour: 0.26,
      DistinctEditsPerDay: 0.01,
      MassEdits: 0,
      DistinctMassEdits: 0,
      DistinctMassEditsPerHour: 0,
      DistinctMassEditsPerDay: 0,
      MassEditsPerHour: 0,
      MassEditsPerDay: 0,
      Propagations: 0,
      DistinctPropagations: 0,
      DistinctMassPropagationsPerHour: 0,
      DistinctMassPropagationsPerDay: 0,
      PropagationsPerHour: 0,
      PropagationsPerDay: 0,
    })
  })

  it('cuts sessions at the threshold, widens them with additionalActions, and leaves out admins with nonAdmin', async () => {
    const summary = async (request: object) => {
      const response = await post('summary-report', {
        reviewerStatsDataRequest: { ...PERIOD, timeZone: '-05:00', ...request },
      })
      expect(response.statusCode, response.body).toBe(200)
      return response.json() as { UserId: number; TotalUsageTime: string; [k: string]: unknown }[]
    }
    // View 04:50, Update 04:55 (5 min), View 05:05 (10 min): 15 minutes; the mass edit 20 minutes
    // later is not a session action without additionalActions.
    const plain = await summary({ nonAdmin: true })
    expect(plain.map((line) => line.UserId)).toEqual([REVIEWER.id])
    expect(plain[0]).toMatchObject({
      FullName: 'Doe, Jane',
      TotalUsageTime: '0:15:00',
      Views: 2,
      Edits: 1,
      MassEdits: 1,
      DistinctMassEdits: 1,
      Propagations: 1,
      EditsPerHour: 4,
      MassEditsPerHour: 4,
      EditsPerDay: 0, // 1 / 282 days
    })
    // With mass edits, 05:05 → 05:25 is a 20-minute gap: over the threshold, a new session of 0 s.
    expect((await summary({ nonAdmin: true, additionalActions: 'Mass Edit' }))[0]!.TotalUsageTime).toBe(
      '0:15:00',
    )
    // With both, the mass edit and the propagation 5 minutes later make a second session.
    expect(
      (await summary({ nonAdmin: true, additionalActions: 'Mass Edit and Propagation' }))[0]!.TotalUsageTime,
    ).toBe('0:20:00')
    // A threshold of 1200 s joins the sessions: 04:50 → 05:30.
    expect(
      (await summary({ nonAdmin: true, additionalActions: 3, downTimeThreshold: 1200 }))[0]!.TotalUsageTime,
    ).toBe('0:40:00')
    // Without nonAdmin the admin is listed too, ordered by full name.
    expect((await summary({})).map((line) => line.FullName)).toEqual(['Admin, Relativity', 'Doe, Jane'])
  })

  it('exports the same table as CSV and as an XLSX workbook', async () => {
    const body = { reviewerStatsDataRequest: { ...PERIOD, timeZone: 'UTC' } }
    const json = (await post('summary-report', body)).json()
    const csv = await post('summary-report/export', body)
    expect(csv.statusCode, csv.body).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers['content-disposition']).toBe(
      `attachment; filename="Reviewer Statistics - Workspace ${WS}.csv"`,
    )
    const rows = parse(csv.body) as string[][]
    expect(rows[0]!.slice(0, 4)).toEqual(['Full Name', 'User ID', 'Total Usage Time', 'Views'])
    expect(rows.slice(1).map((row) => row.slice(0, 8))).toEqual(
      json.map((line: Record<string, unknown>) =>
        [
          line.FullName,
          line.UserId,
          line.TotalUsageTime,
          line.Views,
          line.DistinctViews,
          line.Edits,
          line.DistinctEdits,
          line.EditsPerHour,
        ].map(String),
      ),
    )

    const xlsx = await app.inject({
      method: 'POST',
      url: `/Relativity.REST/api/relativity-audit/v1/workspaces/${WS}/summary-report/export?format=xlsx`,
      headers: auth,
      payload: body,
    })
    expect(xlsx.statusCode).toBe(200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const sheet = workbook.getWorksheet('Reviewer Statistics')!
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(sheet.getRow(1).getCell(1).value).toBe('Full Name')
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true)
    const admin = sheet.getRow(2)
    expect(admin.getCell(1).value).toBe('Admin, Relativity')
    // 11:35:28 as a duration cell, which a reader sees as that time on the spreadsheet epoch.
    expect(admin.getCell(3).value).toEqual(new Date(Date.UTC(1899, 11, 30, 11, 35, 28)))
    expect(admin.getCell(3).numFmt).toBe('[h]:mm:ss')
    expect(admin.getCell(8).value).toBe(2.67)
  })
})

describe('Reviewer statistics: the criteria endpoints', () => {
  const criteria = (extra: object = {}) => ({
    criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31', TimeZone: 'America/Chicago', ...extra },
  })

  it('document-action-counts: counts and distinct documents per action, requested actions zero-filled', async () => {
    const response = await post('document-action-counts', criteria({ UserIdsToIncludeInReport: [ADMIN.id] }))
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual({
      ReviewerStatistics: [
        {
          UserId: 9,
          Statistics: {
            ActionCounts: [
              { AuditActionId: 1, Count: 37, DistinctDocumentCount: 3 },
              { AuditActionId: 3, Count: 31, DistinctDocumentCount: 3 },
            ],
          },
        },
      ],
    })
    const asked = await post(
      'document-action-counts',
      criteria({ UserIdsToIncludeInReport: [REVIEWER.id], ActionIds: [4, 1, 2] }),
    )
    expect(asked.json().ReviewerStatistics[0].Statistics.ActionCounts).toEqual([
      { AuditActionId: 4, Count: 1, DistinctDocumentCount: 1 },
      { AuditActionId: 1, Count: 2, DistinctDocumentCount: 2 },
      { AuditActionId: 2, Count: 0, DistinctDocumentCount: 0 },
    ])
  })

  it('usage-time: seconds per reviewer; an included user without activity is listed with 0', async () => {
    const response = await post(
      'usage-time',
      criteria({
        UserIdsToIncludeInReport: [ADMIN.id, REVIEWER.id, SERVICE.id],
        AdditionalActions: 'Propagation',
      }),
    )
    expect(response.json()).toEqual({
      ReviewerStatistics: [
        { UserId: 9, Statistics: { TotalSeconds: 41_728 } },
        { UserId: 777, Statistics: { TotalSeconds: 0 } },
        // 04:50 → 05:05, then the propagation at 05:30 is 25 minutes after the last session action.
        { UserId: 1040, Statistics: { TotalSeconds: 900 } },
      ],
    })
  })

  it('total-reviewed-text-size: extracted text of the distinct documents viewed or edited', async () => {
    const response = await post(
      'total-reviewed-text-size',
      criteria({ ExtractedTextFieldArtifactId: EXTRACTED_TEXT }),
    )
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual({
      ReviewerStatistics: [
        { UserId: 9, Statistics: { TotalBytes: TEXT_BYTES[0]! + TEXT_BYTES[1]! + TEXT_BYTES[2]! } },
        // Jane viewed or edited documents 4 and 1; her mass edit and propagation do not count.
        { UserId: 1040, Statistics: { TotalBytes: TEXT_BYTES[3]! + TEXT_BYTES[0]! } },
      ],
    })
  })

  it('distinct-document-actions-per-hour-of-day: 24 buckets in the request time zone', async () => {
    const response = await post(
      'distinct-document-actions-per-hour-of-day',
      criteria({ UserIdsToIncludeInReport: [REVIEWER.id] }),
    )
    const buckets = response.json().ReviewerStatistics[0].Statistics.HourBuckets
    expect(buckets).toHaveLength(24)
    expect(buckets.map((b: { HourOfDay: number }) => b.HourOfDay)).toEqual([...Array(24).keys()])
    // 23:50 View and 23:55 Update of one document (two pairs), then 00:05, 00:25 and 00:30.
    expect(buckets.filter((b: { ActionCount: number }) => b.ActionCount > 0)).toEqual([
      { HourOfDay: 0, ActionCount: 3 },
      { HourOfDay: 23, ActionCount: 2 },
    ])
  })

  it('reviewer-choices: the document’s request; every choice listed, Yes/No as 1 and 0', async () => {
    const response = await post('reviewer-choices', {
      reviewerChoicesCriteria: {
        FieldIds: [RESPONSIVENESS],
        EndDate: '2019-05-22T16:20:16.000',
        StartDate: '2019-05-01T16:20:16.000',
        TimeZone: 'America/Chicago',
        UserIdsToExcludeInReport: [777],
        UserIdsToIncludeInReport: [9],
      },
    })
    expect(response.statusCode, response.body).toBe(200)
    // 31 edits alternate Responsive (16) and Not Responsive (15); 28 of them replace a value.
    expect(response.json()).toEqual({
      ReviewerStatistics: [
        {
          UserId: 9,
          Statistics: {
            ReviewedFieldChoices: [
              {
                FieldId: RESPONSIVENESS,
                ReviewedChoices: [
                  { ChoiceId: CHOICES.responsive, Count: 16 },
                  { ChoiceId: CHOICES.notResponsive, Count: 15 },
                  { ChoiceId: CHOICES.review, Count: 0 },
                  { ChoiceId: CHOICES.privileged, Count: 0 },
                ],
                TotalChoicesUnset: 28,
                FieldType: 1,
              },
            ],
            TotalDocsUpdated: 3,
            TotalChoicesUnset: 28,
          },
        },
      ],
    })

    const jane = await post('reviewer-choices', {
      reviewerChoicesCriteria: {
        FieldIds: [ISSUES, HOT, RESPONSIVENESS],
        StartDate: '2019-05-01',
        EndDate: '2019-05-31',
        TimeZone: 'America/Chicago',
        UserIdsToIncludeInReport: [REVIEWER.id],
      },
    })
    expect(jane.json().ReviewerStatistics[0].Statistics).toEqual({
      ReviewedFieldChoices: [
        {
          FieldId: ISSUES,
          ReviewedChoices: [
            { ChoiceId: ISSUE.pricing, Count: 1 },
            { ChoiceId: ISSUE.damages, Count: 1 },
          ],
          TotalChoicesUnset: 1, // the propagation removed Pricing
          FieldType: 0,
        },
        {
          FieldId: HOT,
          ReviewedChoices: [
            { ChoiceId: 1, Count: 1 },
            { ChoiceId: 0, Count: 1 },
          ],
          TotalChoicesUnset: 1,
          FieldType: 2,
        },
        {
          FieldId: RESPONSIVENESS,
          ReviewedChoices: [
            { ChoiceId: CHOICES.responsive, Count: 1 },
            { ChoiceId: CHOICES.notResponsive, Count: 0 },
            { ChoiceId: CHOICES.review, Count: 1 },
            { ChoiceId: CHOICES.privileged, Count: 0 },
          ],
          TotalChoicesUnset: 1,
          FieldType: 1,
        },
      ],
      // Document 4 (update), 2 (mass edit), 3 (propagation: it set No on Hot Document).
      TotalDocsUpdated: 3,
      TotalChoicesUnset: 3,
    })
  })
})

describe('Reviewer statistics: bad requests', () => {
  it.each([
    [
      'document-action-counts',
      { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31', TimeZone: 'Mars/Olympus' } },
      "criteria.TimeZone: 'Mars/Olympus' is not a time zone",
    ],
    [
      'usage-time',
      { criteria: { StartDate: '2019-05-31', EndDate: '2019-05-01' } },
      "criteria.EndDate: '2019-05-01' is before criteria.StartDate '2019-05-31'",
    ],
    [
      'usage-time',
      { criteria: { StartDate: '2019-02-30', EndDate: '2019-05-01' } },
      "criteria.StartDate: '2019-02-30' is not a date",
    ],
    [
      'reviewer-choices',
      { reviewerChoicesCriteria: { StartDate: '2019-05-01', EndDate: '2019-05-31', FieldIds: [424242] } },
      `reviewerChoicesCriteria.FieldIds: 424242 is not a field of workspace ${WS}`,
    ],
    [
      'reviewer-choices',
      {
        reviewerChoicesCriteria: {
          StartDate: '2019-05-01',
          EndDate: '2019-05-31',
          FieldIds: [EXTRACTED_TEXT],
        },
      },
      `field ${EXTRACTED_TEXT} ('Extracted Text') is a LongText field, not a choice or Yes/No field`,
    ],
    [
      'total-reviewed-text-size',
      {
        criteria: {
          StartDate: '2019-05-01',
          EndDate: '2019-05-31',
          ExtractedTextFieldArtifactId: RESPONSIVENESS,
        },
      },
      `field ${RESPONSIVENESS} is a SingleChoice field, not a long text field`,
    ],
    [
      'document-action-counts',
      { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31', ActionIds: [1, 404] } },
      'criteria.ActionIds: 404 is not an audit action id',
    ],
    [
      'summary-report',
      {
        reviewerStatsDataRequest: {
          startDate: '2019-05-01',
          endDate: '2019-05-31',
          additionalActions: 'Everything',
        },
      },
      'additionalActions',
    ],
    [
      'summary-report',
      { reviewerStatsDataRequest: { startDate: '2019-05-01', endDate: '2019-05-31', timeZone: '+15:00' } },
      'reviewerStatsDataRequest.timeZone: a UTC offset lies between -14:00 and +14:00',
    ],
    ['summary-report', { reviewerStatsDataRequest: { endDate: '2019-05-31' } }, 'startDate'],
    // A misspelt criterion is refused rather than dropped (the statistic would ignore it).
    [
      'usage-time',
      { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31', UserIdsToExclude: [ADMIN.id] } },
      "unknown field 'body.criteria.UserIdsToExclude'",
    ],
    [
      'summary-report',
      {
        reviewerStatsDataRequest: { startDate: '2019-05-01', endDate: '2019-05-31' },
        downTimeThreshold: 60,
      },
      "unknown field 'body.downTimeThreshold'",
    ],
  ])('%s answers 400 naming the problem (%#)', async (path, body, message) => {
    const response = await post(path, body)
    expect(response.statusCode, response.body).toBe(400)
    expect(response.body).toContain(message)
  })

  it('refuses a misspelt export parameter rather than sending CSV', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/Relativity.REST/api/relativity-audit/v1/workspaces/${WS}/summary-report/export?fromat=xlsx`,
      headers: auth,
      payload: { reviewerStatsDataRequest: { startDate: '2019-05-01', endDate: '2019-05-31' } },
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain("unknown field 'querystring.fromat'")
  })

  it('refuses the instance level, which has no reviewers', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/Relativity.REST/api/relativity-audit/v1/workspaces/-1/usage-time/',
      headers: auth,
      payload: { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31' } },
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('reviewer statistics are kept per workspace')
  })
})

describe('Reviewer statistics: access', () => {
  /** A token of a user holding `permissions` on the workspace. */
  const tokenWith = (name: string, permissions: Permission[]) =>
    tokenOfUserWith(
      app,
      stores,
      name,
      permissions.map((permission) => ({ permission, scopeKind: 'workspace', scopeValue: String(WS) })),
    )

  it('needs View Reviewer Statistics besides Workspace Access', async () => {
    const request = async (headers: { authorization: string }) =>
      app.inject({
        method: 'POST',
        url: `/Relativity.REST/api/relativity-audit/v1/workspaces/${WS}/usage-time/`,
        headers,
        payload: { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31' } },
      })
    const reader = await request(await tokenWith('auditreader', ['Workspace Access']))
    expect(reader.statusCode).toBe(403)
    expect(reader.body).toContain(`this needs the 'View Reviewer Statistics' permission for workspace ${WS}`)
    const manager = await request(
      await tokenWith('reviewmanager', ['Workspace Access', 'View Reviewer Statistics']),
    )
    expect(manager.statusCode).toBe(200)
    expect(manager.json().ReviewerStatistics.map((r: { UserId: number }) => r.UserId)).toEqual([
      ADMIN.id,
      REVIEWER.id,
    ])
  })
})
