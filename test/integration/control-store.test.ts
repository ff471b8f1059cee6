import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ControlDb } from '../../src/store/control/driver.js'
import { listControlMigrations, migrateControl } from '../../src/store/control/migrate.js'
import { openPgliteDb } from '../../src/store/control/pglite-db.js'
import { CONTROL_BACKENDS, tempDir } from '../helpers/stores.js'

describe.each(CONTROL_BACKENDS)('control store on $name', ({ open }) => {
  let db: ControlDb
  beforeAll(async () => {
    db = await open()
  })
  afterAll(() => db.close())

  it('records every migration once and re-running applies nothing', async () => {
    const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
    expect(rows.map((r) => r.version)).toEqual(listControlMigrations().map((m) => m.version))
    expect(await migrateControl(db)).toEqual([])
  })

  it('binds parameters and returns typed rows', async () => {
    const rows = await db.query<{ n: number; s: string }>('SELECT $1::int + 1 AS n, $2::text AS s', [
      41,
      "it's",
    ])
    expect(rows).toEqual([{ n: 42, s: "it's" }])
  })

  it('rolls a failed transaction back whole', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO tenants (id, name) VALUES (901, 'rolled back')")
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await db.query('SELECT id FROM tenants WHERE id = 901')).toEqual([])
  })

  it('commits a transaction that succeeds', async () => {
    await db.transaction((tx) => tx.query("INSERT INTO tenants (id, name) VALUES (902, 'kept')"))
    expect(await db.query('SELECT name FROM tenants WHERE id = 902')).toEqual([{ name: 'kept' }])
  })
})

describe('embedded control store', () => {
  it('creates its cluster on first open and keeps its data when opened again, with small shared buffers', async () => {
    const dir = path.join(tempDir(), 'control')
    const first = await openPgliteDb(dir)
    await first.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
    await first.close()
    const again = await openPgliteDb(dir)
    expect(await again.query('SELECT v FROM kept')).toEqual([{ v: 'still here' }])
    expect(await again.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '32MB' }])
    await again.close()
  })
})
