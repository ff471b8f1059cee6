import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES } from './catalog.js'

/** The audit columns every read selects, in one place so row parsing and SQL agree. */
export const AUDIT_RECORD_COLUMNS = [
  'audit_id',
  'workspace_id',
  'timestamp',
  'action_id',
  'object_type_id',
  'artifact_id',
  'artifact_name',
  'user_id',
  'user_name',
  'execution_time_ms',
  'details',
  'change_field_ids',
  'change_fields',
  'change_old_values',
  'change_new_values',
] as const

/** A row as the warehouse returns it (64-bit integers as text, instants as ISO text). */
export interface AuditRow {
  audit_id: string
  workspace_id: string
  timestamp: string
  action_id: number
  object_type_id: number
  artifact_id: string
  artifact_name: string
  user_id: string
  user_name: string
  execution_time_ms: number
  details: string
  change_field_ids: string[]
  change_fields: string[]
  change_old_values: (string | null)[]
  change_new_values: (string | null)[]
}

export interface FieldChange {
  fieldId: number
  field: string
  oldValue: string | null
  newValue: string | null
}

/** An audit record as services see it. */
export interface AuditRecord {
  auditId: string
  workspaceId: number
  timestamp: Date
  actionId: number
  actionName: string
  objectTypeId: number
  objectTypeName: string
  artifactId: number
  artifactName: string
  userId: number
  userName: string
  executionTimeMs: number
  /** The details JSON as ingested, or undefined when the audit has none. */
  detailsJson: string | undefined
  changes: FieldChange[]
}

const actionNames = new Map<number, string>(AUDIT_ACTIONS.map((a) => [a.id, a.name]))
const objectTypeNames = new Map<number, string>(AUDIT_OBJECT_TYPES.map((t) => [t.id, t.name]))

export function parseAuditRow(row: AuditRow): AuditRecord {
  return {
    auditId: row.audit_id,
    workspaceId: Number(row.workspace_id),
    timestamp: new Date(row.timestamp),
    actionId: row.action_id,
    actionName: actionNames.get(row.action_id) ?? String(row.action_id),
    objectTypeId: row.object_type_id,
    objectTypeName: objectTypeNames.get(row.object_type_id) ?? String(row.object_type_id),
    artifactId: Number(row.artifact_id),
    artifactName: row.artifact_name,
    userId: Number(row.user_id),
    userName: row.user_name,
    executionTimeMs: row.execution_time_ms,
    detailsJson: row.details === '' ? undefined : row.details,
    changes: row.change_fields.map((field, i) => ({
      fieldId: Number(row.change_field_ids[i] ?? 0),
      field,
      oldValue: row.change_old_values[i] ?? null,
      newValue: row.change_new_values[i] ?? null,
    })),
  }
}

/** The documents' DateTime format: UTC without an offset, milliseconds kept (`2019-04-26T15:56:53.427`). */
export function formatAuditTime(instant: Date): string {
  return instant.toISOString().slice(0, -1)
}
