import { NotFoundError, ValidationError } from '../../errors.js'
import type { Queryable } from '../../store/control/driver.js'
import { PERMISSIONS, PERMISSION_NAMES, type Grant, type Permission, type ScopeKind } from './permissions.js'
import {
  checkName,
  conflictOnDuplicate,
  getUser,
  parseUserRow,
  toDate,
  USER_COLUMNS,
  type User,
  type UserRow,
} from './users.js'

/** A set of users; permissions are granted to groups, never to users directly. */
export interface Group {
  id: number
  tenantId: number
  name: string
  createdAt: Date
}

export interface GrantRecord extends Grant {
  id: number
  groupId: number
  createdAt: Date
}

interface GroupRow {
  id: number | string
  tenant_id: number | string
  name: string
  created_at: Date | string
}

interface GrantRow {
  id: number | string
  group_id: number | string
  permission: string
  scope_kind: string
  scope_value: string
  created_at: Date | string
}

const parseGroupRow = (row: GroupRow): Group => ({
  id: Number(row.id),
  tenantId: Number(row.tenant_id),
  name: row.name,
  createdAt: toDate(row.created_at),
})

const isPermission = (name: string): name is Permission => Object.hasOwn(PERMISSIONS, name)

// Rows only hold catalog permissions (grantPermission checks them), so the casts hold.
const parseGrantRow = (row: GrantRow): GrantRecord => ({
  id: Number(row.id),
  groupId: Number(row.group_id),
  permission: row.permission as Permission,
  scopeKind: row.scope_kind as ScopeKind,
  scopeValue: row.scope_value,
  createdAt: toDate(row.created_at),
})

export async function createGroup(db: Queryable, tenantId: number, name: string): Promise<Group> {
  checkName('name', name)
  const rows = await conflictOnDuplicate(
    () =>
      db.query<GroupRow>('INSERT INTO groups (tenant_id, name) VALUES ($1, $2) RETURNING *', [
        tenantId,
        name,
      ]),
    () => `a group named '${name}' already exists (group names ignore case)`,
  )
  return parseGroupRow(rows[0]!)
}

export async function listGroups(db: Queryable, tenantId: number): Promise<Group[]> {
  const rows = await db.query<GroupRow>('SELECT * FROM groups WHERE tenant_id = $1 ORDER BY id', [tenantId])
  return rows.map(parseGroupRow)
}

export async function getGroup(db: Queryable, tenantId: number, id: number): Promise<Group> {
  const [row] = await db.query<GroupRow>('SELECT * FROM groups WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
  ])
  if (!row) throw new NotFoundError(`group ${id}`)
  return parseGroupRow(row)
}

/** The group with this name (any case) in the tenant, or undefined. */
export async function findGroupByName(
  db: Queryable,
  tenantId: number,
  name: string,
): Promise<Group | undefined> {
  const [row] = await db.query<GroupRow>(
    'SELECT * FROM groups WHERE tenant_id = $1 AND lower(name) = lower($2)',
    [tenantId, name],
  )
  return row && parseGroupRow(row)
}

/** Deletes a group with its memberships and grants (the foreign keys cascade). */
export async function deleteGroup(db: Queryable, tenantId: number, id: number): Promise<void> {
  const rows = await db.query('DELETE FROM groups WHERE tenant_id = $1 AND id = $2 RETURNING id', [
    tenantId,
    id,
  ])
  if (!rows.length) throw new NotFoundError(`group ${id}`)
}

/** Adds a user to a group; adding a member again changes nothing. Both must be of the tenant. */
export async function addGroupMember(
  db: Queryable,
  tenantId: number,
  groupId: number,
  userId: number,
): Promise<void> {
  await getGroup(db, tenantId, groupId)
  await getUser(db, tenantId, userId)
  await db.query('INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    groupId,
    userId,
  ])
}

/** Removes a user from a group; a user who is not a member stays so, without an error. */
export async function removeGroupMember(
  db: Queryable,
  tenantId: number,
  groupId: number,
  userId: number,
): Promise<void> {
  await getGroup(db, tenantId, groupId)
  await getUser(db, tenantId, userId)
  await db.query('DELETE FROM group_members WHERE group_id = $1 AND user_id = $2', [groupId, userId])
}

export async function listGroupMembers(db: Queryable, tenantId: number, groupId: number): Promise<User[]> {
  await getGroup(db, tenantId, groupId)
  const columns = USER_COLUMNS.split(', ')
    .map((c) => `u.${c}`)
    .join(', ')
  const rows = await db.query<UserRow>(
    `SELECT ${columns} FROM users u JOIN group_members m ON m.user_id = u.id
     WHERE m.group_id = $1 AND u.tenant_id = $2 ORDER BY u.id`,
    [groupId, tenantId],
  )
  return rows.map(parseUserRow)
}

const SCOPE_VALUE_MEANING: Record<Exclude<ScopeKind, 'instance'>, string> = {
  client_domain: 'the client domain name',
  workspace: 'the workspace artifact id',
  product: 'the product id',
  folder: 'the folder id',
}

/**
 * Checks a grant against the permission catalog. Workspace ids must be canonical integers because
 * access checks compare scope values as text: '01018053' would never match workspace 1018053.
 */
function checkGrant(grant: Grant): Grant {
  const { permission, scopeKind } = grant
  const scopeValue = grant.scopeValue ?? ''
  if (typeof permission !== 'string' || !isPermission(permission)) {
    throw new ValidationError(
      `unknown permission '${permission}'; the permissions are: ${PERMISSION_NAMES.join(', ')}`,
      {
        path: 'permission',
      },
    )
  }
  const allowed: readonly ScopeKind[] = PERMISSIONS[permission].scopes
  if (!allowed.includes(scopeKind)) {
    throw new ValidationError(
      `'${permission}' cannot be granted at scope '${scopeKind}'; allowed scopes: ${allowed.join(', ')}`,
      { path: 'scopeKind' },
    )
  }
  if (typeof scopeValue !== 'string') {
    throw new ValidationError('scopeValue must be a string', { path: 'scopeValue' })
  }
  if (scopeKind === 'instance') {
    if (scopeValue !== '') {
      throw new ValidationError(`an instance-wide grant takes no scopeValue (got '${scopeValue}')`, {
        path: 'scopeValue',
      })
    }
    return { permission, scopeKind, scopeValue }
  }
  if (scopeValue.trim() === '' || scopeValue.length > 200) {
    throw new ValidationError(
      `a ${scopeKind} grant needs a scopeValue of 1 to 200 characters: ${SCOPE_VALUE_MEANING[scopeKind]}`,
      {
        path: 'scopeValue',
      },
    )
  }
  if (scopeKind === 'workspace' && !/^-?[1-9][0-9]{0,18}$/.test(scopeValue)) {
    throw new ValidationError(
      `a workspace grant's scopeValue must be a workspace artifact id such as 1018053 (got '${scopeValue}')`,
      {
        path: 'scopeValue',
      },
    )
  }
  return { permission, scopeKind, scopeValue }
}

/** Grants a permission to a group; granting the same permission at the same scope again returns the existing grant. */
export async function grantPermission(
  db: Queryable,
  tenantId: number,
  groupId: number,
  grant: Grant,
): Promise<GrantRecord> {
  const { permission, scopeKind, scopeValue } = checkGrant(grant)
  await getGroup(db, tenantId, groupId)
  const params = [groupId, permission, scopeKind, scopeValue]
  const [inserted] = await db.query<GrantRow>(
    `INSERT INTO grants (group_id, permission, scope_kind, scope_value) VALUES ($1, $2, $3, $4)
     ON CONFLICT (group_id, permission, scope_kind, scope_value) DO NOTHING RETURNING *`,
    params,
  )
  if (inserted) return parseGrantRow(inserted)
  const [existing] = await db.query<GrantRow>(
    'SELECT * FROM grants WHERE group_id = $1 AND permission = $2 AND scope_kind = $3 AND scope_value = $4',
    params,
  )
  return parseGrantRow(existing!)
}

export async function revokeGrant(
  db: Queryable,
  tenantId: number,
  groupId: number,
  grantId: number,
): Promise<void> {
  await getGroup(db, tenantId, groupId)
  const rows = await db.query('DELETE FROM grants WHERE group_id = $1 AND id = $2 RETURNING id', [
    groupId,
    grantId,
  ])
  if (!rows.length) throw new NotFoundError(`grant ${grantId} of group ${groupId}`)
}

export async function listGrants(db: Queryable, tenantId: number, groupId: number): Promise<GrantRecord[]> {
  await getGroup(db, tenantId, groupId)
  const rows = await db.query<GrantRow>('SELECT * FROM grants WHERE group_id = $1 ORDER BY id', [groupId])
  return rows.map(parseGrantRow)
}

/**
 * Every grant of every group the user belongs to, once each. A permission the catalog no longer
 * names is left out: an unknown grant allows nothing.
 */
export async function grantsOfUser(db: Queryable, userId: number): Promise<Grant[]> {
  const rows = await db.query<Pick<GrantRow, 'permission' | 'scope_kind' | 'scope_value'>>(
    `SELECT DISTINCT g.permission, g.scope_kind, g.scope_value
     FROM grants g JOIN group_members m ON m.group_id = g.group_id
     WHERE m.user_id = $1 ORDER BY g.permission, g.scope_kind, g.scope_value`,
    [userId],
  )
  return rows.flatMap((row) =>
    isPermission(row.permission)
      ? [{ permission: row.permission, scopeKind: row.scope_kind as ScopeKind, scopeValue: row.scope_value }]
      : [],
  )
}
