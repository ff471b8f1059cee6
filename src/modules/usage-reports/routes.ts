import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { canonicalizeKeys } from '../../schema/canonical-keys.js'
import type { Stores } from '../../store/stores.js'
import { ORIGINS } from './catalog.js'
import { CONTENT_TYPES, DOWNLOAD_FORMATS, contentDisposition, reportDownload } from './download.js'
import {
  MAX_PAGE_NUMBER,
  MAX_PAGE_SIZE,
  createReport,
  deleteReport,
  getReport,
  listReports,
  reportDetails,
  requireDownloadable,
  requireUsageReportAccess,
  type UsageReport,
} from './service.js'

const VersionParams = Type.Object({
  version: Type.String({ pattern: '^[vV][0-9]+$', description: 'API version, e.g. v1' }),
})
const ReportParams = Type.Object({
  ...VersionParams.properties,
  id: Type.String({ format: 'uuid', description: 'The report id' }),
})

const MetricSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  valueType: Type.Enum(['Int64', 'Double', 'Text', 'DateTime']),
  originId: Type.String({ format: 'uuid' }),
  reportType: Type.Enum(['Workspace', 'User']),
  isDefault: Type.Boolean(),
})
const MetadataResponse = Type.Object({
  origins: Type.Array(
    Type.Object({
      metrics: Type.Array(MetricSchema),
      id: Type.String({ format: 'uuid' }),
      name: Type.String(),
    }),
  ),
})

const ReportSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  tenantId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  dateRange: Type.Object({ from: Type.String(), to: Type.String() }),
  fields: Type.Array(Type.String(), { description: 'Metric ids, in column order' }),
  status: Type.Enum(['Scheduled', 'InProgress', 'Finished', 'Failed']),
  failureReason: Type.Optional(Type.String({ description: 'Why a Failed report failed' })),
  createdAt: Type.String({ description: 'e.g. 2024-02-01T12:00:00.8222732+00:00' }),
  type: Type.Enum(['Workspace', 'User']),
  version: Type.Integer(),
})

const Day = Type.Union([Type.String({ format: 'iso-date' }), Type.String({ format: 'iso-instant' })], {
  description: 'A calendar day (2024-05-05), or an instant on it (2024-05-05T00:00:00Z), in UTC',
})
/** Unknown properties are refused: a misspelt one would otherwise be dropped unnoticed. */
const strict = { additionalProperties: false } as const
const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    dateRange: Type.Object({ from: Day, to: Day }, strict),
    fields: Type.Array(Type.String({ maxLength: 64 }), {
      minItems: 1,
      maxItems: 200,
      description: 'Metric ids of one reportType (GET …/metadata)',
    }),
  },
  strict,
)

const DEFAULT_PAGE_SIZE = 10
const DetailsQuery = Type.Object(
  {
    pageNumber: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_PAGE_NUMBER, description: '1-based; default 1' }),
    ),
    pageSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PAGE_SIZE,
        description: `Rows a page; default ${DEFAULT_PAGE_SIZE}`,
      }),
    ),
  },
  strict,
)
const DetailsResponse = Type.Object({
  fields: Type.Array(Type.String()),
  items: Type.Array(Type.Array(Type.Union([Type.Number(), Type.String(), Type.Null()])), {
    description:
      'Rows, each an array of values in fields order: numbers, text, UTC date-times, null when missing',
  }),
  currentPage: Type.Integer(),
  pageSize: Type.Integer(),
  totalItems: Type.Integer(),
})
const DownloadQuery = Type.Object(
  { format: Type.Optional(Type.Enum([...DOWNLOAD_FORMATS], { description: 'csv (default) or xlsx' })) },
  strict,
)

/** The document's instants: `2024-01-01T00:00:00Z`. */
const dayStart = (day: string) => `${day}T00:00:00Z`
/** A day given as a date or as an instant: its UTC calendar day. */
const dayOf = (text: string) => (text.length === 10 ? text : new Date(text).toISOString().slice(0, 10))

export function toReportResponse(report: UsageReport): Type.Static<typeof ReportSchema> {
  return {
    id: report.id,
    tenantId: report.tenantUuid,
    name: report.name,
    dateRange: { from: dayStart(report.from), to: dayStart(report.to) },
    fields: report.fields,
    status: report.status,
    ...(report.failureReason !== null && { failureReason: report.failureReason }),
    createdAt: report.createdAt,
    type: report.type,
    version: report.version,
  }
}

/** The usage reports document, at `/api/usage-reports/{version}`. */
export async function usageReportRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['usage reports']

  app.get(
    '/metadata',
    {
      schema: {
        tags,
        summary: 'The metrics a report can hold, by origin',
        params: VersionParams,
        response: { 200: MetadataResponse },
      },
    },
    async (request) => {
      requireUsageReportAccess(request.caller)
      return {
        origins: ORIGINS.map((origin) => ({
          metrics: origin.metrics.map(({ source: _source, ...metric }) => metric),
          id: origin.id,
          name: origin.name,
        })),
      }
    },
  )

  app.get(
    '/reports',
    {
      schema: {
        tags,
        summary: 'The reports the caller may see, newest first',
        params: VersionParams,
        response: { 200: Type.Object({ reports: Type.Array(ReportSchema) }) },
      },
    },
    async (request) => ({ reports: (await listReports(stores, request.caller)).map(toReportResponse) }),
  )

  app.post(
    '/reports',
    {
      // .NET clients send `Name`, `DateRange`, `Fields`: property names match in any letter case.
      preValidation: async (request) => {
        request.body = canonicalizeKeys(request.body, CreateBody) as typeof request.body
      },
      schema: {
        tags,
        summary: 'Creates a report and schedules its generation',
        description:
          'All fields must be metrics of one reportType. The report is Scheduled, then InProgress, then Finished (or Failed with failureReason).',
        params: VersionParams,
        body: CreateBody,
        response: { 201: ReportSchema },
      },
    },
    async (request, reply) => {
      const { name, dateRange, fields } = request.body
      const report = await createReport(stores, request.caller, {
        name,
        from: dayOf(dateRange.from),
        to: dayOf(dateRange.to),
        fields,
      })
      return reply
        .code(201)
        .header('location', `/api/usage-reports/${request.params.version}/reports/${report.id}`)
        .send(toReportResponse(report))
    },
  )

  app.get(
    '/reports/:id',
    {
      schema: { tags, summary: 'One report', params: ReportParams, response: { 200: ReportSchema } },
    },
    async (request) => toReportResponse(await getReport(stores, request.caller, request.params.id)),
  )

  app.delete(
    '/reports/:id',
    { schema: { tags, summary: 'Deletes a report and its rows', params: ReportParams } },
    async (request, reply) => {
      await deleteReport(stores, request.caller, request.params.id)
      return reply.code(204).send()
    },
  )

  app.get(
    '/reports/:id/details',
    {
      schema: {
        tags,
        summary: 'One page of a finished report’s rows',
        params: ReportParams,
        querystring: DetailsQuery,
        response: { 200: DetailsResponse },
      },
    },
    async (request) => {
      const { pageNumber = 1, pageSize = DEFAULT_PAGE_SIZE } = request.query
      const page = await reportDetails(stores, request.caller, request.params.id, pageNumber, pageSize)
      return {
        fields: page.report.fields,
        items: page.items,
        currentPage: page.currentPage,
        pageSize: page.pageSize,
        totalItems: page.totalItems,
      }
    },
  )

  app.get(
    '/reports/download/:id',
    {
      schema: {
        tags,
        summary: 'The whole finished report as a CSV (default) or XLSX file, streamed',
        params: ReportParams,
        querystring: DownloadQuery,
      },
    },
    async (request, reply) => {
      const format = request.query.format ?? 'csv'
      const report = await getReport(stores, request.caller, request.params.id)
      requireDownloadable(report)
      return reply
        .header('content-type', CONTENT_TYPES[format])
        .header('content-disposition', contentDisposition(report, format))
        .send(reportDownload(stores, report, format))
    },
  )
}
