import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ControlDb } from './driver.js'

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url))

/** Migration files are `NNNN-name.sql`, applied in order of NNNN. */
export function listControlMigrations(
  dir = MIGRATIONS_DIR,
): { version: number; name: string; file: string }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}-.+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      file: path.join(dir, file),
    }))
}

/**
 * Applies the migrations not yet recorded, all in one transaction: a failing migration leaves the
 * schema as it was. An advisory lock makes concurrent starts of several nodes against one
 * PostgreSQL wait for each other instead of racing.
 */
export async function migrateControl(db: ControlDb, dir = MIGRATIONS_DIR): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7246001)')
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const applied = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    )
    const done: number[] = []
    for (const migration of listControlMigrations(dir)) {
      if (applied.has(migration.version)) continue
      await tx.exec(fs.readFileSync(migration.file, 'utf8'))
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ])
      done.push(migration.version)
    }
    return done
  })
}
