import type { FastifyInstance } from 'fastify'
import type { Stores } from '../../../store/stores.js'
import { requirePermission } from '../../identity/caller.js'
import { productRoutes, reportTarget } from '../properties.js'
import { ProductParams } from '../schemas.js'
import {
  KeyBatchBody,
  KeyBatchResponse,
  KeySearchBody,
  KeySearchResponse,
  UnregisteredBody,
  UnregisteredResponse,
} from './schemas.js'
import { applyKeyBatch, searchLicenseKeys, unregisteredLicenseKeys } from './service.js'

const DEFAULT_PAGE = { page: 1, pageSize: 100 }

/** The usage intelligence document's license key registry management, under /v3. */
export async function licenseKeyRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = productRoutes(instance, stores)
  const tags = ['usage intelligence']

  app.post(
    '/license-key-registry/:product_id',
    {
      schema: {
        tags,
        summary: 'List and search the license key registry: by key, by any property, by expiry dates',
        description:
          'Every filter must pass. Each key comes with the number of the product’s clients running under it now.',
        params: ProductParams,
        body: KeySearchBody,
        response: { 200: KeySearchResponse },
      },
    },
    async (request) => {
      const search = { ...DEFAULT_PAGE, ...request.body }
      const today = new Date().toISOString().slice(0, 10)
      const result = await searchLicenseKeys(stores, reportTarget(request), search, today)
      return { ...result, page: search.page, pageSize: search.pageSize }
    },
  )

  app.post(
    '/license-key-registry/unregistered/:product_id',
    {
      schema: {
        tags,
        summary: 'License keys the product’s clients run under that the registry does not hold',
        description:
          'From each client’s newest properties, in key order, with the clients running under each.',
        params: ProductParams,
        body: UnregisteredBody,
        response: { 200: UnregisteredResponse },
      },
    },
    async (request) => {
      const query = { ...DEFAULT_PAGE, ...request.body }
      const result = await unregisteredLicenseKeys(stores, reportTarget(request), query)
      return { ...result, page: query.page, pageSize: query.pageSize }
    },
  )

  // The document offers both methods, each for batches mixing new and registered keys: one upsert.
  for (const [method, summary] of [
    ['POST', 'Insert keys into the license key registry (registered ones in the batch are updated)'],
    ['PATCH', 'Update keys of the license key registry (new ones in the batch are inserted)'],
  ] as const) {
    app.route({
      method,
      url: '/license-key-registry/update/:product_id',
      schema: {
        tags,
        summary,
        description:
          'Per-key results: a malformed key or one listed twice is rejected alone and the others are stored. Needs Manage License Keys.',
        params: ProductParams,
        body: KeyBatchBody,
        response: { 200: KeyBatchResponse },
      },
      handler: async (request) => {
        const target = reportTarget(request)
        requirePermission(request.caller, 'Manage License Keys', [
          { kind: 'product', value: String(target.productId) },
        ])
        return applyKeyBatch(stores, target, request.body.keys)
      },
    })
  }
}
