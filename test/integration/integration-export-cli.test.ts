import type { FastifyInstance } from 'fastify'
import JSZip from 'jszip'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withUsageReports } from '../../src/cli/commands/export.js'
import type { Config } from '../../src/config/config.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, tokenOfUserWith } from '../helpers/app.js'

/**
 * `tally export usage-reports` while a server holds the data directory: the CLI asks that server
 * over HTTP with TALLY_TOKEN, as the command's help and docs/integration-export.md say.
 */
let app: FastifyInstance
let stores: Stores
let config: Config
let auth: { authorization: string }
/** Stands in for the server process that owns the data directory (this test's own pid never counts). */
let owner: ChildProcess

beforeAll(async () => {
  ;({ app, stores, config, auth } = await buildTestApp())
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  owner = spawn('sleep', ['600'], { stdio: 'ignore' })
  fs.writeFileSync(
    path.join(config.dataDir, 'owner.json'),
    JSON.stringify({ pid: owner.pid, url, command: 'serve' }),
  )
})

afterAll(() => {
  owner.kill()
})

/** The bytes the CLI would write, fetched as `tally export usage-reports` does. */
async function exportWith(token: string | undefined): Promise<Buffer> {
  const chunks: Buffer[] = []
  await withUsageReports({ ...config, token }, async (zip: Readable) => {
    for await (const chunk of zip) chunks.push(chunk as Buffer)
  })
  return Buffer.concat(chunks)
}

const bearer = (headers: { authorization: string }) => headers.authorization.replace(/^Bearer /, '')

describe('tally export usage-reports through the running server', () => {
  it('downloads Usage Reports.zip with TALLY_TOKEN of an administrator', async () => {
    const zip = await JSZip.loadAsync(await exportWith(bearer(auth)))
    expect(Object.keys(zip.files).sort()).toEqual([
      'Usage Report (Last 1 Year).xlsx',
      'Usage Report (Last 6 Months).xlsx',
    ])
  })

  it('says to set TALLY_TOKEN or stop the server when no token is set', async () => {
    await expect(exportWith(undefined)).rejects.toThrow(
      /the server at http:\/\/127\.0\.0\.1:\d+ holds the data directory: set TALLY_TOKEN/,
    )
  })

  it('passes on the server’s refusal of a token without the Administrator role', async () => {
    const serverManagement = await tokenOfUserWith(app, stores, 'cli-servermgmt', [
      { permission: 'Server Management Read', scopeKind: 'instance', scopeValue: '' },
    ])
    await expect(exportWith(bearer(serverManagement))).rejects.toThrow(
      /answered 403: .*this needs the 'Administrator' permission/,
    )
  })
})
