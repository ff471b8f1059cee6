import type { TableDef, WarehouseMigration } from '../ddl.js'

/**
 * Each product client's first and last active day, kept by materialized views from every session
 * and tracked event as they are inserted. The usage intelligence reports about whole lifetimes
 * (new and lost clients, the lifetime reports, churn) read these 100,000s of rows instead of
 * scanning every session and event. Rows of one client merge by min and max; a query still groups
 * by client, since parts merge in the background.
 */
const clientLifetimes: TableDef = {
  name: 'usage_client_lifetimes',
  columns: [
    ['tenant_id', 'UInt32'],
    ['product_id', 'UInt32'],
    ['client_id', 'String'],
    ['first_active', 'SimpleAggregateFunction(min, Date)'],
    ['last_active', 'SimpleAggregateFunction(max, Date)'],
  ],
  engine: { kind: 'AggregatingMergeTree' },
  orderBy: ['tenant_id', 'product_id', 'client_id'],
  // The sources' key: a client's sessions, events and lifetime live on one shard.
  shardingKey: 'cityHash64(client_id)',
}

const activeDays = (timeColumn: string) => (source: string) =>
  `SELECT tenant_id, product_id, client_id, min(toDate(${timeColumn})) AS first_active, max(toDate(${timeColumn})) AS last_active
   FROM ${source} GROUP BY tenant_id, product_id, client_id`

export const clientLifetimeTables: WarehouseMigration = {
  version: 3,
  name: 'client-lifetimes',
  steps: [
    { kind: 'createTable', table: clientLifetimes },
    {
      kind: 'createMaterializedView',
      name: 'usage_client_lifetimes_from_sessions',
      from: 'usage_sessions',
      to: 'usage_client_lifetimes',
      select: activeDays('started_at'),
    },
    {
      kind: 'createMaterializedView',
      name: 'usage_client_lifetimes_from_events',
      from: 'usage_events',
      to: 'usage_client_lifetimes',
      select: activeDays('timestamp'),
    },
  ],
}
