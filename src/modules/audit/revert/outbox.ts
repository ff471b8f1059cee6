import { ValidationError } from '../../../errors.js'
import type { Queryable } from '../../../store/control/driver.js'

/**
 * The outbox (control-plane table `audit_outbox`, migration 0004): what Tally tells the system of
 * record. Tally's view of a document changes when a revert audit is stored, but the document itself
 * lives in the platform; each revert therefore records an event the platform applies. Delivery is
 * at least once: by polling (`GET /admin/v1/outbox`, keyset by id) and, when a webhook is set, by a
 * push per event (job kind 'outbox.deliver'). Receivers deduplicate by the event id.
 */
export const AUDIT_REVERTED = 'audit.reverted'

const RECORD_BLOCK = 1000

export interface AuditRevertedPayload {
  workspaceId: number
  documentArtifactId: number
  /** The values to write back: the reverted audit's old values. */
  changes: { field: string; fieldId: number; value: string | null }[]
  /** The Update - Revert (or Mass Revert) audit that records the revert. */
  revertAuditId: string
  revertedAuditId: string
}

export interface OutboxEvent {
  id: number
  tenantId: number
  kind: string
  payload: unknown
  createdAt: Date
  deliveredAt: Date | null
  attempts: number
  lastError: string | null
}

interface OutboxRow {
  id: number | string
  tenant_id: number
  kind: string
  payload: unknown
  created_at: Date | string
  delivered_at: Date | string | null
  attempts: number
  last_error: string | null
}

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value))

function parseOutboxRow(row: OutboxRow): OutboxEvent {
  return {
    id: Number(row.id),
    tenantId: Number(row.tenant_id),
    kind: row.kind,
    payload: row.payload,
    createdAt: toDate(row.created_at),
    deliveredAt: row.delivered_at === null ? null : toDate(row.delivered_at),
    attempts: Number(row.attempts),
    lastError: row.last_error,
  }
}

/**
 * Records one `audit.reverted` event per payload and returns the ids of the rows written. A payload
 * whose reverted audit already has its event (a retried revert) is skipped, not written twice.
 */
export async function recordRevertEvents(
  db: Queryable,
  tenantId: number,
  payloads: readonly AuditRevertedPayload[],
): Promise<number[]> {
  const ids: number[] = []
  // One statement per block of events: a mass revert records up to RevertMaxAuditCount of them.
  for (let i = 0; i < payloads.length; i += RECORD_BLOCK) {
    const block = payloads.slice(i, i + RECORD_BLOCK).map((payload) => JSON.stringify(payload))
    const rows = await db.query<{ id: number | string }>(
      `INSERT INTO audit_outbox (tenant_id, kind, payload)
       SELECT $1, $2, payload::jsonb FROM unnest($3::text[]) WITH ORDINALITY AS t (payload, n) ORDER BY n
       ON CONFLICT DO NOTHING RETURNING id`,
      [tenantId, AUDIT_REVERTED, block],
    )
    ids.push(...rows.map((row) => Number(row.id)).sort((a, b) => a - b))
  }
  return ids
}

export interface ListOutboxInput {
  tenantId: number
  /** Keyset paging: events with a larger id than this (the last id of the previous page). */
  afterId?: number
  limit: number
  /** true: delivered ones only; false: undelivered ones only; absent: all. */
  delivered?: boolean
}

export const MAX_OUTBOX_PAGE = 1000

/** A tenant's events in id order (oldest first). */
export async function listOutboxEvents(db: Queryable, input: ListOutboxInput): Promise<OutboxEvent[]> {
  if (!(Number.isInteger(input.limit) && input.limit >= 1 && input.limit <= MAX_OUTBOX_PAGE)) {
    throw new ValidationError(`limit: must be a whole number from 1 to ${MAX_OUTBOX_PAGE}`)
  }
  const rows = await db.query<OutboxRow>(
    `SELECT * FROM audit_outbox
     WHERE tenant_id = $1 AND id > $2
       AND ($3::boolean IS NULL OR (delivered_at IS NOT NULL) = $3::boolean)
     ORDER BY id
     LIMIT $4`,
    [input.tenantId, input.afterId ?? 0, input.delivered ?? null, input.limit],
  )
  return rows.map(parseOutboxRow)
}

export async function getOutboxEvent(
  db: Queryable,
  tenantId: number,
  id: number,
): Promise<OutboxEvent | undefined> {
  const [row] = await db.query<OutboxRow>('SELECT * FROM audit_outbox WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
  ])
  return row && parseOutboxRow(row)
}

/** Counts a delivery attempt: delivered when `error` is null, else its failure is kept. */
export async function recordDeliveryAttempt(db: Queryable, id: number, error: string | null): Promise<void> {
  await db.query(
    `UPDATE audit_outbox SET attempts = attempts + 1, last_error = $2,
       delivered_at = CASE WHEN $2::text IS NULL THEN COALESCE(delivered_at, now()) ELSE delivered_at END
     WHERE id = $1`,
    [id, error],
  )
}

/** Undelivered events of a tenant with no delivery job waiting or running (for a new webhook). */
export async function undeliveredWithoutJob(
  db: Queryable,
  tenantId: number,
  jobKind: string,
  limit: number,
): Promise<number[]> {
  const rows = await db.query<{ id: number | string }>(
    `SELECT o.id FROM audit_outbox o
     WHERE o.tenant_id = $1 AND o.delivered_at IS NULL
       AND NOT EXISTS (
         SELECT 1 FROM jobs j
         WHERE j.tenant_id = o.tenant_id AND j.kind = $2 AND j.status IN ('queued', 'running')
           AND j.payload ->> 'outboxId' = o.id::text)
     ORDER BY o.id
     LIMIT $3`,
    [tenantId, jobKind, limit],
  )
  return rows.map((row) => Number(row.id))
}
