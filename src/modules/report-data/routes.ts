import formbody from '@fastify/formbody'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import Type, { type TSchema } from 'typebox'
import type { Stores } from '../../store/stores.js'
import { mergeParameters } from './parameters.js'
import { NAMED_RANGES } from './period.js'
import { AUDIT, INTEGRATION_REPORTS, type ReportDef } from './reports.js'
import {
  RECORD_LIMIT,
  auditReport,
  integrationReport,
  readableFolders,
  type ReportResult,
} from './service.js'

const Text = (description?: string) =>
  Type.Optional(Type.String({ maxLength: 1024, ...(description && { description }) }))
const DateTimeText = (description: string) =>
  Type.Optional(Type.String({ maxLength: 40, description: `${description} (UTC), e.g. 2023-09-15T13:30:00` }))

/** A report's parameters: the mandatory window and its optional filters, all text. */
function parametersOf(report: ReportDef) {
  return Type.Object(
    {
      fromDate: DateTimeText('Start of the period, included'),
      toDate: DateTimeText('End of the period, included (a date: the whole day)'),
      ...Object.fromEntries(
        Object.keys(report.filters).map((name) => [name, Text(`Only records of this ${name}`)]),
      ),
    },
    { additionalProperties: false },
  )
}

function recordSchema(report: ReportDef, extra: Record<string, TSchema> = {}) {
  return Type.Object({
    timestamp: Type.String({ description: 'When it happened, UTC (2023-09-15T13:30:00.000Z)' }),
    ...extra,
    ...Object.fromEntries(
      report.fields.map((f) => [f.name, f.kind === 'number' ? Type.Number() : Type.String()]),
    ),
  })
}

const RESULT_HEADERS = {
  'x-total-count': Type.String({ description: 'Records that matched, also those past the limit' }),
  'x-result-truncated': Type.String({ description: `true when more than ${RECORD_LIMIT} matched` }),
}

function sendResult(reply: FastifyReply, result: ReportResult) {
  return reply
    .header('x-total-count', String(result.totalCount))
    .header('x-result-truncated', String(result.truncated))
    .send(result.records)
}

const AuditQuery = Type.Object(
  {
    range: Type.Optional(
      Type.String({ maxLength: 40, description: `Custom (with from and to), or ${NAMED_RANGES.join(', ')}` }),
    ),
    from: DateTimeText('Start of a Custom range, included'),
    to: DateTimeText('End of a Custom range, included (a date: the whole day)'),
    locale: Type.Optional(Type.String({ maxLength: 35, description: 'How dateTime is written, e.g. en-US' })),
    offset: Type.Optional(
      Type.String({
        maxLength: 6,
        description: 'Minutes, UTC minus local time: -330 is India Standard Time',
      }),
    ),
    ...Object.fromEntries(
      Object.keys(AUDIT.filters).map((name) => [name, Text(`Only records of this ${name}`)]),
    ),
  },
  { additionalProperties: false },
)

const ErrorRef = Type.Unsafe<unknown>({ $ref: 'ErrorBody#' })
const ERROR_RESPONSES = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef }

/** The report data document: `/reports/v1/integration/…` and `/reports/v1/audit`. */
export async function reportDataRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['report data']
  // Before the parameters are validated, so a caller without access learns that first; the
  // services check again (and scope by folder) whoever calls them.
  app.addHook('onRequest', async (request) => {
    readableFolders(request.caller)
  })
  // The document lists parameters without saying how a POST carries them: a form body is read
  // like a JSON one, and a JSON Content-Type on an empty body (the parameters all in the query
  // string, as `curl -X POST -H 'Content-Type: application/json' URL` sends) is no body.
  await app.register(formbody)
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body.length === 0 ? done(null, null) : parseJson(request, String(body), done),
  )

  for (const report of INTEGRATION_REPORTS) {
    const Parameters = parametersOf(report)
    app.post(
      `/integration/${report.name}`,
      {
        schema: {
          tags,
          summary: report.summary,
          description: `fromDate and toDate are mandatory, in the query string or a JSON body. Records come in time order, at most ${RECORD_LIMIT}; X-Result-Truncated says when more matched.`,
          querystring: Parameters,
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          body: Type.Optional(Type.Union([Parameters, Type.Null()])),
          response: {
            200: { ...Type.Array(recordSchema(report)), headers: RESULT_HEADERS },
            ...ERROR_RESPONSES,
          },
        },
      },
      async (request, reply) => {
        const parameters = mergeParameters(request.query, request.body)
        return sendResult(reply, await integrationReport(stores, request.caller, report, parameters))
      },
    )
  }

  app.get(
    '/audit',
    {
      schema: {
        tags,
        summary: AUDIT.summary,
        description:
          'range is mandatory: Custom with from and to (UTC), or a named range in the caller’s local time. dateTime is the time shifted by offset and written for locale.',
        querystring: AuditQuery,
        response: {
          200: {
            ...Type.Array(
              recordSchema(AUDIT, { dateTime: Type.String({ description: 'Local time, for the locale' }) }),
            ),
            headers: RESULT_HEADERS,
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) =>
      sendResult(reply, await auditReport(stores, request.caller, request.query, Date.now())),
  )
}
