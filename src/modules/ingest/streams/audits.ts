import Type from 'typebox'
import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES, type CatalogEntry } from '../../audit/catalog.js'
import {
  EventError,
  EventSchema,
  ID,
  Instant,
  MAX_JSON_BYTES,
  NAME,
  POSITIVE_ID,
  TEXT,
  defineStream,
  toUtc,
} from '../stream.js'

const FieldChange = Type.Object(
  {
    fieldId: Type.Optional(Type.Integer({ ...POSITIVE_ID, description: 'Artifact ID of the field' })),
    field: Type.String({ ...NAME, description: 'Field name' }),
    oldValue: Type.Union([Type.String(TEXT), Type.Number(), Type.Boolean(), Type.Null()]),
    newValue: Type.Union([Type.String(TEXT), Type.Number(), Type.Boolean(), Type.Null()]),
  },
  { additionalProperties: false },
)

/** The pinned `audits` shape of INGEST.md. */
export const AuditEvent = EventSchema(
  {
    workspaceId: Type.Integer({ ...ID, description: 'Workspace artifact id; -1 is the instance level' }),
    timestamp: Instant('When the audited action happened'),
    action: Type.Optional(Type.String({ ...NAME, description: 'Action name from the action catalog' })),
    actionId: Type.Optional(Type.Integer({ ...ID, description: 'Action id, instead of its name' })),
    objectType: Type.Optional(Type.String({ ...NAME, description: 'Object type name' })),
    objectTypeId: Type.Optional(Type.Integer({ ...ID, description: 'Object type id, instead of its name' })),
    artifactId: Type.Integer({ ...ID, description: 'Artifact id of the audited object' }),
    artifactName: Type.String({ maxLength: 1024 }),
    userId: Type.Integer(ID),
    userName: Type.String({ maxLength: 1024 }),
    executionTimeMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295 })),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Any JSON object' })),
    changes: Type.Optional(Type.Array(FieldChange, { maxItems: 10_000 })),
  },
  'One audit record. The server assigns the Audit ID.',
)

const asText = (value: string | number | boolean | null) => (value === null ? null : String(value))

export const auditsStream = defineStream({
  name: 'audits',
  table: 'audits',
  timeColumn: 'timestamp',
  summary: 'Audit records of a workspace or of the instance (-1)',
  schema: AuditEvent,
  assignedId: { counter: 'audit_id', column: 'audit_id' },
  toRow(event, tenantId) {
    const action = resolve(ACTIONS, 'action', event.actionId, event.action)
    const objectType = resolve(OBJECT_TYPES, 'objectType', event.objectTypeId, event.objectType)
    const changes = event.changes ?? []
    // One pass over the changes for the four parallel arrays.
    const fieldIds: number[] = []
    const fields: string[] = []
    const oldValues: (string | null)[] = []
    const newValues: (string | null)[] = []
    for (const change of changes) {
      fieldIds.push(change.fieldId ?? 0)
      fields.push(change.field)
      oldValues.push(asText(change.oldValue))
      newValues.push(asText(change.newValue))
    }
    const details = event.details ? JSON.stringify(event.details) : ''
    if (Buffer.byteLength(details) > MAX_JSON_BYTES)
      throw new EventError(`details: larger than ${MAX_JSON_BYTES} bytes of JSON`)
    return {
      tenant_id: tenantId,
      workspace_id: event.workspaceId,
      timestamp: toUtc(event.timestamp),
      action_id: action,
      object_type_id: objectType,
      artifact_id: event.artifactId,
      artifact_name: event.artifactName,
      user_id: event.userId,
      user_name: event.userName,
      execution_time_ms: event.executionTimeMs ?? 0,
      details,
      change_field_ids: fieldIds,
      change_fields: fields,
      change_old_values: oldValues,
      change_new_values: newValues,
      // SEMANTICS.md: SizeInBytes sums the byte length of each record's canonical JSON as ingested.
      size_bytes: Buffer.byteLength(JSON.stringify(event)),
      ingest_key: event.id ?? '',
    }
  },
})

/** A catalog indexed by id and by lower-cased name: every event looks up two entries. */
interface CatalogIndex {
  byId: ReadonlyMap<number, CatalogEntry>
  byName: ReadonlyMap<string, CatalogEntry>
}

const indexCatalog = (catalog: readonly CatalogEntry[]): CatalogIndex => ({
  byId: new Map(catalog.map((entry) => [entry.id, entry])),
  byName: new Map(catalog.map((entry) => [entry.name.toLowerCase(), entry])),
})
const ACTIONS = indexCatalog(AUDIT_ACTIONS)
const OBJECT_TYPES = indexCatalog(AUDIT_OBJECT_TYPES)

function resolve(
  catalog: CatalogIndex,
  field: string,
  id: number | undefined,
  name: string | undefined,
): number {
  if (id === undefined && name === undefined) throw new EventError(`${field}: give ${field} or ${field}Id`)
  if (id !== undefined && name !== undefined)
    throw new EventError(`${field}: give ${field} or ${field}Id, not both`)
  const entry = id !== undefined ? catalog.byId.get(id) : catalog.byName.get(name!.toLowerCase())
  if (!entry) {
    throw new EventError(
      id !== undefined
        ? `${field}Id: ${id} is not in the ${field} catalog`
        : `${field}: '${name}' is not in the ${field} catalog`,
    )
  }
  return entry.id
}
