import { ValidationError } from '../../errors.js'
import type { ControlDb, Queryable } from '../../store/control/driver.js'
import { DEFAULT_TENANT_ID } from './caller.js'
import { addGroupMember, createGroup, grantPermission } from './groups.js'
import { createOAuthClient } from './oauth-clients.js'
import { generateSecret } from './passwords.js'
import type { Grant } from './permissions.js'
import { createUser, findUserByUsername } from './users.js'

export interface BootstrapOptions {
  /** TALLY_ADMIN_PASSWORD; without it a password is generated and returned, once. */
  adminPassword?: string
  /** TALLY_BOOTSTRAP_CLIENT_ID and TALLY_BOOTSTRAP_CLIENT_SECRET: a client is created only when both are set. */
  bootstrapClientId?: string
  bootstrapClientSecret?: string
}

export const ADMIN_USERNAME = 'admin'
export const ADMINISTRATORS_GROUP = 'Administrators'
export const BOOTSTRAP_CLIENT_NAME = 'Bootstrap client'

/** Administrator does not imply instance-wide usage reports (the usage reports document), so both. */
const ADMINISTRATOR_GRANTS: Grant[] = [
  { permission: 'Administrator', scopeKind: 'instance', scopeValue: '' },
  { permission: 'View Instance-wide Usage Reports', scopeKind: 'instance', scopeValue: '' },
]

/**
 * Serializes concurrent first starts (several API nodes on one PostgreSQL): the second waits for
 * the first's transaction, then finds the admin and does nothing. An arbitrary constant key.
 */
const BOOTSTRAP_LOCK_KEY = 7_240_301

/**
 * First start of an installation: the `admin` user in the Administrators group, and the bootstrap
 * OAuth2 client when both of its settings are given. Runs in one transaction and only does what is
 * missing, so every start may call it; a later run changes nothing and returns {}.
 */
export async function bootstrapIdentity(
  db: ControlDb,
  options: BootstrapOptions,
): Promise<{ generatedAdminPassword?: string }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY])
    const result: { generatedAdminPassword?: string } = {}
    const [anyUser] = await tx.query('SELECT 1 FROM users WHERE tenant_id = $1 LIMIT 1', [DEFAULT_TENANT_ID])
    if (!anyUser) {
      const password = options.adminPassword ?? generateSecret(18)
      await createAdmin(tx, password)
      if (options.adminPassword === undefined) result.generatedAdminPassword = password
    }
    const { bootstrapClientId: clientId, bootstrapClientSecret: secret } = options
    if (clientId && secret) await createBootstrapClient(tx, clientId, secret)
    return result
  })
}

async function createAdmin(tx: Queryable, password: string): Promise<void> {
  const admin = await createUser(tx, DEFAULT_TENANT_ID, {
    username: ADMIN_USERNAME,
    password,
    fullName: 'Administrator',
    isSystemAdmin: true,
  }).catch((error: unknown) => {
    if (error instanceof ValidationError && error.details?.path === 'password') {
      throw new ValidationError(
        `the admin password (TALLY_ADMIN_PASSWORD) is refused: ${error.message}`,
        error.details,
      )
    }
    throw error
  })
  const group = await createGroup(tx, DEFAULT_TENANT_ID, ADMINISTRATORS_GROUP)
  for (const grant of ADMINISTRATOR_GRANTS) await grantPermission(tx, DEFAULT_TENANT_ID, group.id, grant)
  await addGroupMember(tx, DEFAULT_TENANT_ID, group.id, admin.id)
}

async function createBootstrapClient(tx: Queryable, clientId: string, secret: string): Promise<void> {
  const [existing] = await tx.query('SELECT 1 FROM oauth_clients WHERE client_id = $1', [clientId])
  if (existing) return
  const contextUserId = await bootstrapContextUserId(tx)
  // Names are unique per tenant: a bootstrap client id changed since the first start gets its own name.
  const [nameTaken] = await tx.query(
    'SELECT 1 FROM oauth_clients WHERE tenant_id = $1 AND lower(name) = lower($2)',
    [DEFAULT_TENANT_ID, BOOTSTRAP_CLIENT_NAME],
  )
  await createOAuthClient(tx, DEFAULT_TENANT_ID, {
    name: nameTaken ? `${BOOTSTRAP_CLIENT_NAME} ${clientId}` : BOOTSTRAP_CLIENT_NAME,
    clientId,
    secret,
    contextUserId,
  })
}

/** The client acts as `admin`; if that user was renamed or deleted since, as the oldest system administrator. */
async function bootstrapContextUserId(tx: Queryable): Promise<number> {
  const admin = await findUserByUsername(tx, DEFAULT_TENANT_ID, ADMIN_USERNAME)
  if (admin) return admin.id
  const [row] = await tx.query<{ id: number | string }>(
    'SELECT id FROM users WHERE tenant_id = $1 AND is_system_admin AND NOT disabled ORDER BY id LIMIT 1',
    [DEFAULT_TENANT_ID],
  )
  if (!row) {
    throw new Error(
      `cannot create the bootstrap OAuth client: there is no user '${ADMIN_USERNAME}' and no enabled system administrator to act as`,
    )
  }
  return Number(row.id)
}
