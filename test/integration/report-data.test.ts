import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'

/**
 * The report data API with the document's own examples, sent as written (the host replaced), over
 * records ingested through the API; every value asserted.
 */
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const AT = '2023-09-15T13:30:00.000Z'
const CAP_START = Date.parse('2024-01-01T00:00:00Z')
const CAP_RECORDS = 20_005

const send = async (stream: string, items: object[]) => {
  const response = await ingestThroughApi(app, auth, { stream }, items)
  expect(response.statusCode, response.body).toBe(200)
  expect(response.json().rejectedCount, response.body).toBe(0)
}

const credit = (timestamp: string, transactionId: string, values: object = {}) => ({
  transactionId,
  timestamp,
  transactionType: 'Consumed',
  credits: 12.5,
  hostingType: 'Cloud',
  productName: 'Product 1',
  productCode: 'Prod-001',
  user: 'test-user@example.com',
  folder: 'Folder 1',
  service: 'Service 1',
  creditsAgreementId: '0001',
  description: 'Translation of 250 documents',
  ...values,
})

/** A transaction differing from the document's example in hosting type, product name, user, folder, credits. */
const OTHER_CREDIT = {
  hostingType: 'OnPremises',
  productName: 'Product 2',
  user: 'other@example.com',
  folder: 'Folder 9',
  credits: 3,
}

/** Usage records with the document's example filter values, as ingested and as reported. */
const USER_USAGE = {
  timestamp: AT,
  user: 'test-user@example.com',
  folder: 'Folder 2',
  service: 'Service 2',
  quantity: 3,
  unit: 'hours',
  credits: 1.5,
}
const SERVICE_USAGE = { timestamp: AT, folder: 'Folder 3', service: 'Service 3', quantity: 42, unit: 'calls' }
const RESOURCE_USAGE = {
  timestamp: AT,
  folder: 'Folder 4',
  service: 'Service 4',
  resourceId: 'RES-004',
  resourceName: 'vm-04',
  resourceType: 'VM',
  quantity: 24,
  unit: 'hours',
  credits: 9.6,
}
/** Ingested without its optional fields. */
const BARE_RESOURCE_USAGE = {
  timestamp: AT,
  folder: 'Folder 4',
  service: 'Service 4',
  resourceId: 'RES-005',
  quantity: 1,
  unit: 'hours',
}

/**
 * Audits relative to the clock, for the named ranges. The offset puts local noon at the start of
 * the run, so no local midnight falls between ingesting and asking: "yesterday" stays yesterday.
 */
const NOW = Date.now()
const NOON_OFFSET = Math.round((NOW % 86_400_000) / 60_000) - 720
const daysAgo = (days: number) => new Date(NOW - days * 86_400_000).toISOString()
const RECENT = [daysAgo(40), daysAgo(2), daysAgo(1)]

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  await send('credit-transactions', [
    credit(AT, 'TX-1'),
    credit(AT, 'TX-2', OTHER_CREDIT),
    credit('2023-09-15T13:29:59.999Z', 'TX-0'),
    credit('2023-09-15T13:30:00.001Z', 'TX-3'),
  ])
  await send('user-usage', [
    USER_USAGE,
    { ...USER_USAGE, user: 'other@example.com', quantity: 1, credits: 0.5 },
  ])
  await send('service-usage', [
    SERVICE_USAGE,
    ...Array.from({ length: CAP_RECORDS }, (_, i) => ({
      timestamp: new Date(CAP_START + i * 1000).toISOString(),
      folder: 'Bulk',
      service: 'Ingest',
      quantity: i,
      unit: 'GB',
      credits: 0.25,
    })),
  ])
  await send('resource-usage', [RESOURCE_USAGE, BARE_RESOURCE_USAGE])
  const audit = (timestamp: string, values: object = {}) => ({
    timestamp,
    user: 'test-user@example.com',
    operation: 'add',
    folder: 'Folder 5',
    service: 'Service 5',
    function: 'authm',
    target: 'role:viewer',
    ...values,
  })
  await send('service-audits', [
    audit('2023-12-12T23:59:59.999Z'),
    audit('2023-12-13T00:00:00.000Z', { operation: 'update' }),
    audit('2023-12-14T20:00:00.000Z'),
    audit('2023-12-15T00:00:00.000Z'),
    ...RECENT.map((timestamp) => audit(timestamp, { service: 'Service Recent' })),
  ])
})

const post = (path: string, options: { query?: string; body?: object } = {}, headers = auth) =>
  app.inject({
    method: 'POST',
    url: `/reports/v1/integration/${path}${options.query ? `?${options.query}` : ''}`,
    headers,
    ...(options.body && { payload: options.body }),
  })
const get = (query: string, headers = auth) =>
  app.inject({ method: 'GET', url: `/reports/v1/audit${query}`, headers })

describe('Report data: the integration reports', () => {
  it('creditsTransaction: the document’s window, in the query string or a JSON body', async () => {
    for (const response of [
      await post('creditsTransaction', { query: 'fromDate=2023-09-15T13:30:00&toDate=2023-09-15T13:30:00' }),
      await post('creditsTransaction', {
        body: { fromDate: '2023-09-15T13:30:00', toDate: '2023-09-15T13:30:00' },
      }),
    ]) {
      expect(response.statusCode, response.body).toBe(200)
      expect(response.headers['x-total-count']).toBe('2')
      expect(response.headers['x-result-truncated']).toBe('false')
      // Records carry the ingested values under the same names.
      expect(response.json()).toEqual([credit(AT, 'TX-1'), credit(AT, 'TX-2', OTHER_CREDIT)])
    }
  })

  it('creditsTransaction: every example of the document at once', async () => {
    const response = await post('creditsTransaction', {
      query:
        'fromDate=2023-09-15T13:30:00&toDate=2023-09-15T13:30:00&hostingType=Cloud&productName=Product%201' +
        '&productCode=Prod-001&user=test-user@example.com&folder=Folder%201&service=Service%201&creditsAgreementId=0001',
    })
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual([credit(AT, 'TX-1')])
  })

  it('creditsTransaction: every optional filter applies, letter case ignored', async () => {
    const body = { fromDate: '2023-09-15', toDate: '2023-09-15' }
    const ids = async (filters: object) =>
      (
        (await post('creditsTransaction', { body: { ...body, ...filters } })).json() as {
          transactionId: string
        }[]
      ).map((r) => r.transactionId)
    expect(await ids({})).toEqual(['TX-0', 'TX-1', 'TX-2', 'TX-3'])
    expect(await ids({ hostingType: 'Cloud' })).toEqual(['TX-0', 'TX-1', 'TX-3'])
    expect(await ids({ productName: 'Product 2' })).toEqual(['TX-2'])
    expect(await ids({ productCode: 'prod-001' })).toEqual(['TX-0', 'TX-1', 'TX-2', 'TX-3'])
    expect(await ids({ user: 'OTHER@example.com' })).toEqual(['TX-2'])
    expect(await ids({ folder: 'Folder 9' })).toEqual(['TX-2'])
    expect(
      await ids({ service: 'Service 1', creditsAgreementId: '0001', hostingType: 'OnPremises' }),
    ).toEqual(['TX-2'])
    expect(await ids({ creditsAgreementId: '0002' })).toEqual([])
  })

  it('userUsage, serviceUsage and resourceUsage with the document’s filters', async () => {
    const window = 'fromDate=2023-09-15T13:30:00&toDate=2023-09-15T13:30:00'
    const users = await post('userUsage', {
      query: `${window}&user=test-user@example.com&folder=Folder%202&service=Service%202`,
    })
    expect(users.json()).toEqual([USER_USAGE])
    const services = await post('serviceUsage', { query: `${window}&folder=Folder%203&service=Service%203` })
    expect(services.json()).toEqual([{ ...SERVICE_USAGE, credits: 0 }])
    const resources = await post('resourceUsage', {
      query: `${window}&folder=Folder%204&service=Service%204&resourceId=RES-004`,
    })
    expect(resources.json()).toEqual([RESOURCE_USAGE])
  })

  it('answers absent optional fields as "" and 0, and treats an empty filter as no filter', async () => {
    const response = await post('resourceUsage', {
      body: { fromDate: '2023-09-15', toDate: '2023-09-15', service: '', resourceId: '' },
    })
    expect(response.json()).toEqual([
      RESOURCE_USAGE,
      { ...BARE_RESOURCE_USAGE, resourceName: '', resourceType: '', credits: 0 },
    ])
  })

  it('stops at 20,000 records in time order and says how many matched', async () => {
    const response = await post('serviceUsage', {
      body: { fromDate: '2024-01-01', toDate: '2024-01-02', folder: 'Bulk' },
    })
    expect(response.statusCode).toBe(200)
    expect(response.headers['x-total-count']).toBe(String(CAP_RECORDS))
    expect(response.headers['x-result-truncated']).toBe('true')
    const records = response.json() as { timestamp: string; quantity: number }[]
    expect(records).toHaveLength(20_000)
    expect(records[0]).toMatchObject({ timestamp: '2024-01-01T00:00:00.000Z', quantity: 0 })
    expect(records[19_999]).toMatchObject({
      timestamp: new Date(CAP_START + 19_999_000).toISOString(),
      quantity: 19_999,
    })
  })

  it('answers 400 naming what is missing or wrong', async () => {
    const cases: [Parameters<typeof post>[1], string][] = [
      [{}, 'fromDate, toDate: mandatory'],
      [{ query: 'fromDate=2023-09-15' }, 'toDate: mandatory'],
      [
        { query: 'fromDate=2023-09-16&toDate=2023-09-15' },
        "toDate: '2023-09-15' is before fromDate '2023-09-16'",
      ],
      [{ query: 'fromDate=2023-02-30&toDate=2023-03-01' }, "fromDate: '2023-02-30' is not a DateTime"],
      [{ query: 'fromDate=2023-09-15&toDate=2023-09-16&colour=red' }, 'colour'],
      [
        { query: 'fromDate=2023-09-15&toDate=2023-09-16', body: { fromDate: '2023-09-14' } },
        "fromDate: given as '2023-09-15' in the query and '2023-09-14' in the body",
      ],
    ]
    for (const [options, message] of cases) {
      const response = await post('creditsTransaction', options)
      expect(response.statusCode, JSON.stringify(options)).toBe(400)
      expect(response.body).toContain(message)
    }
  })
})

describe('Report data: the audit report', () => {
  const record = (timestamp: string, dateTime: string, operation = 'add') => ({
    timestamp,
    dateTime,
    user: 'test-user@example.com',
    operation,
    folder: 'Folder 5',
    service: 'Service 5',
    function: 'authm',
    target: 'role:viewer',
    details: '',
  })

  it('the document’s first example: a Custom range of two whole days', async () => {
    const response = await get('?range=Custom&from=2023-12-13&to=2023-12-14')
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual([
      record('2023-12-13T00:00:00.000Z', '12/13/23, 12:00:00 AM', 'update'),
      record('2023-12-14T20:00:00.000Z', '12/14/23, 8:00:00 PM'),
    ])
  })

  it('the document’s second example: DateTimes shifted by the offset (-330 is IST) for the locale', async () => {
    const response = await get('?range=Custom&from=2023-12-13&to=2023-12-14&locale=en-US&offset=-330')
    expect(response.json().map((r: { dateTime: string }) => r.dateTime)).toEqual([
      '12/13/23, 5:30:00 AM',
      '12/15/23, 1:30:00 AM',
    ])
    const german = await get('?range=Custom&from=2023-12-13&to=2023-12-14&locale=de-DE&offset=60')
    expect(german.json().map((r: { dateTime: string }) => r.dateTime)).toEqual([
      '12.12.23, 23:00:00',
      '14.12.23, 19:00:00',
    ])
  })

  it('applies the user, operation, folder, service and function filters', async () => {
    const window = '?range=Custom&from=2023-12-13&to=2023-12-14'
    const count = async (filters: string) => (await get(`${window}&${filters}`)).json().length
    expect(
      await count(
        'user=test-user@example.com&operation=add&folder=Folder 5&service=Service 5&function=authm',
      ),
    ).toBe(1)
    expect(await count('operation=update')).toBe(1)
    expect(await count('function=other')).toBe(0)
  })

  it('answers a bare /reports/v1/audit, and other malformed requests, with 400 naming the parameters', async () => {
    const cases: [string, string][] = [
      ['', 'range, from, to: mandatory'],
      ['?from=2023-12-13&to=2023-12-14', 'range: mandatory'],
      ['?range=Custom', 'from, to: mandatory with range=Custom'],
      ['?range=Custom&from=2023-12-13', 'to: mandatory with range=Custom'],
      ['?range=Fortnight', "range: 'Fortnight' is not one of Custom, Today"],
      ['?range=Custom&from=2023-12-13&to=2023-12-14&offset=IST', "offset: 'IST' is not a number of minutes"],
      ['?range=Custom&from=2023-12-13&to=2023-12-14&offset=-900', "offset: '-900'"],
      ['?range=Custom&from=2023-12-13&to=2023-12-14&locale=xx-notalocale-123456789', 'locale'],
    ]
    for (const [query, message] of cases) {
      const response = await get(query)
      expect(response.statusCode, query).toBe(400)
      expect(response.body).toContain(message)
    }
  })

  it('takes named ranges, in any letter case, as calendar days in the caller’s local time', async () => {
    const timestamps = async (range: string) => {
      const response = await get(`?range=${range}&offset=${NOON_OFFSET}&service=Service%20Recent`)
      expect(response.statusCode, response.body).toBe(200)
      return response.json().map((r: { timestamp: string }) => r.timestamp)
    }
    // The audit of 40 days ago lies in none of these ranges.
    const [, twoDaysAgo, yesterday] = RECENT
    expect(await timestamps('Today')).toEqual([])
    expect(await timestamps('yesterday')).toEqual([yesterday])
    expect(await timestamps('Last7Days')).toEqual([twoDaysAgo, yesterday])
    expect(await timestamps('LAST30DAYS')).toEqual([twoDaysAgo, yesterday])
  })

  it('routes in any letter case, with a trailing slash, and ignores empty filters', async () => {
    const response = await get('?range=Custom&from=2023-12-13&to=2023-12-14&user=&function=')
    const variant = await app.inject({
      method: 'GET',
      url: '/Reports/V1/Audit/?range=custom&from=2023-12-13&to=2023-12-14',
      headers: auth,
    })
    expect(variant.statusCode, variant.body).toBe(200)
    expect(variant.json()).toHaveLength(2)
    expect(variant.json()).toEqual(response.json())
  })
})

describe('Report data: folders scope what a user sees', () => {
  it('a user granted one folder reads only it; another folder is refused', async () => {
    const folderUser = await tokenOfUserWith(app, stores, 'folderone', [
      { permission: 'Report Data Access', scopeKind: 'folder', scopeValue: 'Folder 1' },
    ])
    const mine = await post(
      'creditsTransaction',
      { body: { fromDate: '2023-09-15', toDate: '2023-09-15' } },
      folderUser,
    )
    expect(mine.statusCode).toBe(200)
    expect(mine.json().map((r: { transactionId: string }) => r.transactionId)).toEqual([
      'TX-0',
      'TX-1',
      'TX-3',
    ])
    const other = await post(
      'creditsTransaction',
      { body: { fromDate: '2023-09-15', toDate: '2023-09-15', folder: 'Folder 9' } },
      folderUser,
    )
    expect(other.statusCode).toBe(403)
    expect(other.body).toContain("you may read the report data of 'Folder 1' only")
  })

  it('scopes the audit report by folder too', async () => {
    const folderFive = await tokenOfUserWith(app, stores, 'folderfive', [
      { permission: 'Report Data Access', scopeKind: 'folder', scopeValue: 'Folder 5' },
    ])
    const window = '?range=Custom&from=2023-12-13&to=2023-12-14'
    expect((await get(window, folderFive)).json()).toHaveLength(2)
    // A grant's folder name matches in any letter case, as filters do.
    const lowerCase = await tokenOfUserWith(app, stores, 'folderfivelower', [
      { permission: 'Report Data Access', scopeKind: 'folder', scopeValue: 'folder 5' },
    ])
    expect((await get(window, lowerCase)).json()).toHaveLength(2)
    const folderOne = await tokenOfUserWith(app, stores, 'folderoneaudit', [
      { permission: 'Report Data Access', scopeKind: 'folder', scopeValue: 'Folder 1' },
    ])
    expect((await get(window, folderOne)).json()).toEqual([])
    expect((await get(`${window}&folder=Folder%205`, folderOne)).statusCode).toBe(403)
  })

  it('refuses callers without the permission before reading any parameter', async () => {
    const nobody = await tokenOfUserWith(app, stores, 'nofolders', [])
    for (const response of [
      await get('?range=Last7Days', nobody),
      await get('?colour=red', nobody),
      await post('creditsTransaction', { query: 'colour=red' }, nobody),
    ]) {
      expect(response.statusCode).toBe(403)
      expect(response.body).toContain("this needs the 'Report Data Access' permission")
    }
    expect((await app.inject({ method: 'GET', url: '/reports/v1/audit' })).statusCode).toBe(401)
  })
})
