import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import Type, { type TSchema } from 'typebox'
import { canonicalizeKeys } from '../../../schema/canonical-keys.js'
import type { Stores } from '../../../store/stores.js'
import type { Caller } from '../../identity/caller.js'
import { WorkspaceParams } from '../params.js'
import {
  ADDITIONAL_ACTIONS,
  DEFAULT_DOWNTIME_SECONDS,
  actionsPerHourOfDay,
  documentActionCounts,
  resolveScope,
  reviewedTextSize,
  reviewerChoices,
  summaryReport,
  usageTime,
  type AdditionalActions,
  type CriteriaNames,
  type ReviewCriteria,
} from './service.js'
import { SUMMARY_EXPORT_FORMATS, exportSummary } from './summary-export.js'

const DateText = (description: string) =>
  Type.String({
    maxLength: 40,
    description: `${description}: a date (2019-05-01, the whole day for an end date) or a date and time (2019-05-01T16:20:16.000), in the time zone unless it carries an offset`,
  })
const UserIds = (description: string) =>
  Type.Optional(
    Type.Union([Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10_000 }), Type.Null()], {
      description,
    }),
  )
const ActionIds = Type.Optional(
  Type.Union([Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100 }), Type.Null()], {
    description:
      'Audit action ids to count (GET …/audit-fields lists them); default View, Update, Mass Edit, Propagation',
  }),
)
const TimeZone = Type.Optional(
  Type.Union([Type.String({ maxLength: 100 }), Type.Null()], {
    description: 'An IANA name (America/Chicago) or a UTC offset (-05:00); default UTC',
  }),
)
const AdditionalActionsSchema = Type.Optional(
  Type.Union(
    [Type.Enum(Object.keys(ADDITIONAL_ACTIONS)), Type.Integer({ minimum: 0, maximum: 3 }), Type.Null()],
    {
      description:
        'Actions that count towards usage time besides View and Update: None, Mass Edit, Propagation, Mass Edit and Propagation (or 0-3)',
    },
  ),
)
const DownTimeThreshold = Type.Optional(
  Type.Union([Type.Integer({ minimum: 1, maximum: 7 * 86_400 }), Type.Null()], {
    description: `Seconds between two actions past which a new session starts; default ${DEFAULT_DOWNTIME_SECONDS}`,
  }),
)

/** The criteria every statistic takes, in the spelling of the reviewer-choices sample. */
const criteriaProperties = {
  StartDate: DateText('First day of the reporting period'),
  EndDate: DateText('Last day of the reporting period'),
  TimeZone,
  UserIdsToIncludeInReport: UserIds('Only these users (Artifact IDs); default everyone'),
  UserIdsToExcludeInReport: UserIds('Never these users'),
  NonAdmin: Type.Optional(
    Type.Union([Type.Boolean(), Type.Null()], { description: 'Leave out system administrators' }),
  ),
}

/**
 * An object that refuses properties it does not declare: a misspelt criterion (say
 * `UserIdsToExclude`) would otherwise be dropped and the statistic computed without it.
 */
const Strict = <P extends Record<string, TSchema>>(properties: P) =>
  Type.Object(properties, { additionalProperties: false })

const ActionCountsBody = Strict({ criteria: Strict({ ...criteriaProperties, ActionIds }) })
const UsageTimeBody = Strict({
  criteria: Strict({
    ...criteriaProperties,
    DownTimeThreshold,
    AdditionalActions: AdditionalActionsSchema,
  }),
})
const TextSizeBody = Strict({
  criteria: Strict({
    ...criteriaProperties,
    ExtractedTextFieldArtifactId: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
        description: 'A long text field of the workspace (its extracted text)',
      }),
    ),
  }),
})
const HourOfDayBody = ActionCountsBody
const ChoicesBody = Strict({
  reviewerChoicesCriteria: Strict({
    ...criteriaProperties,
    FieldIds: Type.Array(Type.Integer({ minimum: 1 }), {
      minItems: 1,
      maxItems: 100,
      description: 'Single choice, multiple choice or Yes/No fields of the workspace',
    }),
  }),
})
const SummaryBody = Strict({
  reviewerStatsDataRequest: Strict({
    startDate: criteriaProperties.StartDate,
    endDate: criteriaProperties.EndDate,
    timeZone: TimeZone,
    downTimeThreshold: DownTimeThreshold,
    nonAdmin: criteriaProperties.NonAdmin,
    additionalActions: AdditionalActionsSchema,
    userIdsToIncludeInReport: criteriaProperties.UserIdsToIncludeInReport,
    userIdsToExcludeInReport: criteriaProperties.UserIdsToExcludeInReport,
  }),
})

const reviewerStatistics = <S extends TSchema>(statistics: S) =>
  Type.Object({
    ReviewerStatistics: Type.Array(Type.Object({ UserId: Type.Integer(), Statistics: statistics })),
  })

const ActionCountsResponse = reviewerStatistics(
  Type.Object({
    ActionCounts: Type.Array(
      Type.Object({
        AuditActionId: Type.Integer(),
        Count: Type.Integer(),
        DistinctDocumentCount: Type.Integer(),
      }),
    ),
  }),
)
const UsageTimeResponse = reviewerStatistics(Type.Object({ TotalSeconds: Type.Integer() }))
const TextSizeResponse = reviewerStatistics(Type.Object({ TotalBytes: Type.Integer() }))
const HourOfDayResponse = reviewerStatistics(
  Type.Object({
    HourBuckets: Type.Array(Type.Object({ HourOfDay: Type.Integer(), ActionCount: Type.Integer() })),
  }),
)
const ChoicesResponse = reviewerStatistics(
  Type.Object({
    ReviewedFieldChoices: Type.Array(
      Type.Object({
        FieldId: Type.Integer(),
        ReviewedChoices: Type.Array(Type.Object({ ChoiceId: Type.Integer(), Count: Type.Integer() })),
        TotalChoicesUnset: Type.Integer(),
        FieldType: Type.Integer({ description: 'MultipleChoice 0, SingleChoice 1, YesOrNo 2' }),
      }),
    ),
    TotalDocsUpdated: Type.Integer(),
    TotalChoicesUnset: Type.Integer(),
  }),
)
const Rate = Type.Number({ description: 'Rounded to 2 decimals' })
export const SummaryLineSchema = Type.Object({
  FullName: Type.String(),
  UserId: Type.Integer(),
  TotalUsageTime: Type.String({ description: 'H:MM:SS; hours may pass 24' }),
  Views: Type.Integer(),
  DistinctViews: Type.Integer(),
  Edits: Type.Integer(),
  DistinctEdits: Type.Integer(),
  EditsPerHour: Rate,
  EditsPerDay: Rate,
  DistinctEditsPerHour: Rate,
  DistinctEditsPerDay: Rate,
  MassEdits: Type.Integer(),
  DistinctMassEdits: Type.Integer(),
  DistinctMassEditsPerHour: Rate,
  DistinctMassEditsPerDay: Rate,
  MassEditsPerHour: Rate,
  MassEditsPerDay: Rate,
  Propagations: Type.Integer(),
  DistinctPropagations: Type.Integer(),
  DistinctMassPropagationsPerHour: Rate,
  DistinctMassPropagationsPerDay: Rate,
  PropagationsPerHour: Rate,
  PropagationsPerDay: Rate,
})
const SummaryResponse = Type.Array(SummaryLineSchema)

type CriteriaBody = Type.Static<typeof ActionCountsBody>['criteria']
const CRITERIA_NAMES: CriteriaNames = {
  startDate: 'criteria.StartDate',
  endDate: 'criteria.EndDate',
  timeZone: 'criteria.TimeZone',
}

const fromCriteria = (criteria: Omit<CriteriaBody, 'ActionIds'>): ReviewCriteria => ({
  startDate: criteria.StartDate,
  endDate: criteria.EndDate,
  timeZone: criteria.TimeZone,
  includeUserIds: criteria.UserIdsToIncludeInReport,
  excludeUserIds: criteria.UserIdsToExcludeInReport,
  nonAdmin: criteria.NonAdmin,
})

const additionalActions = (value: string | number | null | undefined): AdditionalActions | null =>
  typeof value === 'number'
    ? (Object.keys(ADDITIONAL_ACTIONS)[value] as AdditionalActions)
    : ((value ?? null) as AdditionalActions | null)

/** The summary report's body, read into criteria and usage options (shared by the JSON and the export). */
function summaryInput(request: Type.Static<typeof SummaryBody>['reviewerStatsDataRequest']) {
  return {
    criteria: {
      startDate: request.startDate,
      endDate: request.endDate,
      timeZone: request.timeZone,
      includeUserIds: request.userIdsToIncludeInReport,
      excludeUserIds: request.userIdsToExcludeInReport,
      nonAdmin: request.nonAdmin,
    },
    names: {
      startDate: 'reviewerStatsDataRequest.startDate',
      endDate: 'reviewerStatsDataRequest.endDate',
      timeZone: 'reviewerStatsDataRequest.timeZone',
    },
    options: {
      downTimeThresholdSeconds: request.downTimeThreshold,
      additionalActions: additionalActions(request.additionalActions),
    },
  }
}

const SummaryExportQuery = Strict({
  format: Type.Optional(Type.Enum([...SUMMARY_EXPORT_FORMATS], { description: 'csv (default) or xlsx' })),
})

/**
 * The Reviewer Statistics service of the audit document, mounted under the audit prefix
 * (`…/relativity-audit/{versionNumber}/workspaces/{workspaceID}`). Needs Workspace Access and View
 * Reviewer Statistics on the workspace.
 */
export async function reviewerStatsRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  const canonical = (schema: TSchema) => async (request: FastifyRequest) => {
    request.body = canonicalizeKeys(request.body, schema)
  }
  const scopeOf = (caller: Caller, workspaceId: number, criteria: ReviewCriteria, names = CRITERIA_NAMES) =>
    resolveScope(stores, caller, workspaceId, criteria, names)
  const meta = (summary: string, description?: string) => ({
    tags: ['reviewer statistics'],
    summary,
    ...(description && { description }),
    params: WorkspaceParams,
  })

  app.post(
    '/document-action-counts',
    {
      preValidation: canonical(ActionCountsBody),
      schema: {
        ...meta('Actions on documents per reviewer: count and distinct documents per action'),
        body: ActionCountsBody,
        response: { 200: ActionCountsResponse },
      },
    },
    async (request) => {
      const { criteria } = request.body
      const scope = await scopeOf(request.caller, request.params.workspaceID, fromCriteria(criteria))
      const users = await documentActionCounts(stores, scope, criteria.ActionIds)
      return {
        ReviewerStatistics: users.map((user) => ({
          UserId: user.userId,
          Statistics: {
            ActionCounts: user.actions.map((a) => ({
              AuditActionId: a.actionId,
              Count: a.count,
              DistinctDocumentCount: a.distinctDocuments,
            })),
          },
        })),
      }
    },
  )

  app.post(
    '/usage-time',
    {
      preValidation: canonical(UsageTimeBody),
      schema: {
        ...meta(
          'Usage time per reviewer, in seconds',
          'Sessions of View and Update actions (and AdditionalActions) on documents; a gap over DownTimeThreshold starts a new session.',
        ),
        body: UsageTimeBody,
        response: { 200: UsageTimeResponse },
      },
    },
    async (request) => {
      const { criteria } = request.body
      const scope = await scopeOf(request.caller, request.params.workspaceID, fromCriteria(criteria))
      const users = await usageTime(stores, scope, {
        downTimeThresholdSeconds: criteria.DownTimeThreshold,
        additionalActions: additionalActions(criteria.AdditionalActions),
      })
      return {
        ReviewerStatistics: users.map((u) => ({
          UserId: u.userId,
          Statistics: { TotalSeconds: u.totalSeconds },
        })),
      }
    },
  )

  app.post(
    '/total-reviewed-text-size',
    {
      preValidation: canonical(TextSizeBody),
      schema: {
        ...meta('Extracted-text bytes of the distinct documents each reviewer viewed or edited'),
        body: TextSizeBody,
        response: { 200: TextSizeResponse },
      },
    },
    async (request) => {
      const { criteria } = request.body
      const scope = await scopeOf(request.caller, request.params.workspaceID, fromCriteria(criteria))
      const users = await reviewedTextSize(stores, scope, criteria.ExtractedTextFieldArtifactId)
      return {
        ReviewerStatistics: users.map((u) => ({
          UserId: u.userId,
          Statistics: { TotalBytes: u.totalBytes },
        })),
      }
    },
  )

  app.post(
    '/distinct-document-actions-per-hour-of-day',
    {
      preValidation: canonical(HourOfDayBody),
      schema: {
        ...meta(
          'Distinct document actions per reviewer and hour of day (0-23, in the time zone)',
          'ActionCount of hour h: distinct (document, action) pairs within clock hour h of each day, summed over the days.',
        ),
        body: HourOfDayBody,
        response: { 200: HourOfDayResponse },
      },
    },
    async (request) => {
      const { criteria } = request.body
      const scope = await scopeOf(request.caller, request.params.workspaceID, fromCriteria(criteria))
      const users = await actionsPerHourOfDay(stores, scope, criteria.ActionIds)
      return {
        ReviewerStatistics: users.map((u) => ({
          UserId: u.userId,
          Statistics: {
            HourBuckets: u.hours.map((count, hour) => ({ HourOfDay: hour, ActionCount: count })),
          },
        })),
      }
    },
  )

  app.post(
    '/reviewer-choices',
    {
      preValidation: canonical(ChoicesBody),
      schema: {
        ...meta(
          'Choices reviewers set on choice and Yes/No fields',
          'Every choice of each field is listed; Yes/No fields list Yes as choice 1 and No as choice 0.',
        ),
        body: ChoicesBody,
        response: { 200: ChoicesResponse },
      },
    },
    async (request) => {
      const criteria = request.body.reviewerChoicesCriteria
      const scope = await scopeOf(request.caller, request.params.workspaceID, fromCriteria(criteria), {
        startDate: 'reviewerChoicesCriteria.StartDate',
        endDate: 'reviewerChoicesCriteria.EndDate',
        timeZone: 'reviewerChoicesCriteria.TimeZone',
      })
      const users = await reviewerChoices(stores, scope, criteria.FieldIds)
      return {
        ReviewerStatistics: users.map((u) => ({
          UserId: u.userId,
          Statistics: {
            ReviewedFieldChoices: u.fields.map((f) => ({
              FieldId: f.fieldId,
              ReviewedChoices: f.choices.map((c) => ({ ChoiceId: c.choiceId, Count: c.count })),
              TotalChoicesUnset: f.choicesUnset,
              FieldType: f.fieldType,
            })),
            TotalDocsUpdated: u.docsUpdated,
            TotalChoicesUnset: u.choicesUnset,
          },
        })),
      }
    },
  )

  app.post(
    '/summary-report',
    {
      preValidation: canonical(SummaryBody),
      schema: {
        ...meta(
          'The reviewer statistics summary report',
          'Usage time, views, edits, mass edits and propagations per reviewer, with rates per hour of usage and per day of the period.',
        ),
        body: SummaryBody,
        response: { 200: SummaryResponse },
      },
    },
    async (request) => {
      const input = summaryInput(request.body.reviewerStatsDataRequest)
      const scope = await scopeOf(request.caller, request.params.workspaceID, input.criteria, input.names)
      return summaryReport(stores, scope, input.options)
    },
  )

  app.post(
    '/summary-report/export',
    {
      preValidation: canonical(SummaryBody),
      schema: {
        ...meta(
          'The summary report as a CSV or XLSX file',
          'The same body as summary-report; the file holds the same table, a row per reviewer.',
        ),
        querystring: SummaryExportQuery,
        body: SummaryBody,
      },
    },
    async (request, reply) => {
      const input = summaryInput(request.body.reviewerStatsDataRequest)
      const scope = await scopeOf(request.caller, request.params.workspaceID, input.criteria, input.names)
      const lines = await summaryReport(stores, scope, input.options)
      const file = await exportSummary(lines, request.query.format ?? 'csv', request.params.workspaceID)
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .send(file.body)
    },
  )
}
