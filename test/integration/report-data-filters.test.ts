import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, ingestThroughApi } from '../helpers/app.js'

/**
 * Every optional parameter the report data document lists, report by report, narrows the records
 * to those with that value (and only that one parameter decides); and the ways a client written
 * against the document carries its parameters: a form body, an empty body with a JSON type, a
 * POSIX locale, a `+` offset in a URL.
 */
let app: FastifyInstance
let auth: { authorization: string }

const AT = '2023-09-15T13:30:00'

/** The document's optional parameters of each report, as it lists them. */
const DOCUMENT_FILTERS = {
  creditsTransaction: [
    'hostingType',
    'productName',
    'productCode',
    'user',
    'folder',
    'service',
    'creditsAgreementId',
  ],
  userUsage: ['user', 'folder', 'service'],
  serviceUsage: ['folder', 'service'],
  resourceUsage: ['folder', 'service', 'resourceId'],
  audit: ['user', 'operation', 'folder', 'service', 'function'],
} as const
type ReportName = keyof typeof DOCUMENT_FILTERS

/**
 * Per report: its stream, a record with the document's example values, and the field (not a filter)
 * that tells the records apart.
 */
const REPORTS: Record<ReportName, { stream: string; base: Record<string, unknown>; tag: string }> = {
  creditsTransaction: {
    stream: 'credit-transactions',
    base: {
      transactionType: 'Consumed',
      credits: 2,
      hostingType: 'Cloud',
      productName: 'Product 1',
      productCode: 'Prod-001',
      user: 'test-user@example.com',
      folder: 'Folder 1',
      service: 'Service 1',
      creditsAgreementId: '0001',
    },
    tag: 'transactionId',
  },
  userUsage: {
    stream: 'user-usage',
    base: { user: 'test-user@example.com', folder: 'Folder 2', service: 'Service 2', unit: 'hours' },
    tag: 'quantity',
  },
  serviceUsage: {
    stream: 'service-usage',
    base: { folder: 'Folder 3', service: 'Service 3', unit: 'calls' },
    tag: 'quantity',
  },
  resourceUsage: {
    stream: 'resource-usage',
    base: { folder: 'Folder 4', service: 'Service 4', resourceId: 'RES-004', unit: 'hours' },
    tag: 'quantity',
  },
  audit: {
    stream: 'service-audits',
    base: {
      user: 'test-user@example.com',
      operation: 'add',
      folder: 'Folder 5',
      service: 'Service 5',
      function: 'authm',
    },
    tag: 'target',
  },
}

const REPORT_NAMES = Object.keys(DOCUMENT_FILTERS) as ReportName[]
/** The tag of the record with the example values (0), and of the one differing in filter i (i + 1). */
const tagOf = (report: ReportName, index: number) =>
  REPORTS[report].tag === 'quantity' ? index : `${report}-${index}`
/** The tags of the records with these indexes, as tagsOf answers them. */
const tagsAt = (report: ReportName, indexes: number[]) => indexes.map((i) => String(tagOf(report, i))).sort()

beforeAll(async () => {
  ;({ app, auth } = await buildTestApp())
  for (const report of REPORT_NAMES) {
    const { stream, base, tag } = REPORTS[report]
    const variants = [base, ...DOCUMENT_FILTERS[report].map((f) => ({ ...base, [f]: `Other ${f}` }))]
    const items = variants.map((values, i) => ({ timestamp: `${AT}Z`, ...values, [tag]: tagOf(report, i) }))
    const response = await ingestThroughApi(app, auth, { stream }, items)
    expect(response.json(), `${stream}: ${response.body}`).toMatchObject({ rejectedCount: 0 })
  }
})

/** Every filter of the report at the document's example value: the first record only. */
const examplesOf = (report: ReportName) =>
  DOCUMENT_FILTERS[report].map((f) => `&${f}=${encodeURIComponent(String(REPORTS[report].base[f]))}`).join('')

const WINDOW = `fromDate=${AT}&toDate=${AT}`
const AUDIT_WINDOW = `range=Custom&from=${AT}&to=${AT}`

async function tagsOf(report: ReportName, filters: string): Promise<unknown[]> {
  const response =
    report === 'audit'
      ? await app.inject({ method: 'GET', url: `/reports/v1/audit?${AUDIT_WINDOW}${filters}`, headers: auth })
      : await app.inject({
          method: 'POST',
          url: `/reports/v1/integration/${report}?${WINDOW}${filters}`,
          headers: auth,
        })
  expect(response.statusCode, response.body).toBe(200)
  // Records of one instant come in the report's tie-break order; which ones came is what counts here.
  return (response.json() as Record<string, unknown>[]).map((r) => String(r[REPORTS[report].tag])).sort()
}

describe('Report data: every optional parameter of the document', () => {
  it.each(REPORT_NAMES)('%s takes exactly the document’s parameters', async (report) => {
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    const operation =
      report === 'audit'
        ? openapi.paths['/reports/v1/audit'].get
        : openapi.paths[`/reports/v1/integration/${report}`].post
    const names = (operation.parameters as { name: string; in: string }[])
      .filter((p) => p.in === 'query')
      .map((p) => p.name)
    const mandatory =
      report === 'audit' ? ['range', 'from', 'to', 'locale', 'offset'] : ['fromDate', 'toDate']
    expect(names.sort()).toEqual([...mandatory, ...DOCUMENT_FILTERS[report]].sort())
  })

  it.each(REPORT_NAMES)('%s: each filter keeps exactly the records with its value', async (report) => {
    const filters = DOCUMENT_FILTERS[report]
    // Record 0 has the example values; record i + 1 differs from it in filter i only.
    const every = [0, ...filters.map((_, i) => i + 1)]
    expect(await tagsOf(report, '')).toEqual(tagsAt(report, every))
    for (const [i, filter] of filters.entries()) {
      const example = encodeURIComponent(String(REPORTS[report].base[filter]))
      expect(await tagsOf(report, `&${filter}=${example}`), filter).toEqual(
        tagsAt(
          report,
          every.filter((j) => j !== i + 1),
        ),
      )
      expect(await tagsOf(report, `&${filter}=Other%20${filter}`), filter).toEqual(tagsAt(report, [i + 1]))
    }
    expect(await tagsOf(report, examplesOf(report))).toEqual(tagsAt(report, [0]))
  })
})

describe('Report data: how a client carries the parameters', () => {
  const post = (contentType: string, payload: string, query = '') =>
    app.inject({
      method: 'POST',
      url: `/reports/v1/integration/userUsage${query}`,
      headers: { ...auth, 'content-type': contentType },
      payload,
    })

  it('reads a form body as it reads a JSON one, as the OpenAPI document says', async () => {
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    const body = openapi.paths['/reports/v1/integration/userUsage'].post.requestBody
    expect(Object.keys(body.content)).toEqual(['application/json', 'application/x-www-form-urlencoded'])
    const form = await post('application/x-www-form-urlencoded', `${WINDOW}&folder=Other+folder`)
    expect(form.statusCode, form.body).toBe(200)
    expect(form.json().map((r: { quantity: number }) => r.quantity)).toEqual([2])
    const json = await post(
      'application/json',
      JSON.stringify({ fromDate: AT, toDate: AT, folder: 'Other folder' }),
    )
    expect(json.json()).toEqual(form.json())
    const unknown = await post('application/x-www-form-urlencoded', `${WINDOW}&colour=red`)
    expect(unknown.statusCode).toBe(400)
    expect(unknown.body).toContain('colour')
  })

  it('takes an empty body with a JSON Content-Type as no body, the parameters in the query string', async () => {
    const response = await post('application/json', '', `?${WINDOW}&user=Other%20user`)
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json().map((r: { quantity: number }) => r.quantity)).toEqual([1])
    const missing = await post('application/json', '')
    expect(missing.statusCode).toBe(400)
    expect(missing.body).toContain('fromDate, toDate: mandatory')
    expect((await post('application/json', '{"fromDate":')).statusCode).toBe(400)
  })

  const dateTimes = async (query: string) => {
    const response = await app.inject({
      method: 'GET',
      url: `/reports/v1/audit?${AUDIT_WINDOW}${examplesOf('audit')}${query}`,
      headers: auth,
    })
    expect(response.statusCode, response.body).toBe(200)
    return response.json().map((r: { dateTime: string }) => r.dateTime)
  }

  it('reads a POSIX locale (en_US, de_DE.UTF-8) as its language tag', async () => {
    expect(await dateTimes('&locale=en_US')).toEqual(await dateTimes('&locale=en-US'))
    expect(await dateTimes('&locale=de_DE.UTF-8')).toEqual(['15.09.23, 13:30:00'])
  })

  it('reads offset=+300 in a URL, whose + arrives as a space, as 300', async () => {
    // 13:30 UTC is 08:30 at UTC-5 (offset 300) and 19:00 in India (offset -330).
    expect(await dateTimes('&offset=+300')).toEqual(['9/15/23, 8:30:00 AM'])
    expect(await dateTimes('&offset=%2B300')).toEqual(['9/15/23, 8:30:00 AM'])
    expect(await dateTimes('&offset=-330')).toEqual(['9/15/23, 7:00:00 PM'])
  })
})
