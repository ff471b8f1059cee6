-- Outbound events for the system of record (see src/modules/audit/revert/outbox.ts). A revert
-- writes one row per reverted audit; the system of record polls GET /admin/v1/outbox (keyset by
-- id) or receives each row by webhook (job kind 'outbox.deliver'), and applies the change.
CREATE TABLE audit_outbox (
  id bigserial PRIMARY KEY,
  tenant_id integer NOT NULL REFERENCES tenants (id),
  kind text NOT NULL,
  -- 'audit.reverted': workspaceId, documentArtifactId, changes [{field, fieldId, value}],
  -- revertAuditId, revertedAuditId (Audit IDs as text, as the audit API serializes them).
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set when a webhook delivery got a 2xx; NULL while undelivered (or when only polled).
  delivered_at timestamptz,
  -- Webhook delivery attempts so far, and the last one's failure.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error text
);

-- Polling a tenant's events in id order.
CREATE INDEX audit_outbox_by_tenant ON audit_outbox (tenant_id, id);

-- An audit is reverted at most once (a later change makes it no longer the most recent), so one
-- event per reverted audit: a retried revert that finds its event written adds no second one.
CREATE UNIQUE INDEX audit_outbox_reverted_once ON audit_outbox (tenant_id, (payload ->> 'revertedAuditId'))
  WHERE kind = 'audit.reverted';
