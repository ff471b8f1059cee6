import type { SqlQuery } from '../../../store/warehouse/warehouse.js'
import { REVIEWER_SLOT_MS, slotOf } from '../../../store/warehouse/migrations/0007-reviewer-rollups.js'
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

/** The scope's users: the include list (empty: everyone) less the exclude list. */
const USER_FILTER = `(empty({include:Array(Int64)}) OR has({include:Array(Int64)}, user_id))
            AND NOT has({exclude:Array(Int64)}, user_id)`

/** Rows of the scope's workspace and users with one of `actions`: audits and their rollups alike. */
function workspaceFilter(scope: ReviewScope, actions: readonly number[]): SqlQuery {
  return {
    query: `tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64}
            AND action_id IN {actions:Array(UInt16)} AND ${USER_FILTER}`,
    params: {
      tenant: scope.tenantId,
      workspace: scope.workspaceId,
      actions,
      include: scope.includeUserIds,
      exclude: scope.excludeUserIds,
    },
  }
}

/** Document audits of the scope with one of `actions`: the filter every statement starts from. */
function scopeFilter(scope: ReviewScope, actions: readonly number[]): SqlQuery {
  const workspace = workspaceFilter(scope, actions)
  return {
    query: `${workspace.query}
            AND timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC')
            AND timestamp < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
            AND object_type_id = {document:UInt32}`,
    params: {
      ...workspace.params,
      fromMs: scope.period.fromMs,
      toMs: scope.period.toMs,
      document: OBJECT_TYPE.Document,
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

const countedActions = (actions: SummaryActions) => [
  actions.view,
  actions.edit,
  actions.massEdit,
  actions.propagation,
]
/** The audits a summary reads: the counted actions and the session actions. */
const summaryScopeActions = (actions: SummaryActions) => [
  ...new Set([...countedActions(actions), ...actions.sessionActions]),
]

export function summaryStatement(scope: ReviewScope, actions: SummaryActions): SqlQuery {
  const filter = scopeFilter(scope, summaryScopeActions(actions))
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

/*
 * The summary from the rollups (warehouse migration 0007), for a downtime threshold of at least a
 * slot: the same figures as `summaryStatement`, read from a few rows per reviewer, action and
 * 15-minute slot (`reviewer_slots`) and per reviewer, action, document and month
 * (`reviewer_documents`). The whole slots and months of the period come from those; the parts of
 * the period that cut one (its first and last slot and month, when it does not start or end on
 * their boundary) are read from `audits`, as the exact statement would.
 */

/** Instants in [fromMs, toMs). */
export interface HalfOpenRange {
  fromMs: number
  toMs: number
}

/** A period in whole units of a rollup (their keys, `to` excluded) and the cut parts around them. */
export interface PeriodSplit {
  whole?: { from: number; to: number }
  cut: HalfOpenRange[]
}

/** A calendar of rollup units: the start of the unit holding an instant, the next unit, its key. */
interface RollupUnit {
  startOf(ms: number): number
  next(startMs: number): number
  key(startMs: number): number
}

const SLOTS: RollupUnit = {
  startOf: (ms) => Math.floor(ms / REVIEWER_SLOT_MS) * REVIEWER_SLOT_MS,
  next: (startMs) => startMs + REVIEWER_SLOT_MS,
  key: (startMs) => startMs / REVIEWER_SLOT_MS,
}

/** UTC months, keyed as `toYYYYMM` keys them. */
const MONTHS: RollupUnit = {
  startOf(ms) {
    const date = new Date(ms)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
  },
  next(startMs) {
    const date = new Date(startMs)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
  },
  key(startMs) {
    const date = new Date(startMs)
    return date.getUTCFullYear() * 100 + date.getUTCMonth() + 1
  },
}

/** The whole units inside the period, and the parts before and after them (empty ones left out). */
function splitPeriod(period: HalfOpenRange, unit: RollupUnit): PeriodSplit {
  const start = unit.startOf(period.fromMs)
  const firstWhole = start === period.fromMs ? start : unit.next(start)
  const endWhole = unit.startOf(period.toMs)
  if (firstWhole >= endWhole) return { cut: [period] }
  return {
    whole: { from: unit.key(firstWhole), to: unit.key(endWhole) },
    cut: [
      { fromMs: period.fromMs, toMs: firstWhole },
      { fromMs: endWhole, toMs: period.toMs },
    ].filter((range) => range.fromMs < range.toMs),
  }
}

export const splitBySlots = (period: HalfOpenRange) => splitPeriod(period, SLOTS)
export const splitByMonths = (period: HalfOpenRange) => splitPeriod(period, MONTHS)

/**
 * Rows of a rollup for the whole units of the split, UNION ALL the same columns computed from the
 * scope's audits in its cut parts (`audits` gives them per audit).
 */
function rollupAndCut(
  scope: ReviewScope,
  actions: readonly number[],
  split: PeriodSplit,
  rollup: { table: string; unitColumn: string; columns: string },
  fromAudits: string,
): SqlQuery {
  const filter = scopeFilter(scope, actions)
  const params: Record<string, unknown> = { ...filter.params }
  const parts: string[] = []
  if (split.whole) {
    params.wholeFrom = split.whole.from
    params.wholeTo = split.whole.to
    parts.push(
      `SELECT ${rollup.columns} FROM ${rollup.table} WHERE ${workspaceFilter(scope, actions).query}
         AND ${rollup.unitColumn} >= {wholeFrom:Int64} AND ${rollup.unitColumn} < {wholeTo:Int64}`,
    )
  }
  if (split.cut.length > 0) {
    const ranges = split.cut.map((range, i) => {
      params[`cutFrom${i}`] = range.fromMs
      params[`cutTo${i}`] = range.toMs
      return `(timestamp >= fromUnixTimestamp64Milli({cutFrom${i}:Int64}, 'UTC') AND timestamp < fromUnixTimestamp64Milli({cutTo${i}:Int64}, 'UTC'))`
    })
    parts.push(`SELECT ${fromAudits} FROM audits WHERE ${filter.query} AND (${ranges.join(' OR ')})`)
  }
  return { query: parts.join('\nUNION ALL\n'), params }
}

/** Per reviewer: the counts, the usage time, and the instant of the latest audit (for the name). */
export interface SlotSummaryRow {
  user_id: string
  views: string
  edits: string
  mass_edits: string
  propagations: string
  usage_ms: string
  latest_ms: string
}

/**
 * Usage from slots: within a slot every gap is shorter than the threshold, so a slot adds its last
 * minus first session action, and two consecutive slots with session actions add the gap between
 * them when it is no longer than the threshold (SEMANTICS.md; migration 0007). Slots do not
 * overlap, so their firsts and their lasts sorted apart pair up slot by slot.
 */
export function slotSummaryStatement(scope: ReviewScope, actions: SummaryActions): SqlQuery {
  const rows = rollupAndCut(
    scope,
    summaryScopeActions(actions),
    splitBySlots(scope.period),
    {
      table: 'reviewer_slots',
      unitColumn: 'slot',
      columns: 'user_id, slot, action_id, audits, first_at, last_at',
    },
    `user_id, ${slotOf('timestamp')} AS slot, action_id, toUInt64(1) AS audits, timestamp AS first_at, timestamp AS last_at`,
  )
  const session = 'action_id IN {sessionActions:Array(UInt16)}'
  const count = (name: string, param: string) => `sumIf(audits, action_id = {${param}:UInt16}) AS ${name}`
  return {
    query: `SELECT user_id, sum(views) AS views, sum(edits) AS edits, sum(mass_edits) AS mass_edits,
                   sum(propagations) AS propagations, toUnixTimestamp64Milli(max(latest)) AS latest_ms,
                   sum(span) + arraySum(arrayFilter(gap -> gap <= {thresholdMs:Int64}, arrayMap(
                     (next_first, last) -> next_first - last,
                     arrayPopFront(arraySort(groupArrayIf(first, in_session))),
                     arrayPopBack(arraySort(groupArrayIf(last, in_session)))))) AS usage_ms
            FROM (
              SELECT user_id, slot, ${count('views', 'view')}, ${count('edits', 'edit')},
                     ${count('mass_edits', 'massEdit')}, ${count('propagations', 'propagation')},
                     max(last_at) AS latest, sumIf(audits, ${session}) > 0 AS in_session,
                     toUnixTimestamp64Milli(minIf(first_at, ${session})) AS first,
                     toUnixTimestamp64Milli(maxIf(last_at, ${session})) AS last,
                     if(in_session, last - first, 0) AS span
              FROM (${rows.query})
              GROUP BY user_id, slot)
            GROUP BY user_id`,
    params: { ...rows.params, ...actions },
    tag: 'reviewer-stats:summary-slots',
  }
}

export interface DocumentSummaryRow {
  user_id: string
  distinct_views: string
  distinct_edits: string
  distinct_mass_edits: string
  distinct_propagations: string
}

/** The distinct documents of each counted action, per reviewer: whole months from the rollup. */
export function documentSummaryStatement(scope: ReviewScope, actions: SummaryActions): SqlQuery {
  const columns = 'user_id, action_id, artifact_id'
  const rows = rollupAndCut(
    scope,
    countedActions(actions),
    splitByMonths(scope.period),
    { table: 'reviewer_documents', unitColumn: 'month', columns },
    columns,
  )
  const distinct = (name: string, param: string) =>
    `uniqExactIf(artifact_id, action_id = {${param}:UInt16}) AS distinct_${name}`
  return {
    query: `SELECT user_id, ${distinct('views', 'view')}, ${distinct('edits', 'edit')},
                   ${distinct('mass_edits', 'massEdit')}, ${distinct('propagations', 'propagation')}
            FROM (${rows.query}) GROUP BY user_id`,
    params: { ...rows.params, ...actions },
    tag: 'reviewer-stats:summary-documents',
  }
}

export interface LatestNameRow {
  user_id: string
  user_name: string
}

/**
 * The user name of each reviewer's latest audit in the scope, found by the instants of those audits
 * (the primary key reads the few granules holding them): any of the listed instants of a reviewer's
 * own audits is at most that reviewer's latest.
 */
export function latestNameStatement(
  scope: ReviewScope,
  actions: SummaryActions,
  latestMs: readonly number[],
): SqlQuery {
  const filter = scopeFilter(scope, summaryScopeActions(actions))
  return {
    query: `SELECT user_id, argMax(user_name, timestamp) AS user_name FROM audits
            WHERE ${filter.query} AND timestamp IN (
              SELECT arrayJoin(arrayMap(ms -> fromUnixTimestamp64Milli(ms, 'UTC'), {latest:Array(Int64)})))
            GROUP BY user_id`,
    params: { ...filter.params, latest: latestMs },
    tag: 'reviewer-stats:summary-names',
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
