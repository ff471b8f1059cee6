import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import Type from 'typebox'
import { AppError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../errors.js'
import { readJsonArray, readNdjson, type RawItem } from './body-reader.js'
import type { IngestService } from './service.js'

const IngestResultSchema = Type.Object(
  {
    accepted: Type.Integer({ description: 'Valid events, including ones already stored under the same id' }),
    duplicates: Type.Integer({
      description: 'Accepted events not stored again because their id was already stored',
    }),
    notCollected: Type.Integer({
      description:
        'Accepted usage events not stored because event tracking management says not to collect them',
    }),
    rejected: Type.Array(
      Type.Object({
        line: Type.Integer({ description: 'Line number (NDJSON) or 1-based element number (JSON array)' }),
        error: Type.String({ description: 'What is wrong with it, naming the field' }),
      }),
      { description: 'The first 1,000 rejected events' },
    ),
    rejectedCount: Type.Integer({ description: 'How many events were rejected in all' }),
  },
  { $id: 'IngestResult' },
)

export interface IngestRouteOptions {
  service: IngestService
  maxBodyBytes: number
}

/** The body as sent, or gunzipped; a broken gzip stream is the client's error, not ours. */
async function* decode(body: Readable, encoding: string | undefined): AsyncGenerator<Buffer> {
  const name = (encoding ?? 'identity').trim().toLowerCase()
  if (name === 'identity') return yield* body
  if (name !== 'gzip' && name !== 'x-gzip') {
    throw new UnsupportedMediaTypeError(
      `content encoding '${encoding}' is not accepted: send gzip or no encoding`,
    )
  }
  try {
    yield* body.pipe(createGunzip())
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new ValidationError(`body: not valid gzip data (${(error as Error).message})`)
    }
    throw error
  }
}

/** `POST /ingest/v1/{stream}` and `PUT /ingest/v1/entities/{kind}` (INGEST.md). */
export async function ingestRoutes(app: FastifyInstance, options: IngestRouteOptions): Promise<void> {
  const { service, maxBodyBytes } = options
  app.addSchema(IngestResultSchema)

  // Bodies are read as streams by the handlers, never buffered whole by Fastify.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    ['application/x-ndjson', 'application/json', 'application/jsonl'],
    (_req, payload, done) => done(null, payload),
  )
  app.addContentTypeParser('*', (request, _payload, done) =>
    done(
      new UnsupportedMediaTypeError(
        `content type '${request.headers['content-type'] ?? ''}' is not accepted: send application/x-ndjson, application/jsonl or application/json`,
      ),
      undefined,
    ),
  )

  const readItems = (request: FastifyRequest): AsyncIterable<RawItem[]> => {
    const declared = Number(request.headers['content-length'])
    if (declared > maxBodyBytes)
      throw new PayloadTooLargeError(`request body exceeds the ${maxBodyBytes}-byte limit`)
    const body = decode(request.body as Readable, request.headers['content-encoding'])
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    return mediaType === 'application/json'
      ? readJsonArray(body, maxBodyBytes)
      : readNdjson(body, maxBodyBytes)
  }

  // The body schema documents the events; the handler validates them one by one as they stream.
  const documentOnlyBody: typeof TypeBoxValidatorCompiler = (route) =>
    route.httpPart === 'body' ? (value) => ({ value }) : TypeBoxValidatorCompiler(route)
  const consumes = ['application/x-ndjson', 'application/jsonl', 'application/json']

  for (const stream of service.listStreams()) {
    app.post(
      `/${stream.name}`,
      {
        validatorCompiler: documentOnlyBody,
        schema: {
          tags: ['ingest'],
          summary: `Ingest ${stream.name}: ${stream.summary}`,
          description:
            'NDJSON (one event a line) or a JSON array. Valid events are stored even when others are rejected; ' +
            'a 200 means every accepted event is durable. Sending an event whose `id` is already stored stores nothing new.',
          consumes,
          body: Type.Array(stream.schema),
          response: { 200: Type.Ref('IngestResult') },
        },
      },
      (request) => service.ingestEvents(request.caller, stream.name, readItems(request)),
    )
  }

  for (const entity of service.listEntityKinds()) {
    app.put(
      `/entities/${entity.kind}`,
      {
        validatorCompiler: documentOnlyBody,
        schema: {
          tags: ['ingest'],
          summary: `Upsert ${entity.kind}: ${entity.summary}`,
          description: 'NDJSON or a JSON array; each item replaces the stored one with the same key.',
          consumes,
          body: Type.Array(entity.schema),
          response: { 200: Type.Ref('IngestResult') },
        },
      },
      (request) => service.upsertEntities(request.caller, entity.kind, readItems(request)),
    )
  }

  const streams = service.listStreams().map((s) => s.name)
  const kinds = service.listEntityKinds().map((e) => e.kind)
  app.post('/:stream', { schema: { hide: true } }, async (request) => {
    const { stream } = request.params as { stream: string }
    throw new AppError(
      'not_found',
      404,
      `no ingestion stream '${stream}'; the streams are ${streams.join(', ')}`,
    )
  })
  app.put('/entities/:kind', { schema: { hide: true } }, async (request) => {
    const { kind } = request.params as { kind: string }
    throw new AppError('not_found', 404, `no entity kind '${kind}'; the kinds are ${kinds.join(', ')}`)
  })
}
