import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Stores } from '../../../store/stores.js'
import { ProductParams } from '../schemas.js'
import { BuildBody, BuildResponse, RawExportBody, RawExportResponse } from './schemas.js'
import { buildFiles, changeRawExport, rawExportSetting, requireManagedProduct } from './service.js'

const view = (productId: number, setting: { enabled: boolean; updatedAt: Date | null }) => ({
  productId,
  enabled: setting.enabled,
  updatedAt: setting.updatedAt?.toISOString() ?? null,
})

/**
 * `/admin/v1/products/{product_id}/…`: a product's raw data export switch and on-demand builds of
 * its tracking files. Needs Manage Tracking Files on the product (or instance-wide).
 */
export async function trackingFileAdminRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['admin']

  app.get(
    '/products/:product_id/raw-export',
    {
      schema: {
        tags,
        summary: 'Whether the product’s raw data export is on',
        params: ProductParams,
        response: { 200: RawExportResponse },
      },
    },
    async (request) => {
      const target = await requireManagedProduct(stores, request.caller, request.params.product_id)
      return view(target.productId, await rawExportSetting(stores, target))
    },
  )

  app.put(
    '/products/:product_id/raw-export',
    {
      schema: {
        tags,
        summary: 'Turns the product’s raw data export on or off',
        description:
          'On: the files of the days the sweep covers are enqueued at once. Off: the raw export endpoints answer 409; files built so far are kept.',
        params: ProductParams,
        body: RawExportBody,
        response: { 200: RawExportResponse },
      },
    },
    async (request) => {
      const target = await requireManagedProduct(stores, request.caller, request.params.product_id)
      const setting = await changeRawExport(stores, target, request.body.enabled)
      return { ...view(target.productId, setting), enqueuedBuilds: setting.enqueuedBuilds }
    },
  )

  app.post(
    '/products/:product_id/tracking-files/build',
    {
      schema: {
        tags,
        summary: 'Builds the product’s tracking files of given finished days again',
        description:
          'Enqueues one build per kind and day that has data, even when its file is up to date; builds already queued are not enqueued twice.',
        params: ProductParams,
        body: BuildBody,
        response: { 202: BuildResponse },
      },
    },
    async (request, reply) => {
      const target = await requireManagedProduct(stores, request.caller, request.params.product_id)
      const jobs = await buildFiles(stores, target, request.body)
      return reply.status(202).send({ jobs })
    },
  )
}
