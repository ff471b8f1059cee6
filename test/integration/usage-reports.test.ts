import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { beforeAll, describe, expect, it } from 'vitest'
import { JobRegistry } from '../../src/jobs/registry.js'
import { JobRunner } from '../../src/jobs/runner.js'
import type { Grant } from '../../src/modules/identity/permissions.js'
import { ORIGINS } from '../../src/modules/usage-reports/catalog.js'
import { registerUsageReportJob } from '../../src/modules/usage-reports/service.js'
import type { Stores } from '../../src/store/stores.js'
import { TEST_ADMIN_PASSWORD, buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'

/**
 * The usage reports API end to end: known workspaces, users and events are ingested, reports are
 * created through the API, the report job runs, and every value is asserted in the details, the
 * CSV and the XLSX download.
 */
const W1 = 2_001_000
const W2 = 2_002_000
const BASE = '/api/usage-reports/v1'

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }
let runner: JobRunner

const put = (kind: string, items: object[]) => ingestThroughApi(app, auth, { entities: kind }, items)
const send = (stream: string, items: object[]) => ingestThroughApi(app, auth, { stream }, items)

const snapshot = (workspaceId: number, day: string, values: Record<string, number>) => ({
  workspaceId,
  snapshotAt: `${day}T02:00:00Z`,
  documentCount: 0,
  ...values,
})
let jobSeq = 0
const job = (
  workspaceId: number,
  day: string,
  jobType: string,
  status: string,
  values: Record<string, number>,
) => ({
  workspaceId,
  jobId: `job-${++jobSeq}`,
  jobType,
  status,
  completedAt: `${day}T12:00:00Z`,
  ...values,
})
let licenseSeq = 0
/** A license assigned to the user from `at` on, or (no type) the user's license removed. */
const license = (userId: number, at: string, licenseType?: string) => ({
  id: `license-${++licenseSeq}`,
  userId,
  effectiveAt: at,
  ...(licenseType ? { change: 'Assigned', licenseType } : { change: 'Removed' }),
})
let auditSeq = 0
const audit = (workspaceId: number, at: string, action: string, userId: number, artifactId = 1) => ({
  id: `usage-audit-${++auditSeq}`,
  workspaceId,
  timestamp: at,
  action,
  objectType: workspaceId === -1 ? 'User' : 'Document',
  artifactId,
  artifactName: `A${artifactId}`,
  userId,
  userName: `user ${userId}`,
})

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  runner = new JobRunner({
    db: stores.control,
    registry: registerUsageReportJob(new JobRegistry(), stores),
    workerId: 'usage-reports-test',
    concurrency: 2,
    logger: pino({ level: 'silent' }),
    backoffMs: () => 0,
  })
  for (const response of [
    await put('workspaces', [
      {
        artifactId: W1,
        name: 'R1 - Report - 1',
        template: 'RelativityOne Review Template (v4.0.0)',
        clientDomain: 'Relativity Template',
        matter: 'Relativity Template',
        createdAt: '2024-08-01T04:46:00Z',
      },
      {
        artifactId: W2,
        name: 'Acme v. Widget',
        template: 'Relativity Template',
        clientDomain: 'Acme Legal',
        matter: 'Acme Matter',
        createdAt: '2024-09-15T10:00:00Z',
      },
    ]),
    await put('users', [
      {
        artifactId: 9,
        fullName: 'Admin, Relativity',
        email: 'admin@example.com',
        isSystemAdmin: true,
        workspaceIds: [W1, W2],
      },
      { artifactId: 10, fullName: 'Doe, Jane', email: 'jane@example.com', workspaceIds: [W2] },
      { artifactId: 11, fullName: 'Idle, Ivan' },
    ]),
    await send('workspace-usage', [
      snapshot(W1, '2024-08-10', { documentCount: 100, reviewBytes: 1_320_000_000 }),
      snapshot(W1, '2024-08-20', { documentCount: 120, reviewBytes: 1_000_000_000 }),
      snapshot(W2, '2024-09-20', {
        documentCount: 5000,
        reviewBytes: 5e9,
        repositoryBytes: 2.5e9,
        dataBreachBytes: 1e9,
      }),
      snapshot(W2, '2024-09-25', { documentCount: 5100, reviewBytes: 4e9, dataBreachBytes: 1.5e9 }),
    ]),
    await send('processing-jobs', [
      job(W1, '2024-08-05', 'Processing', 'Completed', { dataSources: 3, inputBytes: 2e9 }),
      job(W1, '2024-08-06', 'Processing', 'Completed with Errors', { dataSources: 2, inputBytes: 1e9 }),
      job(W1, '2024-08-06', 'Processing', 'Failed', { dataSources: 5, inputBytes: 9e9 }),
      job(W1, '2024-08-07', 'Imaging', 'Completed', { pages: 300 }),
      job(W1, '2024-08-20', 'Production', 'Completed', { pages: 50 }),
      job(W1, '2024-10-01', 'Processing', 'Completed', { dataSources: 9 }),
      job(W2, '2024-09-21', 'Translation', 'Completed', { documentUnits: 40 }),
      job(W2, '2024-09-22', 'Contracts', 'Completed', { documentUnits: 25 }),
      job(W2, '2024-09-23', 'Imaging', 'Cancelled', { pages: 999 }),
      job(W2, '2024-09-24', 'OCR', 'Completed', { pages: 77 }),
      job(W1, '2024-08-08', 'Analytics', 'Completed', { documentUnits: 120 }),
    ]),
    await send('audits', [
      audit(W1, '2024-08-02T10:00:00Z', 'View', 9, 1),
      audit(W1, '2024-08-03T10:00:00Z', 'Update', 10, 1),
      audit(W1, '2024-08-04T10:00:00Z', 'View', 9, 2),
      audit(W2, '2024-09-16T10:00:00Z', 'View', 10, 5),
      audit(-1, '2024-08-01T09:00:00Z', 'Login', 9, 9),
      audit(-1, '2024-09-02T08:00:00Z', 'Login', 9, 9),
      audit(-1, '2024-08-15T12:00:00Z', 'Login', 10, 10),
      // After the range: in no report.
      audit(-1, '2024-10-02T08:00:00Z', 'Login', 10, 10),
    ]),
    await send('user-licenses', [
      // User 9: licensed since before the range, the license changed, then removed on 10 September.
      license(9, '2024-07-15T10:00:00Z', 'Full'),
      license(9, '2024-08-20T09:00:00Z', 'Review'),
      license(9, '2024-09-10T12:00:00Z'),
      // User 10: from 10 September, with a gap that day; at one instant an assignment wins.
      license(10, '2024-09-10T12:00:00Z', 'Review'),
      license(10, '2024-09-10T15:00:00Z'),
      license(10, '2024-09-10T18:00:00Z', 'Full'),
      license(10, '2024-09-20T00:00:00Z'),
      license(10, '2024-09-20T00:00:00Z', 'Full'),
      license(10, '2024-10-05T00:00:00Z'),
      // User 11: from the instant after the range.
      license(11, '2024-10-01T00:00:00Z', 'Full'),
    ]),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json().rejectedCount ?? 0, response.body).toBe(0)
  }
})

const create = async (body: object, headers = auth) => {
  const response = await app.inject({ method: 'POST', url: `${BASE}/reports`, headers, payload: body })
  expect(response.statusCode, response.body).toBe(201)
  return response.json() as { id: string; status: string; fields: string[] }
}

/** Creates a report, runs its job and returns it Finished. */
async function finished(body: object, headers = auth) {
  const report = await create(body, headers)
  expect(report.status).toBe('Scheduled')
  await runner.runOnce()
  const after = await app.inject({ method: 'GET', url: `${BASE}/reports/${report.id}`, headers })
  expect(after.json().status).toBe('Finished')
  return report
}

const details = async (id: string, query = '', headers = auth) => {
  const response = await app.inject({ method: 'GET', url: `${BASE}/reports/${id}/details${query}`, headers })
  expect(response.statusCode, response.body).toBe(200)
  return response.json() as {
    fields: string[]
    items: unknown[][]
    currentPage: number
    pageSize: number
    totalItems: number
  }
}

/**
 * A finished report's two downloads read back: the CSV by a CSV parser, the workbook by ExcelJS,
 * its date cells turned back into the details' UTC date-time text and empty cells into null.
 */
async function downloads(id: string, headers = auth) {
  const csv = await app.inject({ method: 'GET', url: `${BASE}/reports/download/${id}`, headers })
  expect(csv.statusCode, csv.body).toBe(200)
  const xlsx = await app.inject({ method: 'GET', url: `${BASE}/reports/download/${id}?format=xlsx`, headers })
  expect(xlsx.statusCode).toBe(200)
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  const sheet = workbook.getWorksheet('Usage Report')!
  const columns = sheet.getRow(1).cellCount
  const cells: unknown[][] = []
  for (let r = 1; r <= sheet.rowCount; r++) {
    cells.push(
      Array.from({ length: columns }, (_, c) => {
        const value = sheet.getRow(r).getCell(c + 1).value
        return value instanceof Date ? value.toISOString().slice(0, 19) : (value ?? null)
      }),
    )
  }
  return { csv: parse(csv.body) as string[][], xlsx: cells, csvResponse: csv, sheet }
}
const asCsv = (rows: unknown[][]) => rows.map((row) => row.map((cell) => (cell === null ? '' : String(cell))))

const WORKSPACE_FIELDS = [
  '233c0387-a246-4b9f-80b4-772ab8d41062', // Workspace Name
  '4b7a9d1f-8c3e-4e0c-8d2b-9a6a5c0f3e1a', // Workspace Template
  '3749241a-d2f7-45d3-a798-0ab7d20c8b71', // Client Name
  '89b2fc03-8cd9-494c-8204-4a62fd05975b', // Matter Name
  '05b152e6-c56c-40fd-a4ef-853efa4ba624', // Workspace Created Date
  'f68f2d4c-ba9a-4831-a903-113ad5ce4b91', // Peak Cold Storage Data (GB)
  'ece1332d-39ba-4460-a50e-345deba7af05', // Peak Review Data (GB)
  '61bc4e25-ce8e-415c-bb55-6863f3844af0', // Peak Repository Data (GB)
  'bd708c94-c51b-44e5-bc2d-29378fe72bf7', // Report Period
  '18af070c-5f4a-407b-a4c8-93b1c4fffc34', // Workspace Artifact ID
  '4f8b9cf2-8e45-4b27-babc-3753e8a77f8c', // Document Count
  '29b400b3-4f47-4f8c-badf-94e2a5969763', // Active Users
  '59f7c2a8-feb3-4ee0-8f4a-d7359ee58d17', // Processing Data Source Count
  '241df315-c954-405f-8d09-0ac5cfdb7de3', // Current Data Breach File Size
  'fcfdb1b9-0207-4851-a8f9-b653e4bbc851', // Imaged Pages
  '40d897b5-113a-42e8-a354-2580b726d757', // Produced Pages
  '95d37233-b2d9-4e19-8f31-2304389ddbc0', // Translation Document Units
  'f0931643-5aee-414a-9c53-495b71bae5fc', // Contracts Document Units
  '9c49b354-ee4a-4ed9-bdbf-1375e7737968', // Processed Data (GB)
  '22b3b108-6f7b-479e-af42-28b8e2628ed7', // Workspace Status
  'd5e8b449-410c-427e-a44a-7d680aa5e890', // Audited Actions
  '47568b46-8a04-43fe-bfb1-e79cc411f0a9', // Processing Sets Completed
  '102c4048-5ef7-45ba-97a4-4872f8c0a84f', // OCR Pages
  '3ee3d8f3-18df-4a4e-b342-bdf344d8d352', // Analytics Indexed Documents
  '6f9619ff-8b86-d011-b42d-00c04fc964ff', // Workspace Artifact ID (Processing Statistics)
  'b1c6dc54-db48-495c-9b76-15570a4d9f2c', // Licensed Active Users
]
const W1_DETAILS = [
  'R1 - Report - 1',
  'RelativityOne Review Template (v4.0.0)',
  'Relativity Template',
  'Relativity Template',
  '2024-08-01T04:46:00',
]
const WORKSPACE_ROWS = [
  [
    ...W1_DETAILS,
    0,
    1.32,
    0,
    '2024-08-01T00:00:00',
    W1,
    120,
    2,
    5,
    0,
    300,
    50,
    0,
    0,
    3,
    'Active',
    3,
    2,
    0,
    120,
    W1,
    // Users 9 and 10 worked in W1 in August; only 9 held a license then.
    1,
  ],
  // No snapshot in September: the snapshot metrics are missing, the counts zero.
  [
    ...W1_DETAILS,
    null,
    null,
    null,
    '2024-09-01T00:00:00',
    W1,
    null,
    0,
    0,
    null,
    0,
    0,
    0,
    0,
    0,
    'Active',
    0,
    0,
    0,
    0,
    W1,
    0,
  ],
  // W2 was created on September 15: no August row.
  [
    ...['Acme v. Widget', 'Relativity Template', 'Acme Legal', 'Acme Matter', '2024-09-15T10:00:00'],
    ...[0, 5, 2.5, '2024-09-01T00:00:00', W2, 5100, 1, 0, 1.5, 0, 0, 40, 25, 0, 'Active', 1, 0, 77, 0, W2, 1],
  ],
]

describe('Usage reports: a Workspace report', () => {
  let id: string

  beforeAll(async () => {
    ;({ id } = await finished({
      name: 'Report 08/2024',
      dateRange: { from: '2024-08-01', to: '2024-09-30' },
      fields: WORKSPACE_FIELDS,
    }))
  })

  it('holds a row per workspace per month, every value computed from the ingested data', async () => {
    const page = await details(id, '?pageNumber=1&pageSize=10')
    expect(page).toEqual({
      fields: WORKSPACE_FIELDS,
      items: WORKSPACE_ROWS,
      currentPage: 1,
      pageSize: 10,
      totalItems: 3,
    })
  })

  it('pages 1-based with a default page size of 10', async () => {
    expect((await details(id)).pageSize).toBe(10)
    expect((await details(id, '?pageNumber=2&pageSize=2')).items).toEqual([WORKSPACE_ROWS[2]])
    expect((await details(id, '?pageNumber=3&pageSize=2')).items).toEqual([])
    // Bounded both ways (a page number past 10^9 would overflow the row arithmetic), and a
    // misspelt parameter is refused rather than ignored.
    for (const query of [
      '?pageNumber=0',
      '?pageSize=1001',
      '?pageSize=x',
      '?pageNumber=1000000001',
      '?pageNumber=99999999999999999999',
      '?page=2',
    ]) {
      const response = await app.inject({
        method: 'GET',
        url: `${BASE}/reports/${id}/details${query}`,
        headers: auth,
      })
      expect(response.statusCode, query).toBe(400)
    }
  })

  it('stays the same after later ingestion', async () => {
    await send('workspace-usage', [snapshot(W1, '2024-09-05', { documentCount: 999, reviewBytes: 9e9 })])
    expect((await details(id)).items).toEqual(WORKSPACE_ROWS)
  })

  it('downloads as CSV (a header of metric names) and as an XLSX workbook, every value as in details', async () => {
    const { csv, xlsx, csvResponse, sheet } = await downloads(id)
    expect(csvResponse.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csvResponse.headers['content-disposition']).toBe(
      `attachment; filename="Report 08_2024.csv"; filename*=UTF-8''Report%2008_2024.csv`,
    )
    expect(csv[0]!.slice(0, 6)).toEqual([
      'Workspace Name',
      'Workspace Template',
      'Client Name',
      'Matter Name',
      'Workspace Created Date',
      'Peak Cold Storage Data (GB)',
    ])
    expect(csv[0]![13]).toBe('Current Data Breach File Size')
    expect(csv.slice(1)).toEqual(asCsv(WORKSPACE_ROWS))
    expect(xlsx[0]).toEqual(csv[0])
    expect(xlsx.slice(1)).toEqual(WORKSPACE_ROWS)
    // Report Period is a date cell shown as month/year.
    expect(sheet.getRow(2).getCell(9).numFmt).toBe('mm/yyyy')
  })
})

const USER_FIELDS = [
  'a6bda9d5-23d7-4b6c-86f8-513d55e8f66e', // User Email Address
  '39a5b2b5-6aef-4d67-9bc4-f63c730883f9', // Enabled User Information Capture Date-Time
  '4c1fa36e-0fda-4f6a-abb9-2d542be04fd2', // User Artifact ID
  'e42e478d-5dcc-49bd-b91b-3de824a92c3a', // Full Name
  '6bd6b190-85ff-49a9-832d-e66a07959b3d', // System Administrator
  '27e8b363-7f6a-4d85-be85-32533b3f3f5a', // Last Login Date
  '965e287d-cc4a-4501-b43a-b7fb3f1cfd0a', // Login Count
  'c2711afd-d26c-4978-8991-77a7d0bb486a', // Audited Actions
  '809902ee-44ff-4c08-934f-3bd39dd82a36', // Documents Reviewed
  'd9e2f51f-e2c4-4390-9894-b4de1fc90753', // License Type
  '90112de5-4fd1-46c6-88eb-4dd166db2791', // Licensed User
  'a7646fad-9a72-4b07-9103-5957d7337504', // Days Licensed
]

describe('Usage reports: User reports', () => {
  it('holds a row per user, with activity within the range', async () => {
    const before = new Date().toISOString().slice(0, 19)
    const { id } = await finished({
      name: 'Users',
      dateRange: { from: '2024-08-01', to: '2024-09-30' },
      fields: USER_FIELDS,
    })
    const page = await details(id)
    const captured = page.items[0]![1] as string
    expect(captured >= before && captured <= new Date().toISOString().slice(0, 19)).toBe(true)
    expect(page.items).toEqual([
      // Licensed 1 August to 10 September: 41 days, the last license Review.
      [
        'admin@example.com',
        captured,
        9,
        'Admin, Relativity',
        'Yes',
        '2024-09-02T08:00:00',
        2,
        4,
        2,
        'Review',
        'Yes',
        41,
      ],
      // 10 to 30 September (10 September counted once, the gap that day not a day less): 21 days.
      [
        'jane@example.com',
        captured,
        10,
        'Doe, Jane',
        'No',
        '2024-08-15T12:00:00',
        1,
        3,
        2,
        'Full',
        'Yes',
        21,
      ],
      [null, captured, 11, 'Idle, Ivan', 'No', null, 0, 0, 0, null, 'No', 0],
    ])
    const { csv, xlsx } = await downloads(id)
    expect(csv.slice(1)).toEqual(asCsv(page.items))
    expect(xlsx.slice(1)).toEqual(page.items)
  })

  it('holds a row per user and workspace with a Workspace Information metric', async () => {
    const { id } = await finished({
      name: 'Users by workspace',
      dateRange: { from: '2024-08-01T00:00:00Z', to: '2024-09-30T00:00:00Z' },
      fields: [
        '4c1fa36e-0fda-4f6a-abb9-2d542be04fd2',
        'bc1caedc-e3f9-4d29-a4cb-04e7942f598f',
        'a871c32c-854b-4b49-ac00-5aa005f58c9a',
        '3710cb11-93dc-4a75-86cc-a989dea859d8',
        '965e287d-cc4a-4501-b43a-b7fb3f1cfd0a',
      ],
    })
    const rows = [
      [9, W1, 'R1 - Report - 1', 'Relativity Template', 2],
      [9, W2, 'Acme v. Widget', 'Acme Legal', 2],
      [10, W2, 'Acme v. Widget', 'Acme Legal', 1],
    ]
    expect((await details(id)).items).toEqual(rows)
    const { csv, xlsx } = await downloads(id)
    expect(csv).toEqual([
      ['User Artifact ID', 'Workspace ArtifactID', 'Workspace Name', 'Client Domain', 'Login Count'],
      ...asCsv(rows),
    ])
    expect(xlsx).toEqual([csv[0], ...rows])
  })
})

describe('Usage reports: the user-licenses stream', () => {
  it('refuses an assignment without a license type and a removal naming one, and stores a resent change once', async () => {
    // User 99 is in no users entity: these changes are in no report.
    const assigned = {
      id: 'license-99-1',
      userId: 99,
      effectiveAt: '2024-08-01T00:00:00Z',
      change: 'Assigned',
    }
    const response = await send('user-licenses', [
      { ...assigned, licenseType: 'Full' },
      assigned,
      { userId: 99, effectiveAt: '2024-08-02T00:00:00Z', change: 'Removed', licenseType: 'Full' },
      { userId: 99, effectiveAt: '2024-08-03T00:00:00Z', change: 'Revoked' },
    ])
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toMatchObject({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { line: 2, error: 'licenseType: required when change is Assigned' },
        { line: 3, error: 'licenseType: a Removed change names no license type' },
        { line: 4, error: expect.stringContaining('change') },
      ],
    })
    const again = await send('user-licenses', [{ ...assigned, licenseType: 'Full' }])
    expect(again.json()).toMatchObject({ accepted: 1, duplicates: 1, rejectedCount: 0 })
    const stored = await stores.warehouse.query<{ n: string }>({
      query: 'SELECT count() AS n FROM user_licenses WHERE user_id = 99',
    })
    expect(Number(stored[0]!.n)).toBe(1)
  })
})

describe('Usage reports: the document’s requests', () => {
  it('serves the metadata with the document’s metrics, GUIDs and names', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `${BASE}/Metadata`,
      headers: { ...auth, 'content-type': 'application/json' },
    })
    expect(response.statusCode).toBe(200)
    const origins = response.json().origins as {
      id: string
      name: string
      metrics: { id: string; name: string }[]
    }[]
    expect(origins.map((o) => o.name)).toEqual(ORIGINS.map((o) => o.name))
    const byId = new Map(origins.flatMap((o) => o.metrics).map((m) => [m.id, m]))
    expect(byId.get('241df315-c954-405f-8d09-0ac5cfdb7de3')).toEqual({
      id: '241df315-c954-405f-8d09-0ac5cfdb7de3',
      name: 'Current Data Breach File Size ',
      description: 'The current size of data included in Data Breach Response.',
      valueType: 'Double',
      originId: 'eb6ba799-31fc-4f92-abff-690dd341cd08',
      reportType: 'Workspace',
      isDefault: false,
    })
    expect(byId.get('39a5b2b5-6aef-4d67-9bc4-f63c730883f9')).toMatchObject({
      reportType: 'User',
      isDefault: true,
    })
    expect(new Set(byId.keys()).size).toBe(origins.flatMap((o) => o.metrics).length)
  })

  it('answers the document’s curl sample with the RelativityAuth cookie of a signed-in user', async () => {
    const signIn = await app.inject({
      method: 'POST',
      url: '/auth/v1/sign-in',
      payload: { username: 'admin', password: TEST_ADMIN_PASSWORD },
    })
    expect(signIn.statusCode, signIn.body).toBe(200)
    const cookie = [signIn.headers['set-cookie']]
      .flat()
      .map(String)
      .find((line) => line.startsWith('RelativityAuth='))!
      .split(';')[0]!
    const response = await app.inject({ method: 'GET', url: `${BASE}/metadata`, headers: { Cookie: cookie } })
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json().origins.map((o: { id: string }) => o.id)).toEqual(ORIGINS.map((o) => o.id))
  })

  it('creates the document’s sample report and lists it, as its PowerShell sample asks', async () => {
    const created = await create({
      name: 'Report 05/05/2024',
      dateRange: { from: '2024-05-05', to: '2024-05-05' },
      fields: [
        '4f8b9cf2-8e45-4b27-babc-3753e8a77f8c',
        'ece1332d-39ba-4460-a50e-345deba7af05',
        '29b400b3-4f47-4f8c-badf-94e2a5969763',
        'fcfdb1b9-0207-4851-a8f9-b653e4bbc851',
        '40d897b5-113a-42e8-a354-2580b726d757',
        '95d37233-b2d9-4e19-8f31-2304389ddbc0',
      ],
    })
    expect(created).toMatchObject({
      name: 'Report 05/05/2024',
      dateRange: { from: '2024-05-05T00:00:00Z', to: '2024-05-05T00:00:00Z' },
      status: 'Scheduled',
      type: 'Workspace',
      version: 1,
    })
    expect(created).toHaveProperty('tenantId', expect.stringMatching(/^[0-9a-f-]{36}$/))
    expect(created).toHaveProperty(
      'createdAt',
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/),
    )
    // Before its job runs, details are not ready.
    const early = await app.inject({
      method: 'GET',
      url: `${BASE}/reports/${created.id}/details`,
      headers: auth,
    })
    expect(early.statusCode).toBe(409)
    expect(early.body).toContain('is Scheduled')
    const list = await app.inject({
      method: 'GET',
      url: `${BASE}/Reports`,
      headers: { ...auth, 'Content-Type': 'application/json' },
    })
    expect(list.statusCode).toBe(200)
    expect(list.json().reports[0]).toMatchObject({ id: created.id, status: 'Scheduled' })
    await runner.runOnce()
    // May 2024: before both workspaces existed, so no rows.
    expect(await details(created.id)).toMatchObject({ totalItems: 0, items: [] })
  })

  it('answers 400 naming the problem', async () => {
    const cases: [object, string][] = [
      [
        {
          name: 'x',
          dateRange: { from: '2024-05-05', to: '2024-05-05' },
          fields: ['00000000-0000-0000-0000-000000000000'],
        },
        "'00000000-0000-0000-0000-000000000000' is not a metric",
      ],
      [
        {
          name: 'x',
          dateRange: { from: '2024-05-05', to: '2024-05-05' },
          fields: [WORKSPACE_FIELDS[0], USER_FIELDS[0]],
        },
        "'Workspace Name' is a Workspace metric and 'User Email Address' a User metric",
      ],
      [
        { name: 'x', dateRange: { from: '2024-05-06', to: '2024-05-05' }, fields: [WORKSPACE_FIELDS[0]] },
        'dateRange.to: 2024-05-05 is before dateRange.from 2024-05-06',
      ],
      [
        { name: 'x', dateRange: { from: '2024-02-30', to: '2024-03-05' }, fields: [WORKSPACE_FIELDS[0]] },
        'dateRange',
      ],
      [{ name: 'x', dateRange: { from: '2024-05-05', to: '2024-05-05' }, fields: [] }, 'fields'],
      [
        { name: '  ', dateRange: { from: '2024-05-05', to: '2024-05-05' }, fields: [WORKSPACE_FIELDS[0]] },
        'name: give the report a name',
      ],
      [
        { name: 'x', dateRange: { from: '1899-12-31', to: '2024-05-05' }, fields: [WORKSPACE_FIELDS[0]] },
        'dateRange.from: 1899-12-31 is outside 1900-01-01 … 2299-12-31',
      ],
      [
        {
          name: 'x',
          dateRange: { from: '2024-05-05', to: '2024-05-05' },
          fields: [WORKSPACE_FIELDS[0]],
          type: 'Workspace',
        },
        "unknown field 'body.type'",
      ],
      [
        { name: 'x', dateRange: { from: '2024-05-05', until: '2024-05-05' }, fields: [WORKSPACE_FIELDS[0]] },
        "unknown field 'body.dateRange.until'",
      ],
    ]
    for (const [body, message] of cases) {
      const response = await app.inject({
        method: 'POST',
        url: `${BASE}/reports`,
        headers: auth,
        payload: body,
      })
      expect(response.statusCode, JSON.stringify(body)).toBe(400)
      expect(response.body).toContain(message)
    }
    const unknown = await app.inject({
      method: 'GET',
      url: `${BASE}/reports/6f9619ff-8b86-d011-b42d-00c04fc964ff`,
      headers: auth,
    })
    expect(unknown.statusCode).toBe(404)
    expect(
      (await app.inject({ method: 'GET', url: `${BASE}/reports/not-a-guid`, headers: auth })).statusCode,
    ).toBe(400)
  })

  it('reads the create body’s property names in any letter case, as .NET clients send them', async () => {
    const created = await create({
      Name: 'Pascal',
      DateRange: { From: '2024-08-01', TO: '2024-08-31' },
      Fields: [WORKSPACE_FIELDS[0]],
    })
    expect(created).toMatchObject({
      name: 'Pascal',
      dateRange: { from: '2024-08-01T00:00:00Z', to: '2024-08-31T00:00:00Z' },
      fields: [WORKSPACE_FIELDS[0]],
    })
    const download = await app.inject({
      method: 'GET',
      url: `${BASE}/reports/download/${created.id}?fromat=xlsx`,
      headers: auth,
    })
    expect(download.statusCode).toBe(400)
    expect(download.body).toContain("unknown field 'querystring.fromat'")
  })

  it('deletes a report with its rows', async () => {
    const { id } = await finished({
      name: 'To delete',
      dateRange: { from: '2024-08-01', to: '2024-08-31' },
      fields: [WORKSPACE_FIELDS[0]],
    })
    const count = async () =>
      Number(
        (
          await stores.warehouse.query<{ n: string }>({
            query: 'SELECT count() AS n FROM report_rows WHERE report_id = {id:String}',
            params: { id },
          })
        )[0]?.n,
      )
    expect(await count()).toBe(1)
    const deleted = await app.inject({ method: 'DELETE', url: `${BASE}/reports/${id}`, headers: auth })
    expect(deleted.statusCode).toBe(204)
    expect(await count()).toBe(0)
    expect(
      (await app.inject({ method: 'GET', url: `${BASE}/reports/${id}`, headers: auth })).statusCode,
    ).toBe(404)
  })
})

describe('Usage reports: the report job', () => {
  const body = { name: 'Job', dateRange: { from: '2024-08-01', to: '2024-09-30' }, fields: WORKSPACE_FIELDS }
  const rowsOf = async (id: string) =>
    stores.warehouse.query<{ run_id: string; n: string }>({
      query: 'SELECT run_id, count() AS n FROM report_rows WHERE report_id = {id:String} GROUP BY run_id',
      params: { id },
    })

  it('runs again after an interrupted run, and the rows of the cut-short run go', async () => {
    const { id } = await create(body)
    // What a worker that died mid-run leaves: the report InProgress, some rows of its run.
    await stores.control.query("UPDATE usage_reports SET status = 'InProgress' WHERE id = $1::uuid", [id])
    await stores.warehouse.insert('report_rows', [
      { tenant_id: 1, report_id: id, run_id: 'crashed-run', row_number: 1, values: '["partial"]' },
    ])
    await runner.runOnce()
    const report = (await app.inject({ method: 'GET', url: `${BASE}/reports/${id}`, headers: auth })).json()
    expect(report.status).toBe('Finished')
    // (September of W1 changed since the first report: a snapshot was ingested later.)
    const page = await details(id)
    expect([page.totalItems, page.items[0], page.items[2]]).toEqual([3, WORKSPACE_ROWS[0], WORKSPACE_ROWS[2]])
    expect((await rowsOf(id)).map((r) => Number(r.n))).toEqual([3])
  })

  it('marks the report Failed with the reason after its last attempt, keeping no rows', async () => {
    const { id } = await create(body)
    await stores.warehouse.command({ query: 'RENAME TABLE processing_jobs TO processing_jobs_away' })
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        await runner.runOnce()
        const { status } = (
          await app.inject({ method: 'GET', url: `${BASE}/reports/${id}`, headers: auth })
        ).json()
        expect(status, `after attempt ${attempt}`).toBe(attempt < 3 ? 'Scheduled' : 'Failed')
      }
    } finally {
      await stores.warehouse.command({ query: 'RENAME TABLE processing_jobs_away TO processing_jobs' })
    }
    const failed = (await app.inject({ method: 'GET', url: `${BASE}/reports/${id}`, headers: auth })).json()
    expect(failed.failureReason).toContain('processing_jobs')
    expect(await rowsOf(id)).toEqual([])
    const early = await app.inject({ method: 'GET', url: `${BASE}/reports/${id}/details`, headers: auth })
    expect(early.statusCode).toBe(409)
    expect(early.body).toContain('is Failed: ')
  })
})

describe('Usage reports: scope', () => {
  const tokenWith = (name: string, grants: Grant[]) => tokenOfUserWith(app, stores, name, grants)

  it('limits a client-domain user to the workspaces they can access and to their own reports', async () => {
    const domainUser = await tokenWith('acmebilling', [
      { permission: 'View Client Domain Usage Reports', scopeKind: 'instance', scopeValue: '' },
      { permission: 'Workspace Access', scopeKind: 'client_domain', scopeValue: 'Acme Legal' },
    ])
    const { id } = await finished(
      { name: 'Acme only', dateRange: { from: '2024-08-01', to: '2024-09-30' }, fields: WORKSPACE_FIELDS },
      domainUser,
    )
    expect((await details(id, '', domainUser)).items).toEqual([WORKSPACE_ROWS[2]])
    const theirs = await app.inject({ method: 'GET', url: `${BASE}/reports`, headers: domainUser })
    expect(theirs.json().reports.map((r: { id: string }) => r.id)).toEqual([id])
    const adminReport = (await app.inject({ method: 'GET', url: `${BASE}/reports`, headers: auth }))
      .json()
      .reports.find((r: { name: string }) => r.name === 'Report 08/2024')
    for (const url of [
      `${BASE}/reports/${adminReport.id}`,
      `${BASE}/reports/${adminReport.id}/details`,
      `${BASE}/reports/download/${adminReport.id}`,
    ]) {
      expect((await app.inject({ method: 'GET', url, headers: domainUser })).statusCode, url).toBe(404)
    }
    // Instance-wide users see every report of the tenant.
    const finance = await tokenWith('finance', [
      { permission: 'View Instance-wide Usage Reports', scopeKind: 'instance', scopeValue: '' },
    ])
    const all = await app.inject({ method: 'GET', url: `${BASE}/reports`, headers: finance })
    expect(all.json().reports.map((r: { id: string }) => r.id)).toContain(id)
    expect(all.json().reports.map((r: { id: string }) => r.id)).toContain(adminReport.id)
  })

  it('refuses callers without either permission', async () => {
    const reader = await tokenWith('reader', [
      { permission: 'Workspace Access', scopeKind: 'instance', scopeValue: '' },
    ])
    const response = await app.inject({ method: 'GET', url: `${BASE}/metadata`, headers: reader })
    expect(response.statusCode).toBe(403)
    expect(response.body).toContain('View Instance-wide Usage Reports')
  })
})
