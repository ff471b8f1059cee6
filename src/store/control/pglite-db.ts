import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import fs from 'node:fs'
import path from 'node:path'
import type { ControlDb, Queryable } from './driver.js'

/**
 * The control plane is small (identity, jobs, report definitions, registries) and PGlite's
 * buffers live in the process's WebAssembly memory, which never shrinks: a quarter of Postgres's
 * default 128 MB of shared buffers is plenty and keeps ~100 MiB off the server's RSS.
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB']

/** Embedded Postgres (PGlite) in a data directory. One connection: statements run one at a time. */
export async function openPgliteDb(dataDir: string | undefined): Promise<ControlDb> {
  const options: PGliteOptions = { startParams: START_PARAMS }
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true })
    // Creating a cluster (initdb) grows the WebAssembly memory to ~600 MiB and keeps it: create it
    // with a throwaway instance, so the one that serves starts small.
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await (await PGlite.create({ dataDir })).close()
    options.dataDir = dataDir
  }
  const pg = await PGlite.create(options)
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
