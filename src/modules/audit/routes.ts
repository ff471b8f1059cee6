import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { ValidationError } from '../../errors.js'
import { canonicalizeKeys } from '../../schema/canonical-keys.js'
import { fieldValue } from './field-values.js'
import type { AuditField } from './fields.js'
import { MAX_PAGE_LENGTH, type SortSpec } from './query.js'
import { WorkspaceParams } from './params.js'
import { formatAuditTime } from './records.js'
import type { AuditService } from './service.js'

const AuditRecordView = Type.Object({
  ID: Type.String(),
  TimeStamp: Type.String({ description: 'UTC, e.g. 2019-04-26T15:56:53.427' }),
  ArtifactName: Type.String(),
  ActionName: Type.String(),
  ActionID: Type.Integer(),
  ObjectTypeName: Type.String(),
  ObjectTypeID: Type.Integer(),
  ExecutionTime: Type.Integer({ description: 'Milliseconds' }),
  ArtifactID: Type.Integer(),
  UserName: Type.String(),
  UserID: Type.Integer(),
  Details: Type.Unknown({ description: 'The details object as ingested, or null' }),
  OldValues: Type.Array(Type.Union([Type.String(), Type.Null()])),
  NewValues: Type.Array(Type.Union([Type.String(), Type.Null()])),
  Fields: Type.Array(Type.String()),
  WorkspaceId: Type.Integer(),
  WorkspaceName: Type.String(),
})

const FieldRefSchema = Type.Object({
  Name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  Guids: Type.Optional(Type.Array(Type.String())),
  ArtifactID: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
})

const SortSchema = Type.Object({
  FieldIdentifier: FieldRefSchema,
  Order: Type.Optional(Type.Integer()),
  Direction: Type.Optional(
    Type.Union([Type.Enum(['Ascending', 'Descending']), Type.Enum([0, 1])], {
      description: 'Ascending (0) or Descending (1)',
    }),
  ),
})

/** The Object Manager query request; reserved fields are accepted and ignored, as documented. */
const QueryBody = Type.Object({
  request: Type.Object({
    objectType: Type.Optional(Type.Unknown()),
    fields: Type.Array(FieldRefSchema, {
      maxItems: 100,
      description: 'The fields to return; Audit ID always comes first',
    }),
    condition: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    rowCondition: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    sorts: Type.Optional(Type.Union([Type.Array(SortSchema, { maxItems: 1 }), Type.Null()])),
    convertNumberFieldValuesToString: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    relationalField: Type.Optional(Type.Unknown()),
    searchProviderCondition: Type.Optional(Type.Unknown()),
    includeIdWindow: Type.Optional(Type.Unknown()),
    isAdHocQuery: Type.Optional(Type.Unknown()),
    activeArtifactId: Type.Optional(Type.Unknown()),
    queryHint: Type.Optional(Type.Unknown()),
    executingViewId: Type.Optional(Type.Unknown()),
  }),
  start: Type.Integer({ minimum: 0, description: '1-based; the page that holds it is returned' }),
  length: Type.Integer({ minimum: 1, maximum: MAX_PAGE_LENGTH }),
  auditQueryOptions: Type.Optional(Type.Object({ returnRawDetails: Type.Optional(Type.Boolean()) })),
  cancel: Type.Optional(Type.Unknown()),
  progress: Type.Optional(Type.Unknown()),
})
type QueryBody = Type.Static<typeof QueryBody>

const FieldView = Type.Object({
  FieldCategory: Type.Integer(),
  FieldType: Type.Integer(),
  ViewFieldID: Type.Integer(),
  ArtifactID: Type.Integer(),
  Guids: Type.Array(Type.String()),
  Name: Type.String(),
})
const Value = Type.Union([Type.String(), Type.Number(), Type.Null()])
const PageCommon = {
  TotalCount: Type.Integer(),
  IDWindow: Type.Array(Type.Integer()),
  CurrentStartIndex: Type.Integer(),
  ResultCount: Type.Integer(),
  SampleDetails: Type.Null(),
  RankWindow: Type.Array(Type.Integer()),
  RelationalField: Type.Null(),
}

const fieldView = (field: AuditField) => ({
  FieldCategory: 0,
  FieldType: field.fieldType,
  ViewFieldID: 0,
  ArtifactID: field.artifactId,
  Guids: [],
  Name: field.name,
})

function toSorts(sorts: QueryBody['request']['sorts']): SortSpec[] {
  return (sorts ?? []).map((sort) => ({
    field: { name: sort.FieldIdentifier.Name, artifactId: sort.FieldIdentifier.ArtifactID },
    descending: sort.Direction === undefined || sort.Direction === 'Descending' || sort.Direction === 1,
  }))
}

/** The request body key naming the audit to read, matched without regard to case. */
function auditIdOf(request: Record<string, unknown> | undefined): string {
  const entry = Object.entries(request ?? {}).find(([key]) => ['auditid', 'id'].includes(key.toLowerCase()))
  const value = entry?.[1]
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value)
  if (typeof value === 'string' && value.trim() !== '') return value.trim()
  throw new ValidationError('request.auditId: give the Audit ID of the record to read')
}

/**
 * The audit document's services under `/Relativity.REST/api/relativity-audit/{versionNumber}/
 * workspaces/{workspaceID}`. The workspace in the URL wins over one in the body, as documented.
 */
export async function auditRoutes(
  instance: FastifyInstance,
  options: { service: AuditService },
): Promise<void> {
  const { service } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['audit']

  // The documents spell property names in several cases; validation sees the schema's spelling.
  const canonical = (schema: typeof QueryBody) => async (request: { body: unknown }) => {
    request.body = canonicalizeKeys(request.body, schema)
  }

  app.get(
    '/audit-fields',
    {
      schema: {
        tags,
        summary:
          'The audit field catalog: names and ArtifactIDs for field lists, conditions, sorts and pivots',
        params: WorkspaceParams,
        response: {
          200: Type.Array(
            Type.Object({
              Name: Type.String(),
              ArtifactID: Type.Integer(),
              FieldType: Type.Integer(),
              Sortable: Type.Boolean(),
              Pivotable: Type.Boolean(),
              Description: Type.String(),
            }),
          ),
        },
      },
    },
    async (request) =>
      (await service.fields(request.caller, request.params.workspaceID)).map((f) => ({
        Name: f.name,
        ArtifactID: f.artifactId,
        FieldType: f.fieldType,
        Sortable: f.sortable,
        Pivotable: f.pivotable,
        Description: f.description,
      })),
  )

  const runQuery = async (request: {
    caller: Parameters<AuditService['query']>[0]
    params: Type.Static<typeof WorkspaceParams>
    body: QueryBody
  }) => {
    const { body } = request
    const page = await service.query(request.caller, {
      workspaceId: request.params.workspaceID,
      fields: body.request.fields.map((f) => ({ name: f.Name, artifactId: f.ArtifactID })),
      condition: body.request.condition,
      rowCondition: body.request.rowCondition,
      sorts: toSorts(body.request.sorts),
      start: body.start,
      length: body.length,
    })
    const options = {
      rawDetails: body.auditQueryOptions?.returnRawDetails ?? false,
      numbersAsStrings: body.request.convertNumberFieldValuesToString ?? false,
    }
    const rows = page.records.map((audit) => ({
      audit,
      values: page.fields.map((f) => fieldValue(f, audit, options)),
    }))
    const common = {
      TotalCount: page.totalCount,
      IDWindow: [],
      CurrentStartIndex: page.currentStartIndex,
      ResultCount: rows.length,
      SampleDetails: null,
      RankWindow: [],
      RelationalField: null,
    }
    return { page, rows, common }
  }

  app.post(
    '/audits/UI/query',
    {
      preValidation: canonical(QueryBody),
      schema: {
        tags,
        summary: 'Audit Object Manager UI query: a page of audits with full field details',
        description:
          'Paging: pages are aligned to `length`; `start` selects the page that holds it. Sorting: Timestamp or Execution Time (ms).',
        params: WorkspaceParams,
        body: QueryBody,
        response: {
          200: Type.Object({
            ...PageCommon,
            Objects: Type.Array(
              Type.Object({
                ParentObject: Type.Null(),
                Name: Type.String(),
                FieldValues: Type.Array(Type.Object({ Value, Field: FieldView })),
                ArtifactID: Type.Integer(),
                Guids: Type.Array(Type.String()),
              }),
            ),
            ObjectType: Type.Object({
              ArtifactID: Type.Integer(),
              Name: Type.String(),
              Guids: Type.Array(Type.String()),
              ArtifactTypeID: Type.Integer(),
            }),
          }),
        },
      },
    },
    async (request) => {
      const { page, rows, common } = await runQuery(request)
      return {
        ...common,
        Objects: rows.map(({ audit, values }) => ({
          ParentObject: null,
          Name: audit.auditId,
          FieldValues: values.map((value, i) => ({
            Value: value,
            Field: fieldView(page.fields[i] as AuditField),
          })),
          ArtifactID: audit.artifactId,
          Guids: [],
        })),
        ObjectType: { ArtifactID: 0, Name: '', Guids: [], ArtifactTypeID: 0 },
      }
    },
  )

  app.post(
    '/audits/UI/query-slim',
    {
      preValidation: canonical(QueryBody),
      schema: {
        tags,
        summary: 'Audit Object Manager UI query, slim: values in field order, the fields listed once',
        params: WorkspaceParams,
        body: QueryBody,
        response: {
          200: Type.Object({
            ...PageCommon,
            Objects: Type.Array(Type.Object({ ArtifactID: Type.Integer(), Values: Type.Array(Value) })),
            ObjectType: Type.Null(),
            Fields: Type.Array(FieldView),
          }),
        },
      },
    },
    async (request) => {
      // The document: auditQueryOptions is not available on query-slim, so Details stay HTML.
      const { page, rows, common } = await runQuery({
        ...request,
        body: { ...request.body, auditQueryOptions: undefined },
      })
      return {
        ...common,
        Objects: rows.map(({ audit, values }) => ({ ArtifactID: audit.artifactId, Values: values })),
        ObjectType: null,
        Fields: page.fields.map(fieldView),
      }
    },
  )

  app.get(
    '/audit-metrics',
    {
      schema: {
        tags,
        summary: 'Audit Metrics: the number and total stored size of the audits of a workspace',
        params: WorkspaceParams,
        response: { 200: Type.Object({ Count: Type.Integer(), SizeInBytes: Type.Integer() }) },
      },
    },
    async (request) => {
      const metrics = await service.metrics(request.caller, request.params.workspaceID)
      return { Count: metrics.count, SizeInBytes: metrics.sizeInBytes }
    },
  )

  app.post(
    '/audits',
    {
      schema: {
        tags,
        summary: 'Audit Query: read one audit record',
        params: WorkspaceParams,
        body: Type.Object({
          workspaceId: Type.Optional(Type.Integer({ description: 'Ignored when it differs from the URL' })),
          request: Type.Record(Type.String(), Type.Unknown(), { description: '{ "auditId": "484127" }' }),
        }),
        response: { 200: AuditRecordView },
      },
    },
    async (request) => {
      const audit = await service.readAudit(
        request.caller,
        request.params.workspaceID,
        auditIdOf(request.body.request),
      )
      return {
        ID: audit.auditId,
        TimeStamp: formatAuditTime(audit.timestamp),
        ArtifactName: audit.artifactName,
        ActionName: audit.actionName,
        ActionID: audit.actionId,
        ObjectTypeName: audit.objectTypeName,
        ObjectTypeID: audit.objectTypeId,
        ExecutionTime: audit.executionTimeMs,
        ArtifactID: audit.artifactId,
        UserName: audit.userName,
        UserID: audit.userId,
        Details: audit.detailsJson === undefined ? null : JSON.parse(audit.detailsJson),
        OldValues: audit.changes.map((c) => c.oldValue),
        NewValues: audit.changes.map((c) => c.newValue),
        Fields: audit.changes.map((c) => c.field),
        WorkspaceId: audit.workspaceId,
        WorkspaceName: audit.workspaceName,
      }
    },
  )
}
