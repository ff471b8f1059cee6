import type { Queryable } from '../../store/control/driver.js'
import { requirePermission, type Caller, type ScopeRef } from './caller.js'
import type { Permission } from './permissions.js'

/** The instance level in the audit API: audits that belong to no workspace. */
export const INSTANCE_WORKSPACE_ID = -1

/**
 * The scopes a workspace falls under: itself and, when Tally knows the workspace, its client
 * domain. A grant on either (or instance-wide) covers it.
 */
export async function workspaceScopes(
  db: Queryable,
  tenantId: number,
  workspaceId: number,
): Promise<ScopeRef[]> {
  const [row] = await db.query<{ client_domain: string }>(
    'SELECT client_domain FROM workspaces WHERE tenant_id = $1 AND artifact_id = $2',
    [tenantId, workspaceId],
  )
  const scopes: ScopeRef[] = [{ kind: 'workspace', value: String(workspaceId) }]
  if (row?.client_domain) scopes.push({ kind: 'client_domain', value: row.client_domain })
  return scopes
}

/**
 * Throws unless the caller may act on `workspaceId` with `permission` (Workspace Access by
 * default). The instance level (-1) needs Instance Audit Access instead.
 */
export async function requireWorkspacePermission(
  db: Queryable,
  caller: Caller,
  workspaceId: number,
  permission: Permission = 'Workspace Access',
): Promise<void> {
  if (workspaceId === INSTANCE_WORKSPACE_ID && permission === 'Workspace Access') {
    requirePermission(caller, 'Instance Audit Access')
    return
  }
  requirePermission(caller, permission, await workspaceScopes(db, caller.tenantId, workspaceId))
}
