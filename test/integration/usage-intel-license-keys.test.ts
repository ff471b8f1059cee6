import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'

/**
 * The license key registry: batches mixing new, registered, malformed and repeated keys, searches
 * by key and by property, paging, and the keys clients run under that the registry lacks.
 */
const PRODUCT = 411
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const client = (clientId: string, licenseKey: string) => ({
  productId: PRODUCT,
  clientId,
  licenseKey,
  installedAt: '2024-01-01T00:00:00Z',
})

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  for (const response of [
    await ingestThroughApi(app, auth, { entities: 'products' }, [
      { productId: PRODUCT, name: 'Designer' },
      { productId: PRODUCT + 1, name: 'Viewer' },
    ]),
    await ingestThroughApi(app, auth, { entities: 'clients' }, [
      client('c1', 'KEY-A'),
      client('c2', 'KEY-A'),
      client('c3', 'KEY-B'),
      client('c4', 'ZZ-UNREG-1'),
      client('c5', 'ZZ-UNREG-1'),
      client('c6', 'ZZ-UNREG-2'),
      client('c7', 'OLD-KEY'),
      client('c8', ''),
      { ...client('k1', 'KEY-A'), productId: PRODUCT + 1 },
    ]),
    // c7 moved to another key: only its newest properties count.
    await ingestThroughApi(app, auth, { entities: 'clients' }, [client('c7', 'zz-unreg-3')]),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
  }
})

const batch = (method: 'POST' | 'PATCH', keys: object[], headers = auth, product = PRODUCT) =>
  app.inject({
    method,
    url: `/v3/license-key-registry/update/${product}`,
    headers,
    payload: { keys },
  })
const search = (body: object, headers = auth, product = PRODUCT) =>
  app.inject({ method: 'POST', url: `/v3/license-key-registry/${product}`, headers, payload: body })
const unregistered = (body: object) =>
  app.inject({
    method: 'POST',
    url: `/v3/license-key-registry/unregistered/${PRODUCT}`,
    headers: auth,
    payload: body,
  })
const keysOf = (response: { json(): { keys: { licenseKey: string }[] } }) =>
  response.json().keys.map((k) => k.licenseKey)

describe('License key registry batches', () => {
  it('stores the valid keys of a batch and rejects malformed and repeated ones alone', async () => {
    const response = await batch('POST', [
      {
        licenseKey: 'KEY-A',
        licenseType: 'Subscription',
        edition: 'Professional',
        customer: 'Acme',
        expiryDate: '2099-12-31',
      },
      { licenseKey: ' KEY-SPACED' },
      { licenseKey: 'KEY-B', licenseType: 'Trial', edition: 'Standard', expiryDate: '2020-06-30' },
      { licenseKey: 'KEY-TWICE', edition: 'Professional' },
      { licenseKey: '' },
      { licenseKey: 'KEY-TWICE', edition: 'Enterprise' },
      { licenseKey: 'KEY\u0007BELL' },
      { licenseKey: 'K'.repeat(257) },
      { licenseKey: 'KEY-C', licenseType: 'Subscription', status: 'blocked', customer: 'Globex' },
    ])
    expect(response.statusCode, response.body).toBe(200)
    const body = response.json()
    expect({ inserted: body.inserted, updated: body.updated, rejected: body.rejected }).toEqual({
      inserted: 3,
      updated: 0,
      rejected: 6,
    })
    expect(body.results.map((r: { index: number; result: string }) => [r.index, r.result])).toEqual([
      [0, 'inserted'],
      [1, 'rejected'],
      [2, 'inserted'],
      [3, 'rejected'],
      [4, 'rejected'],
      [5, 'rejected'],
      [6, 'rejected'],
      [7, 'rejected'],
      [8, 'inserted'],
    ])
    const errors = body.results.map((r: { error?: string }) => r.error)
    expect(errors[1]).toBe('licenseKey: has spaces around it')
    expect(errors[3]).toBe('licenseKey: listed 2 times in this batch (items 3, 5); send it once')
    expect(errors[5]).toBe(errors[3])
    expect(errors[4]).toBe('licenseKey: is empty')
    expect(errors[6]).toBe('licenseKey: has a control character')
    expect(errors[7]).toBe('licenseKey: is longer than 256 characters')
    expect(keysOf(await search({}))).toEqual(['KEY-A', 'KEY-B', 'KEY-C'])
  })

  it('updates registered keys with the fields sent and inserts new ones, by either method', async () => {
    const patch = await batch('PATCH', [
      { licenseKey: 'KEY-A', status: 'blocked', expiryDate: null },
      { licenseKey: 'KEY-D', edition: 'Enterprise', expiryDate: '2099-01-15' },
    ])
    expect(patch.statusCode, patch.body).toBe(200)
    expect(patch.json()).toMatchObject({ inserted: 1, updated: 1, rejected: 0 })
    const post = await batch('POST', [{ licenseKey: 'KEY-C', status: 'active', notes: 'renewed' }])
    expect(post.json().results).toEqual([{ index: 0, licenseKey: 'KEY-C', result: 'updated' }])
    const keys = (
      await search({ filters: [{ property: 'licenseKey', values: ['KEY-A', 'KEY-C', 'KEY-D'] }] })
    )
      .json()
      .keys.map(({ createdAt, updatedAt, ...rest }: { createdAt: string; updatedAt: string }) => {
        expect(Date.parse(updatedAt)).toBeGreaterThanOrEqual(Date.parse(createdAt))
        return rest
      })
    expect(keys).toEqual([
      {
        licenseKey: 'KEY-A',
        licenseType: 'Subscription',
        edition: 'Professional',
        status: 'blocked',
        customer: 'Acme',
        expiryDate: null,
        expired: false,
        notes: '',
        clients: 2,
      },
      {
        licenseKey: 'KEY-C',
        licenseType: 'Subscription',
        edition: '',
        status: 'active',
        customer: 'Globex',
        expiryDate: null,
        expired: false,
        notes: 'renewed',
        clients: 0,
      },
      {
        licenseKey: 'KEY-D',
        licenseType: '',
        edition: 'Enterprise',
        status: 'active',
        customer: '',
        expiryDate: '2099-01-15',
        expired: false,
        notes: '',
        clients: 0,
      },
    ])
  })

  it('refuses a batch whose shape is wrong as a whole, storing nothing', async () => {
    const badDate = await batch('POST', [
      { licenseKey: 'KEY-NEW' },
      { licenseKey: 'KEY-X', expiryDate: '2025-02-30' },
    ])
    expect(badDate.statusCode).toBe(400)
    expect(badDate.body).toContain('keys[1].expiryDate: not a calendar date')
    const badStatus = await batch('PATCH', [{ licenseKey: 'KEY-A', status: 'lost' }])
    expect(badStatus.statusCode).toBe(400)
    expect(badStatus.body).toContain('keys[0].status')
    expect((await batch('POST', [{ licenseKey: 'KEY-NEW', colour: 'red' }])).body).toContain(
      "unknown field 'body.keys[0].colour'",
    )
    expect((await batch('POST', [])).statusCode).toBe(400)
    expect(keysOf(await search({ search: 'new' }))).toEqual([])
  })
})

describe('License key registry search', () => {
  it('finds keys by part of the key, by property and by expiry date range', async () => {
    expect(keysOf(await search({ search: 'key-' }))).toEqual(['KEY-A', 'KEY-B', 'KEY-C', 'KEY-D'])
    expect(keysOf(await search({ search: '-b' }))).toEqual(['KEY-B'])
    const subscriptionsActive = await search({
      filters: [
        { property: 'licenseType', values: ['Subscription'] },
        { property: 'status', values: ['active'] },
      ],
    })
    expect(keysOf(subscriptionsActive)).toEqual(['KEY-C'])
    expect(keysOf(await search({ filters: [{ property: 'customer', values: ['Acme', 'Globex'] }] }))).toEqual(
      ['KEY-A', 'KEY-C'],
    )
    expect(keysOf(await search({ filters: [{ property: 'edition', values: ['Enterprise'] }] }))).toEqual([
      'KEY-D',
    ])
    // Ranges include both ends; keys that never expire are outside every range.
    expect(keysOf(await search({ expiryDate: { from: '2020-06-30', to: '2099-01-15' } }))).toEqual([
      'KEY-B',
      'KEY-D',
    ])
    expect(keysOf(await search({ expiryDate: { from: '2020-07-01' } }))).toEqual(['KEY-D'])
    expect(keysOf(await search({ expiryDate: { to: '2020-06-29' } }))).toEqual([])
    expect(keysOf(await search({ expired: true }))).toEqual(['KEY-B'])
    expect(keysOf(await search({ expired: false }))).toEqual(['KEY-A', 'KEY-C', 'KEY-D'])
    expect((await search({ expired: true })).json().keys[0]).toMatchObject({
      expiryDate: '2020-06-30',
      expired: true,
      clients: 1,
    })
  })

  it('sorts and pages, counting every match', async () => {
    expect(keysOf(await search({ sortBy: 'expiryDate' }))).toEqual(['KEY-B', 'KEY-D', 'KEY-A', 'KEY-C'])
    expect(keysOf(await search({ sortBy: 'expiryDate', sortOrder: 'desc' }))).toEqual([
      'KEY-C',
      'KEY-A',
      'KEY-D',
      'KEY-B',
    ])
    const second = (await search({ page: 2, pageSize: 3 })).json()
    expect(second).toMatchObject({ totalKeys: 4, page: 2, pageSize: 3 })
    expect(second.keys.map((k: { licenseKey: string }) => k.licenseKey)).toEqual(['KEY-D'])
    expect((await search({ page: 5, pageSize: 3 })).json()).toMatchObject({ totalKeys: 4, keys: [] })
    expect((await search({ filters: [{ property: 'status', values: ['blocked'] }] })).json().totalKeys).toBe(
      1,
    )
  })

  it('answers 400 for a bad search, 403 without access, 404 for an unknown product', async () => {
    const unknownProperty = await search({ filters: [{ property: 'colour', values: ['red'] }] })
    expect(unknownProperty.statusCode).toBe(400)
    expect(unknownProperty.body).toContain('filters[0].property')
    expect((await search({ expiryDate: { from: '2025-13-01' } })).statusCode).toBe(400)
    expect((await search({ pageSize: 0 })).statusCode).toBe(400)
    expect((await search({ sortBy: 'clients' })).statusCode).toBe(400)
    const outsider = await tokenOfUserWith(app, stores, 'keys-outsider', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: String(PRODUCT + 1) },
      { permission: 'Manage License Keys', scopeKind: 'product', scopeValue: String(PRODUCT + 1) },
    ])
    expect((await search({}, outsider)).statusCode).toBe(403)
    expect((await batch('POST', [{ licenseKey: 'KEY-E' }], outsider)).statusCode).toBe(403)
    expect((await search({}, outsider, PRODUCT + 1)).json().keys).toEqual([])
    const reader = await tokenOfUserWith(app, stores, 'keys-reader', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: String(PRODUCT) },
    ])
    expect((await search({}, reader)).statusCode).toBe(200)
    const readOnly = await batch('PATCH', [{ licenseKey: 'KEY-A', status: 'active' }], reader)
    expect(readOnly.statusCode).toBe(403)
    expect(readOnly.body).toContain('Manage License Keys')
    expect((await search({}, auth, 9999)).statusCode).toBe(404)
  })
})

describe('Keys seen in client data but not registered', () => {
  it('lists them with their clients, from each client’s newest key, in key order', async () => {
    const response = await unregistered({})
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual({
      totalKeys: 3,
      page: 1,
      pageSize: 100,
      keys: [
        { licenseKey: 'ZZ-UNREG-1', clients: 2 },
        { licenseKey: 'ZZ-UNREG-2', clients: 1 },
        { licenseKey: 'zz-unreg-3', clients: 1 },
      ],
    })
    const paged = (await unregistered({ page: 2, pageSize: 2 })).json()
    expect(paged).toMatchObject({ totalKeys: 3, keys: [{ licenseKey: 'zz-unreg-3', clients: 1 }] })
    expect(keysOf(await unregistered({ search: 'UNREG-2' }))).toEqual(['ZZ-UNREG-2'])
  })

  it('drops a key once it is registered', async () => {
    expect((await batch('POST', [{ licenseKey: 'ZZ-UNREG-1' }])).json().inserted).toBe(1)
    expect(keysOf(await unregistered({}))).toEqual(['ZZ-UNREG-2', 'zz-unreg-3'])
    expect((await unregistered({ pageSize: 1001 })).statusCode).toBe(400)
  })
})
