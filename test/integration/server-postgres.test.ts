import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WAREHOUSE_MIGRATION_LOCK } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi, type TestApp } from '../helpers/app.js'
import { createTestPgDatabase } from '../helpers/stores.js'

/**
 * The server with its control plane on the machine's PostgreSQL, as a multi-node installation
 * runs it: the warehouse migration waits for the lock other nodes hold, then the API serves.
 */
const WORKSPACE = 1017001
let server: TestApp
let databaseUrl: string
let otherNode: pg.Client

const waitingForLock = async () => {
  const { rows } = await otherNode.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_locks
     WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`,
    [WAREHOUSE_MIGRATION_LOCK],
  )
  return rows[0]!.waiting
}

beforeAll(async () => {
  databaseUrl = await createTestPgDatabase()
  otherNode = new pg.Client({ connectionString: databaseUrl })
  await otherNode.connect()
  afterAll(() => otherNode.end())
})

describe('a server over PostgreSQL', () => {
  it('migrates the warehouse only once no other node holds the migration lock', async () => {
    // Another node in the middle of its warehouse migration.
    await otherNode.query('BEGIN')
    await otherNode.query('SELECT pg_advisory_xact_lock($1)', [WAREHOUSE_MIGRATION_LOCK])
    const starting = buildTestApp({ databaseUrl })
    while ((await waitingForLock()) === 0) await new Promise((resolve) => setTimeout(resolve, 50))
    await otherNode.query('COMMIT')
    server = await starting
    expect(await waitingForLock()).toBe(0)
    const { rows } = await otherNode.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM schema_migrations',
    )
    expect(rows[0]!.count).toBeGreaterThan(0)
  })

  it('ingests audits and answers the audit API from them', async () => {
    const audit = (i: number) => ({
      id: `pg-${i}`,
      workspaceId: WORKSPACE,
      timestamp: `2024-02-0${i}T10:00:00.000Z`,
      action: 'View',
      objectType: 'Document',
      artifactId: 1040000 + i,
      artifactName: `DOC${i}`,
      userId: 9,
      userName: 'Admin, Relativity',
    })
    const ingested = await ingestThroughApi(
      server.app,
      server.auth,
      { stream: 'audits' },
      [1, 2, 3].map(audit),
    )
    expect(ingested.json()).toMatchObject({ accepted: 3, rejectedCount: 0 })
    const metrics = await server.app.inject({
      url: `/Relativity.REST/api/relativity-audit/v1/workspaces/${WORKSPACE}/audit-metrics`,
      headers: server.auth,
    })
    expect(metrics.json()).toMatchObject({ Count: 3 })
  })
})
