/**
 * Who is making a request. Every handler receives it and passes it to its service, which scopes
 * what it reads and writes by it. Until sign-in and tokens exist, every request is the anonymous
 * caller of the default tenant.
 */
export interface Caller {
  tenantId: number
  principal: { kind: 'anonymous' }
}

export const DEFAULT_TENANT_ID = 1

export function anonymousCaller(tenantId = DEFAULT_TENANT_ID): Caller {
  return { tenantId, principal: { kind: 'anonymous' } }
}
