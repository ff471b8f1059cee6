import { execFile, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { closeStores, openStores } from '../../src/store/stores.js'
import { ndjson } from '../helpers/app.js'
import { tempDir } from '../helpers/stores.js'

/** The real `tally` CLI, run from source as its own process, on one data directory. */
const dataDir = path.join(tempDir(), 'data')
const env = {
  ...process.env,
  TALLY_DATA_DIR: dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  TALLY_DEMO: '0',
  TALLY_LOG_LEVEL: 'warn',
  TALLY_ADMIN_PASSWORD: 'process-test-admin-password',
  TALLY_BOOTSTRAP_CLIENT_ID: 'process-test-client',
  TALLY_BOOTSTRAP_CLIENT_SECRET: 'process-test-client-secret-0123456789',
}
const TALLY = ['--import', 'tsx', 'src/cli/index.ts']
const run = promisify(execFile)

const servers: ChildProcess[] = []
afterAll(() => servers.forEach((s) => s.kill('SIGKILL')))

/** Headers with a bearer token from the server's own token endpoint, for NDJSON bodies. */
async function authHeaders(url: string): Promise<Record<string, string>> {
  const response = await fetch(`${url}/Relativity/Identity/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${env.TALLY_BOOTSTRAP_CLIENT_ID}&client_secret=${env.TALLY_BOOTSTRAP_CLIENT_SECRET}`,
  })
  const { access_token } = (await response.json()) as { access_token: string }
  return { authorization: `Bearer ${access_token}`, 'content-type': 'application/x-ndjson' }
}

async function startServer(): Promise<{
  process: ChildProcess
  url: string
  exited: Promise<number | null>
}> {
  const ownerFile = path.join(dataDir, 'owner.json')
  fs.rmSync(ownerFile, { force: true })
  const child = spawn(process.execPath, [...TALLY, 'serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] })
  servers.push(child)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    const owner = fs.existsSync(ownerFile)
      ? (JSON.parse(fs.readFileSync(ownerFile, 'utf8')) as { url?: string })
      : {}
    if (owner.url) return { process: child, url: owner.url, exited }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('server did not start within 90 s')
}

function audits(workspaceId: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `ws${workspaceId}-${i}`,
    workspaceId,
    timestamp: new Date(Date.UTC(2024, 5, 1) + i * 1000).toISOString(),
    action: 'View',
    objectType: 'Document',
    artifactId: 2_000_000 + i,
    artifactName: `DOC${i}`,
    userId: 3,
    userName: 'Reviewer',
  }))
}

async function countAudits(workspaceId: number): Promise<{ n: string; keys: string }> {
  const stores = await openStores(loadConfig({}, { dataDir, demo: false }))
  try {
    const [row] = await stores.warehouse.query<{ n: string; keys: string }>({
      query: 'SELECT count() AS n, uniqExact(ingest_key) AS keys FROM audits WHERE workspace_id = {ws:Int64}',
      params: { ws: workspaceId },
    })
    return row!
  } finally {
    await closeStores(stores)
  }
}

describe('tally serve as a process', () => {
  it('keeps every event of a batch acknowledged with 200 when killed with SIGKILL right after', async () => {
    const server = await startServer()
    const response = await fetch(`${server.url}/ingest/v1/audits`, {
      method: 'POST',
      headers: await authHeaders(server.url),
      body: ndjson(audits(7001, 20_000)),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ accepted: 20_000, rejectedCount: 0 })
    server.process.kill('SIGKILL')
    await server.exited
    expect(await countAudits(7001)).toEqual({ n: '20000', keys: '20000' })
  })

  it('refuses a second server on the same data directory, and imports through the running one', async () => {
    const server = await startServer()
    const second = await run(process.execPath, [...TALLY, 'serve'], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    )
    expect(second).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`in use by process ${server.process.pid}`),
    })

    const file = path.join(tempDir(), 'audits.ndjson')
    fs.writeFileSync(file, ndjson(audits(7002, 1200)) + '{"broken": \n')
    const headers = await authHeaders(server.url)
    const refused = await run(process.execPath, [...TALLY, 'import', 'audits', file], { env }).catch(
      (error: { stderr: string }) => error,
    )
    expect(refused).toMatchObject({ stderr: expect.stringContaining('set TALLY_TOKEN') })
    const withToken = { ...env, TALLY_TOKEN: headers.authorization!.slice('Bearer '.length) }
    const imported = await run(
      process.execPath,
      [...TALLY, 'import', 'audits', file, '--batch-size', '500'],
      { env: withToken },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error)
    expect(imported).toMatchObject({
      code: 1,
      stdout: expect.stringContaining('1200 accepted (0 already stored), 1 rejected'),
    })
    expect((imported as { stdout: string }).stdout).toContain('line 1201: not valid JSON')

    // SIGTERM while a large batch is in flight: the request still completes, then the process exits 0.
    const inFlight = fetch(`${server.url}/ingest/v1/audits`, {
      method: 'POST',
      headers,
      body: ndjson(audits(7003, 60_000)),
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    server.process.kill('SIGTERM')
    const response = await inFlight
    expect(response.status).toBe(200)
    expect(await server.exited).toBe(0)
    expect(await countAudits(7003)).toEqual({ n: '60000', keys: '60000' })
    expect(await countAudits(7002)).toEqual({ n: '1200', keys: '1200' })
  })

  it('imports a CSV file directly into the stores when no server runs', async () => {
    const file = path.join(tempDir(), 'workspaces.csv')
    fs.writeFileSync(
      file,
      'artifactId,name,clientDomain\n1018053,"Acme v. Widget, LLC",Acme Legal\n1018054,Beta,\n',
    )
    const { stdout } = await run(process.execPath, [...TALLY, 'import', 'entities/workspaces', file], { env })
    expect(stdout).toContain('2 accepted (0 already stored), 0 rejected')
    const stores = await openStores(loadConfig({}, { dataDir, demo: false }))
    try {
      expect(
        await stores.control.query('SELECT name, client_domain FROM workspaces ORDER BY artifact_id'),
      ).toEqual([
        { name: 'Acme v. Widget, LLC', client_domain: 'Acme Legal' },
        { name: 'Beta', client_domain: '' },
      ])
    } finally {
      await closeStores(stores)
    }
  })

  it('answers --help for every command', async () => {
    for (const command of ['serve', 'worker', 'demo', 'import', 'migrate']) {
      const { stdout } = await run(process.execPath, [...TALLY, command, '--help'], { env })
      expect(stdout).toContain(`Usage: tally ${command}`)
    }
  })
})
