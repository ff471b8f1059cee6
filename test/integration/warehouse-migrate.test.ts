import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderStep, type WarehouseMigration } from '../../src/store/warehouse/ddl.js'
import { migrateWarehouse, WAREHOUSE_MIGRATIONS } from '../../src/store/warehouse/migrate.js'
import { Warehouse } from '../../src/store/warehouse/warehouse.js'
import { tempDir } from '../helpers/stores.js'

/** chDB allows one data path per process: this file opens one warehouse and shares it. */
const dataDir = tempDir()
let warehouse: Warehouse
let firstRun: number[]

beforeAll(async () => {
  warehouse = await Warehouse.open({ path: path.join(dataDir, 'warehouse'), database: 'tally' })
  firstRun = await migrateWarehouse(warehouse)
})
afterAll(() => warehouse.close())

/** Every table the migrations declare, by name (single-node names: no `_local`). */
function declaredNames(): string[] {
  return WAREHOUSE_MIGRATIONS.flatMap((m) =>
    m.steps.flatMap((step) =>
      step.kind === 'createTable' || step.kind === 'createRollup' ? [step.table.name] : [],
    ),
  )
}

/** Versions from here on belong to the fixture migration below, never to the real ones. */
const FIXTURE_VERSION = 9001

/** Exercises on the real engine the steps the released migrations do not use yet. */
const fixtureMigration: WarehouseMigration = {
  version: FIXTURE_VERSION,
  name: 'fixture: alter steps',
  steps: [
    {
      kind: 'createTable',
      table: {
        name: 'fixture_events',
        columns: [
          ['tenant_id', 'UInt32'],
          ['event_id', 'UInt64'],
          ['ingest_key', 'String'],
          ['updated_at', "DateTime64(3, 'UTC') DEFAULT now64(3)"],
        ],
        engine: { kind: 'ReplacingMergeTree', version: 'updated_at' },
        orderBy: ['tenant_id', 'event_id'],
        shardingKey: 'cityHash64(event_id)',
        settings: { index_granularity: 4096 },
      },
    },
    {
      kind: 'addColumn',
      table: 'fixture_events',
      column: 'source',
      type: "LowCardinality(String) DEFAULT 'api'",
      after: 'event_id',
    },
    {
      kind: 'addIndex',
      table: 'fixture_events',
      index: 'idx_key ingest_key TYPE bloom_filter GRANULARITY 4',
    },
  ],
}

/** A full audits row; tests override what they check. Tenants keep the tests' rows apart. */
function auditRow(tenantId: number, auditId: string, ingestKey: string): Record<string, unknown> {
  return {
    tenant_id: tenantId,
    workspace_id: 1017,
    audit_id: auditId,
    timestamp: '2024-03-05T10:20:30.123Z',
    action_id: 3,
    object_type_id: 10,
    artifact_id: 1_040_001,
    artifact_name: 'Document 1',
    user_id: 9,
    user_name: 'Admin, Relativity',
    execution_time_ms: 12,
    details: '<auditElement />',
    change_field_ids: [],
    change_fields: [],
    change_old_values: [],
    change_new_values: [],
    size_bytes: 18,
    ingest_key: ingestKey,
  }
}

describe('warehouse migrations on embedded chDB', () => {
  it('applies every migration on an empty warehouse and records it', async () => {
    expect(firstRun).toEqual(WAREHOUSE_MIGRATIONS.map((m) => m.version))
    const rows = await warehouse.query<{ version: number; name: string }>({
      query:
        'SELECT version, name FROM schema_migrations FINAL WHERE version < {fixture:UInt32} ORDER BY version',
      params: { fixture: FIXTURE_VERSION },
    })
    expect(rows).toEqual(WAREHOUSE_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })))
  })

  it('applies nothing when run again', async () => {
    expect(await migrateWarehouse(warehouse)).toEqual([])
    const [count] = await warehouse.query<{ n: string }>({
      query: 'SELECT count() AS n FROM schema_migrations WHERE version < {fixture:UInt32}',
      params: { fixture: FIXTURE_VERSION },
    })
    expect(Number(count?.n)).toBe(WAREHOUSE_MIGRATIONS.length)
  })

  it('creates every declared table', async () => {
    const rows = await warehouse.query<{ name: string }>({
      query: 'SELECT name FROM system.tables WHERE database = {db:String}',
      params: { db: 'tally' },
    })
    const existing = new Set(rows.map((r) => r.name))
    for (const name of [...declaredNames(), 'schema_migrations']) expect(existing, name).toContain(name)
  })

  it('creates the tables with the fsync settings that back the ingestion durability promise', async () => {
    const [audits] = await warehouse.query<{ engine_full: string }>({
      query: "SELECT engine_full FROM system.tables WHERE database = 'tally' AND name = 'audits'",
    })
    expect(audits?.engine_full).toContain('fsync_after_insert = 1')
    expect(audits?.engine_full).toContain('fsync_part_directory = 1')
  })
})

describe('cluster-mode DDL', () => {
  it('parses in the real engine: every statement of every migration, through EXPLAIN AST', async () => {
    // chDB has no Keeper or remote_servers, so ON CLUSTER cannot run here; the parser still checks
    // every clause the renderer emits (ON CLUSTER, Replicated engine arguments, Distributed AS).
    const statements = WAREHOUSE_MIGRATIONS.flatMap((m) =>
      m.steps.flatMap((step) => renderStep(step, { database: 'tally', cluster: 'main' })),
    )
    const failures: string[] = []
    for (const sql of statements) {
      await warehouse.query({ query: `EXPLAIN AST ${sql}` }).catch((error: unknown) => {
        failures.push(`${sql.split('\n')[0]}: ${String(error)}`)
      })
    }
    expect(failures).toEqual([])
    expect(statements.length).toBeGreaterThan(0)
  })
})

describe('row shapes', () => {
  it('returns UInt64 as a string, exact beyond 2^53, because 64-bit integers are quoted', async () => {
    const big = '18446744073709551615'
    await warehouse.insert('audits', [auditRow(503, big, '')])
    const [row] = await warehouse.query<{ audit_id: unknown }>({
      query: 'SELECT audit_id FROM audits WHERE tenant_id = {tenant:UInt32}',
      params: { tenant: 503 },
    })
    expect(row?.audit_id).toBe(big)
  })

  it('would return a JSON number without the setting (the contrast the setting exists for)', async () => {
    const [row] = await warehouse.query<{ n: unknown }>({
      query: 'SELECT toUInt64(42) AS n SETTINGS output_format_json_quote_64bit_integers = 0',
    })
    expect(row?.n).toBe(42)
    const [quoted] = await warehouse.query<{ n: unknown }>({ query: 'SELECT toUInt64(42) AS n' })
    expect(quoted?.n).toBe('42')
  })
})

describe('a later migration with ALTER steps', () => {
  it('applies only the new migration, adds the column where asked and the index, then applies nothing', async () => {
    const migrations = [...WAREHOUSE_MIGRATIONS, fixtureMigration]
    expect(await migrateWarehouse(warehouse, migrations)).toEqual([FIXTURE_VERSION])
    expect(await migrateWarehouse(warehouse, migrations)).toEqual([])

    const columns = await warehouse.query<{ name: string }>({
      query:
        "SELECT name FROM system.columns WHERE database = 'tally' AND table = 'fixture_events' ORDER BY position",
    })
    expect(columns.map((c) => c.name)).toEqual([
      'tenant_id',
      'event_id',
      'source',
      'ingest_key',
      'updated_at',
    ])
    const indexes = await warehouse.query<{ name: string; type: string }>({
      query:
        "SELECT name, type FROM system.data_skipping_indices WHERE database = 'tally' AND table = 'fixture_events'",
    })
    expect(indexes).toEqual([{ name: 'idx_key', type: 'bloom_filter' }])
  })

  it('fills the added column with its default on insert', async () => {
    await warehouse.insert('fixture_events', [{ tenant_id: 1, event_id: 7, ingest_key: 'k' }])
    const rows = await warehouse.query({ query: 'SELECT event_id, source FROM fixture_events FINAL' })
    expect(rows).toEqual([{ event_id: '7', source: 'api' }])
  })
})

describe('client lifetimes, kept by materialized views', () => {
  const lifetimes = (tenant: number) =>
    warehouse.query<{ client_id: string; first: string; last: string }>({
      query: `SELECT client_id, toString(min(first_active)) AS first, toString(max(last_active)) AS last
              FROM usage_client_lifetimes WHERE tenant_id = {tenant:UInt32} GROUP BY client_id ORDER BY client_id`,
      params: { tenant },
    })
  const session = (tenant: number, client: string, at: string) => ({
    tenant_id: tenant,
    product_id: 7,
    client_id: client,
    session_id: at,
    started_at: at,
    ended_at: at,
    runtime_seconds: 0,
    ingest_key: '',
  })
  const event = (tenant: number, client: string, at: string) => ({
    tenant_id: tenant,
    product_id: 7,
    client_id: client,
    session_id: '',
    timestamp: at,
    category: 'File',
    name: 'Open',
    value: null,
    ingest_key: '',
  })

  it('takes the first and last active day of each client from sessions and events as they are inserted', async () => {
    await warehouse.insert('usage_sessions', [
      session(701, 'a', '2024-03-05 10:00:00.000'),
      session(701, 'a', '2024-03-01 23:59:59.999'),
    ])
    await warehouse.insert('usage_events', [
      event(701, 'a', '2024-04-02 00:00:00.000'),
      event(701, 'b', '2024-02-10 08:00:00.000'),
    ])
    expect(await lifetimes(701)).toEqual([
      { client_id: 'a', first: '2024-03-01', last: '2024-04-02' },
      { client_id: 'b', first: '2024-02-10', last: '2024-02-10' },
    ])
  })

  it('fills from the rows already stored when the migration runs, and a second fill changes nothing', async () => {
    // Rows the views never saw, as if stored before the migration.
    await warehouse.command({ query: 'DETACH TABLE usage_client_lifetimes_from_sessions' })
    await warehouse.insert('usage_sessions', [session(702, 'c', '2024-05-01 00:00:00.000')])
    await warehouse.command({ query: 'ATTACH TABLE usage_client_lifetimes_from_sessions' })
    expect(await lifetimes(702)).toEqual([])
    const steps = WAREHOUSE_MIGRATIONS.flatMap((m) => m.steps).filter(
      (step) => step.kind === 'createMaterializedView',
    )
    for (let run = 0; run < 2; run++) {
      for (const step of steps)
        for (const sql of renderStep(step, { database: 'tally' })) await warehouse.command({ query: sql })
    }
    expect(await lifetimes(702)).toEqual([{ client_id: 'c', first: '2024-05-01', last: '2024-05-01' }])
    expect(await lifetimes(701)).toHaveLength(2)
  })
})

describe('usage rollups, rebuilt by their migration', () => {
  const clientDays = (tenant: number) =>
    warehouse.query<{ day: string; sessions: string; runtime: string }>({
      query: `SELECT toString(day) AS day, sum(sessions) AS sessions, sum(runtime_seconds) AS runtime
              FROM usage_client_days WHERE tenant_id = {tenant:UInt32} GROUP BY day ORDER BY day`,
      params: { tenant },
    })
  const session = (client: string, at: string, runtime: number) => ({
    tenant_id: 703,
    product_id: 7,
    client_id: client,
    session_id: `${client}-${at}`,
    started_at: at,
    ended_at: at,
    runtime_seconds: runtime,
    ingest_key: '',
  })
  const usageRollups = () => {
    const migration = WAREHOUSE_MIGRATIONS.find((m) => m.name === 'usage-rollups')
    if (!migration) throw new Error('the usage rollups migration is missing')
    return migration.steps
  }

  it('counts the rows stored before it once, however often it runs, and the views add what follows', async () => {
    // Rows the views never saw, as if stored before the migration.
    await warehouse.command({ query: 'DETACH TABLE usage_client_days_from_sessions' })
    await warehouse.insert('usage_sessions', [
      session('a', '2024-06-01 10:00:00.000', 60),
      session('b', '2024-06-01 11:00:00.000', 30),
    ])
    await warehouse.command({ query: 'ATTACH TABLE usage_client_days_from_sessions' })
    expect(await clientDays(703)).toEqual([])
    for (let run = 0; run < 2; run++)
      for (const step of usageRollups())
        for (const sql of renderStep(step, { database: 'tally' })) await warehouse.command({ query: sql })
    expect(await clientDays(703)).toEqual([{ day: '2024-06-01', sessions: '2', runtime: '90' }])
    await warehouse.insert('usage_sessions', [session('a', '2024-06-02 09:00:00.000', 15)])
    expect(await clientDays(703)).toEqual([
      { day: '2024-06-01', sessions: '2', runtime: '90' },
      { day: '2024-06-02', sessions: '1', runtime: '15' },
    ])
  })
})
