import type { FastifyInstance } from 'fastify'
import type { Stores } from '../../../store/stores.js'
import { productRoutes, reportTarget } from '../properties.js'
import { ProductParams } from '../schemas.js'
import { ClientExportBody, ClientExportResponse, ClientListBody, ClientListResponse } from './schemas.js'
import { clientPropertyList, exportClientProperties } from './service.js'

/** The usage intelligence document's client profile report and its export, under /v3. */
export async function clientListRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = productRoutes(instance, stores)
  const tags = ['usage intelligence']

  app.post(
    '/reporting/clientPropertyList/:product_id',
    {
      schema: {
        tags,
        summary: 'The properties of one client, or of the clients passing the global filters, paged',
        description: 'As of each client’s newest properties, by client id. An unknown clientId is a 404.',
        params: ProductParams,
        body: ClientListBody,
        response: { 200: ClientListResponse },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 100, ...selection } = request.body
      const result = await clientPropertyList(stores, {
        ...selection,
        ...reportTarget(request),
        page,
        pageSize,
      })
      return { ...result, page, pageSize }
    },
  )

  app.post(
    '/export/request/clientPropertyList/:product_id',
    {
      schema: {
        tags,
        summary: 'Export every client’s properties: page to the end with the continuation token',
        description:
          'Pages follow client ids, so ingestion during the export neither repeats nor skips a client; the last page’s token is null.',
        params: ProductParams,
        body: ClientExportBody,
        response: { 200: ClientExportResponse },
      },
    },
    async (request) => {
      const { pageSize = 1000, ...rest } = request.body
      return exportClientProperties(stores, { ...rest, ...reportTarget(request), pageSize })
    },
  )
}
