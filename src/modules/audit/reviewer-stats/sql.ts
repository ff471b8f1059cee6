import type { SqlQuery } from '../../../store/warehouse/warehouse.js'
import { OBJECT_TYPE } from '../catalog.js'
import type { ReviewPeriod, ReviewZone } from './period.js'

/** Whose document actions a statistic reads, when, and in which zone it tells hours and days. */
export interface ReviewScope {
  tenantId: number
  workspaceId: number
  period: ReviewPeriod
  zone: ReviewZone
  /** Only these users; empty: everyone. */
  includeUserIds: number[]
  /** Never these users (wins over the include list). */
  excludeUserIds: number[]
}

/** Document audits of the scope with one of `actions`: the filter every statement starts from. */
function scopeFilter(scope: ReviewScope, actions: readonly number[]): SqlQuery {
  return {
    query: `tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64}
            AND timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC')
            AND timestamp < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
            AND object_type_id = {document:UInt32} AND action_id IN {actions:Array(UInt16)}
            AND (empty({include:Array(Int64)}) OR has({include:Array(Int64)}, user_id))
            AND NOT has({exclude:Array(Int64)}, user_id)`,
    params: {
      tenant: scope.tenantId,
      workspace: scope.workspaceId,
      fromMs: scope.period.fromMs,
      toMs: scope.period.toMs,
      document: OBJECT_TYPE.Document,
      actions,
      include: scope.includeUserIds,
      exclude: scope.excludeUserIds,
    },
  }
}

/**
 * A reviewer's usage time in milliseconds (SEMANTICS.md): the sum over sessions of last minus first
 * action, a gap longer than the threshold starting a new session. That is the sum of the gaps
 * between consecutive session actions that are no longer than the threshold.
 */
const USAGE_MS = `arraySum(arrayFilter(gap -> gap <= {thresholdMs:Int64}, arrayDifference(arraySort(
  groupArrayIf(toUnixTimestamp64Milli(timestamp), action_id IN {sessionActions:Array(UInt16)})))))`

export interface UsageSettings {
  /** The actions sessions are made of: View and Update, and the additional actions asked for. */
  sessionActions: readonly number[]
  thresholdMs: number
}

export interface ActionCountRow {
  user_id: string
  action_id: number
  n: string
  docs: string
}

export function actionCountsStatement(scope: ReviewScope, actions: readonly number[]): SqlQuery {
  const filter = scopeFilter(scope, actions)
  return {
    query: `SELECT user_id, action_id, count() AS n, uniqExact(artifact_id) AS docs
            FROM audits WHERE ${filter.query}
            GROUP BY user_id, action_id ORDER BY user_id, action_id`,
    params: filter.params,
    tag: 'reviewer-stats:action-counts',
  }
}

export interface UsageRow {
  user_id: string
  usage_ms: string
}

export function usageStatement(scope: ReviewScope, usage: UsageSettings): SqlQuery {
  const filter = scopeFilter(scope, usage.sessionActions)
  return {
    query: `SELECT user_id, ${USAGE_MS} AS usage_ms FROM audits WHERE ${filter.query} GROUP BY user_id`,
    params: { ...filter.params, ...usage },
    tag: 'reviewer-stats:usage-time',
  }
}

/** The counts of the summary report, per reviewer, and the name of their latest audit. */
export interface SummaryRow extends UsageRow {
  user_name: string
  views: string
  distinct_views: string
  edits: string
  distinct_edits: string
  mass_edits: string
  distinct_mass_edits: string
  propagations: string
  distinct_propagations: string
}

export interface SummaryActions extends UsageSettings {
  view: number
  edit: number
  massEdit: number
  propagation: number
}

export function summaryStatement(scope: ReviewScope, actions: SummaryActions): SqlQuery {
  const counted = [actions.view, actions.edit, actions.massEdit, actions.propagation]
  const filter = scopeFilter(scope, [...new Set([...counted, ...actions.sessionActions])])
  const count = (name: string, param: string) =>
    `countIf(action_id = {${param}:UInt16}) AS ${name}, uniqExactIf(artifact_id, action_id = {${param}:UInt16}) AS distinct_${name}`
  return {
    query: `SELECT user_id, argMax(user_name, timestamp) AS user_name, ${USAGE_MS} AS usage_ms,
                   ${count('views', 'view')}, ${count('edits', 'edit')},
                   ${count('mass_edits', 'massEdit')}, ${count('propagations', 'propagation')}
            FROM audits WHERE ${filter.query} GROUP BY user_id`,
    params: { ...filter.params, ...actions },
    tag: 'reviewer-stats:summary',
  }
}

export interface HourRow {
  user_id: string
  hour: number
  n: string
}

/**
 * Distinct (document, action) pairs per reviewer and local clock hour, counted within each local
 * day and summed over the days (SEMANTICS.md).
 */
export function hourOfDayStatement(scope: ReviewScope, actions: readonly number[]): SqlQuery {
  const filter = scopeFilter(scope, actions)
  return {
    query: `SELECT user_id, hour, sum(pairs) AS n FROM (
              SELECT user_id, toDate32(timestamp, {tz:String}) AS day, toHour(timestamp, {tz:String}) AS hour,
                     uniqExact(artifact_id, action_id) AS pairs
              FROM audits WHERE ${filter.query} GROUP BY user_id, day, hour)
            GROUP BY user_id, hour`,
    params: { ...filter.params, tz: scope.zone.engineName },
    tag: 'reviewer-stats:hour-of-day',
  }
}

export interface TextSizeRow {
  user_id: string
  total_bytes: string
}

/** Extracted-text bytes of the distinct documents each reviewer acted on (newest document version). */
export function textSizeStatement(scope: ReviewScope, actions: readonly number[]): SqlQuery {
  const filter = scopeFilter(scope, actions)
  return {
    query: `SELECT reviewed.user_id AS user_id, sum(document.bytes) AS total_bytes
            FROM (SELECT DISTINCT user_id, artifact_id FROM audits WHERE ${filter.query}) AS reviewed
            LEFT JOIN (
              SELECT artifact_id, argMax(extracted_text_bytes, updated_at) AS bytes FROM documents
              WHERE tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64}
              GROUP BY artifact_id
            ) AS document ON reviewed.artifact_id = document.artifact_id
            GROUP BY user_id`,
    params: filter.params,
    tag: 'reviewer-stats:text-size',
  }
}

/** How the choice statement recognizes the values of the requested fields. */
export interface ChoiceLookup {
  fieldIds: number[]
  /** Names of the fields, lower case, for changes ingested without a field id. */
  fieldNames: string[]
  fieldIdsByName: number[]
  /** Fields whose values list several choices separated by `;`. */
  multipleChoiceFieldIds: number[]
  /** `<fieldId>:<value in lower case>` (a choice name or id, or a Yes/No word) → the choice id. */
  valueKeys: string[]
  valueChoiceIds: number[]
}

/**
 * Per reviewer and field: how often each choice was set and how many were removed. Per reviewer
 * alone (`per_user` = 1): the distinct documents coded with any choice of the fields.
 */
export interface ChoiceRow {
  user_id: string
  per_user: number
  field_id: string
  set_choices: string[]
  set_counts: string[]
  unset: string
  docs: string
}

/**
 * Field changes of the scope's coding actions on the requested fields, with the choices each
 * change added (`added`) and removed (`removed`).
 */
function choiceChanges(scope: ReviewScope, actions: readonly number[], lookup: ChoiceLookup): SqlQuery {
  const filter = scopeFilter(scope, actions)
  const choices = (values: string) => `arrayDistinct(arrayFilter(c -> c >= 0, arrayMap(
      v -> transform(concat(toString(field_id), ':', lower(trimBoth(v))), {valueKeys:Array(String)}, {valueChoiceIds:Array(Int64)}, toInt64(-1)),
      if(has({multiple:Array(Int64)}, field_id), splitByChar(';', ifNull(${values}, '')), [ifNull(${values}, '')]))))`
  return {
    query: `SELECT user_id, artifact_id, field_id,
                   arrayFilter(c -> NOT has(old_choices, c), new_choices) AS added,
                   arrayFilter(c -> NOT has(new_choices, c), old_choices) AS removed
            FROM (
              SELECT user_id, artifact_id,
                     if(change_field_id != 0, change_field_id,
                        transform(lower(change_field), {fieldNames:Array(String)}, {fieldIdsByName:Array(Int64)}, toInt64(0))) AS field_id,
                     ${choices('old_value')} AS old_choices, ${choices('new_value')} AS new_choices
              FROM audits
              ARRAY JOIN change_field_ids AS change_field_id, change_fields AS change_field,
                         change_old_values AS old_value, change_new_values AS new_value
              WHERE ${filter.query}
            ) WHERE has({fieldIds:Array(Int64)}, field_id)`,
    params: {
      ...filter.params,
      fieldIds: lookup.fieldIds,
      fieldNames: lookup.fieldNames,
      fieldIdsByName: lookup.fieldIdsByName,
      multiple: lookup.multipleChoiceFieldIds,
      valueKeys: lookup.valueKeys,
      valueChoiceIds: lookup.valueChoiceIds,
    },
  }
}

export function choiceStatement(
  scope: ReviewScope,
  actions: readonly number[],
  lookup: ChoiceLookup,
): SqlQuery {
  const changes = choiceChanges(scope, actions, lookup)
  return {
    query: `SELECT user_id, per_user, field_id, set.1 AS set_choices, set.2 AS set_counts, unset, docs FROM (
              SELECT user_id, grouping(field_id) AS per_user, field_id,
                     sumMap(added, arrayMap(c -> toUInt64(1), added)) AS set,
                     sum(length(removed)) AS unset, uniqExactIf(artifact_id, notEmpty(added)) AS docs
              FROM (${changes.query}) GROUP BY GROUPING SETS ((user_id, field_id), (user_id)))`,
    params: changes.params,
    tag: 'reviewer-stats:choices',
  }
}
