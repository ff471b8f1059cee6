import type { SchemaStep, TableDef, WarehouseMigration } from '../ddl.js'

/**
 * The usage reports' own sources (docs/usage-metrics.md): a daily snapshot of each workspace's
 * volumes, and the processing-type jobs run in workspaces. Ordered like the audits: tenant,
 * workspace, time, which is how a report reads them (a workspace's months).
 */
const UTC_MS = "DateTime64(3, 'UTC')"

const workspaceUsage: TableDef = {
  name: 'workspace_usage',
  columns: [
    ['tenant_id', 'UInt32'],
    ['workspace_id', 'Int64'],
    ['snapshot_at', UTC_MS],
    ['document_count', 'UInt64'],
    ['review_bytes', 'UInt64'],
    ['repository_bytes', 'UInt64'],
    ['cold_storage_bytes', 'UInt64'],
    ['data_breach_bytes', 'UInt64'],
    ['ingest_key', 'String'],
    ['ingested_at', `${UTC_MS} DEFAULT now64(3)`],
  ],
  engine: { kind: 'MergeTree' },
  partitionBy: 'toYYYYMM(snapshot_at)',
  orderBy: ['tenant_id', 'workspace_id', 'snapshot_at'],
  indexes: [
    'idx_time snapshot_at TYPE minmax GRANULARITY 1',
    'idx_key ingest_key TYPE bloom_filter GRANULARITY 4',
  ],
  shardingKey: 'cityHash64(workspace_id)',
}

const processingJobs: TableDef = {
  name: 'processing_jobs',
  columns: [
    ['tenant_id', 'UInt32'],
    ['workspace_id', 'Int64'],
    ['completed_at', UTC_MS],
    ['job_id', 'String'],
    ['job_type', 'LowCardinality(String)'],
    ['status', 'LowCardinality(String)'],
    ['data_sources', 'UInt32'],
    ['input_bytes', 'UInt64'],
    ['document_units', 'UInt64'],
    ['pages', 'UInt64'],
    ['ingest_key', 'String'],
    ['ingested_at', `${UTC_MS} DEFAULT now64(3)`],
  ],
  engine: { kind: 'MergeTree' },
  partitionBy: 'toYYYYMM(completed_at)',
  orderBy: ['tenant_id', 'workspace_id', 'completed_at'],
  indexes: [
    'idx_time completed_at TYPE minmax GRANULARITY 1',
    'idx_key ingest_key TYPE bloom_filter GRANULARITY 4',
  ],
  shardingKey: 'cityHash64(workspace_id)',
}

export const platformUsageTables: WarehouseMigration = {
  version: 2,
  name: 'platform usage',
  steps: [workspaceUsage, processingJobs].map((table): SchemaStep => ({ kind: 'createTable', table })),
}
