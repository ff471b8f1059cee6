import type { SqlQuery } from '../../../store/warehouse/warehouse.js'
import { OBJECT_TYPE } from '../catalog.js'
import { AUDIT_RECORD_COLUMNS } from '../records.js'
import { UPDATE_FAMILY_ACTIONS, type FieldState } from './revert-rules.js'

/**
 * Audits of one workspace by Audit ID (the audit_id minmax index skips the other granules). Ids are
 * bound as text: they may exceed 2^53, and a UInt64 array parameter does not parse quoted values.
 */
export function auditsByIdStatement(tenantId: number, workspaceId: number, auditIds: string[]): SqlQuery {
  return {
    query: `SELECT ${AUDIT_RECORD_COLUMNS.join(', ')} FROM audits
            WHERE tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64}
              AND audit_id IN (SELECT toUInt64(arrayJoin({auditIds:Array(String)})))`,
    params: { tenant: tenantId, workspace: workspaceId, auditIds },
    tag: 'audit:revert:read',
  }
}

/**
 * The current state of documents: for each (document, field), the most recent update-family change
 * (latest Timestamp, then latest Audit ID). argMax takes a tuple so that a change to an empty value
 * (NULL) still counts: aggregate functions skip NULL arguments, tuples holding one are not NULL.
 */
export function documentStateStatement(
  tenantId: number,
  workspaceId: number,
  artifactIds: number[],
): SqlQuery {
  return {
    query: `SELECT artifact_id, field, latest.1 AS latest_audit_id, latest.2 AS latest_at,
              latest.3 AS latest_value, latest.4 AS latest_field_id, latest.5 AS latest_key
            FROM (
              SELECT artifact_id, field,
                argMax((audit_id, timestamp, change_value, field_id, ingest_key), (timestamp, audit_id)) AS latest
              FROM audits
              ARRAY JOIN change_fields AS field, change_new_values AS change_value, change_field_ids AS field_id
              WHERE tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64}
                AND artifact_id IN (SELECT arrayJoin({artifacts:Array(Int64)}))
                AND object_type_id = {document:UInt32}
                AND action_id IN (SELECT arrayJoin({actions:Array(UInt16)}))
              GROUP BY artifact_id, field
            )
            ORDER BY artifact_id, field`,
    params: {
      tenant: tenantId,
      workspace: workspaceId,
      artifacts: artifactIds,
      document: OBJECT_TYPE.Document,
      actions: UPDATE_FAMILY_ACTIONS,
    },
    tag: 'audit:revert:state',
  }
}

export interface DocumentStateRow {
  artifact_id: string
  field: string
  latest_audit_id: string
  latest_at: string
  latest_value: string | null
  latest_field_id: string
  latest_key: string
}

export function parseDocumentStateRow(row: DocumentStateRow): FieldState {
  return {
    artifactId: Number(row.artifact_id),
    field: row.field,
    fieldId: Number(row.latest_field_id),
    value: row.latest_value,
    auditId: String(row.latest_audit_id),
    timestamp: new Date(row.latest_at),
    ingestKey: row.latest_key,
  }
}

/** The Audit IDs of the revert audits stored under these idempotency keys. */
export function auditIdsByKeyStatement(tenantId: number, workspaceId: number, keys: string[]): SqlQuery {
  return {
    query: `SELECT ingest_key, audit_id FROM audits
            WHERE tenant_id = {tenant:UInt32} AND workspace_id = {workspace:Int64}
              AND ingest_key IN (SELECT arrayJoin({keys:Array(String)}))`,
    params: { tenant: tenantId, workspace: workspaceId, keys },
    tag: 'audit:revert:ids',
  }
}
