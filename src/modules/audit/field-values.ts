import { renderDetailsHtml } from './details-html.js'
import type { AuditField } from './fields.js'
import { formatAuditTime, type AuditRecord } from './records.js'

export interface ValueOptions {
  /** The Details field as the JSON text ingested, instead of HTML (`auditQueryOptions.returnRawDetails`). */
  rawDetails: boolean
  /** Numbers as strings (`convertNumberFieldValuesToString`). */
  numbersAsStrings: boolean
}

/**
 * One field's value of an audit record as the query endpoints return it. Audit ID is always text
 * (as the document shows); choices are their names; the change lists are one value per line.
 */
export function fieldValue(
  field: AuditField,
  audit: AuditRecord,
  options: ValueOptions,
): string | number | null {
  const number = (n: number) => (options.numbersAsStrings ? String(n) : n)
  switch (field.sql) {
    case 'audit_id':
      return audit.auditId
    case 'artifact_id':
      return number(audit.artifactId)
    case 'artifact_name':
      return audit.artifactName
    case 'object_type_id':
      return audit.objectTypeName
    case 'action_id':
      return audit.actionName
    case 'timestamp':
      return formatAuditTime(audit.timestamp)
    case 'user_name':
      return audit.userName
    case 'user_id':
      return number(audit.userId)
    case 'execution_time_ms':
      return number(audit.executionTimeMs)
    case 'details':
      if (!options.rawDetails) return renderDetailsHtml(audit)
      return audit.detailsJson ?? null
    case 'change_fields':
      return lines(audit.changes.map((c) => c.field))
    case 'change_old_values':
      return lines(audit.changes.map((c) => c.oldValue))
    case 'change_new_values':
      return lines(audit.changes.map((c) => c.newValue))
  }
}

/** A list of change values as text, one a line; null when the audit changed no field. */
function lines(values: (string | null)[]): string | null {
  return values.length === 0 ? null : values.map((v) => v ?? '').join('\n')
}
