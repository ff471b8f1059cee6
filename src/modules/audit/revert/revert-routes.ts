import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { ValidationError } from '../../../errors.js'
import { canonicalizeKeys } from '../../../schema/canonical-keys.js'
import type { Stores } from '../../../store/stores.js'
import type { IngestService } from '../../ingest/service.js'
import { WorkspaceParams as Workspace } from '../params.js'
import { formatAuditTime } from '../records.js'
import type { RevertTarget } from './revert-rules.js'
import { RevertService, type RevertValidation } from './revert-service.js'
import { REVERT_MAX_AUDIT_COUNT_CEILING } from './revert-settings.js'

const RevertAuditRequest = Type.Object({
  AuditId: Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Integer({ minimum: 0 })], {
    description: 'The Audit ID, e.g. "430133"',
  }),
  Timestamp: Type.Optional(
    Type.Union([Type.String({ maxLength: 64 }), Type.Null()], {
      description: "The audit's Timestamp (UTC when it has no offset), e.g. 2019-04-25T16:05:24.867",
    }),
  ),
})

const WorkspaceIdInBody = Type.Optional(
  Type.Union([Type.Integer(), Type.Null()], { description: 'Ignored: the workspace in the URL is used' }),
)
const SingleBody = Type.Object({ workspaceId: WorkspaceIdInBody, request: RevertAuditRequest })
const MassBody = Type.Object({
  workspaceId: WorkspaceIdInBody,
  request: Type.Object({
    RevertAuditRequests: Type.Array(RevertAuditRequest, {
      minItems: 1,
      maxItems: REVERT_MAX_AUDIT_COUNT_CEILING,
      description: 'At most RevertMaxAuditCount (instance setting, default 1000) audits',
    }),
  }),
})

const Timestamp = Type.Union([Type.String(), Type.Null()], { description: 'e.g. 2019-05-22T15:10:42.877' })
const ValidationResponse = Type.Object({
  AuditId: Type.String(),
  Timestamp,
  IsRevertable: Type.Boolean(),
  Message: Type.Union([Type.String(), Type.Null()]),
})

/** Digits only, below 10^19 so that every id fits the UInt64 column. */
function parseAuditId(value: string | number, path: string): string {
  const text = String(value).trim()
  if (!/^\d{1,19}$/.test(text)) throw new ValidationError(`${path}: '${text}' is not an Audit ID`)
  return BigInt(text).toString()
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i

/** An ISO date-time; without an offset it is UTC, as the documents' Timestamps are. */
function parseTimestamp(value: string | null | undefined, path: string): Date | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined
  const text = value.trim()
  const instant = DATE_TIME.test(text)
    ? Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`)
    : NaN
  if (Number.isNaN(instant)) {
    throw new ValidationError(`${path}: '${text}' is not a date and time such as 2019-04-25T16:05:24.867`)
  }
  return new Date(instant)
}

function toTarget(request: Type.Static<typeof RevertAuditRequest>, path: string): RevertTarget {
  return {
    auditId: parseAuditId(request.AuditId, `${path}.AuditId`),
    timestamp: parseTimestamp(request.Timestamp, `${path}.Timestamp`),
  }
}

const view = (v: RevertValidation) => ({
  AuditId: v.auditId,
  Timestamp: v.timestamp && formatAuditTime(v.timestamp),
  IsRevertable: v.revertable,
  Message: v.message,
})

/**
 * The Audit Revert service of the audit document, mounted under `/Relativity.REST/api/
 * relativity-audit/{versionNumber}/workspaces/{workspaceID}`. The workspace in the URL wins over
 * the body's `workspaceId`. Request property names are matched without regard to case.
 */
export async function revertRoutes(
  instance: FastifyInstance,
  options: { stores: Stores; ingest: IngestService },
): Promise<void> {
  const service = new RevertService(options.stores, options.ingest)
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['audit']
  const canonical = (schema: typeof SingleBody | typeof MassBody) => async (request: { body: unknown }) => {
    request.body = canonicalizeKeys(request.body, schema)
  }

  app.post(
    '/audits/revert/validate',
    {
      preValidation: canonical(SingleBody),
      schema: {
        tags,
        summary: 'Validate a revert: whether an audit action can be reverted now, and if not, why',
        description:
          'Revertible: an update of a document that changed fields, and the most recent change of each. Needs Revert Audits.',
        params: Workspace,
        body: SingleBody,
        response: {
          200: Type.Object({
            AuditId: Type.String(),
            Timestamp,
            IsRevertable: Type.Boolean(),
            Message: Type.Optional(Type.String({ description: 'Why it cannot be reverted' })),
          }),
        },
      },
    },
    async (request) => {
      const { Message, ...result } = view(
        await service.validate(
          request.caller,
          request.params.workspaceID,
          toTarget(request.body.request, 'request'),
        ),
      )
      // The document's sample of a revertible audit has no Message at all.
      return Message === null ? result : { ...result, Message }
    },
  )

  app.post(
    '/audits/revert',
    {
      preValidation: canonical(SingleBody),
      schema: {
        tags,
        summary: 'Revert an audit: write its old values back (a new Update - Revert audit, 58)',
        params: Workspace,
        body: SingleBody,
        response: {
          200: Type.Object({
            Success: Type.Boolean(),
            ValidationResponse,
            Message: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const outcome = await service.revert(
        request.caller,
        request.params.workspaceID,
        toTarget(request.body.request, 'request'),
      )
      return {
        Success: outcome.success,
        ValidationResponse: view(outcome.validations[0]!),
        Message: outcome.message,
      }
    },
  )

  app.post(
    '/audits/mass-revert',
    {
      preValidation: canonical(MassBody),
      schema: {
        tags,
        summary: 'Mass revert: revert every listed audit (Update - Mass Revert, 59), or none',
        description:
          'Every audit is validated first; if one cannot be reverted, nothing is. At most RevertMaxAuditCount audits (400 over it).',
        params: Workspace,
        body: MassBody,
        response: {
          200: Type.Object({ Success: Type.Boolean(), ValidationResponses: Type.Array(ValidationResponse) }),
        },
      },
    },
    async (request) => {
      const targets = request.body.request.RevertAuditRequests.map((item, i) =>
        toTarget(item, `request.RevertAuditRequests[${i}]`),
      )
      const outcome = await service.massRevert(request.caller, request.params.workspaceID, targets)
      return { Success: outcome.success, ValidationResponses: outcome.validations.map(view) }
    },
  )
}
