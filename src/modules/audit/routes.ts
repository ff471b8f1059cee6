import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { ValidationError } from '../../errors.js'
import { formatAuditTime } from './records.js'
import type { AuditService } from './service.js'

/** The path parameters every audit route has: `{versionNumber}/workspaces/{workspaceID}`. */
const Workspace = Type.Object({
  versionNumber: Type.String({ pattern: '^[vV][0-9]+$', description: 'API version, e.g. v1' }),
  workspaceID: Type.Integer({ minimum: -1, description: 'Workspace Artifact ID; -1 is the instance level' }),
})

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

  app.get(
    '/audit-metrics',
    {
      schema: {
        tags,
        summary: 'Audit Metrics: the number and total stored size of the audits of a workspace',
        params: Workspace,
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
        params: Workspace,
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
