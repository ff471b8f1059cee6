import type { AuditRecord } from './records.js'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string)
}

const cell = (value: string | null) =>
  value === null ? '<td class="audit-empty"></td>' : `<td>${escapeHtml(value)}</td>`

/**
 * The Details column as HTML for display (the audit document's default): the changed fields as a
 * table of old and new values, then the details object, pretty-printed. Every stored value is
 * escaped, so an audit can never inject markup into the page that shows it.
 */
export function renderDetailsHtml(audit: Pick<AuditRecord, 'auditId' | 'changes' | 'detailsJson'>): string {
  const parts = [`<div class="audit-details" data-audit-id="${escapeHtml(audit.auditId)}">`]
  if (audit.changes.length > 0) {
    parts.push(
      '<table class="audit-changes"><thead><tr><th>Field</th><th>Old Value</th><th>New Value</th></tr></thead><tbody>',
    )
    for (const change of audit.changes) {
      parts.push(
        `<tr><td>${escapeHtml(change.field)}</td>${cell(change.oldValue)}${cell(change.newValue)}</tr>`,
      )
    }
    parts.push('</tbody></table>')
  }
  if (audit.detailsJson !== undefined) {
    parts.push(
      `<pre class="audit-detail-json">${escapeHtml(JSON.stringify(JSON.parse(audit.detailsJson), null, 2))}</pre>`,
    )
  }
  parts.push('</div>')
  return parts.join('')
}
