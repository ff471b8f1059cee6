import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES, type CatalogEntry } from './catalog.js'

/**
 * The audit field catalog: every field a client can name in a condition, a field list, a sort or a
 * pivot. Conditions, the query API, the pivot and the docs all read this one table; the SQL they
 * emit for a field comes only from `sql` / `choiceSql` here, never from request text.
 *
 * | Name                | ArtifactID | kind      | reads (SQL)                     | FieldType | sort | pivot |
 * |---------------------|-----------:|-----------|---------------------------------|----------:|:----:|:-----:|
 * | Audit ID            |       1001 | id        | audit_id                        |         0 |      |       |
 * | Artifact ID         |       1002 | number    | artifact_id                     |         1 |      |       |
 * | Object ArtifactID   |       1003 | number    | artifact_id                     |         1 |      |       |
 * | Object Name         |       1004 | text      | artifact_name                   |         0 |      |       |
 * | Object Type         |       1005 | choice    | object_type_id                  |         5 |      |   ✓   |
 * | Action              |       1006 | choice    | action_id                       |         5 |      |   ✓   |
 * | Timestamp           |       1007 | timestamp | timestamp                       |         2 |  ✓   |   ✓   |
 * | User Name           |       1008 | choice    | user_name (CHOICE n: user_id)   |         5 |      |   ✓   |
 * | User ID             |       1009 | number    | user_id                         |         1 |      |       |
 * | Execution Time (ms) |       1010 | number    | execution_time_ms               |         1 |  ✓   |       |
 * | Details             |       1011 | text      | details                         |         4 |      |       |
 * | Field               |       1012 | multiText | change_fields                   |         0 |      |       |
 * | Old Value           |       1013 | multiText | change_old_values               |         4 |      |       |
 * | New Value           |       1014 | multiText | change_new_values               |         4 |      |       |
 *
 * ArtifactIDs are Tally's own (the original's are per-instance); they never change once released.
 */

/** Relativity FieldType values used in responses (FixedLengthText 0, WholeNumber 1, Date 2, LongText 4, SingleChoice 5). */
export const FIELD_TYPE = {
  FixedLengthText: 0,
  WholeNumber: 1,
  Date: 2,
  LongText: 4,
  SingleChoice: 5,
} as const
export type FieldTypeValue = (typeof FIELD_TYPE)[keyof typeof FIELD_TYPE]

/**
 * The `audits` columns fields may read, with their ClickHouse types (the migration's, without
 * LowCardinality, which is storage only). Integer parameters are bound with the column's own type so
 * the engine never sees a value it would have to convert.
 */
export const AUDIT_COLUMNS = {
  audit_id: 'UInt64',
  timestamp: "DateTime64(3, 'UTC')",
  action_id: 'UInt16',
  object_type_id: 'UInt32',
  artifact_id: 'Int64',
  artifact_name: 'String',
  user_id: 'Int64',
  user_name: 'String',
  execution_time_ms: 'UInt32',
  details: 'String',
  change_fields: 'Array(String)',
  change_old_values: 'Array(Nullable(String))',
  change_new_values: 'Array(Nullable(String))',
} as const
export type AuditColumn = keyof typeof AUDIT_COLUMNS
export type IntegerColumn = {
  [C in AuditColumn]: (typeof AUDIT_COLUMNS)[C] extends `${'U' | ''}Int${number}` ? C : never
}[AuditColumn]

/**
 * id: a whole number that also matches as text (Audit ID is FixedLengthText in responses);
 * number: a whole number; text: one string; timestamp: an instant; choice: a choice id (`CHOICE n`)
 * or its display name; multiText: a list of strings that matches when any element matches.
 */
export type AuditFieldKind = 'id' | 'number' | 'text' | 'timestamp' | 'choice' | 'multiText'

export interface AuditField {
  /** As the document spells it; names are matched case-insensitively. */
  readonly name: string
  /** What clients use as the field's ArtifactID (field lists, pivot GroupBy / PivotOn). */
  readonly artifactId: number
  readonly kind: AuditFieldKind
  /** The `audits` column the field reads: its SQL expression and the key the evaluator reads. */
  readonly sql: AuditColumn
  /** Choice fields: the id column that `CHOICE n` compares with. */
  readonly choiceSql?: IntegerColumn
  /** Action and Object Type: the catalog naming their choices; text comparisons match those names. */
  readonly choices?: readonly CatalogEntry[]
  /** Only Timestamp and Execution Time (ms) can be sorted (SEMANTICS.md). */
  readonly sortable: boolean
  /** The pivot groups by Timestamp (day), Action, Object Type and User Name only (the document). */
  readonly pivotable: boolean
  readonly fieldType: FieldTypeValue
  readonly description: string
}

const field = (
  f: Omit<AuditField, 'sortable' | 'pivotable'> & Partial<Pick<AuditField, 'sortable' | 'pivotable'>>,
): AuditField => ({ sortable: false, pivotable: false, ...f })

export const AUDIT_FIELDS: readonly AuditField[] = [
  field({
    name: 'Audit ID',
    artifactId: 1001,
    kind: 'id',
    sql: 'audit_id',
    fieldType: FIELD_TYPE.FixedLengthText,
    description: 'Unique id of the audit record, increasing with ingestion order',
  }),
  field({
    name: 'Artifact ID',
    artifactId: 1002,
    kind: 'number',
    sql: 'artifact_id',
    fieldType: FIELD_TYPE.WholeNumber,
    description: 'Artifact ID of the audited artifact',
  }),
  field({
    name: 'Object ArtifactID',
    artifactId: 1003,
    kind: 'number',
    sql: 'artifact_id',
    fieldType: FIELD_TYPE.WholeNumber,
    description: 'Artifact ID of the audited artifact (the same value as Artifact ID)',
  }),
  field({
    name: 'Object Name',
    artifactId: 1004,
    kind: 'text',
    sql: 'artifact_name',
    fieldType: FIELD_TYPE.FixedLengthText,
    description: 'Name of the audited artifact',
  }),
  field({
    name: 'Object Type',
    artifactId: 1005,
    kind: 'choice',
    sql: 'object_type_id',
    choiceSql: 'object_type_id',
    choices: AUDIT_OBJECT_TYPES,
    pivotable: true,
    fieldType: FIELD_TYPE.SingleChoice,
    description: 'Object type of the audited artifact; CHOICE n is object type id n',
  }),
  field({
    name: 'Action',
    artifactId: 1006,
    kind: 'choice',
    sql: 'action_id',
    choiceSql: 'action_id',
    choices: AUDIT_ACTIONS,
    pivotable: true,
    fieldType: FIELD_TYPE.SingleChoice,
    description: 'Audited action; CHOICE n is action id n',
  }),
  field({
    name: 'Timestamp',
    artifactId: 1007,
    kind: 'timestamp',
    sql: 'timestamp',
    sortable: true,
    pivotable: true,
    fieldType: FIELD_TYPE.Date,
    description: 'When the action happened (UTC, millisecond precision)',
  }),
  field({
    name: 'User Name',
    artifactId: 1008,
    kind: 'choice',
    sql: 'user_name',
    choiceSql: 'user_id',
    pivotable: true,
    fieldType: FIELD_TYPE.SingleChoice,
    description: "Name of the acting user; text compares the name, CHOICE n the user's artifact id",
  }),
  field({
    name: 'User ID',
    artifactId: 1009,
    kind: 'number',
    sql: 'user_id',
    fieldType: FIELD_TYPE.WholeNumber,
    description: 'Artifact ID of the acting user',
  }),
  field({
    name: 'Execution Time (ms)',
    artifactId: 1010,
    kind: 'number',
    sql: 'execution_time_ms',
    sortable: true,
    fieldType: FIELD_TYPE.WholeNumber,
    description: 'How long the action took, in milliseconds',
  }),
  field({
    name: 'Details',
    artifactId: 1011,
    kind: 'text',
    sql: 'details',
    fieldType: FIELD_TYPE.LongText,
    description: "The record's details as JSON text ('' when it has none)",
  }),
  field({
    name: 'Field',
    artifactId: 1012,
    kind: 'multiText',
    sql: 'change_fields',
    fieldType: FIELD_TYPE.FixedLengthText,
    description: 'Names of the fields the action changed; matches when any name matches',
  }),
  field({
    name: 'Old Value',
    artifactId: 1013,
    kind: 'multiText',
    sql: 'change_old_values',
    fieldType: FIELD_TYPE.LongText,
    description: 'Values before the change (null: was empty); matches when any value matches',
  }),
  field({
    name: 'New Value',
    artifactId: 1014,
    kind: 'multiText',
    sql: 'change_new_values',
    fieldType: FIELD_TYPE.LongText,
    description: 'Values after the change (null: now empty); matches when any value matches',
  }),
]

const byName = new Map(AUDIT_FIELDS.map((f) => [f.name.toLowerCase(), f]))
const byArtifactId = new Map(AUDIT_FIELDS.map((f) => [f.artifactId, f]))

/** The field with this name, ignoring case and surrounding spaces. */
export function findAuditField(name: string): AuditField | undefined {
  return byName.get(name.trim().toLowerCase())
}

/** The field with this ArtifactID (as clients send in field lists and pivot settings). */
export function findAuditFieldByArtifactId(artifactId: number): AuditField | undefined {
  return byArtifactId.get(artifactId)
}
