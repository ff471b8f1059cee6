import type { FastifyInstance } from 'fastify'
import path from 'node:path'
import { afterAll } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/config.js'
import { closeStores, openStores, type Stores } from '../../src/store/stores.js'
import { tempDir } from './stores.js'

export interface TestApp {
  app: FastifyInstance
  stores: Stores
  config: Config
}

/**
 * The real application over real embedded stores (chDB and PGlite) in a temporary directory.
 * chDB allows one data directory per process, so call this once per test file (in beforeAll).
 */
export async function buildTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const config = loadConfig(
    {},
    { dataDir: path.join(tempDir(), 'data'), demo: false, worker: false, ...overrides },
  )
  const stores = await openStores(config)
  const app = await buildApp({ config, stores })
  afterAll(async () => {
    await app.close()
    await closeStores(stores)
  })
  return { app, stores, config }
}

/** NDJSON text of the given objects. */
export function ndjson(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join('\n') + '\n'
}
