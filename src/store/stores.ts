import path from 'node:path'
import type { Config } from '../config/config.js'
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
    await migrateWarehouse(warehouse)
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
