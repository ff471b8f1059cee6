import { describe, expect, it } from 'vitest'
import { renderStep, type DdlTarget, type SchemaStep, type TableDef } from '../../src/store/warehouse/ddl.js'
import { WAREHOUSE_MIGRATIONS } from '../../src/store/warehouse/migrate.js'

const SINGLE: DdlTarget = { database: 'tally' }
const CLUSTER: DdlTarget = { database: 'tally', cluster: 'main' }

/** A small MergeTree table with everything the renderer can emit: partition, order, indexes. */
const events: TableDef = {
  name: 'events',
  columns: [
    ['tenant_id', 'UInt32'],
    ['timestamp', "DateTime64(3, 'UTC')"],
    ['event_id', 'UInt64'],
    ['ingest_key', 'String'],
  ],
  engine: { kind: 'MergeTree' },
  partitionBy: 'toYYYYMM(timestamp)',
  orderBy: ['tenant_id', 'timestamp'],
  indexes: ['idx_event event_id TYPE minmax GRANULARITY 1'],
  shardingKey: 'cityHash64(event_id)',
}

const clients: TableDef = {
  name: 'clients',
  columns: [
    ['tenant_id', 'UInt32'],
    ['client_id', 'String'],
    ['updated_at', "DateTime64(3, 'UTC') DEFAULT now64(3)"],
  ],
  engine: { kind: 'ReplacingMergeTree', version: 'updated_at' },
  orderBy: ['tenant_id', 'client_id'],
  shardingKey: 'cityHash64(client_id)',
  settings: { index_granularity: 4096, storage_policy: 'hot' },
}

const EVENTS_BODY = `(
  tenant_id UInt32,
  timestamp DateTime64(3, 'UTC'),
  event_id UInt64,
  ingest_key String,
  INDEX idx_event event_id TYPE minmax GRANULARITY 1
)`

const CLIENTS_BODY = `(
  tenant_id UInt32,
  client_id String,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)`

const FSYNC = 'fsync_after_insert = 1, fsync_part_directory = 1'

interface Case {
  name: string
  step: SchemaStep
  target: DdlTarget
  sql: string[]
}

const cases: readonly Case[] = [
  {
    name: 'MergeTree table, single node',
    step: { kind: 'createTable', table: events },
    target: SINGLE,
    sql: [
      `CREATE TABLE IF NOT EXISTS tally.events
${EVENTS_BODY}
ENGINE = MergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, timestamp)
SETTINGS ${FSYNC}`,
    ],
  },
  {
    name: 'MergeTree table, cluster: replicated local table then Distributed',
    step: { kind: 'createTable', table: events },
    target: CLUSTER,
    sql: [
      `CREATE TABLE IF NOT EXISTS tally.events_local ON CLUSTER 'main'
${EVENTS_BODY}
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/tally/events_local', '{replica}')
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, timestamp)
SETTINGS ${FSYNC}`,
      `CREATE TABLE IF NOT EXISTS tally.events ON CLUSTER 'main' AS tally.events_local
ENGINE = Distributed('main', 'tally', 'events_local', cityHash64(event_id))`,
    ],
  },
  {
    name: 'ReplacingMergeTree with a version column and table settings, single node',
    step: { kind: 'createTable', table: clients },
    target: SINGLE,
    sql: [
      `CREATE TABLE IF NOT EXISTS tally.clients
${CLIENTS_BODY}
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, client_id)
SETTINGS ${FSYNC}, index_granularity = 4096, storage_policy = 'hot'`,
    ],
  },
  {
    name: 'ReplacingMergeTree with a version column, cluster',
    step: { kind: 'createTable', table: clients },
    target: CLUSTER,
    sql: [
      `CREATE TABLE IF NOT EXISTS tally.clients_local ON CLUSTER 'main'
${CLIENTS_BODY}
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/tally/clients_local', '{replica}', updated_at)
ORDER BY (tenant_id, client_id)
SETTINGS ${FSYNC}, index_granularity = 4096, storage_policy = 'hot'`,
      `CREATE TABLE IF NOT EXISTS tally.clients ON CLUSTER 'main' AS tally.clients_local
ENGINE = Distributed('main', 'tally', 'clients_local', cityHash64(client_id))`,
    ],
  },
  {
    name: 'ReplacingMergeTree without a version column, single node',
    step: {
      kind: 'createTable',
      table: { ...clients, engine: { kind: 'ReplacingMergeTree' }, settings: undefined },
    },
    target: SINGLE,
    sql: [
      `CREATE TABLE IF NOT EXISTS tally.clients
${CLIENTS_BODY}
ENGINE = ReplacingMergeTree()
ORDER BY (tenant_id, client_id)
SETTINGS ${FSYNC}`,
    ],
  },
  {
    name: 'ReplacingMergeTree without a version column, cluster',
    step: {
      kind: 'createTable',
      table: { ...clients, engine: { kind: 'ReplacingMergeTree' }, settings: undefined },
    },
    target: CLUSTER,
    sql: [
      `CREATE TABLE IF NOT EXISTS tally.clients_local ON CLUSTER 'main'
${CLIENTS_BODY}
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/tally/clients_local', '{replica}')
ORDER BY (tenant_id, client_id)
SETTINGS ${FSYNC}`,
      `CREATE TABLE IF NOT EXISTS tally.clients ON CLUSTER 'main' AS tally.clients_local
ENGINE = Distributed('main', 'tally', 'clients_local', cityHash64(client_id))`,
    ],
  },
  {
    name: 'addColumn, single node: one ALTER',
    step: { kind: 'addColumn', table: 'events', column: 'source', type: "LowCardinality(String) DEFAULT ''" },
    target: SINGLE,
    sql: [`ALTER TABLE tally.events ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT ''`],
  },
  {
    name: 'addColumn with AFTER, cluster: the local table first, then the Distributed one',
    step: { kind: 'addColumn', table: 'events', column: 'source', type: 'String', after: 'event_id' },
    target: CLUSTER,
    sql: [
      `ALTER TABLE tally.events_local ON CLUSTER 'main' ADD COLUMN IF NOT EXISTS source String AFTER event_id`,
      `ALTER TABLE tally.events ON CLUSTER 'main' ADD COLUMN IF NOT EXISTS source String AFTER event_id`,
    ],
  },
  {
    name: 'addIndex, single node',
    step: { kind: 'addIndex', table: 'events', index: 'idx_key ingest_key TYPE bloom_filter GRANULARITY 4' },
    target: SINGLE,
    sql: [
      `ALTER TABLE tally.events ADD INDEX IF NOT EXISTS idx_key ingest_key TYPE bloom_filter GRANULARITY 4`,
    ],
  },
  {
    name: 'addIndex, cluster: only the local table holds data to index',
    step: { kind: 'addIndex', table: 'events', index: 'idx_key ingest_key TYPE bloom_filter GRANULARITY 4' },
    target: CLUSTER,
    sql: [
      `ALTER TABLE tally.events_local ON CLUSTER 'main' ADD INDEX IF NOT EXISTS idx_key ingest_key TYPE bloom_filter GRANULARITY 4`,
    ],
  },
]

describe('renderStep', () => {
  it.each(cases)('$name', ({ step, target, sql }) => {
    expect(renderStep(step, target)).toEqual(sql)
  })
})

/** Everything WAREHOUSE_MIGRATIONS renders in cluster mode, in the order the runner applies it. */
function renderAllForCluster(): string[] {
  return WAREHOUSE_MIGRATIONS.flatMap((m) => m.steps.flatMap((step) => renderStep(step, CLUSTER)))
}

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\S+)/
const DISTRIBUTED = /ENGINE = Distributed\('([^']+)', '([^']+)', '([^']+)', (.+)\)$/
const MERGE_TREE_ENGINE = /ENGINE = (\w*MergeTree)\(/

describe('every migration rendered for a cluster', () => {
  const statements = renderAllForCluster()

  it('renders statements', () => {
    expect(WAREHOUSE_MIGRATIONS.length).toBeGreaterThan(0)
    expect(statements.length).toBeGreaterThan(0)
  })

  it('never renders undefined, NaN or [object …]', () => {
    for (const sql of statements) expect(sql).not.toMatch(/undefined|NaN|\[object /)
  })

  it('runs every CREATE and ALTER ON CLUSTER', () => {
    for (const sql of statements) {
      if (/^(CREATE|ALTER)\b/.test(sql)) expect(sql.split('\n')[0]).toContain(" ON CLUSTER 'main'")
    }
  })

  it('makes every MergeTree engine Replicated, with the shard and replica macros', () => {
    const engines = statements.flatMap((sql) => {
      const match = MERGE_TREE_ENGINE.exec(sql)
      return match ? [{ sql, engine: match[1] }] : []
    })
    expect(engines.length).toBeGreaterThan(0)
    for (const { sql, engine } of engines) {
      expect(engine).toMatch(/^Replicated/)
      const local = CREATE_TABLE.exec(sql)?.[1] ?? ''
      expect(local).toMatch(/^tally\.\w+_local$/)
      expect(sql).toContain(`('/clickhouse/tables/{shard}/${local.replace('.', '/')}', '{replica}'`)
    }
  })

  it('points every Distributed table at a _local table created before it, with the same base name', () => {
    const created = new Set<string>()
    let distributed = 0
    for (const sql of statements) {
      const name = CREATE_TABLE.exec(sql)?.[1]
      const target = DISTRIBUTED.exec(sql)
      if (target) {
        distributed++
        const [, cluster, database, local, shardingKey] = target
        expect([cluster, database]).toEqual(['main', 'tally'])
        expect(local).toBe(`${name?.slice('tally.'.length)}_local`)
        expect(created.has(`${database}.${local}`), `${local} created before ${name}`).toBe(true)
        expect(sql).toContain(` AS tally.${local}\n`)
        expect(shardingKey?.trim()).not.toBe('')
      }
      if (name) created.add(name)
    }
    expect(distributed).toBeGreaterThan(0)
  })

  it('gives every local table a Distributed table of the same base name', () => {
    const names = statements.flatMap((sql) => CREATE_TABLE.exec(sql)?.[1] ?? [])
    const locals = names.filter((n) => n.endsWith('_local'))
    const globals = new Set(names.filter((n) => !n.endsWith('_local')))
    expect(locals.length).toBe(globals.size)
    for (const local of locals) expect(globals.has(local.slice(0, -'_local'.length))).toBe(true)
  })

  it('creates each table once', () => {
    const names = statements.flatMap((sql) => CREATE_TABLE.exec(sql)?.[1] ?? [])
    expect(new Set(names).size).toBe(names.length)
  })
})

describe('materialized views', () => {
  const view: SchemaStep = {
    kind: 'createMaterializedView',
    name: 'events_daily_from_events',
    from: 'events',
    to: 'events_daily',
    select: (source) => `SELECT tenant_id, toDate(timestamp) AS day FROM ${source}`,
  }

  it('creates the view over the source and fills the target from the rows already there', () => {
    expect(renderStep(view, SINGLE)).toEqual([
      'CREATE MATERIALIZED VIEW IF NOT EXISTS tally.events_daily_from_events TO tally.events_daily\nAS SELECT tenant_id, toDate(timestamp) AS day FROM tally.events',
      'INSERT INTO tally.events_daily SELECT tenant_id, toDate(timestamp) AS day FROM tally.events',
    ])
  })

  it('in a cluster, reads each node’s local source into its local target, and fills through the Distributed tables', () => {
    expect(renderStep(view, CLUSTER)).toEqual([
      "CREATE MATERIALIZED VIEW IF NOT EXISTS tally.events_daily_from_events ON CLUSTER 'main' TO tally.events_daily_local\nAS SELECT tenant_id, toDate(timestamp) AS day FROM tally.events_local",
      'INSERT INTO tally.events_daily SELECT tenant_id, toDate(timestamp) AS day FROM tally.events',
    ])
  })
})

describe('rollups', () => {
  const daily: TableDef = {
    name: 'events_daily',
    columns: [
      ['tenant_id', 'UInt32'],
      ['day', 'Date'],
      ['events', 'SimpleAggregateFunction(sum, UInt64)'],
    ],
    engine: { kind: 'AggregatingMergeTree' },
    orderBy: ['tenant_id', 'day'],
    shardingKey: 'tenant_id',
  }
  const rollup: SchemaStep = {
    kind: 'createRollup',
    table: daily,
    views: ['events', 'archived_events'].map((from) => ({
      name: `events_daily_from_${from}`,
      from,
      select: (source) =>
        `SELECT tenant_id, toDate(timestamp) AS day, count() AS events FROM ${source} GROUP BY tenant_id, day`,
    })),
  }

  it('creates the table and every view, then empties the table before each source fills it', () => {
    const statements = renderStep(rollup, SINGLE)
    expect(statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS tally\.events_daily\n/)
    expect(statements.slice(1)).toEqual([
      'CREATE MATERIALIZED VIEW IF NOT EXISTS tally.events_daily_from_events TO tally.events_daily\nAS SELECT tenant_id, toDate(timestamp) AS day, count() AS events FROM tally.events GROUP BY tenant_id, day',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS tally.events_daily_from_archived_events TO tally.events_daily\nAS SELECT tenant_id, toDate(timestamp) AS day, count() AS events FROM tally.archived_events GROUP BY tenant_id, day',
      'TRUNCATE TABLE IF EXISTS tally.events_daily',
      'INSERT INTO tally.events_daily SELECT tenant_id, toDate(timestamp) AS day, count() AS events FROM tally.events GROUP BY tenant_id, day',
      'INSERT INTO tally.events_daily SELECT tenant_id, toDate(timestamp) AS day, count() AS events FROM tally.archived_events GROUP BY tenant_id, day',
    ])
  })

  it('in a cluster, empties every node’s local table and fills through the Distributed tables', () => {
    const statements = renderStep(rollup, CLUSTER)
    expect(statements[1]).toMatch(
      /^CREATE TABLE IF NOT EXISTS tally\.events_daily ON CLUSTER 'main' AS tally\.events_daily_local/,
    )
    expect(statements[2]).toContain('TO tally.events_daily_local\nAS SELECT')
    expect(statements[2]).toContain('FROM tally.events_local GROUP BY')
    expect(statements[4]).toBe("TRUNCATE TABLE IF EXISTS tally.events_daily_local ON CLUSTER 'main'")
    expect(statements[5]).toContain('INSERT INTO tally.events_daily SELECT')
    expect(statements[5]).toContain('FROM tally.events GROUP BY')
  })
})
