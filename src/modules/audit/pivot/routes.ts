import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { canonicalizeKeys } from '../../../schema/canonical-keys.js'
import type { Stores } from '../../../store/stores.js'
import { WorkspaceParams } from '../params.js'
import { pivot, type PivotTable } from './service.js'

const FieldIdentifier = Type.Object({
  ArtifactID: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], { description: 'The ArtifactID of GET …/audit-fields' }),
  ),
  Name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  Guids: Type.Optional(Type.Array(Type.String())),
})

/** Progress and cancellation are not supported, but the document requires both objects. */
const Token = Type.Object({
  RequestId: Type.Optional(Type.String()),
  TicketId: Type.Optional(Type.String()),
})

const PivotBody = Type.Object({
  workspaceId: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], { description: 'Ignored: the workspace in the URL wins' }),
  ),
  settings: Type.Object({
    GroupBy: FieldIdentifier,
    PivotOn: Type.Optional(Type.Union([FieldIdentifier, Type.Null()])),
    ObjectSetQuery: Type.Optional(
      Type.Union([
        Type.Object({
          Condition: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          RowCondition: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        }),
        Type.Null(),
      ]),
    ),
    ConvertNumberFieldValuesToString: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], {
        description: 'Accepted; counts stay numbers, as the document shows',
      }),
    ),
    TimeZone: Type.Optional(
      Type.Union([Type.String({ maxLength: 100 }), Type.Null()], {
        description: 'IANA name (America/Chicago); Timestamp groups by calendar day in it. Default UTC',
      }),
    ),
  }),
  cancel: Token,
  progress: Token,
})

const PivotResponse = Type.Object({
  Results: Type.Array(
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer()]), {
      description: 'The GroupBy field name → its value, each column key → count, Grand Total → row sum',
    }),
  ),
  TotalCount: Type.Integer({ description: 'Number of rows' }),
  QueryToken: Type.String(),
  Success: Type.Boolean(),
  Message: Type.String(),
  PivotIdToDisplayValueMap: Type.Union(
    [Type.Array(Type.Tuple([Type.String(), Type.String()])), Type.Null()],
    {
      description:
        '[key, display] for every column in order, GroupBy first and Grand Total last; null without PivotOn',
    },
  ),
})
export type PivotResponse = Type.Static<typeof PivotResponse>

const GRAND_TOTAL = 'Grand Total'

/** The document's response: one object per row with the columns in order, then the key map. */
export function toPivotResponse(table: PivotTable): PivotResponse {
  const groupName = table.groupBy.name
  return {
    Results: table.rows.map((row) => {
      const result: Record<string, string | number> = { [groupName]: row.value }
      table.columns.forEach((column, i) => {
        result[column.key] = row.counts[i] ?? 0
      })
      result[GRAND_TOTAL] = row.grandTotal
      return result
    }),
    TotalCount: table.rows.length,
    QueryToken: '',
    Success: true,
    Message: 'SUCCESS',
    PivotIdToDisplayValueMap: table.pivotOn
      ? [
          [groupName, groupName],
          ...table.columns.map((c): [string, string] => [c.key, c.display]),
          [GRAND_TOTAL, GRAND_TOTAL],
        ]
      : null,
  }
}

/**
 * The Audit Pivot service, `POST …/relativity-audit/{versionNumber}/workspaces/{workspaceID}/pivots`
 * (mounted under the audit prefix).
 */
export async function pivotRoutes(instance: FastifyInstance, options: { stores: Stores }): Promise<void> {
  const { stores } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/pivots',
    {
      // The documents spell property names in several cases; validation sees the schema's spelling.
      preValidation: async (request: { body: unknown }) => {
        request.body = canonicalizeKeys(request.body, PivotBody)
      },
      schema: {
        tags: ['audit'],
        summary: 'Audit Pivot: audit counts grouped by a field and pivoted on another',
        description:
          'GroupBy and PivotOn name Timestamp, Action, Object Type or User Name by ArtifactID (GET …/audit-fields) or Name. ' +
          'Timestamp groups by calendar day in TimeZone; every day between the first and the last is listed. ' +
          'Column keys are the pivot item ids as XML names (Action 28 → _x0032_8).',
        params: WorkspaceParams,
        body: PivotBody,
        response: { 200: PivotResponse },
      },
    },
    async (request) => {
      const { settings } = request.body
      const table = await pivot(stores, request.caller, request.params.workspaceID, {
        groupBy: { name: settings.GroupBy.Name, artifactId: settings.GroupBy.ArtifactID },
        pivotOn: settings.PivotOn && { name: settings.PivotOn.Name, artifactId: settings.PivotOn.ArtifactID },
        condition: settings.ObjectSetQuery?.Condition,
        rowCondition: settings.ObjectSetQuery?.RowCondition,
        timeZone: settings.TimeZone,
      })
      return toPivotResponse(table)
    },
  )
}
