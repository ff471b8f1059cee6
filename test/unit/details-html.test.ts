import { describe, expect, it } from 'vitest'
import { escapeHtml, renderDetailsHtml } from '../../src/modules/audit/details-html.js'

describe('renderDetailsHtml', () => {
  it('renders changes as a table and details as pretty-printed JSON', () => {
    const html = renderDetailsHtml({
      auditId: '42',
      changes: [{ fieldId: 1, field: 'Responsiveness', oldValue: null, newValue: 'Responsive' }],
      detailsJson: '{"a":1}',
    })
    expect(html).toBe(
      '<div class="audit-details" data-audit-id="42">' +
        '<table class="audit-changes"><thead><tr><th>Field</th><th>Old Value</th><th>New Value</th></tr></thead><tbody>' +
        '<tr><td>Responsiveness</td><td class="audit-empty"></td><td>Responsive</td></tr></tbody></table>' +
        '<pre class="audit-detail-json">{\n  &quot;a&quot;: 1\n}</pre></div>',
    )
  })

  it('escapes every stored value', () => {
    const hostile = `<script>alert("x")</script>' onload='x`
    const html = renderDetailsHtml({
      auditId: '1',
      changes: [{ fieldId: 1, field: hostile, oldValue: hostile, newValue: '&amp;' }],
      detailsJson: JSON.stringify({ [hostile]: hostile }),
    })
    expect(html).not.toContain('<script>')
    expect(html).not.toContain(`' onload='`)
    expect(html).toContain('&amp;amp;')
    expect(escapeHtml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;')
  })

  it('renders an empty container for an audit without changes or details', () => {
    expect(renderDetailsHtml({ auditId: '7', changes: [], detailsJson: undefined })).toBe(
      '<div class="audit-details" data-audit-id="7"></div>',
    )
  })
})
