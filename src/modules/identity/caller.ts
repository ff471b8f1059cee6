import { AppError, ForbiddenError } from '../../errors.js'
import { EXPLICIT_ONLY, type Grant, type Permission, type ScopeKind } from './permissions.js'

/** Who is acting: a person, an OAuth2 client (with its context user's rights), or Tally itself. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: number; username: string; isSystemAdmin: boolean; sessionCsrf?: string }
  | { kind: 'client'; clientId: string; userId: number; username: string; isSystemAdmin: boolean }
  /** Tally's own work: the CLI on its own data directory, the demo loader, background jobs. */
  | { kind: 'system' }

export interface ScopeRef {
  kind: ScopeKind
  value: string
}

/**
 * What a principal may do, from the grants of its groups. System administrators hold Administrator,
 * which implies every permission except the explicit-only ones.
 */
export class Access {
  private readonly administrator: boolean

  constructor(
    private readonly grants: readonly Grant[],
    isSystemAdmin: boolean,
    private readonly everything = false,
  ) {
    this.administrator = everything || isSystemAdmin || grants.some((g) => g.permission === 'Administrator')
  }

  static none(): Access {
    return new Access([], false)
  }

  static all(): Access {
    return new Access([], true, true)
  }

  /**
   * True when a grant of `permission` covers the instance or one of `scopes` (say, a workspace and
   * its client domain). Without scopes, only an instance-wide grant counts.
   */
  has(permission: Permission, scopes: readonly ScopeRef[] = []): boolean {
    if (this.everything) return true
    if (this.administrator && !EXPLICIT_ONLY.has(permission)) return true
    return this.grants.some(
      (g) =>
        g.permission === permission &&
        (g.scopeKind === 'instance' ||
          scopes.some((s) => s.kind === g.scopeKind && s.value === g.scopeValue)),
    )
  }

  /** The scoped grants of `permission` (for listing only what a caller may see). */
  scopesOf(permission: Permission): { instanceWide: boolean; scopes: ScopeRef[] } {
    if (this.has(permission)) return { instanceWide: true, scopes: [] }
    return {
      instanceWide: false,
      scopes: this.grants
        .filter((g) => g.permission === permission && g.scopeKind !== 'instance')
        .map((g) => ({ kind: g.scopeKind, value: g.scopeValue })),
    }
  }
}

export interface Caller {
  tenantId: number
  principal: Principal
  access: Access
}

export const DEFAULT_TENANT_ID = 1

export function anonymousCaller(tenantId = DEFAULT_TENANT_ID): Caller {
  return { tenantId, principal: { kind: 'anonymous' }, access: Access.none() }
}

export function systemCaller(tenantId = DEFAULT_TENANT_ID): Caller {
  return { tenantId, principal: { kind: 'system' }, access: Access.all() }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Sign in or send a bearer token') {
    super('unauthenticated', 401, message)
  }
}

/**
 * Throws unless the caller holds `permission` for one of `scopes`: 401 when nobody is signed in,
 * 403 naming the permission otherwise. Services call this; handlers never decide access.
 */
export function requirePermission(
  caller: Caller,
  permission: Permission,
  scopes: readonly ScopeRef[] = [],
): void {
  if (caller.principal.kind === 'anonymous') throw new UnauthenticatedError()
  if (!caller.access.has(permission, scopes)) {
    const where = scopes.length
      ? ` for ${scopes.map((s) => `${s.kind.replace('_', ' ')} ${s.value}`).join(' or ')}`
      : ''
    throw new ForbiddenError(`this needs the '${permission}' permission${where}`)
  }
}
