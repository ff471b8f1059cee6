import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { closeStores, openStores } from '../../src/store/stores.js'
import { ndjson } from '../helpers/app.js'
import { tempDir } from '../helpers/stores.js'

const dataDir = path.join(tempDir(), 'data')
let server: ChildProcess | undefined
afterAll(() => server?.kill('SIGKILL'))

/** Starts `tally serve` as a real process on a free port and waits for it to publish its address. */
async function startServer(): Promise<string> {
  server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], {
    env: { ...process.env, TALLY_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TALLY_DEMO: '0', TALLY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const ownerFile = path.join(dataDir, 'owner.json')
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`)
    const owner = fs.existsSync(ownerFile) ? (JSON.parse(fs.readFileSync(ownerFile, 'utf8')) as { url?: string }) : {}
    if (owner.url) return owner.url
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('server did not start within 60 s')
}

it('keeps every event of a batch acknowledged with 200 when the server is killed right after', async () => {
  const url = await startServer()
  const events = Array.from({ length: 20_000 }, (_, i) => ({
    id: `durable-${i}`,
    workspaceId: 7001,
    timestamp: new Date(Date.UTC(2024, 5, 1) + i * 1000).toISOString(),
    action: 'View',
    objectType: 'Document',
    artifactId: 2_000_000 + i,
    artifactName: `DOC${i}`,
    userId: 3,
    userName: 'Reviewer',
  }))
  const response = await fetch(`${url}/ingest/v1/audits`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: ndjson(events),
  })
  expect(response.status).toBe(200)
  expect(await response.json()).toMatchObject({ accepted: 20_000, rejectedCount: 0 })
  server!.kill('SIGKILL')
  await new Promise((resolve) => server!.once('exit', resolve))

  const stores = await openStores(loadConfig({}, { dataDir, demo: false }))
  try {
    const [row] = await stores.warehouse.query<{ n: string; keys: string }>({
      query: `SELECT count() AS n, uniqExact(ingest_key) AS keys FROM audits WHERE workspace_id = 7001`,
    })
    expect(row).toEqual({ n: '20000', keys: '20000' })
  } finally {
    await closeStores(stores)
  }
})
