import type { TableDef, WarehouseMigration } from '../ddl.js'

/**
 * Per-client rollups of product sessions and tracked events, kept by materialized views as rows
 * are inserted, so the usage intelligence reports read a few compact rows per client and day
 * instead of every session and event (docs: bench/README.md, "Usage intelligence").
 *
 * - `usage_client_days`: a client's sessions started and their runtime per UTC day, and a row for
 *   every day it had an event: its active days.
 * - `usage_event_days`: occurrences of each event per client and day, with the sum and count of
 *   the values they carried.
 * - `usage_event_totals`: occurrences of each event per client over all time (lifetime reports).
 *
 * Clients are keyed by `cityHash64(client_id)`, as the reports join them. That key is also the
 * sharding key: a client's rollup rows live on the shard of its sessions and events, which each
 * node's views read locally. Rows of one key add up as parts merge; queries still sum by key.
 *
 * These targets sum, so unlike the lifetimes (0003) a row counted twice would count twice. The
 * views see each stored row once: ingestion drops an event whose id is already stored before it
 * inserts anything. The migration rebuilds them from the rows already stored (`createRollup`),
 * exactly when nothing is ingested while it runs (docs/operations.md, "Upgrades and migrations").
 */

const ROLLUP = { shardingKey: 'client_key' } as const
const PRODUCT = [
  ['tenant_id', 'UInt32'],
  ['product_id', 'UInt32'],
] as const
const sum = (type: string) => `SimpleAggregateFunction(sum, ${type})`

const clientDays: TableDef = {
  name: 'usage_client_days',
  columns: [
    ...PRODUCT,
    ['day', 'Date'],
    ['client_key', 'UInt64'],
    ['sessions', sum('UInt64')],
    ['runtime_seconds', sum('UInt64')],
  ],
  engine: { kind: 'AggregatingMergeTree' },
  partitionBy: 'toYYYYMM(day)',
  orderBy: ['tenant_id', 'product_id', 'day', 'client_key'],
  ...ROLLUP,
}

// Category and name lead the key: the timeline, advanced and histogram reports read a few events.
const eventDays: TableDef = {
  name: 'usage_event_days',
  columns: [
    ...PRODUCT,
    ['category', 'LowCardinality(String)'],
    ['name', 'LowCardinality(String)'],
    ['day', 'Date'],
    ['client_key', 'UInt64'],
    ['occurrences', sum('UInt64')],
    ['value_sum', sum('Float64')],
    ['value_count', sum('UInt64')],
  ],
  engine: { kind: 'AggregatingMergeTree' },
  partitionBy: 'toYYYYMM(day)',
  orderBy: ['tenant_id', 'product_id', 'category', 'name', 'day', 'client_key'],
  ...ROLLUP,
}

const eventTotals: TableDef = {
  name: 'usage_event_totals',
  columns: [
    ...PRODUCT,
    ['category', 'LowCardinality(String)'],
    ['name', 'LowCardinality(String)'],
    ['client_key', 'UInt64'],
    ['occurrences', sum('UInt64')],
  ],
  engine: { kind: 'AggregatingMergeTree' },
  orderBy: ['tenant_id', 'product_id', 'category', 'name', 'client_key'],
  ...ROLLUP,
}

const CLIENT_KEY = 'cityHash64(client_id) AS client_key'

export const usageRollupTables: WarehouseMigration = {
  version: 4,
  name: 'usage-rollups',
  steps: [
    {
      kind: 'createRollup',
      table: clientDays,
      views: [
        {
          name: 'usage_client_days_from_sessions',
          from: 'usage_sessions',
          select: (source) =>
            `SELECT tenant_id, product_id, toDate(started_at) AS day, ${CLIENT_KEY},
                    count() AS sessions, sum(runtime_seconds) AS runtime_seconds
             FROM ${source} GROUP BY tenant_id, product_id, day, client_key`,
        },
        {
          name: 'usage_client_days_from_events',
          from: 'usage_events',
          select: (source) =>
            `SELECT tenant_id, product_id, toDate(timestamp) AS day, ${CLIENT_KEY},
                    toUInt64(0) AS sessions, toUInt64(0) AS runtime_seconds
             FROM ${source} GROUP BY tenant_id, product_id, day, client_key`,
        },
      ],
    },
    {
      kind: 'createRollup',
      table: eventDays,
      views: [
        {
          name: 'usage_event_days_from_events',
          from: 'usage_events',
          select: (source) =>
            `SELECT tenant_id, product_id, category, name, toDate(timestamp) AS day, ${CLIENT_KEY},
                    count() AS occurrences, sum(ifNull(value, 0)) AS value_sum, count(value) AS value_count
             FROM ${source} GROUP BY tenant_id, product_id, category, name, day, client_key`,
        },
      ],
    },
    {
      kind: 'createRollup',
      table: eventTotals,
      views: [
        {
          name: 'usage_event_totals_from_events',
          from: 'usage_events',
          select: (source) =>
            `SELECT tenant_id, product_id, category, name, ${CLIENT_KEY}, count() AS occurrences
             FROM ${source} GROUP BY tenant_id, product_id, category, name, client_key`,
        },
      ],
    },
  ],
}
