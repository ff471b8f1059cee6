import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, tokenOfUserWith } from '../helpers/app.js'

/** The usage intelligence metadata queries over clients ingested through the API. */
let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

const client = (productId: number, clientId: string, values: object) => ({
  productId,
  clientId,
  installedAt: '2024-01-10T09:00:00Z',
  ...values,
})

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  const entities = (kind: string, items: object[]) => ingestThroughApi(app, auth, { entities: kind }, items)
  for (const response of [
    await entities('products', [
      { productId: 101, name: 'Designer' },
      { productId: 202, name: 'Viewer' },
    ]),
    await entities('clients', [
      client(101, 'c1', {
        productVersion: '5.2.1',
        os: 'Windows 11',
        country: 'DE',
        properties: { plan: 'Pro' },
      }),
      client(101, 'c2', {
        productVersion: '5.2.1',
        os: 'macOS 14',
        country: 'US',
        properties: { plan: 'Team' },
      }),
      client(101, 'c3', { productVersion: '5.1.0', os: 'Windows 10', country: 'US' }),
      client(202, 'v1', { productVersion: '1.0.0', properties: { tier: 'Free' } }),
    ]),
  ]) {
    expect(response.statusCode, response.body).toBe(200)
  }
  // c3 upgrades: its newest version is the one counted.
  const upgrade = await entities('clients', [
    client(101, 'c3', { productVersion: '5.2.1', os: 'Windows 10', country: 'US' }),
  ])
  expect(upgrade.statusCode).toBe(200)
})

const values = (productId: number, body: object, headers = auth) =>
  app.inject({ method: 'POST', url: `/v3/meta/propertyValues/${productId}`, headers, payload: body })

describe('Usage intelligence metadata', () => {
  it('productProperties lists the built-in properties and the custom ones with their products', async () => {
    const response = await app.inject({ method: 'GET', url: '/v3/meta/productProperties', headers: auth })
    expect(response.statusCode, response.body).toBe(200)
    const properties = response.json().properties as {
      name: string
      segmentable: boolean
      productIds: number[]
    }[]
    expect(properties.map((p) => p.name)).toEqual([
      'productVersion',
      'edition',
      'licenseType',
      'licenseKey',
      'os',
      'language',
      'country',
      'region',
      'custom.plan',
      'custom.tier',
    ])
    expect(properties.find((p) => p.name === 'licenseKey')).toMatchObject({
      segmentable: false,
      productIds: [101, 202],
    })
    expect(properties.find((p) => p.name === 'custom.plan')).toMatchObject({
      kind: 'custom',
      segmentable: true,
      productIds: [101],
    })
  })

  it('propertyValues counts each client once, by its newest properties, most clients first', async () => {
    const response = await values(101, { property: 'productVersion' })
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual({
      property: 'productVersion',
      values: [{ value: '5.2.1', clients: 3 }],
      totalValues: 1,
    })
    expect((await values(101, { property: 'OS', search: 'windows' })).json()).toEqual({
      property: 'OS',
      values: [
        { value: 'Windows 10', clients: 1 },
        { value: 'Windows 11', clients: 1 },
      ],
      totalValues: 2,
    })
    expect((await values(101, { property: 'country', limit: 1 })).json()).toEqual({
      property: 'country',
      values: [{ value: 'US', clients: 2 }],
      totalValues: 2,
    })
    expect((await values(101, { property: 'custom.plan' })).json().values).toEqual([
      { value: 'Pro', clients: 1 },
      { value: 'Team', clients: 1 },
    ])
  })

  it('answers 400 for an unknown property, 404 for an unknown product', async () => {
    const unknown = await values(101, { property: 'colour' })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.body).toContain("property: 'colour' is not a client property")
    expect((await values(101, { property: 'os', limit: 5000 })).statusCode).toBe(400)
    const missing = await values(999, { property: 'os' })
    expect(missing.statusCode).toBe(404)
    expect(missing.body).toContain('Product 999 was not found')
  })

  it('shows a user only the products granted: another product is a 403', async () => {
    const viewerOnly = await tokenOfUserWith(app, stores, 'vieweronly', [
      { permission: 'Usage Intelligence Access', scopeKind: 'product', scopeValue: '202' },
    ])
    expect((await values(101, { property: 'os' }, viewerOnly)).statusCode).toBe(403)
    expect((await values(202, { property: 'productVersion' }, viewerOnly)).json().values).toEqual([
      { value: '1.0.0', clients: 1 },
    ])
    const properties = (
      await app.inject({ method: 'GET', url: '/v3/meta/productProperties', headers: viewerOnly })
    ).json().properties as { name: string; productIds: number[] }[]
    expect(properties.filter((p) => p.name.startsWith('custom.'))).toEqual([
      {
        name: 'custom.tier',
        label: 'tier',
        kind: 'custom',
        filterable: true,
        segmentable: true,
        productIds: [202],
      },
    ])
    const nobody = await tokenOfUserWith(app, stores, 'nousage', [])
    expect(
      (await app.inject({ method: 'GET', url: '/v3/meta/productProperties', headers: nobody })).statusCode,
    ).toBe(403)
  })
})
