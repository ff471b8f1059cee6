import { ConflictError, NotFoundError, ValidationError } from '../../errors.js'
import type { Queryable } from '../../store/control/driver.js'
import { hashSecret, verifySecret } from './passwords.js'

/** A person who signs in. The password hash never leaves this module. */
export interface User {
  id: number
  tenantId: number
  username: string
  email: string
  fullName: string
  isSystemAdmin: boolean
  disabled: boolean
  createdAt: Date
  updatedAt: Date
}

// ---- Shared by users, groups and OAuth clients: row parsing, input checks, constraint errors ----

export const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value))

/** Postgres error codes (SQLSTATE) the repositories turn into AppErrors. */
const UNIQUE_VIOLATION = '23505'
const FOREIGN_KEY_VIOLATION = '23503'

function sqlState(error: unknown): { code?: string; constraint?: string } {
  return typeof error === 'object' && error !== null ? (error as { code?: string; constraint?: string }) : {}
}

/**
 * Runs an insert or update; a unique violation becomes a ConflictError with the message that
 * `duplicate` gives for the violated constraint (pg and PGlite both report its name).
 */
export async function conflictOnDuplicate<T>(
  work: () => Promise<T>,
  duplicate: (constraint: string | undefined) => string,
): Promise<T> {
  try {
    return await work()
  } catch (error) {
    const state = sqlState(error)
    if (state.code === UNIQUE_VIOLATION) throw new ConflictError(duplicate(state.constraint))
    throw error
  }
}

export const isForeignKeyViolation = (error: unknown): boolean =>
  sqlState(error).code === FOREIGN_KEY_VIOLATION

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/

/** A display name (group, OAuth client, full name): 1-200 characters, not blank, no control characters. */
export function checkName(field: string, value: unknown, { optional = false } = {}): string {
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`, { path: field })
  if (optional && value === '') return value
  if (value.trim() === '' || value.length > 200 || CONTROL_CHARS.test(value)) {
    throw new ValidationError(`${field} must be 1 to 200 characters, not blank, without control characters`, {
      path: field,
    })
  }
  return value
}

export function checkId(field: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new ValidationError(`${field} must be a positive integer`, { path: field })
  }
  return value as number
}

// ---- Users ----

const USERNAME = /^[A-Za-z0-9._@-]{1,128}$/
const MIN_PASSWORD = 12
/** Argon2 takes any length; the cap keeps one sign-in attempt from hashing megabytes. */
const MAX_PASSWORD = 1024
const MAX_EMAIL = 320

function checkUsername(value: unknown): string {
  if (typeof value !== 'string' || !USERNAME.test(value)) {
    throw new ValidationError('username must be 1 to 128 letters, digits or the characters . _ @ -', {
      path: 'username',
    })
  }
  return value
}

function checkPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD || value.length > MAX_PASSWORD) {
    throw new ValidationError(`password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`, {
      path: 'password',
    })
  }
  return value
}

function checkEmail(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length > MAX_EMAIL ||
    (value !== '' && !/^[^\s@]+@[^\s@]+$/.test(value))
  ) {
    throw new ValidationError(
      `email must be empty or an address such as name@example.com (at most ${MAX_EMAIL} characters)`,
      {
        path: 'email',
      },
    )
  }
  return value
}

function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(`${field} must be true or false`, { path: field })
  return value
}

/** The columns a User is built from: never password_hash. Prefix with `u.` where users is aliased. */
export const USER_COLUMNS =
  'id, tenant_id, username, email, full_name, is_system_admin, disabled, created_at, updated_at'

export interface UserRow {
  id: number | string
  tenant_id: number | string
  username: string
  email: string
  full_name: string
  is_system_admin: boolean
  disabled: boolean
  created_at: Date | string
  updated_at: Date | string
}

export function parseUserRow(row: UserRow): User {
  return {
    id: Number(row.id),
    tenantId: Number(row.tenant_id),
    username: row.username,
    email: row.email,
    fullName: row.full_name,
    isSystemAdmin: row.is_system_admin,
    disabled: row.disabled,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  }
}

export interface CreateUserInput {
  username: string
  password: string
  email?: string
  fullName?: string
  isSystemAdmin?: boolean
}

export async function createUser(db: Queryable, tenantId: number, input: CreateUserInput): Promise<User> {
  const username = checkUsername(input.username)
  const password = checkPassword(input.password)
  const email = checkEmail(input.email ?? '')
  const fullName = checkName('fullName', input.fullName ?? '', { optional: true })
  const isSystemAdmin = checkBoolean('isSystemAdmin', input.isSystemAdmin ?? false)
  const passwordHash = await hashSecret(password)
  const rows = await conflictOnDuplicate(
    () =>
      db.query<UserRow>(
        `INSERT INTO users (tenant_id, username, email, full_name, password_hash, is_system_admin)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${USER_COLUMNS}`,
        [tenantId, username, email, fullName, passwordHash, isSystemAdmin],
      ),
    () => `a user named '${username}' already exists (usernames ignore case)`,
  )
  return parseUserRow(rows[0]!)
}

export async function getUser(db: Queryable, tenantId: number, id: number): Promise<User> {
  const [row] = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  )
  if (!row) throw new NotFoundError(`user ${id}`)
  return parseUserRow(row)
}

/** The user with this username (any case) in the tenant, or undefined. */
export async function findUserByUsername(
  db: Queryable,
  tenantId: number,
  username: string,
): Promise<User | undefined> {
  const [row] = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 AND lower(username) = lower($2)`,
    [tenantId, username],
  )
  return row && parseUserRow(row)
}

/** Users in id order, `limit` at a time after `afterId` (the last id of the previous page). */
export async function listUsers(
  db: Queryable,
  tenantId: number,
  options: { limit: number; afterId?: number },
): Promise<User[]> {
  const limit = checkId('limit', options.limit)
  const afterId = options.afterId ?? 0
  if (!Number.isSafeInteger(afterId) || afterId < 0) {
    throw new ValidationError('afterId must be an integer of 0 or more', { path: 'afterId' })
  }
  const rows = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [tenantId, afterId, limit],
  )
  return rows.map(parseUserRow)
}

export interface UpdateUserPatch {
  email?: string
  fullName?: string
  isSystemAdmin?: boolean
  disabled?: boolean
  password?: string
}

/** Changes the given fields; the others keep their values. A new password is hashed here. */
export async function updateUser(
  db: Queryable,
  tenantId: number,
  id: number,
  patch: UpdateUserPatch,
): Promise<User> {
  const sets: string[] = []
  const params: unknown[] = [tenantId, id]
  const set = (column: string, value: unknown) => {
    params.push(value)
    sets.push(`${column} = $${params.length}`)
  }
  if (patch.email !== undefined) set('email', checkEmail(patch.email))
  if (patch.fullName !== undefined)
    set('full_name', checkName('fullName', patch.fullName, { optional: true }))
  if (patch.isSystemAdmin !== undefined)
    set('is_system_admin', checkBoolean('isSystemAdmin', patch.isSystemAdmin))
  if (patch.disabled !== undefined) set('disabled', checkBoolean('disabled', patch.disabled))
  if (patch.password !== undefined) set('password_hash', await hashSecret(checkPassword(patch.password)))
  if (sets.length === 0) return getUser(db, tenantId, id)
  const [row] = await db.query<UserRow>(
    `UPDATE users SET ${sets.join(', ')}, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
    params,
  )
  if (!row) throw new NotFoundError(`user ${id}`)
  // A new password (or a disabled account) ends every session signed in with the old state.
  if (patch.password !== undefined || patch.disabled === true) {
    await db.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [id])
  }
  return parseUserRow(row)
}

/**
 * Deletes a user with their memberships and sessions. Refused while an OAuth2 client acts as the
 * user: the client would lose its permissions silently, so it must be changed or deleted first.
 */
export async function deleteUser(db: Queryable, tenantId: number, id: number): Promise<void> {
  const user = await getUser(db, tenantId, id)
  const clients = await db.query<{ name: string; client_id: string }>(
    'SELECT name, client_id FROM oauth_clients WHERE context_user_id = $1 ORDER BY id',
    [id],
  )
  if (clients.length) {
    const names = clients.map((c) => `'${c.name}' (client id ${c.client_id})`).join(', ')
    throw new ConflictError(
      `user '${user.username}' is the context user of the OAuth client ${names}: give the client another context user or delete it first`,
    )
  }
  try {
    await db.query('DELETE FROM users WHERE tenant_id = $1 AND id = $2', [tenantId, id])
  } catch (error) {
    // A client created between the check and the delete: the foreign key still refuses it.
    if (isForeignKeyViolation(error)) {
      throw new ConflictError(`user '${user.username}' is still referenced (by an OAuth client); try again`)
    }
    throw error
  }
}

/**
 * The enabled user with this username (any case) and password, or undefined. An unknown username
 * still costs one Argon2 verification, so timing does not reveal which usernames exist.
 */
export async function authenticateUser(
  db: Queryable,
  tenantId: number,
  username: string,
  password: string,
): Promise<User | undefined> {
  const [row] = await db.query<UserRow & { password_hash: string }>(
    `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE tenant_id = $1 AND lower(username) = lower($2)`,
    [tenantId, username],
  )
  const matches = await verifySecret(row?.password_hash, password)
  if (!row || !matches || row.disabled) return undefined
  return parseUserRow(row)
}
