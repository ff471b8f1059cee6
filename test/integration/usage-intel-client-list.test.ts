import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'

/**
 * The client profile report and its export: one client, filters, property subsets, pages, and an
 * export that stays complete and free of repeats while clients keep arriving between its pages.
 */
const PRODUCT = 511
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const ids = Array.from({ length: 25 }, (_, i) => `c${String(i + 1).padStart(2, '0')}`)
const client = (clientId: string, extra: object = {}) => {
  const n = Number(clientId.slice(1))
  return {
    productId: PRODUCT,
    clientId,
    productVersion: `5.${n % 3}`,
    edition: n % 2 === 0 ? 'Professional' : 'Standard',
    country: n <= 10 ? 'US' : 'DE',
    installedAt: '2024-01-02T03:04:05Z',
    ...(n % 5 === 0 && { properties: { plan: `p${n}` } }),
    ...extra,
  }
}

const ingest = async (target: { stream: string } | { entities: string }, items: object[]) => {
  const response = await ingestThroughApi(app, auth, target, items)
  expect(response.statusCode, response.body).toBe(200)
}

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  await ingest({ entities: 'products' }, [{ productId: PRODUCT, name: 'Designer' }])
  await ingest(
    { entities: 'clients' },
    ids.map((id) => client(id)),
  )
  // c04 sends newer properties: they win.
  await ingest({ entities: 'clients' }, [client('c04', { productVersion: '6.0', os: 'Windows 11' })])
  await ingest({ stream: 'usage-sessions' }, [
    {
      productId: PRODUCT,
      clientId: 'c03',
      sessionId: 's1',
      startedAt: '2024-03-01T10:00:00Z',
      endedAt: '2024-03-01T11:00:00Z',
    },
    {
      productId: PRODUCT,
      clientId: 'c03',
      sessionId: 's2',
      startedAt: '2024-03-05T10:00:00Z',
      endedAt: '2024-03-05T10:30:00Z',
    },
  ])
})

const list = (body: object, headers = auth) =>
  app.inject({ method: 'POST', url: `/v3/reporting/clientPropertyList/${PRODUCT}`, headers, payload: body })
const exportPage = (body: object, headers = auth) =>
  app.inject({
    method: 'POST',
    url: `/v3/export/request/clientPropertyList/${PRODUCT}`,
    headers,
    payload: body,
  })
const idsOf = (body: { clients: { clientId: string }[] }) => body.clients.map((c) => c.clientId)

describe('Client property list', () => {
  it('answers every property of one client, with its first and last active day', async () => {
    const response = await list({ clientId: 'c03' })
    expect(response.statusCode, response.body).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({ totalClients: 1, page: 1, pageSize: 100 })
    const [record] = body.clients
    expect(Date.parse(record.propertiesUpdatedAt)).toBeGreaterThan(Date.parse('2024-01-02T03:04:05Z'))
    expect({ ...record, propertiesUpdatedAt: undefined }).toEqual({
      clientId: 'c03',
      installedAt: '2024-01-02T03:04:05.000Z',
      firstActive: '2024-03-01',
      lastActive: '2024-03-05',
      properties: {
        productVersion: '5.0',
        edition: 'Standard',
        licenseType: '',
        licenseKey: '',
        os: '',
        language: '',
        country: 'US',
        region: '',
      },
    })
    const c05 = (await list({ clientId: 'c05' })).json().clients[0]
    expect(c05).toMatchObject({ firstActive: null, lastActive: null })
    expect(c05.properties['custom.plan']).toBe('p5')
  })

  it('reads the newest properties, and a subset of them when asked', async () => {
    const c04 = (
      await list({ clientId: 'c04', propertyNames: ['productversion', 'os', 'custom.plan'] })
    ).json()
    expect(c04.clients[0].properties).toEqual({ productVersion: '6.0', os: 'Windows 11', 'custom.plan': '' })
  })

  it('filters with the global filters and pages by client id', async () => {
    const germanPros = (
      await list({
        globalFilters: [
          { property: 'country', values: ['DE'] },
          { property: 'edition', values: ['Professional'] },
        ],
        propertyNames: ['edition'],
      })
    ).json()
    expect(germanPros.totalClients).toBe(7)
    expect(idsOf(germanPros)).toEqual(['c12', 'c14', 'c16', 'c18', 'c20', 'c22', 'c24'])
    expect(germanPros.clients[0].properties).toEqual({ edition: 'Professional' })
    const planned = (
      await list({ globalFilters: [{ property: 'custom.plan', values: ['p10', 'p25'] }] })
    ).json()
    expect(idsOf(planned)).toEqual(['c10', 'c25'])
    const second = (await list({ page: 2, pageSize: 10 })).json()
    expect(second).toMatchObject({ totalClients: 25, page: 2, pageSize: 10 })
    expect(idsOf(second)).toEqual(ids.slice(10, 20))
    expect((await list({ page: 4, pageSize: 10 })).json()).toMatchObject({ totalClients: 25, clients: [] })
    // A client the filters leave out is not listed; one never heard of is a 404.
    const filteredOut = await list({
      clientId: 'c03',
      globalFilters: [{ property: 'country', values: ['DE'] }],
    })
    expect(filteredOut.json()).toMatchObject({ totalClients: 0, clients: [] })
  })

  it('answers 4xx for bad input, 404 for an unknown client, 403 for a product not granted', async () => {
    const unknown = await list({ clientId: 'nobody' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.body).toContain("Client 'nobody' of product 511")
    const badProperty = await list({ propertyNames: ['shoeSize'] })
    expect(badProperty.statusCode).toBe(400)
    expect(badProperty.body).toContain("propertyNames: 'shoeSize' is not a client property")
    const badFilter = await list({ globalFilters: [{ property: 'shoeSize', values: ['9'] }] })
    expect(badFilter.statusCode).toBe(400)
    expect((await list({ pageSize: 1001 })).statusCode).toBe(400)
    expect((await list({ clientId: '' })).statusCode).toBe(400)
    const outsider = await tokenOfUserWith(app, stores, 'clients-outsider', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: '999' },
    ])
    expect((await list({}, outsider)).statusCode).toBe(403)
    expect((await exportPage({}, outsider)).statusCode).toBe(403)
  })
})

describe('Client property list export', () => {
  it('stays complete and free of repeats while ingestion continues between pages', async () => {
    const first = (await exportPage({ pageSize: 10 })).json()
    expect(idsOf(first)).toEqual(ids.slice(0, 10))
    // Between pages: a client sorting before the cursor, one after it, a late one, and updates to
    // a client already exported and to one not yet exported.
    await ingest({ entities: 'clients' }, [
      client('c055'),
      client('c105'),
      client('c02', { os: 'macOS' }),
      client('c15', { os: 'Linux' }),
    ])
    const second = (await exportPage({ pageSize: 10, continuationToken: first.continuationToken })).json()
    expect(idsOf(second)).toEqual(['c105', ...ids.slice(10, 19)])
    expect(second.clients.find((c: { clientId: string }) => c.clientId === 'c15').properties.os).toBe('Linux')
    await ingest({ entities: 'clients' }, [{ ...client('c30'), clientId: 'zz-late' }])
    const third = (await exportPage({ pageSize: 10, continuationToken: second.continuationToken })).json()
    expect(idsOf(third)).toEqual([...ids.slice(19), 'zz-late'])
    expect(third.continuationToken).toBeNull()
    const exported = [first, second, third].flatMap(idsOf)
    expect(new Set(exported).size).toBe(exported.length)
    for (const id of ids) expect(exported).toContain(id)
  })

  it('pages to the end exactly, with filters and properties kept across pages', async () => {
    const request = {
      globalFilters: [{ property: 'edition', values: ['Standard'] }],
      propertyNames: ['country'],
    }
    const pages = []
    let token: string | null | undefined
    do {
      const response = await exportPage({
        ...request,
        pageSize: 4,
        ...(token && { continuationToken: token }),
      })
      expect(response.statusCode, response.body).toBe(200)
      pages.push(response.json())
      token = pages[pages.length - 1].continuationToken
    } while (token)
    const standard = (await list({ ...request, pageSize: 1000 })).json()
    expect(pages.flatMap(idsOf)).toEqual(idsOf(standard))
    expect(pages[pages.length - 1].clients.length).toBeGreaterThan(0)
    expect(pages[0].clients[0].properties).toEqual({ country: 'US' })
  })

  it('refuses a token of another export, or one it did not issue', async () => {
    const { continuationToken } = (await exportPage({ pageSize: 2 })).json()
    const other = await exportPage({
      pageSize: 2,
      continuationToken,
      globalFilters: [{ property: 'country', values: ['US'] }],
    })
    expect(other.statusCode).toBe(400)
    expect(other.body).toContain('continuationToken: was issued for another export')
    const forged = await exportPage({ continuationToken: 'not-a-token' })
    expect(forged.statusCode).toBe(400)
    expect(forged.body).toContain('continuationToken: is not a token this export issued')
    expect((await exportPage({ pageSize: 10_001 })).statusCode).toBe(400)
  })
})
