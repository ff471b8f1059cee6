import { renderStep, type TableDef, type WarehouseMigration } from './ddl.js'
import { eventTables } from './migrations/0001-event-tables.js'
import { platformUsageTables } from './migrations/0002-platform-usage.js'
import { clientLifetimeTables } from './migrations/0003-client-lifetimes.js'
import { usageRollupTables } from './migrations/0004-usage-rollups.js'
import { auditHourCountTables } from './migrations/0005-audit-hour-counts.js'
import { eventMonthTables } from './migrations/0006-event-months.js'
import { reviewerRollupTables } from './migrations/0007-reviewer-rollups.js'
import { userLicenseTables } from './migrations/0008-user-licenses.js'
import { clientUsageTotalTables } from './migrations/0009-client-usage-totals.js'
import type { Warehouse } from './warehouse.js'

/** Every warehouse migration, in order. A migration is never edited once released: add the next one. */
export const WAREHOUSE_MIGRATIONS: readonly WarehouseMigration[] = [
  eventTables,
  platformUsageTables,
  clientLifetimeTables,
  usageRollupTables,
  auditHourCountTables,
  eventMonthTables,
  reviewerRollupTables,
  userLicenseTables,
  clientUsageTotalTables,
]

const migrationLog: TableDef = {
  name: 'schema_migrations',
  columns: [
    ['version', 'UInt32'],
    ['name', 'String'],
    ['applied_at', "DateTime64(3, 'UTC') DEFAULT now64(3)"],
  ],
  engine: { kind: 'ReplacingMergeTree' },
  orderBy: ['version'],
  shardingKey: 'version',
}

/** Applies the migrations not yet recorded. Safe to run on every start and from several nodes. */
export async function migrateWarehouse(
  warehouse: Warehouse,
  migrations: readonly WarehouseMigration[] = WAREHOUSE_MIGRATIONS,
): Promise<number[]> {
  const target = { database: warehouse.database, cluster: warehouse.cluster }
  for (const sql of renderStep({ kind: 'createTable', table: migrationLog }, target)) {
    await warehouse.command({ query: sql, tag: 'migrate' })
  }
  const rows = await warehouse.query<{ version: number }>({
    query: 'SELECT DISTINCT version FROM schema_migrations',
    tag: 'migrate',
  })
  const applied = new Set(rows.map((r) => Number(r.version)))
  const done: number[] = []
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue
    for (const step of migration.steps) {
      for (const sql of renderStep(step, target)) await warehouse.command({ query: sql, tag: 'migrate' })
    }
    await warehouse.insert(
      'schema_migrations',
      [{ version: migration.version, name: migration.name }],
      'migrate',
    )
    done.push(migration.version)
  }
  return done
}
