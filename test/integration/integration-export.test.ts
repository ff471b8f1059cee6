import { Command, CommanderError } from 'commander'
import ExcelJS from 'exceljs'
import type { FastifyInstance } from 'fastify'
import JSZip from 'jszip'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { registerExportCommand } from '../../src/cli/commands/export.js'
import { systemCaller } from '../../src/modules/identity/caller.js'
import { lastMonths, readUsageData } from '../../src/modules/integration-export/usage-data.js'
import { usageReportsZip } from '../../src/modules/integration-export/usage-export.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'
import { tempDir } from '../helpers/stores.js'

/**
 * The integration usage export end to end: a crafted data set is ingested through the API,
 * `Usage Reports.zip` downloaded, both workbooks opened with a real XLSX reader (ExcelJS), and every
 * sheet, column and value asserted, with each identity rule, joins by each rule, and a duplicate.
 */
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const DAY = 86_400_000
/** Whole minutes in the past, so date cells read back exactly. */
const NOW = Math.floor(Date.now() / 60_000) * 60_000
const ago = (days: number) => NOW - days * DAY
const iso = (ms: number) => new Date(ms).toISOString()
const utcMinute = (ms: number) => `${iso(ms).slice(0, 16).replace('T', ' ')} UTC`
/** In the yearly window only. */
const EIGHT_MONTHS = 240
/** In neither window. */
const OVER_A_YEAR = 400

const integration = (
  integrationId: string,
  [system1, project1]: [string, string],
  [system2, project2]: [string, string],
  status: 'Active' | 'Inactive',
  updatedDaysAgo: number,
) => ({
  integrationId,
  system1,
  system2,
  project1,
  project2,
  entityTypes: ['Bug'],
  status,
  lastUpdated: iso(ago(updatedDaysAgo)),
})

const PROJECTS: Record<string, string> = { Jira: 'PLAT', 'Azure DevOps': 'Platform', ServiceNow: 'OPS' }
const sync = (
  integrationId: string,
  days: number,
  [sourceSystem, targetSystem]: [string, string],
  entityType: string,
  entityId: string,
  outcome = 'Success',
) => ({
  timestamp: iso(ago(days)),
  integrationId,
  sourceSystem,
  targetSystem,
  sourceProject: PROJECTS[sourceSystem] ?? 'X',
  targetProject: PROJECTS[targetSystem] ?? 'X',
  entityType,
  entityId,
  outcome,
})
const JIRA_TO_ADO: [string, string] = ['Jira', 'Azure DevOps']
const ADO_TO_JIRA: [string, string] = ['Azure DevOps', 'Jira']

const observed = (days: number, system: string, interactionType: string, ids: object) => ({
  timestamp: iso(ago(days)),
  system,
  interactionType,
  ...ids,
})

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  const put = (kind: string, items: object[]) => ingestThroughApi(app, auth, { entities: kind }, items)
  const send = (stream: string, items: object[]) => ingestThroughApi(app, auth, { stream }, items)
  for (const response of [
    await put('integrations', [
      integration('INT-1', ['Jira', 'PLAT'], ['Azure DevOps', 'Platform'], 'Active', 20),
      integration('INT-2', ['Jira', 'OPS'], ['ServiceNow', 'IT Service Desk'], 'Inactive', EIGHT_MONTHS),
      // Updated in the window without syncing: listed in Integrated Project Count, never synced.
      integration('INT-3', ['Jira', 'WEB'], ['Azure DevOps', 'Web Portal'], 'Inactive', 30),
      // Neither synced nor updated in a year: in no workbook.
      integration('INT-4', ['Jira', 'MOBILE'], ['Azure DevOps', 'Mobile App'], 'Active', OVER_A_YEAR),
    ]),
    await send('sync-activity', [
      sync('INT-1', 10, JIRA_TO_ADO, 'Bug', 'PLAT-1'),
      // The same entity synced again: still one entity.
      sync('INT-1', 9, JIRA_TO_ADO, 'Bug', 'PLAT-1'),
      sync('INT-1', 5, JIRA_TO_ADO, 'Story', 'PLAT-2'),
      sync('INT-1', 3, ADO_TO_JIRA, 'Bug', '1001'),
      sync('INT-1', 2, ADO_TO_JIRA, 'Bug', '1002', 'Failure'),
      sync('INT-1', OVER_A_YEAR, JIRA_TO_ADO, 'Epic', 'PLAT-0'),
      sync('INT-2', EIGHT_MONTHS, ['Jira', 'ServiceNow'], 'Incident', 'OPS-1'),
      sync('INT-2', EIGHT_MONTHS + 1, ['ServiceNow', 'Jira'], 'Incident', 'INC0000001'),
      // An integration the integrations entity does not describe: not reported.
      sync('INT-404', 1, ['Jira', 'GitHub'], 'Issue', 'GH-1'),
    ]),
    await send('user-observations', [
      // Rule 1 founds Jane; her second username makes the duplicate.
      observed(10, 'Jira', 'CommentAuthor', {
        email: 'jane.doe@acme.com',
        username: 'jdoe',
        displayName: 'Jane Doe',
      }),
      observed(5, 'Azure DevOps', 'Update', {
        email: 'Jane.Doe@acme.com',
        username: 'janed',
        displayName: 'Jane Doe',
      }),
      // Rules 2, 3 and 4 each join Jane: by local part, by display name, by username.
      observed(6, 'ServiceNow', 'Mention', { email: 'JDoe@acme.com' }),
      observed(7, 'ServiceNow', 'Mention', { displayName: 'jane doe' }),
      observed(1, 'Jira', 'Update', { username: 'JANED' }),
      // Rules 2, 3 and 4 each found a person.
      observed(4, 'Azure DevOps', 'Mention', { email: 'sam@acme.com' }),
      observed(3, 'Jira', 'AttachmentAuthor', { displayName: 'Bob Stone' }),
      observed(2, 'Azure DevOps', 'MappedUserField', { username: 'build-bot', isServiceAccount: true }),
      observed(EIGHT_MONTHS, 'ServiceNow', 'Update', { email: 'olga@acme.com', username: 'olga' }),
      observed(OVER_A_YEAR, 'Azure DevOps', 'Update', { email: 'old@acme.com', username: 'old' }),
    ]),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json().rejected ?? [], response.body).toEqual([])
  }
})

const download = (headers: Record<string, string> = auth) =>
  app.inject({ method: 'GET', url: '/export/usage-reports', headers })

const WORKBOOK_NAMES = ['Usage Report (Last 1 Year).xlsx', 'Usage Report (Last 6 Months).xlsx']

async function openWorkbooks(zipBytes: Buffer) {
  const zip = await JSZip.loadAsync(zipBytes)
  expect(Object.keys(zip.files).sort()).toEqual(WORKBOOK_NAMES)
  const open = async (name: string) => {
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load((await zip.file(name)!.async('nodebuffer')) as unknown as ArrayBuffer)
    return workbook
  }
  return {
    half: await open('Usage Report (Last 6 Months).xlsx'),
    year: await open('Usage Report (Last 1 Year).xlsx'),
  }
}

/** A sheet's rows as plain values (header first), dates as epoch ms, empty cells as null. */
function rowsOf(workbook: ExcelJS.Workbook, name: string): unknown[][] {
  const sheet = workbook.getWorksheet(name)
  expect(sheet, name).toBeDefined()
  const rows: unknown[][] = []
  sheet!.eachRow({ includeEmpty: false }, (row) => {
    const cells: unknown[] = []
    for (let c = 1; c <= sheet!.columnCount; c++) {
      const value = row.getCell(c).value
      cells.push(value instanceof Date ? Math.round(value.getTime() / 1000) * 1000 : (value ?? null))
    }
    rows.push(cells)
  })
  return rows
}

const SHEETS = [
  'Summary',
  'Unique User Count',
  'Entity Type Count',
  'Integrated Project Count',
  'Synced Data Count',
  'Detailed User Report',
]

const HEADERS = {
  summary: ['Metric', 'Count'],
  uniqueUsers: ['System / Source', 'Count', 'Identifiers'],
  entityTypes: ['System Pairs', 'End System', 'Entity Types', 'Status', 'Last Synced'],
  projects: [
    'End System 1',
    'End System 2',
    'End System 1 Project',
    'End System 2 Project',
    'Status',
    'Last Updated',
    'Last Synced',
  ],
  syncedData: ['End System 1', 'End System 2', 'Counts Based on System Pair', 'Last Synced'],
  users: [
    'Email',
    'Username',
    'Display Name',
    'Interaction Types',
    'Observed In',
    'Service Account',
    'Last Seen',
    'Duplicates',
  ],
}

const breakdown = (...counts: [number, number, number, number]) =>
  ['Usernames or Emails', 'Emails', 'Display Names', 'Usernames']
    .map((rule, i) => `${rule}: ${counts[i]}`)
    .join('; ')

const JANE = [
  'jane.doe@acme.com, jdoe@acme.com',
  'JANED, jdoe',
  'Jane Doe',
  'Comment Author, Mention, Update',
  `Azure DevOps (${utcMinute(ago(5))}), Jira (${utcMinute(ago(1))}), ServiceNow (${utcMinute(ago(6))})`,
  'No',
  ago(1),
  'jane.doe@acme.com: janed (Azure DevOps), jdoe (Jira)',
]
const OLGA = [
  'olga@acme.com',
  'olga',
  null,
  'Update',
  `ServiceNow (${utcMinute(ago(EIGHT_MONTHS))})`,
  'No',
  ago(EIGHT_MONTHS),
  null,
]
const SAM_BOB_AND_BUILD_BOT = [
  ['sam@acme.com', null, null, 'Mention', `Azure DevOps (${utcMinute(ago(4))})`, 'No', ago(4), null],
  [null, null, 'Bob Stone', 'Attachment Author', `Jira (${utcMinute(ago(3))})`, 'No', ago(3), null],
  [null, 'build-bot', null, 'Mapped User Field', `Azure DevOps (${utcMinute(ago(2))})`, 'Yes', ago(2), null],
]

describe('GET /export/usage-reports', () => {
  let half: ExcelJS.Workbook
  let year: ExcelJS.Workbook
  beforeAll(async () => {
    const response = await download()
    expect(response.statusCode, response.body).toBe(200)
    expect(response.headers['content-type']).toBe('application/zip')
    expect(response.headers['content-disposition']).toBe('attachment; filename="Usage Reports.zip"')
    ;({ half, year } = await openWorkbooks(response.rawPayload))
  })

  it('holds the six sheets in order, each with a bold frozen header, set widths and date cells', () => {
    for (const workbook of [half, year]) {
      expect(workbook.worksheets.map((s) => s.name)).toEqual(SHEETS)
      for (const sheet of workbook.worksheets) {
        expect(sheet.views[0], sheet.name).toMatchObject({ state: 'frozen', ySplit: 1 })
        sheet.getRow(1).eachCell((cell) => expect(cell.font?.bold, `${sheet.name} ${cell.text}`).toBe(true))
        for (const column of sheet.columns) expect(column.width, sheet.name).toBeGreaterThanOrEqual(10)
      }
    }
    const lastSeen = half.getWorksheet('Detailed User Report')!.getCell('G2')
    expect(lastSeen.value).toBeInstanceOf(Date)
    expect(lastSeen.numFmt).toBe('yyyy-mm-dd hh:mm:ss')
  })

  it('Summary: unique users by identity rule, entity types, projects and entities synced', () => {
    expect(rowsOf(half, 'Summary')).toEqual([
      HEADERS.summary,
      ['Total Unique Users', 4],
      ['  identified by Usernames or Emails', 1],
      ['  identified by Emails', 1],
      ['  identified by Display Names', 1],
      ['  identified by Usernames', 1],
      ['Total Unique Entity Types', 2],
      // PLAT and Platform (synced), WEB and Web Portal (updated in the window).
      ['Total Unique Projects', 4],
      // PLAT-1 (twice), PLAT-2, 1001; the failure and the unknown integration left out.
      ['Total Entities Synced', 3],
    ])
    expect(rowsOf(year, 'Summary')).toEqual([
      HEADERS.summary,
      ['Total Unique Users', 5],
      ['  identified by Usernames or Emails', 2],
      ['  identified by Emails', 1],
      ['  identified by Display Names', 1],
      ['  identified by Usernames', 1],
      ['Total Unique Entity Types', 3],
      ['Total Unique Projects', 6],
      ['Total Entities Synced', 5],
    ])
  })

  it('Unique User Count: per system and over all, by the rule that identified each user', () => {
    expect(rowsOf(half, 'Unique User Count')).toEqual([
      HEADERS.uniqueUsers,
      ['Azure DevOps', 3, breakdown(1, 1, 0, 1)],
      ['Jira', 2, breakdown(1, 0, 1, 0)],
      ['ServiceNow', 1, breakdown(1, 0, 0, 0)],
      ['All Systems', 4, breakdown(1, 1, 1, 1)],
    ])
    expect(rowsOf(year, 'Unique User Count')).toEqual([
      HEADERS.uniqueUsers,
      ['Azure DevOps', 3, breakdown(1, 1, 0, 1)],
      ['Jira', 2, breakdown(1, 0, 1, 0)],
      ['ServiceNow', 2, breakdown(2, 0, 0, 0)],
      ['All Systems', 5, breakdown(2, 1, 1, 1)],
    ])
  })

  it('Entity Type Count: each entity type synced to each end system of a pair', () => {
    const recent = [
      ['Jira ↔ Azure DevOps', 'Azure DevOps', 'Bug', 'Active', ago(9)],
      ['Jira ↔ Azure DevOps', 'Azure DevOps', 'Story', 'Active', ago(5)],
      ['Jira ↔ Azure DevOps', 'Jira', 'Bug', 'Active', ago(3)],
    ]
    expect(rowsOf(half, 'Entity Type Count')).toEqual([HEADERS.entityTypes, ...recent])
    expect(rowsOf(year, 'Entity Type Count')).toEqual([
      HEADERS.entityTypes,
      ...recent,
      ['Jira ↔ ServiceNow', 'Jira', 'Incident', 'Inactive', ago(EIGHT_MONTHS + 1)],
      ['Jira ↔ ServiceNow', 'ServiceNow', 'Incident', 'Inactive', ago(EIGHT_MONTHS)],
    ])
  })

  it('Integrated Project Count: project pairs that synced or were updated in the window', () => {
    const recent = [
      ['Jira', 'Azure DevOps', 'PLAT', 'Platform', 'Active', ago(20), ago(3)],
      ['Jira', 'Azure DevOps', 'WEB', 'Web Portal', 'Inactive', ago(30), null],
    ]
    expect(rowsOf(half, 'Integrated Project Count')).toEqual([HEADERS.projects, ...recent])
    expect(rowsOf(year, 'Integrated Project Count')).toEqual([
      HEADERS.projects,
      ...recent,
      ['Jira', 'ServiceNow', 'OPS', 'IT Service Desk', 'Inactive', ago(EIGHT_MONTHS), ago(EIGHT_MONTHS)],
    ])
  })

  it('Synced Data Count: distinct entities synced per system pair', () => {
    expect(rowsOf(half, 'Synced Data Count')).toEqual([
      HEADERS.syncedData,
      ['Jira', 'Azure DevOps', 3, ago(3)],
    ])
    expect(rowsOf(year, 'Synced Data Count')).toEqual([
      HEADERS.syncedData,
      ['Jira', 'Azure DevOps', 3, ago(3)],
      ['Jira', 'ServiceNow', 2, ago(EIGHT_MONTHS)],
    ])
  })

  it('Detailed User Report: people by rule, joins by every rule, the service account, the duplicate', () => {
    expect(rowsOf(half, 'Detailed User Report')).toEqual([HEADERS.users, JANE, ...SAM_BOB_AND_BUILD_BOT])
    expect(rowsOf(year, 'Detailed User Report')).toEqual([
      HEADERS.users,
      JANE,
      OLGA,
      ...SAM_BOB_AND_BUILD_BOT,
    ])
  })

  it('needs the Administrator role and Server Management Read', async () => {
    expect((await download({})).statusCode).toBe(401)
    const serverManagementOnly = await tokenOfUserWith(app, stores, 'servermgmt', [
      { permission: 'Server Management Read', scopeKind: 'instance', scopeValue: '' },
    ])
    const refused = await download(serverManagementOnly)
    expect(refused.statusCode).toBe(403)
    expect(refused.json().message).toContain("'Administrator'")
    const nothing = await tokenOfUserWith(app, stores, 'nobody', [])
    expect((await download(nothing)).statusCode).toBe(403)
    // Administrator implies every permission but the explicit-only ones, Server Management Read among them.
    const administrator = await tokenOfUserWith(app, stores, 'exportadmin', [
      { permission: 'Administrator', scopeKind: 'instance', scopeValue: '' },
    ])
    expect((await download(administrator)).statusCode).toBe(200)
  })

  it('is in the OpenAPI document as a ZIP download', async () => {
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    const get = openapi.paths['/export/usage-reports'].get
    expect(Object.keys(get.responses['200'].content)).toEqual(['application/zip'])
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['401', '403']))
  })
})

describe('the windows', () => {
  it('are the last 6 and 12 calendar months up to now, a missing day becoming the month end', () => {
    const at = (text: string) => new Date(text).getTime()
    expect(lastMonths(new Date('2025-06-30T12:34:56.789Z'), 6)).toEqual({
      startMs: at('2024-12-30T12:34:56.789Z'),
      endMs: at('2025-06-30T12:34:56.790Z'),
    })
    expect(lastMonths(new Date('2025-08-31T10:00:00Z'), 6).startMs).toBe(at('2025-02-28T10:00:00Z'))
    expect(lastMonths(new Date('2024-08-31T10:00:00Z'), 6).startMs).toBe(at('2024-02-29T10:00:00Z'))
    expect(lastMonths(new Date('2024-02-29T00:00:00Z'), 12).startMs).toBe(at('2023-02-28T00:00:00Z'))
    expect(lastMonths(new Date('2025-03-31T23:59:59Z'), 12).startMs).toBe(at('2024-03-31T23:59:59Z'))
  })

  it('include an observation at their first and last instant, and nothing outside', async () => {
    const people = async (startMs: number, endMs: number) =>
      (await readUsageData(stores, 1, { startMs, endMs })).people.map((p) => p.rule)
    // Sam at 4 days ago, Bob at 3, build-bot at 2.
    expect(await people(ago(4), ago(2) + 1)).toEqual(['Emails', 'Display Names', 'Usernames'])
    expect(await people(ago(4) + 1, ago(2))).toEqual(['Display Names'])
  })
})

describe('tally export usage-reports', () => {
  const runExport = async (args: string[]) => {
    const program = new Command('tally').exitOverride().configureOutput({ writeErr: () => {} })
    registerExportCommand(program, {
      withUsageReports: async (write) => write(await usageReportsZip(stores, systemCaller(), new Date())),
    })
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      await program.parseAsync(['node', 'tally', 'export', 'usage-reports', ...args])
      return stdout.mock.calls.map(([text]) => String(text)).join('')
    } finally {
      stdout.mockRestore()
    }
  }

  it('writes the same workbooks as the API into the directory, creating it', async () => {
    const out = path.join(tempDir(), 'exports', 'today')
    expect(await runExport(['--out', out])).toMatch(/^wrote .*Usage Reports\.zip \(\d+ KiB\)\n$/)
    expect(fs.readdirSync(out)).toEqual(['Usage Reports.zip'])
    const fromCli = await openWorkbooks(fs.readFileSync(path.join(out, 'Usage Reports.zip')))
    const fromApi = await openWorkbooks((await download()).rawPayload)
    for (const name of SHEETS) {
      expect(rowsOf(fromCli.half, name), name).toEqual(rowsOf(fromApi.half, name))
      expect(rowsOf(fromCli.year, name), name).toEqual(rowsOf(fromApi.year, name))
    }
  })

  it('needs --out', async () => {
    await expect(runExport([])).rejects.toThrow(CommanderError)
  })
})
