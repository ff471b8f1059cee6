import type { SchemaStep, TableDef, WarehouseMigration } from '../ddl.js'

/**
 * Event tables. ORDER BY leads with tenant, then workspace or product, then time: every documented
 * report filters by those first. Monthly partitions keep a time-range scan to the months it needs.
 * `ingest_key` holds the optional idempotency key each event may carry ('' when absent); with the
 * time index it lets a retried batch find which of its events are already stored (see ingest).
 */
const UTC_MS = "DateTime64(3, 'UTC')"
const INGESTED = ['ingested_at', `${UTC_MS} DEFAULT now64(3)`] as const
const KEY = ['ingest_key', 'String'] as const

/** Finds a retried batch's events: by time range first (granule min/max), then by key. */
const keyIndexes = (timeColumn: string) => [
  `idx_time ${timeColumn} TYPE minmax GRANULARITY 1`,
  'idx_key ingest_key TYPE bloom_filter GRANULARITY 4',
]

const audits: TableDef = {
  name: 'audits',
  columns: [
    ['tenant_id', 'UInt32'],
    ['workspace_id', 'Int64'],
    ['audit_id', 'UInt64'],
    ['timestamp', UTC_MS],
    ['action_id', 'UInt16'],
    ['object_type_id', 'UInt32'],
    ['artifact_id', 'Int64'],
    ['artifact_name', 'String'],
    ['user_id', 'Int64'],
    ['user_name', 'LowCardinality(String)'],
    ['execution_time_ms', 'UInt32'],
    ['details', 'String'],
    ['change_field_ids', 'Array(Int64)'],
    ['change_fields', 'Array(LowCardinality(String))'],
    ['change_old_values', 'Array(Nullable(String))'],
    ['change_new_values', 'Array(Nullable(String))'],
    ['size_bytes', 'UInt32'],
    KEY,
    INGESTED,
  ],
  engine: { kind: 'MergeTree' },
  partitionBy: 'toYYYYMM(timestamp)',
  orderBy: ['tenant_id', 'workspace_id', 'timestamp', 'audit_id'],
  indexes: [
    'idx_audit_id audit_id TYPE minmax GRANULARITY 1',
    'idx_artifact artifact_id TYPE bloom_filter GRANULARITY 4',
    ...keyIndexes('timestamp'),
  ],
  shardingKey: 'cityHash64(audit_id)',
}

const documents: TableDef = {
  name: 'documents',
  columns: [
    ['tenant_id', 'UInt32'],
    ['workspace_id', 'Int64'],
    ['artifact_id', 'Int64'],
    ['control_number', 'String'],
    ['extracted_text_bytes', 'UInt64'],
    ['updated_at', `${UTC_MS} DEFAULT now64(3)`],
  ],
  engine: { kind: 'ReplacingMergeTree', version: 'updated_at' },
  orderBy: ['tenant_id', 'workspace_id', 'artifact_id'],
  shardingKey: 'cityHash64(workspace_id, artifact_id)',
}

/** A product installation and its properties; the newest row per client wins. */
const usageClients: TableDef = {
  name: 'usage_clients',
  columns: [
    ['tenant_id', 'UInt32'],
    ['product_id', 'UInt32'],
    ['client_id', 'String'],
    ['product_version', 'LowCardinality(String)'],
    ['edition', 'LowCardinality(String)'],
    ['license_type', 'LowCardinality(String)'],
    ['license_key', 'String'],
    ['os', 'LowCardinality(String)'],
    ['language', 'LowCardinality(String)'],
    ['country', 'LowCardinality(String)'],
    ['region', 'LowCardinality(String)'],
    ['installed_at', UTC_MS],
    ['properties', 'Map(String, String)'],
    ['updated_at', `${UTC_MS} DEFAULT now64(3)`],
  ],
  engine: { kind: 'ReplacingMergeTree', version: 'updated_at' },
  orderBy: ['tenant_id', 'product_id', 'client_id'],
  shardingKey: 'cityHash64(client_id)',
}

/** Tables of one product's clients share their shape's head: tenant, product, client, session. */
function productStream(name: string, timeColumn: string, columns: TableDef['columns']): TableDef {
  return {
    name,
    columns: [
      ['tenant_id', 'UInt32'],
      ['product_id', 'UInt32'],
      ['client_id', 'String'],
      ['session_id', 'String'],
      ...columns,
      KEY,
      INGESTED,
    ],
    engine: { kind: 'MergeTree' },
    partitionBy: `toYYYYMM(${timeColumn})`,
    orderBy: ['tenant_id', 'product_id', timeColumn, 'client_id'],
    indexes: keyIndexes(timeColumn),
    shardingKey: 'cityHash64(client_id)',
  }
}

const usageSessions = productStream('usage_sessions', 'started_at', [
  ['started_at', UTC_MS],
  ['ended_at', UTC_MS],
  ['runtime_seconds', 'UInt32'],
])
const usageEvents = productStream('usage_events', 'timestamp', [
  ['timestamp', UTC_MS],
  ['category', 'LowCardinality(String)'],
  ['name', 'LowCardinality(String)'],
  ['value', 'Nullable(Float64)'],
])
const usageCustomEvents = productStream('usage_custom_events', 'timestamp', [
  ['timestamp', UTC_MS],
  ['name', 'LowCardinality(String)'],
  ['data', 'Map(String, String)'],
])
const usageExceptions = productStream('usage_exceptions', 'timestamp', [
  ['timestamp', UTC_MS],
  ['exception_type', 'LowCardinality(String)'],
  ['message', 'String'],
  ['stack_trace', 'String'],
])

/** Finance streams of the report data API: ordered by time, which is how every report reads them. */
function financeStream(name: string, columns: TableDef['columns']): TableDef {
  return {
    name,
    columns: [['tenant_id', 'UInt32'], ['timestamp', UTC_MS], ...columns, KEY, INGESTED],
    engine: { kind: 'MergeTree' },
    partitionBy: 'toYYYYMM(timestamp)',
    orderBy: ['tenant_id', 'timestamp'],
    indexes: keyIndexes('timestamp'),
    shardingKey: 'rand()',
  }
}

const SCOPE = [
  ['folder', 'LowCardinality(String)'],
  ['service', 'LowCardinality(String)'],
] as const
const MEASURE = [
  ['quantity', 'Float64'],
  ['unit', 'LowCardinality(String)'],
  ['credits', 'Decimal(18, 4)'],
] as const

const creditTransactions = financeStream('credit_transactions', [
  ['transaction_id', 'String'],
  ['transaction_type', 'LowCardinality(String)'],
  ['credits', 'Decimal(18, 4)'],
  ['hosting_type', 'LowCardinality(String)'],
  ['product_name', 'LowCardinality(String)'],
  ['product_code', 'LowCardinality(String)'],
  ['user', 'String'],
  ...SCOPE,
  ['credits_agreement_id', 'LowCardinality(String)'],
  ['description', 'String'],
])
const userUsage = financeStream('user_usage', [['user', 'String'], ...SCOPE, ...MEASURE])
const serviceUsage = financeStream('service_usage', [...SCOPE, ...MEASURE])
const resourceUsage = financeStream('resource_usage', [
  ...SCOPE,
  ['resource_id', 'String'],
  ['resource_name', 'String'],
  ['resource_type', 'LowCardinality(String)'],
  ...MEASURE,
])
const serviceAudits = financeStream('service_audits', [
  ['user', 'String'],
  ['operation', 'LowCardinality(String)'],
  ...SCOPE,
  ['function', 'LowCardinality(String)'],
  ['target', 'String'],
  ['details', 'String'],
])

/** Integration activity for the usage export: what was synced, and which users were seen where. */
const syncActivity: TableDef = {
  name: 'sync_activity',
  columns: [
    ['tenant_id', 'UInt32'],
    ['timestamp', UTC_MS],
    ['integration_id', 'String'],
    ['source_system', 'LowCardinality(String)'],
    ['target_system', 'LowCardinality(String)'],
    ['source_project', 'String'],
    ['target_project', 'String'],
    ['entity_type', 'LowCardinality(String)'],
    ['entity_id', 'String'],
    ['outcome', 'LowCardinality(String)'],
    KEY,
    INGESTED,
  ],
  engine: { kind: 'MergeTree' },
  partitionBy: 'toYYYYMM(timestamp)',
  orderBy: ['tenant_id', 'timestamp', 'integration_id'],
  indexes: keyIndexes('timestamp'),
  shardingKey: 'cityHash64(integration_id)',
}

const userObservations: TableDef = {
  name: 'user_observations',
  columns: [
    ['tenant_id', 'UInt32'],
    ['timestamp', UTC_MS],
    ['integration_id', 'String'],
    ['system', 'LowCardinality(String)'],
    ['email', 'String'],
    ['username', 'String'],
    ['display_name', 'String'],
    ['interaction_type', 'LowCardinality(String)'],
    ['is_service_account', 'Bool'],
    KEY,
    INGESTED,
  ],
  engine: { kind: 'MergeTree' },
  partitionBy: 'toYYYYMM(timestamp)',
  orderBy: ['tenant_id', 'timestamp', 'system'],
  indexes: keyIndexes('timestamp'),
  shardingKey: 'cityHash64(lower(email), lower(username))',
}

/** Materialized report results (usage reports): stable pages and downloads after later ingestion. */
const reportRows: TableDef = {
  name: 'report_rows',
  columns: [
    ['tenant_id', 'UInt32'],
    ['report_id', 'String'],
    ['run_id', 'String'],
    ['row_number', 'UInt64'],
    ['values', 'String'],
  ],
  engine: { kind: 'MergeTree' },
  orderBy: ['tenant_id', 'report_id', 'run_id', 'row_number'],
  shardingKey: 'cityHash64(report_id)',
}

/**
 * Idempotency keys of stored events, written after their events (never before: a key must not
 * outlive a failed insert of its event). Ordered by key for point lookups.
 */
const ingestKeys: TableDef = {
  name: 'ingest_keys',
  columns: [
    ['tenant_id', 'UInt32'],
    ['stream', 'LowCardinality(String)'],
    ['key', 'String'],
  ],
  engine: { kind: 'ReplacingMergeTree' },
  orderBy: ['tenant_id', 'stream', 'key'],
  shardingKey: 'cityHash64(key)',
}

export const eventTables: WarehouseMigration = {
  version: 1,
  name: 'event tables',
  steps: [
    ...[
      audits,
      documents,
      usageClients,
      usageSessions,
      usageEvents,
      usageCustomEvents,
      usageExceptions,
      creditTransactions,
      userUsage,
      serviceUsage,
      resourceUsage,
      serviceAudits,
      syncActivity,
      userObservations,
      reportRows,
      ingestKeys,
    ].map((table): SchemaStep => ({ kind: 'createTable', table })),
  ],
}
