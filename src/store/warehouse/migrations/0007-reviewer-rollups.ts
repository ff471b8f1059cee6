import type { TableDef, WarehouseMigration } from '../ddl.js'

/**
 * Rollups of the document audits (object type 10) for the reviewer statistics summary report,
 * kept by materialized views from every insert into `audits` (read by
 * modules/audit/reviewer-stats/sql.ts):
 *
 * - `reviewer_slots`: per reviewer, action and 15-minute UTC slot, the audits and the first and
 *   last instant. Two actions in one slot are less than a slot apart, so with a downtime threshold
 *   of at least a slot every gap inside it continues the session, and a reviewer's usage time is
 *   the sum of (last − first) of the slots plus the gaps between consecutive slots up to the
 *   threshold: exact, from a few rows per slot instead of every audit.
 * - `reviewer_documents`: which documents each reviewer acted on with each action, per UTC month,
 *   for the distinct counts.
 *
 * `reviewer_slots.audits` sums, so a row counted twice would count twice: the views see each stored
 * audit once, since ingestion drops known idempotency keys before its INSERT and audits are never
 * updated or deleted (as for the hour counts, 0005). The migration rebuilds the slots from the
 * stored audits (`createRollup`), exactly when nothing is ingested while it runs
 * (docs/operations.md). `reviewer_documents` only records that a row exists, so the fill meeting
 * rows the view already took is harmless. Rows of one key merge as parts do; queries still group.
 */

/** The slot of `reviewer_slots`: the shortest downtime threshold its usage time is exact for. */
export const REVIEWER_SLOT_MS = 900_000

/** Document audits only: the reviewer statistics read no other object type (catalog.ts: Document). */
const DOCUMENT_AUDITS = 'object_type_id = 10'

/** The slot number of an instant: whole slots since the epoch, rounded down (negative before 1970). */
export const slotOf = (column: string) =>
  `toInt64(floor(toUnixTimestamp64Milli(${column}) / ${REVIEWER_SLOT_MS}))`

const UTC_MS = "DateTime64(3, 'UTC')"
const WORKSPACE = [
  ['tenant_id', 'UInt32'],
  ['workspace_id', 'Int64'],
] as const
// Only the fills go through the Distributed tables; each node's views write its local ones, so a
// reviewer's rows lie on the shards of their audits and queries group them again, as for 0005.
const SHARDING = { shardingKey: 'cityHash64(workspace_id, user_id)' } as const

const reviewerSlots: TableDef = {
  name: 'reviewer_slots',
  columns: [
    ...WORKSPACE,
    ['slot', 'Int64'],
    ['user_id', 'Int64'],
    ['action_id', 'UInt16'],
    ['audits', 'SimpleAggregateFunction(sum, UInt64)'],
    ['first_at', `SimpleAggregateFunction(min, ${UTC_MS})`],
    ['last_at', `SimpleAggregateFunction(max, ${UTC_MS})`],
  ],
  engine: { kind: 'AggregatingMergeTree' },
  orderBy: ['tenant_id', 'workspace_id', 'slot', 'user_id', 'action_id'],
  ...SHARDING,
}

const reviewerDocuments: TableDef = {
  name: 'reviewer_documents',
  columns: [
    ...WORKSPACE,
    ['month', 'UInt32'],
    ['user_id', 'Int64'],
    ['action_id', 'UInt16'],
    ['artifact_id', 'Int64'],
  ],
  engine: { kind: 'ReplacingMergeTree' },
  orderBy: ['tenant_id', 'workspace_id', 'month', 'user_id', 'action_id', 'artifact_id'],
  ...SHARDING,
}

export const reviewerRollupTables: WarehouseMigration = {
  version: 7,
  name: 'reviewer-rollups',
  steps: [
    {
      kind: 'createRollup',
      table: reviewerSlots,
      views: [
        {
          name: 'reviewer_slots_from_audits',
          from: 'audits',
          select: (source) =>
            `SELECT tenant_id, workspace_id, ${slotOf('timestamp')} AS slot, user_id, action_id,
                    count() AS audits, min(timestamp) AS first_at, max(timestamp) AS last_at
             FROM ${source} WHERE ${DOCUMENT_AUDITS}
             GROUP BY tenant_id, workspace_id, slot, user_id, action_id`,
        },
      ],
    },
    { kind: 'createTable', table: reviewerDocuments },
    {
      kind: 'createMaterializedView',
      name: 'reviewer_documents_from_audits',
      from: 'audits',
      to: 'reviewer_documents',
      select: (source) =>
        `SELECT DISTINCT tenant_id, workspace_id, toYYYYMM(timestamp) AS month, user_id, action_id, artifact_id
         FROM ${source} WHERE ${DOCUMENT_AUDITS}`,
    },
  ],
}
