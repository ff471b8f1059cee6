import type { TableDef, WarehouseMigration } from '../ddl.js'

/**
 * The `user-licenses` stream: each row a change of a user's license (assigned, or removed) from
 * an instant on. The usage reports rebuild each user's licensed periods from a user's changes in
 * time order (docs/usage-metrics.md), which is how the table is ordered.
 */
const UTC_MS = "DateTime64(3, 'UTC')"

const userLicenses: TableDef = {
  name: 'user_licenses',
  columns: [
    ['tenant_id', 'UInt32'],
    ['user_id', 'Int64'],
    ['effective_at', UTC_MS],
    ['change', 'LowCardinality(String)'],
    ['license_type', 'LowCardinality(String)'],
    ['ingest_key', 'String'],
    ['ingested_at', `${UTC_MS} DEFAULT now64(3)`],
  ],
  engine: { kind: 'MergeTree' },
  orderBy: ['tenant_id', 'user_id', 'effective_at'],
  indexes: [
    'idx_time effective_at TYPE minmax GRANULARITY 1',
    'idx_key ingest_key TYPE bloom_filter GRANULARITY 4',
  ],
  shardingKey: 'cityHash64(user_id)',
}

export const userLicenseTables: WarehouseMigration = {
  version: 8,
  name: 'user licenses',
  steps: [{ kind: 'createTable', table: userLicenses }],
}
