/**
 * Warehouse schema as data, rendered to DDL for one engine (chDB or a single ClickHouse server) or
 * for a cluster. One migration serves both: in cluster mode every table becomes a Replicated*MergeTree
 * `<name>_local` on each node plus a Distributed `<name>` over them, so queries never change.
 */

export interface TableDef {
  name: string
  columns: readonly (readonly [name: string, type: string])[]
  /** AggregatingMergeTree merges rows of one key by their SimpleAggregateFunction columns. */
  engine:
    | { kind: 'MergeTree' }
    | { kind: 'ReplacingMergeTree'; version?: string }
    | { kind: 'AggregatingMergeTree' }
  orderBy: readonly string[]
  partitionBy?: string
  /** Data-skipping indexes, e.g. `idx_key ingest_key TYPE bloom_filter GRANULARITY 4`. */
  indexes?: readonly string[]
  /** How the Distributed table spreads rows over shards (cluster mode only). */
  shardingKey: string
  settings?: Readonly<Record<string, string | number>>
}

export type SchemaStep =
  | { kind: 'createTable'; table: TableDef }
  | { kind: 'addColumn'; table: string; column: string; type: string; after?: string }
  | { kind: 'addIndex'; table: string; index: string }
  /**
   * A materialized view feeding `to` from every insert into `from`, and a one-off fill from the
   * rows `from` already holds. `select` gets the source's physical name: in a cluster each node's
   * view reads its local table and writes its local target, so both must share a sharding key.
   * The fill may meet rows the view already took: only for targets where a row counted twice is
   * harmless (min, max, any). A target that sums is a `createRollup`.
   */
  | ({ kind: 'createMaterializedView'; to: string } & RollupView)
  /**
   * A table whose rows add up (counts, sums), fed by materialized views, and rebuilt from its
   * sources: the views are created, the table emptied, then filled from every source. Running it
   * again (a crash before the migration was recorded) rebuilds the same rows instead of adding them
   * twice. Exact when nothing inserts into the sources while it runs (docs/operations.md).
   */
  | { kind: 'createRollup'; table: TableDef; views: readonly RollupView[] }

/** A materialized view: `select` gets the physical name of its source table `from`. */
export interface RollupView {
  name: string
  from: string
  select: (source: string) => string
}

export interface WarehouseMigration {
  version: number
  name: string
  steps: readonly SchemaStep[]
}

export interface DdlTarget {
  database: string
  cluster?: string
}

/**
 * Every insert is fsynced before it is acknowledged: the ingestion API's 200 promises the events
 * survive a crash, and on one machine that needs the data on disk, not in the page cache.
 */
const DURABLE_INSERTS = { fsync_after_insert: 1, fsync_part_directory: 1 }

export function renderStep(step: SchemaStep, target: DdlTarget): string[] {
  switch (step.kind) {
    case 'createTable':
      return renderCreateTable(step.table, target)
    case 'addColumn':
      return physicalNames(step.table, target).map(
        (name) =>
          `ALTER TABLE ${name}${onCluster(target)} ADD COLUMN IF NOT EXISTS ${step.column} ${step.type}` +
          (step.after ? ` AFTER ${step.after}` : ''),
      )
    case 'addIndex':
      return [
        `ALTER TABLE ${qualified(localName(step.table, target), target)}${onCluster(target)} ADD INDEX IF NOT EXISTS ${step.index}`,
      ]
    case 'createMaterializedView':
      return [renderView(step, step.to, target), renderFill(step, step.to, target)]
    case 'createRollup':
      return [
        ...renderCreateTable(step.table, target),
        ...step.views.map((view) => renderView(view, step.table.name, target)),
        `TRUNCATE TABLE IF EXISTS ${qualified(localName(step.table.name, target), target)}${onCluster(target)}`,
        ...step.views.map((view) => renderFill(view, step.table.name, target)),
      ]
  }
}

/** In a cluster each node's view reads its local source and writes its local target. */
const renderView = (view: RollupView, to: string, target: DdlTarget) =>
  `CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualified(view.name, target)}${onCluster(target)}` +
  ` TO ${qualified(localName(to, target), target)}\nAS ${view.select(qualified(localName(view.from, target), target))}`

/** The one-off fill reads and writes through the Distributed tables, so every shard's rows. */
const renderFill = (view: RollupView, to: string, target: DdlTarget) =>
  `INSERT INTO ${qualified(to, target)} ${view.select(qualified(view.from, target))}`

function renderCreateTable(table: TableDef, target: DdlTarget): string[] {
  const body = [
    ...table.columns.map(([name, type]) => `${name} ${type}`),
    ...(table.indexes ?? []).map((i) => `INDEX ${i}`),
  ]
  const settings = { ...DURABLE_INSERTS, ...table.settings }
  const local = localName(table.name, target)
  const create = [
    `CREATE TABLE IF NOT EXISTS ${qualified(local, target)}${onCluster(target)}`,
    `(\n  ${body.join(',\n  ')}\n)`,
    `ENGINE = ${renderEngine(table, local, target)}`,
    table.partitionBy ? `PARTITION BY ${table.partitionBy}` : '',
    `ORDER BY (${table.orderBy.join(', ')})`,
    `SETTINGS ${Object.entries(settings)
      .map(([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${v}'`}`)
      .join(', ')}`,
  ].filter(Boolean)
  const statements = [create.join('\n')]
  if (target.cluster) {
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${qualified(table.name, target)}${onCluster(target)} AS ${qualified(local, target)}\n` +
        `ENGINE = Distributed('${target.cluster}', '${target.database}', '${local}', ${table.shardingKey})`,
    )
  }
  return statements
}

function renderEngine(table: TableDef, local: string, target: DdlTarget): string {
  const version = table.engine.kind === 'ReplacingMergeTree' ? table.engine.version : undefined
  if (!target.cluster) return `${table.engine.kind}(${version ?? ''})`
  const args = [`'/clickhouse/tables/{shard}/${target.database}/${local}'`, `'{replica}'`]
  if (version) args.push(version)
  return `Replicated${table.engine.kind}(${args.join(', ')})`
}

/** The tables an ALTER must touch: the local and the Distributed one in a cluster, else the one table. */
function physicalNames(table: string, target: DdlTarget): string[] {
  return target.cluster
    ? [qualified(`${table}_local`, target), qualified(table, target)]
    : [qualified(table, target)]
}

function localName(name: string, target: DdlTarget): string {
  return target.cluster ? `${name}_local` : name
}

function qualified(name: string, target: DdlTarget): string {
  return `${target.database}.${name}`
}

function onCluster(target: DdlTarget): string {
  return target.cluster ? ` ON CLUSTER '${target.cluster}'` : ''
}
