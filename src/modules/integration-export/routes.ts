import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { Stores } from '../../store/stores.js'
import { ZIP_NAME, usageReportsZip } from './usage-export.js'
import { SHEET_NAMES } from './sheets.js'

const ZipFile = Type.String({
  format: 'binary',
  description: `${ZIP_NAME}: Usage Report (Last 6 Months).xlsx and Usage Report (Last 1 Year).xlsx`,
})
const ErrorRef = Type.Unsafe<unknown>({ $ref: 'ErrorBody#' })

/** `GET /export/usage-reports`: the integration usage export of the usage report manual. */
export async function integrationExportRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/export/usage-reports',
    {
      schema: {
        tags: ['integration usage export'],
        summary: `${ZIP_NAME}: the usage reports of the last 6 months and of the last year`,
        description:
          `Two workbooks, each with the sheets ${SHEET_NAMES.join(', ')}, over the data up to now (UTC). ` +
          'Needs the Administrator role and Server Management Read.',
        response: {
          200: { description: ZIP_NAME, content: { 'application/zip': { schema: ZipFile } } },
          401: ErrorRef,
          403: ErrorRef,
        },
      },
    },
    async (request, reply) => {
      const zip = await usageReportsZip(stores, request.caller, new Date())
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${ZIP_NAME}"`)
        .send(zip)
    },
  )
}
