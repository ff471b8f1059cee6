import type { FastifyInstance } from 'fastify'
import type { Readable } from 'node:stream'
import Type from 'typebox'
import type { Stores } from '../../../store/stores.js'
import { productRoutes, reportTarget } from '../properties.js'
import { ProductParams } from '../schemas.js'
import type { FileKind } from './columns.js'
import {
  DEFAULT_LINE_COUNT,
  DownloadParams,
  DownloadQuery,
  DownloadUrlBody,
  DownloadUrlResponse,
  FileListResponse,
  LAST_LINES,
  LastLinesBody,
} from './schemas.js'
import { downloadUrl, lastLines, listFiles, openDownload } from './service.js'
import { DOWNLOAD_URL_MINUTES, DownloadSigner } from './signing.js'

/** The document's three families of file endpoints, each under its own prefix. */
const FAMILIES: { prefix: string; kind: FileKind; what: string }[] = [
  { prefix: '/customEventTracking', kind: 'customEvents', what: 'custom events' },
  { prefix: '/exceptionTracking', kind: 'exceptions', what: 'exceptions' },
  {
    prefix: '/rawEvents/download',
    kind: 'rawEvents',
    what: 'raw events (sessions, events, custom events, exceptions)',
  },
]
const RAW_NOTE = ' Raw data export must be on for the product (409 otherwise).'

/**
 * Custom event tracking, exception tracking and raw data exports, under /v3: latest-item previews,
 * the daily zipped CSV files, signed download links, and the download those links point at.
 */
export async function trackingFileRoutes(
  instance: FastifyInstance,
  options: { stores: Stores; publicOrigin: string },
): Promise<void> {
  const { stores, publicOrigin } = options
  const signer = await DownloadSigner.load(stores.control)
  const app = productRoutes(instance, stores)
  const tags = ['usage intelligence']
  const DOWNLOAD = '/files/download'
  // Links are absolute, at the origin clients reach Tally by, under this plugin's own prefix.
  const linkBase = new URL(`${instance.prefix}${DOWNLOAD}/`, publicOrigin).toString()

  for (const { prefix, kind, what } of FAMILIES) {
    const note = kind === 'rawEvents' ? RAW_NOTE : ''
    if (kind !== 'rawEvents') {
      const itemKind = kind
      app.post(
        `${prefix}/getLastLines/:product_id`,
        {
          schema: {
            tags,
            summary: `The latest ${what} collected, with the product and system metadata of each one’s client`,
            description:
              'The same columns as the daily files; the client’s metadata is its newest properties (the clients entity).',
            params: ProductParams,
            body: LastLinesBody,
            response: { 200: LAST_LINES[itemKind] },
          },
        },
        async (request) => {
          const { lineCount = DEFAULT_LINE_COUNT } = request.body
          return lastLines(stores, reportTarget(request), itemKind, lineCount)
        },
      )
    }

    app.get(
      `${prefix}/listFiles/:product_id`,
      {
        schema: {
          tags,
          summary: `The daily zipped CSV files of ${what}`,
          description: `One file per finished UTC day with data, built by a job within the hour after the day ends.${note}`,
          params: ProductParams,
          response: { 200: FileListResponse },
        },
      },
      async (request) => {
        const target = reportTarget(request)
        return { productId: target.productId, files: await listFiles(stores, target, kind) }
      },
    )

    app.post(
      `${prefix}/getDownloadUrl/:product_id`,
      {
        schema: {
          tags,
          summary: `A signed link that downloads one file of ${what}`,
          description: `The link needs no other credentials and works for ${DOWNLOAD_URL_MINUTES} minutes.${note}`,
          params: ProductParams,
          body: DownloadUrlBody,
          response: { 200: DownloadUrlResponse },
        },
      },
      async (request) =>
        downloadUrl(stores, signer, linkBase, reportTarget(request), kind, request.body.fileName),
    )
  }

  app.get(
    `${DOWNLOAD}/:fileName`,
    {
      schema: {
        tags,
        summary: 'Downloads a file through a link from getDownloadUrl',
        description:
          'No credentials: the token is the permission. An expired or altered link, or one for another file, is a 403.',
        params: DownloadParams,
        querystring: DownloadQuery,
        response: {
          200: {
            description: 'The ZIP holding the day’s CSV',
            content: {
              'application/zip': { schema: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }) },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { file, body } = await openDownload(stores, signer, request.params.fileName, request.query.token)
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .header('cache-control', 'private, no-store')
        .send(body)
    },
  )
}
