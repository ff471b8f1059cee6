import { PGlite } from '@electric-sql/pglite'
import fs from 'node:fs'
import type { ControlDb, Queryable } from './driver.js'

/** Embedded Postgres (PGlite) in a data directory. One connection: statements run one at a time. */
export async function openPgliteDb(dataDir: string | undefined): Promise<ControlDb> {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true })
  const pg = await PGlite.create(dataDir ? { dataDir } : {})
  const wrap = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    query: async <Row>(sql: string, params?: readonly unknown[]) =>
      (await target.query<Row>(sql, params as unknown[] | undefined)).rows,
    exec: async (sql) => {
      await target.exec(sql)
    },
  })
  return {
    kind: 'pglite',
    ...wrap(pg),
    transaction: (work) => pg.transaction((tx) => work(wrap(tx))),
    close: () => pg.close(),
  }
}
