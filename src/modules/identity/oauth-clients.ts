import { randomBytes } from 'node:crypto'
import { NotFoundError, ValidationError } from '../../errors.js'
import type { Queryable } from '../../store/control/driver.js'
import { generateSecret, hashSecret, verifySecret } from './passwords.js'
import { checkName, conflictOnDuplicate, getUser, toDate } from './users.js'

/** An OAuth2 client (client credentials grant). It acts with its context user's permissions. */
export interface OAuthClient {
  id: number
  tenantId: number
  name: string
  clientId: string
  enabled: boolean
  contextUserId: number
  tokenLifetimeMinutes: number
  createdAt: Date
  updatedAt: Date
}

/** Never secret_hash. */
const CLIENT_COLUMNS =
  'id, tenant_id, name, client_id, enabled, context_user_id, token_lifetime_minutes, created_at, updated_at'

interface ClientRow {
  id: number | string
  tenant_id: number | string
  name: string
  client_id: string
  enabled: boolean
  context_user_id: number | string
  token_lifetime_minutes: number | string
  created_at: Date | string
  updated_at: Date | string
}

const parseClientRow = (row: ClientRow): OAuthClient => ({
  id: Number(row.id),
  tenantId: Number(row.tenant_id),
  name: row.name,
  clientId: row.client_id,
  enabled: row.enabled,
  contextUserId: Number(row.context_user_id),
  tokenLifetimeMinutes: Number(row.token_lifetime_minutes),
  createdAt: toDate(row.created_at),
  updatedAt: toDate(row.updated_at),
})

/** A token lives from one minute to one day (the table's CHECK says the same). */
const MAX_LIFETIME_MINUTES = 1440
const DEFAULT_LIFETIME_MINUTES = 60
/** A chosen secret (the bootstrap one) must still resist guessing; generated ones have 32 bytes. */
const MIN_SECRET = 16
const MAX_SECRET = 1024
/** Client ids travel in form bodies and Basic headers: printable ASCII without spaces or ':'. */
const CLIENT_ID = /^[\x21-\x39\x3b-\x7e]{1,200}$/

function checkLifetime(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_LIFETIME_MINUTES) {
    throw new ValidationError(`tokenLifetimeMinutes must be an integer from 1 to ${MAX_LIFETIME_MINUTES}`, {
      path: 'tokenLifetimeMinutes',
    })
  }
  return value as number
}

async function checkContextUser(db: Queryable, tenantId: number, userId: number): Promise<number> {
  try {
    return (await getUser(db, tenantId, userId)).id
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new ValidationError(`contextUserId: there is no user ${userId}`, { path: 'contextUserId' })
    }
    throw error
  }
}

const duplicateMessage = (name: string, clientId?: string) => (constraint: string | undefined) =>
  constraint === 'oauth_clients_name' || clientId === undefined
    ? `an OAuth client named '${name}' already exists (client names ignore case)`
    : `an OAuth client with the client id '${clientId}' already exists`

export interface CreateOAuthClientInput {
  name: string
  contextUserId: number
  tokenLifetimeMinutes?: number
  clientId?: string
  secret?: string
}

/**
 * Creates a client. The secret is returned here, once; only its Argon2id hash is stored. Without a
 * chosen client id, it is 32 random hex characters.
 */
export async function createOAuthClient(
  db: Queryable,
  tenantId: number,
  input: CreateOAuthClientInput,
): Promise<{ client: OAuthClient; secret: string }> {
  const name = checkName('name', input.name)
  const lifetime = checkLifetime(input.tokenLifetimeMinutes ?? DEFAULT_LIFETIME_MINUTES)
  const clientId = input.clientId ?? randomBytes(16).toString('hex')
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    throw new ValidationError(
      'clientId must be 1 to 200 printable ASCII characters without spaces or colons',
      {
        path: 'clientId',
      },
    )
  }
  const secret = input.secret ?? generateSecret()
  if (typeof secret !== 'string' || secret.length < MIN_SECRET || secret.length > MAX_SECRET) {
    throw new ValidationError(`secret must be ${MIN_SECRET} to ${MAX_SECRET} characters`, { path: 'secret' })
  }
  const contextUserId = await checkContextUser(db, tenantId, input.contextUserId)
  const secretHash = await hashSecret(secret)
  const rows = await conflictOnDuplicate(
    () =>
      db.query<ClientRow>(
        `INSERT INTO oauth_clients (tenant_id, name, client_id, secret_hash, context_user_id, token_lifetime_minutes)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${CLIENT_COLUMNS}`,
        [tenantId, name, clientId, secretHash, contextUserId, lifetime],
      ),
    duplicateMessage(name, clientId),
  )
  return { client: parseClientRow(rows[0]!), secret }
}

export async function listOAuthClients(db: Queryable, tenantId: number): Promise<OAuthClient[]> {
  const rows = await db.query<ClientRow>(
    `SELECT ${CLIENT_COLUMNS} FROM oauth_clients WHERE tenant_id = $1 ORDER BY id`,
    [tenantId],
  )
  return rows.map(parseClientRow)
}

export async function getOAuthClient(db: Queryable, tenantId: number, id: number): Promise<OAuthClient> {
  const [row] = await db.query<ClientRow>(
    `SELECT ${CLIENT_COLUMNS} FROM oauth_clients WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  )
  if (!row) throw new NotFoundError(`OAuth client ${id}`)
  return parseClientRow(row)
}

export interface UpdateOAuthClientPatch {
  name?: string
  enabled?: boolean
  tokenLifetimeMinutes?: number
  contextUserId?: number
}

/** Changes the given fields. Disabling a client refuses its tokens at once (they are checked per request). */
export async function updateOAuthClient(
  db: Queryable,
  tenantId: number,
  id: number,
  patch: UpdateOAuthClientPatch,
): Promise<OAuthClient> {
  const sets: string[] = []
  const params: unknown[] = [tenantId, id]
  const set = (column: string, value: unknown) => {
    params.push(value)
    sets.push(`${column} = $${params.length}`)
  }
  if (patch.name !== undefined) set('name', checkName('name', patch.name))
  if (patch.enabled !== undefined) {
    if (typeof patch.enabled !== 'boolean')
      throw new ValidationError('enabled must be true or false', { path: 'enabled' })
    set('enabled', patch.enabled)
  }
  if (patch.tokenLifetimeMinutes !== undefined)
    set('token_lifetime_minutes', checkLifetime(patch.tokenLifetimeMinutes))
  if (patch.contextUserId !== undefined)
    set('context_user_id', await checkContextUser(db, tenantId, patch.contextUserId))
  if (sets.length === 0) return getOAuthClient(db, tenantId, id)
  const rows = await conflictOnDuplicate(
    () =>
      db.query<ClientRow>(
        `UPDATE oauth_clients SET ${sets.join(', ')}, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${CLIENT_COLUMNS}`,
        params,
      ),
    duplicateMessage(patch.name ?? ''),
  )
  if (!rows[0]) throw new NotFoundError(`OAuth client ${id}`)
  return parseClientRow(rows[0])
}

/** Replaces the secret: the old one stops working at once. The new one is returned, once. */
export async function rotateOAuthClientSecret(
  db: Queryable,
  tenantId: number,
  id: number,
): Promise<{ client: OAuthClient; secret: string }> {
  const secret = generateSecret()
  const [row] = await db.query<ClientRow>(
    `UPDATE oauth_clients SET secret_hash = $3, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${CLIENT_COLUMNS}`,
    [tenantId, id, await hashSecret(secret)],
  )
  if (!row) throw new NotFoundError(`OAuth client ${id}`)
  return { client: parseClientRow(row), secret }
}

export async function deleteOAuthClient(db: Queryable, tenantId: number, id: number): Promise<void> {
  const rows = await db.query('DELETE FROM oauth_clients WHERE tenant_id = $1 AND id = $2 RETURNING id', [
    tenantId,
    id,
  ])
  if (!rows.length) throw new NotFoundError(`OAuth client ${id}`)
}

/**
 * The enabled client with these credentials, of any tenant, or undefined. An unknown client id
 * still costs one Argon2 verification, so timing does not reveal which client ids exist.
 */
export async function authenticateOAuthClient(
  db: Queryable,
  clientId: string,
  secret: string,
): Promise<OAuthClient | undefined> {
  const [row] = await db.query<ClientRow & { secret_hash: string }>(
    `SELECT ${CLIENT_COLUMNS}, secret_hash FROM oauth_clients WHERE client_id = $1`,
    [clientId],
  )
  const matches = await verifySecret(row?.secret_hash, secret)
  if (!row || !matches || !row.enabled) return undefined
  return parseClientRow(row)
}

/** The client with this client id, of any tenant (enabled or not), or undefined. */
export async function findOAuthClient(db: Queryable, clientId: string): Promise<OAuthClient | undefined> {
  const [row] = await db.query<ClientRow>(
    `SELECT ${CLIENT_COLUMNS} FROM oauth_clients WHERE client_id = $1`,
    [clientId],
  )
  return row && parseClientRow(row)
}
