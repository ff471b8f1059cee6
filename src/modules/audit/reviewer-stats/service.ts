import { ValidationError } from '../../../errors.js'
import type { Stores } from '../../../store/stores.js'
import type { Caller } from '../../identity/caller.js'
import { INSTANCE_WORKSPACE_ID, requireWorkspacePermission } from '../../identity/workspace-access.js'
import { ACTION, AUDIT_ACTIONS } from '../catalog.js'
import { REVIEWER_SLOT_MS } from '../../../store/warehouse/migrations/0007-reviewer-rollups.js'
import { parseReviewZone, reviewPeriod } from './period.js'
import {
  actionCountsStatement,
  choiceStatement,
  documentSummaryStatement,
  hourOfDayStatement,
  latestNameStatement,
  slotSummaryStatement,
  summaryStatement,
  textSizeStatement,
  usageStatement,
  type ActionCountRow,
  type ChoiceLookup,
  type ChoiceRow,
  type DocumentSummaryRow,
  type HourRow,
  type LatestNameRow,
  type ReviewScope,
  type SlotSummaryRow,
  type SummaryActions,
  type SummaryRow,
  type TextSizeRow,
  type UsageRow,
} from './sql.js'

/** What every reviewer statistic is asked for: a period in a zone, and whose actions. */
export interface ReviewCriteria {
  startDate: string
  endDate: string
  timeZone?: string | null
  includeUserIds?: readonly number[] | null
  excludeUserIds?: readonly number[] | null
  /** Leave out members of the system administrators group. */
  nonAdmin?: boolean | null
}

/** The request's own spelling of each criterion, so an error names what the client sent. */
export interface CriteriaNames {
  startDate: string
  endDate: string
  timeZone: string
}

/** The actions a reviewer's work is made of, when a request names none. */
export const REVIEW_ACTIONS: readonly number[] = [
  ACTION.View,
  ACTION.Update,
  ACTION['Update - Mass Edit'],
  ACTION['Update - Propagation'],
]
/** Actions that code documents: the changes reviewer-choices reads. */
const CODING_ACTIONS = [ACTION.Update, ACTION['Update - Mass Edit'], ACTION['Update - Propagation']]
/** "Viewed or edited" (SEMANTICS.md): the documents whose text a reviewer went through. */
const READING_ACTIONS = [ACTION.View, ACTION.Update]

/** `additionalActions` of the summary report: which actions, besides View and Update, make sessions. */
export const ADDITIONAL_ACTIONS = {
  None: [],
  'Mass Edit': [ACTION['Update - Mass Edit']],
  Propagation: [ACTION['Update - Propagation']],
  'Mass Edit and Propagation': [ACTION['Update - Mass Edit'], ACTION['Update - Propagation']],
} as const satisfies Record<string, readonly number[]>
export type AdditionalActions = keyof typeof ADDITIONAL_ACTIONS

export const DEFAULT_DOWNTIME_SECONDS = 900

export interface UsageOptions {
  downTimeThresholdSeconds?: number | null
  additionalActions?: AdditionalActions | null
}

const sessionSettings = (options: UsageOptions) => ({
  sessionActions: [ACTION.View, ACTION.Update, ...ADDITIONAL_ACTIONS[options.additionalActions ?? 'None']],
  thresholdMs: (options.downTimeThresholdSeconds ?? DEFAULT_DOWNTIME_SECONDS) * 1000,
})

/** Rounds half away from zero to 2 decimals: `numerator / denominator`, 0 when the denominator is. */
export function rate(numerator: number, denominator: number): number {
  if (denominator <= 0) return 0
  return Math.round((numerator * 100) / denominator) / 100
}

/** `H:MM:SS`; hours may pass 24 (SEMANTICS.md). */
export function formatUsageTime(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  return `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`
}

/** Whole seconds of usage: the H:MM:SS shown and the per-hour rates use the same figure. */
const usageSeconds = (usageMs: string) => Math.floor(Number(usageMs) / 1000)

/** Checks the caller, the zone, the period and the user lists; answers the scope statements read. */
export async function resolveScope(
  stores: Stores,
  caller: Caller,
  workspaceId: number,
  criteria: ReviewCriteria,
  names: CriteriaNames,
): Promise<ReviewScope> {
  if (workspaceId === INSTANCE_WORKSPACE_ID) {
    throw new ValidationError(
      'workspaceID: reviewer statistics are kept per workspace; -1 (the instance) has none',
    )
  }
  await requireWorkspacePermission(stores.control, caller, workspaceId)
  await requireWorkspacePermission(stores.control, caller, workspaceId, 'View Reviewer Statistics')
  const zone = parseReviewZone(criteria.timeZone, names.timeZone)
  const period = reviewPeriod(criteria.startDate, criteria.endDate, zone, {
    start: names.startDate,
    end: names.endDate,
  })
  const excludeUserIds = [...(criteria.excludeUserIds ?? [])]
  if (criteria.nonAdmin) {
    const admins = await stores.control.query<{ artifact_id: string }>(
      'SELECT artifact_id FROM platform_users WHERE tenant_id = $1 AND is_system_admin',
      [caller.tenantId],
    )
    excludeUserIds.push(...admins.map((row) => Number(row.artifact_id)))
  }
  return {
    tenantId: caller.tenantId,
    workspaceId,
    period,
    zone,
    includeUserIds: [...(criteria.includeUserIds ?? [])],
    excludeUserIds,
  }
}

/**
 * The users a statistic lists: those with activity, and those the request named in its include
 * list even without activity (so a report shows them with zeros), never an excluded one. By id.
 */
function reportedUsers(scope: ReviewScope, active: Iterable<number>): number[] {
  const users = new Set([...active, ...scope.includeUserIds])
  for (const id of scope.excludeUserIds) users.delete(id)
  return [...users].sort((a, b) => a - b)
}

/** Action ids a request names, checked against the catalog; none named: the review actions. */
export function resolveActions(ids: readonly number[] | null | undefined, where: string): readonly number[] {
  if (!ids || ids.length === 0) return REVIEW_ACTIONS
  for (const id of ids) {
    if (!AUDIT_ACTIONS.some((action) => action.id === id))
      throw new ValidationError(`${where}: ${id} is not an audit action id (GET …/audit-fields lists them)`)
  }
  return [...new Set(ids)]
}

export interface ActionCount {
  actionId: number
  count: number
  distinctDocuments: number
}

/**
 * Actions on documents per reviewer. Actions named in the request are all listed, zeros included,
 * in the order given; without a list, the review actions the reviewer performed.
 */
export async function documentActionCounts(
  stores: Stores,
  scope: ReviewScope,
  requestedActions: readonly number[] | null | undefined,
): Promise<{ userId: number; actions: ActionCount[] }[]> {
  const actions = resolveActions(requestedActions, 'criteria.ActionIds')
  const rows = await stores.warehouse.query<ActionCountRow>(actionCountsStatement(scope, actions))
  const byUser = groupByUser(rows)
  return reportedUsers(scope, byUser.keys()).map((userId) => {
    const counts = new Map((byUser.get(userId) ?? []).map((row) => [Number(row.action_id), row]))
    const listed = requestedActions?.length ? actions : actions.filter((id) => counts.has(id))
    return {
      userId,
      actions: listed.map((actionId) => ({
        actionId,
        count: Number(counts.get(actionId)?.n ?? 0),
        distinctDocuments: Number(counts.get(actionId)?.docs ?? 0),
      })),
    }
  })
}

function groupByUser<Row extends { user_id: string }>(rows: readonly Row[]): Map<number, Row[]> {
  const byUser = new Map<number, Row[]>()
  for (const row of rows) {
    const userId = Number(row.user_id)
    const list = byUser.get(userId)
    if (list) list.push(row)
    else byUser.set(userId, [row])
  }
  return byUser
}

/** Seconds of usage per reviewer (sessions of View and Update, and the additional actions). */
export async function usageTime(
  stores: Stores,
  scope: ReviewScope,
  options: UsageOptions,
): Promise<{ userId: number; totalSeconds: number }[]> {
  const rows = await stores.warehouse.query<UsageRow>(usageStatement(scope, sessionSettings(options)))
  const seconds = new Map(rows.map((row) => [Number(row.user_id), usageSeconds(row.usage_ms)]))
  return reportedUsers(scope, seconds.keys()).map((userId) => ({
    userId,
    totalSeconds: seconds.get(userId) ?? 0,
  }))
}

/** Extracted-text bytes of the distinct documents each reviewer viewed or edited. */
export async function reviewedTextSize(
  stores: Stores,
  scope: ReviewScope,
  extractedTextFieldId: number | null | undefined,
): Promise<{ userId: number; totalBytes: number }[]> {
  if (extractedTextFieldId !== undefined && extractedTextFieldId !== null) {
    await requireExtractedTextField(stores, scope, extractedTextFieldId)
  }
  const rows = await stores.warehouse.query<TextSizeRow>(textSizeStatement(scope, READING_ACTIONS))
  const bytes = new Map(rows.map((row) => [Number(row.user_id), Number(row.total_bytes)]))
  return reportedUsers(scope, bytes.keys()).map((userId) => ({ userId, totalBytes: bytes.get(userId) ?? 0 }))
}

/**
 * Tally keeps one extracted-text size per document (the `documents` reference data), so the field
 * only has to be a long text field of the workspace: anything else is the client's mistake.
 */
async function requireExtractedTextField(stores: Stores, scope: ReviewScope, fieldId: number): Promise<void> {
  const [field] = await stores.control.query<{ field_type: string }>(
    'SELECT field_type FROM fields WHERE tenant_id = $1 AND artifact_id = $2 AND workspace_id = $3',
    [scope.tenantId, fieldId, scope.workspaceId],
  )
  if (!field) {
    throw new ValidationError(
      `criteria.ExtractedTextFieldArtifactId: ${fieldId} is not a field of workspace ${scope.workspaceId}`,
    )
  }
  if (field.field_type !== 'LongText') {
    throw new ValidationError(
      `criteria.ExtractedTextFieldArtifactId: field ${fieldId} is a ${field.field_type} field, not a long text field`,
    )
  }
}

export const HOURS_OF_DAY = 24

/** Distinct document actions per reviewer and local hour of day, all 24 hours listed. */
export async function actionsPerHourOfDay(
  stores: Stores,
  scope: ReviewScope,
  requestedActions: readonly number[] | null | undefined,
): Promise<{ userId: number; hours: number[] }[]> {
  const actions = resolveActions(requestedActions, 'criteria.ActionIds')
  const rows = await stores.warehouse.query<HourRow>(hourOfDayStatement(scope, actions))
  const byUser = groupByUser(rows)
  return reportedUsers(scope, byUser.keys()).map((userId) => {
    const hours = new Array<number>(HOURS_OF_DAY).fill(0)
    for (const row of byUser.get(userId) ?? []) hours[Number(row.hour)] = Number(row.n)
    return { userId, hours }
  })
}

/** The field types reviewer-choices reads, with the FieldType numbers of the document. */
export const CHOICE_FIELD_TYPES = { MultipleChoice: 0, SingleChoice: 1, YesNo: 2 } as const
type ChoiceFieldType = keyof typeof CHOICE_FIELD_TYPES

/**
 * A Yes/No field has no choice artifacts: its two values are listed as choices 1 (Yes) and 0 (No),
 * and the words audits carry for them map onto those.
 */
export const YES_NO_CHOICES = [
  { id: 1, words: ['yes', 'true', '1'] },
  { id: 0, words: ['no', 'false', '0'] },
] as const

interface ChoiceField {
  id: number
  name: string
  type: ChoiceFieldType
  choiceIds: number[]
}

/** The requested fields, each a choice field of the workspace (400 naming the first that is not). */
async function loadChoiceFields(stores: Stores, scope: ReviewScope, fieldIds: readonly number[]) {
  const rows = await stores.control.query<{ artifact_id: string; name: string; field_type: string }>(
    'SELECT artifact_id, name, field_type FROM fields WHERE tenant_id = $1 AND workspace_id = $2 AND artifact_id = ANY($3::bigint[])',
    [scope.tenantId, scope.workspaceId, fieldIds],
  )
  const choices = await stores.control.query<{ field_id: string; artifact_id: string; name: string }>(
    'SELECT field_id, artifact_id, name FROM field_choices WHERE tenant_id = $1 AND field_id = ANY($2::bigint[]) ORDER BY field_id, ordinal',
    [scope.tenantId, fieldIds],
  )
  const byId = new Map(rows.map((row) => [Number(row.artifact_id), row]))
  const fields: ChoiceField[] = []
  const lookup: ChoiceLookup = {
    fieldIds: [],
    fieldNames: [],
    fieldIdsByName: [],
    multipleChoiceFieldIds: [],
    valueKeys: [],
    valueChoiceIds: [],
  }
  for (const id of new Set(fieldIds)) {
    const row = byId.get(id)
    if (!row)
      throw new ValidationError(
        `reviewerChoicesCriteria.FieldIds: ${id} is not a field of workspace ${scope.workspaceId}`,
      )
    if (!(row.field_type in CHOICE_FIELD_TYPES)) {
      throw new ValidationError(
        `reviewerChoicesCriteria.FieldIds: field ${id} ('${row.name}') is a ${row.field_type} field, not a choice or Yes/No field`,
      )
    }
    const type = row.field_type as ChoiceFieldType
    const mapValue = (word: string, choiceId: number) => {
      lookup.valueKeys.push(`${id}:${word.toLowerCase()}`)
      lookup.valueChoiceIds.push(choiceId)
    }
    let choiceIds: number[]
    if (type === 'YesNo') {
      for (const choice of YES_NO_CHOICES) for (const word of choice.words) mapValue(word, choice.id)
      choiceIds = YES_NO_CHOICES.map((choice) => choice.id)
    } else {
      const own = choices.filter((choice) => Number(choice.field_id) === id)
      for (const choice of own) {
        mapValue(choice.name, Number(choice.artifact_id))
        mapValue(String(choice.artifact_id), Number(choice.artifact_id))
      }
      choiceIds = own.map((choice) => Number(choice.artifact_id))
    }
    fields.push({ id, name: row.name, type, choiceIds })
    lookup.fieldIds.push(id)
    lookup.fieldNames.push(row.name.toLowerCase())
    lookup.fieldIdsByName.push(id)
    if (type === 'MultipleChoice') lookup.multipleChoiceFieldIds.push(id)
  }
  return { fields, lookup }
}

export interface ReviewedField {
  fieldId: number
  fieldType: number
  choices: { choiceId: number; count: number }[]
  choicesUnset: number
}

/**
 * Per reviewer and requested field, how often each choice was set (every choice listed) and how
 * often one was removed; and the distinct documents coded with any of them (SEMANTICS.md).
 */
export async function reviewerChoices(
  stores: Stores,
  scope: ReviewScope,
  fieldIds: readonly number[],
): Promise<{ userId: number; fields: ReviewedField[]; docsUpdated: number; choicesUnset: number }[]> {
  if (fieldIds.length === 0)
    throw new ValidationError('reviewerChoicesCriteria.FieldIds: name at least one field')
  const { fields, lookup } = await loadChoiceFields(stores, scope, fieldIds)
  const rows = await stores.warehouse.query<ChoiceRow>(choiceStatement(scope, CODING_ACTIONS, lookup))
  const docs = new Map(
    rows.filter((row) => Number(row.per_user)).map((row) => [Number(row.user_id), Number(row.docs)]),
  )
  const byUser = groupByUser(rows.filter((row) => !Number(row.per_user)))
  return reportedUsers(scope, byUser.keys()).map((userId) => {
    const cells = new Map((byUser.get(userId) ?? []).map((row) => [Number(row.field_id), row]))
    const reviewed = fields.map((field): ReviewedField => {
      const cell = cells.get(field.id)
      const setCounts = new Map(
        (cell?.set_choices ?? []).map((choice, i) => [Number(choice), Number(cell?.set_counts[i])]),
      )
      return {
        fieldId: field.id,
        fieldType: CHOICE_FIELD_TYPES[field.type],
        choices: field.choiceIds.map((choiceId) => ({ choiceId, count: setCounts.get(choiceId) ?? 0 })),
        choicesUnset: Number(cell?.unset ?? 0),
      }
    })
    return {
      userId,
      fields: reviewed,
      docsUpdated: docs.get(userId) ?? 0,
      choicesUnset: reviewed.reduce((sum, field) => sum + field.choicesUnset, 0),
    }
  })
}

/** One row of the summary report, in the document's field order. */
export interface SummaryLine {
  FullName: string
  UserId: number
  TotalUsageTime: string
  Views: number
  DistinctViews: number
  Edits: number
  DistinctEdits: number
  EditsPerHour: number
  EditsPerDay: number
  DistinctEditsPerHour: number
  DistinctEditsPerDay: number
  MassEdits: number
  DistinctMassEdits: number
  DistinctMassEditsPerHour: number
  DistinctMassEditsPerDay: number
  MassEditsPerHour: number
  MassEditsPerDay: number
  Propagations: number
  DistinctPropagations: number
  DistinctMassPropagationsPerHour: number
  DistinctMassPropagationsPerDay: number
  PropagationsPerHour: number
  PropagationsPerDay: number
}

/**
 * The summary report: per reviewer, usage time (sessions cut at the downtime threshold), counts of
 * views, edits, mass edits and propagations, and their rates per hour of usage and per day of the
 * period (SEMANTICS.md). Ordered by full name, then user id.
 */
export async function summaryReport(
  stores: Stores,
  scope: ReviewScope,
  options: UsageOptions,
): Promise<SummaryLine[]> {
  const rows = await summaryRows(stores, scope, {
    ...sessionSettings(options),
    view: ACTION.View,
    edit: ACTION.Update,
    massEdit: ACTION['Update - Mass Edit'],
    propagation: ACTION['Update - Propagation'],
  })
  const byUser = new Map(rows.map((row) => [Number(row.user_id), row]))
  const users = reportedUsers(scope, byUser.keys())
  const names = await fullNames(stores, scope.tenantId, users)
  const days = scope.period.days
  const lines = users.map((userId): SummaryLine => {
    const row = byUser.get(userId)
    const n = (value: string | undefined) => Number(value ?? 0)
    const seconds = row ? usageSeconds(row.usage_ms) : 0
    const perHour = (count: number) => rate(count * 3600, seconds)
    const perDay = (count: number) => rate(count, days)
    const edits = n(row?.edits)
    const distinctEdits = n(row?.distinct_edits)
    const massEdits = n(row?.mass_edits)
    const distinctMassEdits = n(row?.distinct_mass_edits)
    const propagations = n(row?.propagations)
    const distinctPropagations = n(row?.distinct_propagations)
    return {
      FullName: names.get(userId) ?? row?.user_name ?? '',
      UserId: userId,
      TotalUsageTime: formatUsageTime(seconds),
      Views: n(row?.views),
      DistinctViews: n(row?.distinct_views),
      Edits: edits,
      DistinctEdits: distinctEdits,
      EditsPerHour: perHour(edits),
      EditsPerDay: perDay(edits),
      DistinctEditsPerHour: perHour(distinctEdits),
      DistinctEditsPerDay: perDay(distinctEdits),
      MassEdits: massEdits,
      DistinctMassEdits: distinctMassEdits,
      DistinctMassEditsPerHour: perHour(distinctMassEdits),
      DistinctMassEditsPerDay: perDay(distinctMassEdits),
      MassEditsPerHour: perHour(massEdits),
      MassEditsPerDay: perDay(massEdits),
      Propagations: propagations,
      DistinctPropagations: distinctPropagations,
      DistinctMassPropagationsPerHour: perHour(distinctPropagations),
      DistinctMassPropagationsPerDay: perDay(distinctPropagations),
      PropagationsPerHour: perHour(propagations),
      PropagationsPerDay: perDay(propagations),
    }
  })
  return lines.sort((a, b) =>
    a.FullName < b.FullName ? -1 : a.FullName > b.FullName ? 1 : a.UserId - b.UserId,
  )
}

/**
 * The summary's figures per reviewer: from the rollups when the threshold is at least their slot
 * (the counts and usage time from the slots, the distinct documents from the monthly documents,
 * the name from the latest audit's instant), else from the audits in one statement.
 */
async function summaryRows(
  stores: Stores,
  scope: ReviewScope,
  actions: SummaryActions,
): Promise<SummaryRow[]> {
  if (actions.thresholdMs < REVIEWER_SLOT_MS) {
    return stores.warehouse.query<SummaryRow>(summaryStatement(scope, actions))
  }
  const slots = await stores.warehouse.query<SlotSummaryRow>(slotSummaryStatement(scope, actions))
  if (slots.length === 0) return []
  const documents = await stores.warehouse.query<DocumentSummaryRow>(documentSummaryStatement(scope, actions))
  const names = await stores.warehouse.query<LatestNameRow>(
    latestNameStatement(
      scope,
      actions,
      slots.map((row) => Number(row.latest_ms)),
    ),
  )
  const distinct = new Map(documents.map((row) => [row.user_id, row]))
  const name = new Map(names.map((row) => [row.user_id, row.user_name]))
  return slots.map(({ latest_ms: _, ...row }) => ({
    ...NO_DOCUMENTS,
    ...distinct.get(row.user_id),
    ...row,
    user_name: name.get(row.user_id) ?? '',
  }))
}

const NO_DOCUMENTS = {
  distinct_views: '0',
  distinct_edits: '0',
  distinct_mass_edits: '0',
  distinct_propagations: '0',
}

/** Full names from the `users` reference data; a user Tally has no record of is named by the audits. */
async function fullNames(stores: Stores, tenantId: number, userIds: number[]): Promise<Map<number, string>> {
  if (userIds.length === 0) return new Map()
  const rows = await stores.control.query<{ artifact_id: string; full_name: string }>(
    'SELECT artifact_id, full_name FROM platform_users WHERE tenant_id = $1 AND artifact_id = ANY($2::bigint[])',
    [tenantId, userIds],
  )
  return new Map(rows.map((row) => [Number(row.artifact_id), row.full_name]))
}
