import type { FastifyInstance } from 'fastify'
import path from 'node:path'
import { afterAll } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/config.js'
import { bootstrapIdentity } from '../../src/modules/identity/bootstrap.js'
import type { Grant } from '../../src/modules/identity/permissions.js'
import {
  addGroupMember,
  createGroup,
  createOAuthClient,
  createUser,
  grantPermission,
} from '../../src/modules/identity/principals.js'
import { closeStores, openStores, type Stores } from '../../src/store/stores.js'
import { tempDir } from './stores.js'

export interface TestApp {
  app: FastifyInstance
  stores: Stores
  config: Config
  /** Headers that authenticate as the bootstrap client (the admin: every permission). */
  auth: { authorization: string }
}

export const TEST_ADMIN_PASSWORD = 'admin-password-for-tests'
export const TEST_CLIENT = { id: 'test-bootstrap-client', secret: 'test-bootstrap-client-secret-0123456789' }

/**
 * The real application over real embedded stores (chDB and PGlite) in a temporary directory.
 * chDB allows one data directory per process, so call this once per test file (in beforeAll).
 */
export async function buildTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const config = loadConfig(
    {},
    { dataDir: path.join(tempDir(), 'data'), demo: false, worker: false, ...overrides },
  )
  const stores = await openStores(config)
  await bootstrapIdentity(stores.control, {
    adminPassword: TEST_ADMIN_PASSWORD,
    bootstrapClientId: TEST_CLIENT.id,
    bootstrapClientSecret: TEST_CLIENT.secret,
  })
  const app = await buildApp({ config, stores })
  afterAll(async () => {
    await app.close()
    await closeStores(stores)
  })
  return {
    app,
    stores,
    config,
    auth: { authorization: `Bearer ${await clientToken(app, TEST_CLIENT.id, TEST_CLIENT.secret)}` },
  }
}

/** An access token from the token endpoint, requested as the usage reports document shows. */
export async function clientToken(app: FastifyInstance, clientId: string, secret: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/Relativity/Identity/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&client_secret=${encodeURIComponent(secret)}&scope=SystemUserInfo`,
  })
  if (response.statusCode !== 200) throw new Error(`token request failed: ${response.body}`)
  return response.json().access_token
}

/** NDJSON text of the given objects. */
export function ndjson(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join('\n') + '\n'
}

/**
 * A bearer token of a new user whose group holds `grants`, signed in through an OAuth2 client of
 * theirs (the way the documents' clients authenticate).
 */
export async function tokenOfUserWith(
  app: FastifyInstance,
  stores: Stores,
  name: string,
  grants: readonly Grant[],
): Promise<{ authorization: string }> {
  const user = await createUser(stores.control, 1, { username: name, password: `${name}-password-123` })
  const group = await createGroup(stores.control, 1, `${name} group`)
  await addGroupMember(stores.control, 1, group.id, user.id)
  for (const grant of grants) await grantPermission(stores.control, 1, group.id, grant)
  const { client, secret } = await createOAuthClient(stores.control, 1, {
    name: `${name} client`,
    contextUserId: user.id,
  })
  return { authorization: `Bearer ${await clientToken(app, client.clientId, secret)}` }
}

/** Sends items through the ingestion API as NDJSON: events to a stream, or entities of a kind. */
export function ingestThroughApi(
  app: FastifyInstance,
  auth: { authorization: string },
  target: { stream: string } | { entities: string },
  items: readonly object[],
) {
  const entity = 'entities' in target
  return app.inject({
    method: entity ? 'PUT' : 'POST',
    url: entity ? `/ingest/v1/entities/${target.entities}` : `/ingest/v1/${target.stream}`,
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    payload: ndjson(items),
  })
}
