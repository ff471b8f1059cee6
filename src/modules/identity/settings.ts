import type { Queryable } from '../../store/control/driver.js'

/**
 * Reads an instance setting, creating it with `initial()` when absent. Concurrent first calls (two
 * API nodes starting together) agree on one value: the insert does nothing if another won.
 */
export async function getOrCreateSetting<T>(db: Queryable, name: string, initial: () => T): Promise<T> {
  await db.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    name,
    JSON.stringify(initial()),
  ])
  const [row] = await db.query<{ value: T }>('SELECT value FROM settings WHERE name = $1', [name])
  return row!.value
}
