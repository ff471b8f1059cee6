/**
 * The audit action and object type catalogs. The ids the audit document shows are fixed (see
 * SEMANTICS.md); the mass-edit family uses the ids the original product assigns them.
 */
export const AUDIT_ACTIONS = [
  { id: 1, name: 'View' },
  { id: 2, name: 'Create' },
  { id: 3, name: 'Update' },
  { id: 4, name: 'Update - Mass Edit' },
  { id: 5, name: 'Update - Mass Replace' },
  { id: 6, name: 'Update - Propagation' },
  { id: 9, name: 'Delete' },
  { id: 10, name: 'Security' },
  { id: 25, name: 'Login' },
  { id: 26, name: 'Logout' },
  { id: 28, name: 'Document Query' },
  { id: 29, name: 'Query' },
  { id: 32, name: 'Import' },
  { id: 33, name: 'Export' },
  { id: 35, name: 'RelativityScriptExecution' },
  { id: 58, name: 'Update - Revert' },
  { id: 59, name: 'Update - Mass Revert' },
] as const

export const AUDIT_OBJECT_TYPES = [
  { id: 2, name: 'User' },
  { id: 3, name: 'Group' },
  { id: 4, name: 'View' },
  { id: 7, name: 'Choice' },
  { id: 8, name: 'Workspace' },
  { id: 9, name: 'Folder' },
  { id: 10, name: 'Document' },
  { id: 14, name: 'Field' },
  { id: 15, name: 'Search' },
  { id: 16, name: 'Layout' },
] as const

export const ACTION = Object.fromEntries(AUDIT_ACTIONS.map((a) => [a.name, a.id])) as {
  [A in (typeof AUDIT_ACTIONS)[number] as A['name']]: A['id']
}
export const OBJECT_TYPE = Object.fromEntries(AUDIT_OBJECT_TYPES.map((t) => [t.name, t.id])) as {
  [T in (typeof AUDIT_OBJECT_TYPES)[number] as T['name']]: T['id']
}

export interface CatalogEntry {
  id: number
  name: string
}
