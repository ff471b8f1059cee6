import Type, { type Static, type TSchema } from 'typebox'
import { CLIENT_COLUMNS, FILE_KINDS } from './columns.js'

/** Requests and responses of the tracking file routes (custom events, exceptions, raw exports). */

export const MAX_LINE_COUNT = 1000
export const DEFAULT_LINE_COUNT = 10

export const LastLinesBody = Type.Object(
  {
    lineCount: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_LINE_COUNT,
        description: `How many of the latest items; default ${DEFAULT_LINE_COUNT}`,
      }),
    ),
  },
  { additionalProperties: false, examples: [{ lineCount: 20 }] },
)

const clientMetadata = Object.fromEntries(
  CLIENT_COLUMNS.map((c) => [c.key, Type.String({ description: `${c.label} ('' when unknown)` })]),
)
const source = {
  timestamp: Type.String({ description: 'When it happened, UTC' }),
  clientId: Type.String(),
  sessionId: Type.String({ description: "'' when it came without a session" }),
}

const lastLinesResponse = <Line extends TSchema>(line: Line) =>
  Type.Object({
    productId: Type.Integer(),
    fieldNames: Type.Record(Type.String(), Type.String(), {
      description: 'Each result key, in the file’s column order, with its label',
    }),
    results: Type.Array(line, { description: 'Newest first' }),
  })

export const CustomEventLinesResponse = lastLinesResponse(
  Type.Object({
    ...source,
    name: Type.String(),
    data: Type.Record(Type.String(), Type.String(), { description: 'The event’s data, values as text' }),
    ...clientMetadata,
  }),
)
export const ExceptionLinesResponse = lastLinesResponse(
  Type.Object({
    ...source,
    type: Type.String(),
    message: Type.String(),
    stackTrace: Type.String(),
    ...clientMetadata,
  }),
)

/** getLastLines' response per kind; the results carry the file's columns (columns.ts). */
export const LAST_LINES = { customEvents: CustomEventLinesResponse, exceptions: ExceptionLinesResponse }
export type LastLines = { [K in keyof typeof LAST_LINES]: Static<(typeof LAST_LINES)[K]> }

export const FileListResponse = Type.Object({
  productId: Type.Integer(),
  files: Type.Array(
    Type.Object({
      fileName: Type.String({ description: 'What getDownloadUrl takes' }),
      fileDate: Type.String({ description: 'The UTC day the file holds' }),
      rows: Type.Integer({ description: 'CSV lines after the header' }),
      sizeBytes: Type.Integer({ description: 'Of the ZIP' }),
      uncompressedSizeBytes: Type.Integer({ description: 'Of the CSV inside' }),
      createdAt: Type.String({ format: 'date-time', description: 'When it was last built' }),
    }),
    { description: 'Newest day first' },
  ),
})

export const DownloadUrlBody = Type.Object(
  { fileName: Type.String({ minLength: 1, maxLength: 300, description: 'A fileName from listFiles' }) },
  { additionalProperties: false, examples: [{ fileName: '1_cust_2025-01-31.zip' }] },
)
export const DownloadUrlResponse = Type.Object({
  fileName: Type.String(),
  downloadUrl: Type.String({ description: 'GET it, with no other credentials, until expiresAt' }),
  expiresAt: Type.String({ format: 'date-time' }),
})

export const DownloadParams = Type.Object({ fileName: Type.String({ minLength: 1, maxLength: 300 }) })
export const DownloadQuery = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 4096, description: 'The signature getDownloadUrl put here' }),
})

export const RawExportBody = Type.Object(
  { enabled: Type.Boolean() },
  { additionalProperties: false, examples: [{ enabled: true }] },
)
export const RawExportResponse = Type.Object({
  productId: Type.Integer(),
  enabled: Type.Boolean(),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'null: never set (off)',
  }),
  enqueuedBuilds: Type.Optional(
    Type.Integer({ description: 'After turning it on: builds enqueued for the days the sweep covers' }),
  ),
})

export const BuildBody = Type.Object(
  {
    firstDay: Type.String({ format: 'iso-date', description: 'A finished UTC day' }),
    lastDay: Type.Optional(
      Type.String({ format: 'iso-date', description: 'Default firstDay; at most a year on' }),
    ),
    kinds: Type.Optional(
      Type.Array(Type.Enum([...FILE_KINDS]), {
        minItems: 1,
        uniqueItems: true,
        description: 'Default all (rawEvents only when the product’s raw export is on)',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ firstDay: '2025-01-01', lastDay: '2025-01-31', kinds: ['customEvents', 'exceptions'] }],
  },
)
export const BuildResponse = Type.Object({
  jobs: Type.Array(
    Type.Object({ jobId: Type.Integer(), kind: Type.Enum([...FILE_KINDS]), day: Type.String() }),
    { description: 'One build per kind and day with data; GET /admin/v1/jobs/{jobId} follows it' },
  ),
})
