import type { TableDef, WarehouseMigration } from '../ddl.js'

/** One hour in milliseconds: the rollup's bucket. */
export const HOUR_MS = 3_600_000

/**
 * The start of the UTC hour holding an instant, as DateTime64(3). Not toStartOfHour: that returns a
 * DateTime, which wraps outside 1970-2106, and audits may carry any DateTime64(3) instant.
 */
export const hourOf = (column: string) =>
  `fromUnixTimestamp64Milli(toInt64(floor(toUnixTimestamp64Milli(${column}) / ${HOUR_MS})) * ${HOUR_MS}, 'UTC')`

/**
 * How many audits each hour holds, per tenant, workspace, action and object type, kept by a
 * materialized view from every insert into `audits`. The audit UI query answers the whole hours of
 * a time range from here and scans only the hours its condition cuts (modules/audit/hour-counts.ts);
 * the same counts find the hour that holds a deep page's first record.
 *
 * Each stored audit is counted once: ingestion drops known idempotency keys before its INSERT
 * (revert audits go through it too), so `audits` never holds a row twice, and audits are never
 * deleted or updated. The view sees every INSERT block once; in a cluster it runs on the node that
 * writes the local part (an insert deduplicated by the Replicated engine skips it too) and writes
 * the local table, which replicates like any other. Counts add across shards, so the query sums over
 * the Distributed table whatever shard a count landed on.
 *
 * The migration rebuilds the counts from the audits already stored (a `createRollup`), exactly when
 * nothing writes audits while it runs: one process migrates before it serves, and nodes sharing a
 * ClickHouse migrate one at a time (docs/operations.md).
 */
const auditHourCounts: TableDef = {
  name: 'audit_hour_counts',
  columns: [
    ['tenant_id', 'UInt32'],
    ['workspace_id', 'Int64'],
    ['hour', "DateTime64(3, 'UTC')"],
    ['action_id', 'UInt16'],
    ['object_type_id', 'UInt32'],
    ['audits', 'SimpleAggregateFunction(sum, UInt64)'],
  ],
  engine: { kind: 'AggregatingMergeTree' },
  orderBy: ['tenant_id', 'workspace_id', 'hour', 'action_id', 'object_type_id'],
  // Only the fill goes through the Distributed table; the view writes each node's local one.
  shardingKey: 'cityHash64(workspace_id)',
}

export const auditHourCountTables: WarehouseMigration = {
  version: 5,
  name: 'audit-hour-counts',
  steps: [
    {
      kind: 'createRollup',
      table: auditHourCounts,
      views: [
        {
          name: 'audit_hour_counts_from_audits',
          from: 'audits',
          select: (source) =>
            `SELECT tenant_id, workspace_id, ${hourOf('timestamp')} AS hour, action_id, object_type_id, count() AS audits
             FROM ${source} GROUP BY tenant_id, workspace_id, hour, action_id, object_type_id`,
        },
      ],
    },
  ],
}
