import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll } from 'vitest'
import type { ControlDb } from '../../src/store/control/driver.js'
import { migrateControl } from '../../src/store/control/migrate.js'
import { openPgliteDb } from '../../src/store/control/pglite-db.js'
import { openPostgresDb } from '../../src/store/control/postgres-db.js'

/** The machine's PostgreSQL server (CI and every developer machine run one). */
export const TEST_PG_URL = process.env.TALLY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A fresh temporary directory, removed when the test file ends. */
export function tempDir(prefix = 'tally-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A new, empty database on the local PostgreSQL server, dropped when the test file ends. */
export async function createTestPgDatabase(): Promise<string> {
  const name = `tally_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const admin = new pg.Client({ connectionString: TEST_PG_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  afterAll(async () => {
    const dropper = new pg.Client({ connectionString: TEST_PG_URL })
    await dropper.connect()
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await dropper.end()
  })
  const url = new URL(TEST_PG_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** Both control-plane back ends, migrated; store tests run the same cases against each. */
export const CONTROL_BACKENDS: { name: string; open: () => Promise<ControlDb> }[] = [
  {
    name: 'pglite',
    open: async () => {
      const db = await openPgliteDb(path.join(tempDir(), 'control'))
      await migrateControl(db)
      return db
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const db = await openPostgresDb(await createTestPgDatabase())
      await migrateControl(db)
      return db
    },
  },
]
