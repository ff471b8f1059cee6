import path from 'node:path'
import type { Config } from '../config/config.js'
import { claimDataDir } from './data-dir-lock.js'
import type { ControlDb } from './control/driver.js'
import { migrateControl } from './control/migrate.js'
import { openPgliteDb } from './control/pglite-db.js'
import { openPostgresDb } from './control/postgres-db.js'
import type { FileStore } from './files/file-store.js'
import { LocalFileStore } from './files/local-file-store.js'
import { migrateWarehouse } from './warehouse/migrate.js'
import { Warehouse } from './warehouse/warehouse.js'

/** The three stores every service works over. */
export interface Stores {
  warehouse: Warehouse
  control: ControlDb
  files: FileStore
}

/** The PostgreSQL advisory lock key held while a node migrates the warehouse. */
export const WAREHOUSE_MIGRATION_LOCK = 7246002

/**
 * Opens the configured back ends (embedded ones under `config.dataDir` unless a URL is set) and
 * brings both schemas up to date.
 */
export async function openStores(config: Config): Promise<Stores> {
  const control = config.databaseUrl
    ? await openPostgresDb(config.databaseUrl)
    : await openPgliteDb(path.join(config.dataDir, 'control'))
  try {
    await migrateControl(control)
    const warehouse = await Warehouse.open({
      url: config.clickhouseUrl,
      path: path.join(config.dataDir, 'warehouse'),
      database: config.clickhouseDatabase,
      cluster: config.clickhouseCluster,
    })
    // Nodes sharing one ClickHouse migrate it one at a time: a rollup's fill (ddl.ts) run by two
    // at once would count its rows twice. The control plane they share holds the lock.
    await control.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [WAREHOUSE_MIGRATION_LOCK])
      await migrateWarehouse(warehouse)
    })
    const files = new LocalFileStore(path.join(config.dataDir, 'files'))
    return { warehouse, control, files }
  } catch (error) {
    await control.close()
    throw error
  }
}

export async function closeStores(stores: Stores): Promise<void> {
  await Promise.allSettled([stores.warehouse.close(), stores.control.close()])
}

/** Stores this process owns, and the claim on the data directory that goes with them. */
export interface OwnedStores {
  stores: Stores
  /** Publishes the address where this process serves, for other commands to reach it. */
  publish(url: string): void
  close(): Promise<void>
}

/**
 * Opens the stores for a process that works on them directly (serve, worker, a CLI command),
 * claiming the data directory when either store is embedded in it: two processes on one chDB or
 * PGlite directory would corrupt it.
 */
export async function openOwnedStores(config: Config, command: string): Promise<OwnedStores> {
  const embedded = !config.databaseUrl || !config.clickhouseUrl
  const claim = embedded ? claimDataDir(config.dataDir, { command }) : undefined
  try {
    const stores = await openStores(config)
    return {
      stores,
      publish: (url) => claim?.update(url),
      async close() {
        await closeStores(stores)
        claim?.release()
      },
    }
  } catch (error) {
    claim?.release()
    throw error
  }
}
