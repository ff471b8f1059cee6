/**
 * The permission catalog: every named permission, the scopes it may be granted at, and what it
 * allows. Code, the admin API, docs and tests read this list; nothing else names permissions.
 */
export const SCOPE_KINDS = ['instance', 'client_domain', 'workspace', 'product', 'folder'] as const
export type ScopeKind = (typeof SCOPE_KINDS)[number]

export const PERMISSIONS = {
  Administrator: {
    scopes: ['instance'],
    description:
      'Everything, except View Instance-wide Usage Reports, which the usage reports document requires to be granted explicitly',
  },
  'Manage Users': {
    scopes: ['instance'],
    description: 'Create and change users, groups, grants and OAuth2 clients',
  },
  Ingest: { scopes: ['instance'], description: 'Send events and reference data to /ingest/v1' },
  'Server Management Read': {
    scopes: ['instance'],
    description: 'Read server management data, such as the integration usage export (with Administrator)',
  },
  'View Instance-wide Usage Reports': {
    scopes: ['instance'],
    description: 'Usage reports across every workspace, even without access to them',
  },
  'View Client Domain Usage Reports': {
    scopes: ['instance'],
    description: 'Usage reports across the workspaces the user can access',
  },
  'Workspace Access': {
    scopes: ['instance', 'client_domain', 'workspace'],
    description: 'Read a workspace and its audits: every workspace, those of a client domain, or one',
  },
  'Instance Audit Access': { scopes: ['instance'], description: 'Read instance-level audits (workspace -1)' },
  'Revert Audits': {
    scopes: ['instance', 'client_domain', 'workspace'],
    description: 'Revert audited changes in the workspaces it covers',
  },
  'View Reviewer Statistics': {
    scopes: ['instance', 'client_domain', 'workspace'],
    description: 'Reviewer statistics of the workspaces it covers',
  },
  'Usage Intelligence Access': {
    scopes: ['instance', 'product'],
    description: 'Usage intelligence reports of every product, or of one',
  },
  'Manage Event Tracking': {
    scopes: ['instance', 'product'],
    description: 'Set which events of a product are collected and which are in advanced tracking',
  },
  'Manage License Keys': {
    scopes: ['instance', 'product'],
    description: 'Change the license key registry of a product',
  },
  'Manage Tracking Files': {
    scopes: ['instance', 'product'],
    description: 'Turn a product’s raw data export on or off and build its tracking files on demand',
  },
  'Report Data Access': {
    scopes: ['instance', 'folder'],
    description: 'Credits, usage and audit report data of every folder, or of one',
  },
} as const satisfies Record<string, { scopes: readonly ScopeKind[]; description: string }>

export type Permission = keyof typeof PERMISSIONS
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[]

/** Administrator implies every permission but this one (the usage reports document's rule). */
export const EXPLICIT_ONLY: ReadonlySet<Permission> = new Set(['View Instance-wide Usage Reports'])

export interface Grant {
  permission: Permission
  scopeKind: ScopeKind
  /** '' for instance-wide grants; the client domain name, or the workspace, product or folder id. */
  scopeValue: string
}
