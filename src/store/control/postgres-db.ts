import pg from 'pg'
import type { ControlDb, Queryable } from './driver.js'

// Postgres returns int8 and numeric as text to avoid precision loss; ids here stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text))

/** A PostgreSQL server through a connection pool. */
export async function openPostgresDb(connectionString: string, max = 10): Promise<ControlDb> {
  const pool = new pg.Pool({ connectionString, max })
  // Fail at start, with the server's own message, rather than on the first request.
  await pool.query('SELECT 1')
  const wrap = (target: pg.Pool | pg.PoolClient): Queryable => ({
    query: async (sql, params) => (await target.query(sql, params as unknown[] | undefined)).rows,
    exec: async (sql) => {
      await target.query(sql)
    },
  })
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await work(wrap(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
}
