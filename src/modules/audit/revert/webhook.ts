import { createHmac } from 'node:crypto'
import { enqueueJob } from '../../../jobs/queue.js'
import type { JobContext, JobRegistry } from '../../../jobs/registry.js'
import type { Queryable } from '../../../store/control/driver.js'
import type { Stores } from '../../../store/stores.js'
import { getOutboxEvent, recordDeliveryAttempt, undeliveredWithoutJob, type OutboxEvent } from './outbox.js'
import { getWebhookTarget } from './revert-settings.js'

/** The job kind that pushes one outbox event to the tenant's webhook. */
export const OUTBOX_DELIVER_JOB = 'outbox.deliver'

/**
 * Attempts per event before its job fails for good: with the runner's backoff (2^n s, capped at
 * 10 min, equal jitter) 25 attempts span about 2 hours. An event that runs out stays undelivered
 * in the outbox, where polling finds it; setting the webhook again enqueues it once more.
 */
export const OUTBOX_DELIVER_MAX_ATTEMPTS = 25
/** One POST may take this long; a receiver that hangs counts as a failed attempt. */
export const WEBHOOK_TIMEOUT_MS = 10_000
/** Events a PUT of the webhook enqueues at most; PUT again to enqueue the rest. */
export const WEBHOOK_BACKFILL_LIMIT = 10_000

export const SIGNATURE_HEADER = 'X-Tally-Signature'
export const EVENT_ID_HEADER = 'X-Tally-Event-Id'

export interface DeliverPayload {
  outboxId: number
}

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes, keyed with the shared secret. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`
}

/** The JSON a webhook receives for one event. */
export function webhookBody(event: OutboxEvent): string {
  return JSON.stringify({
    id: event.id,
    kind: event.kind,
    createdAt: event.createdAt.toISOString(),
    payload: event.payload,
  })
}

/** Enqueues a delivery job per event when the tenant has a webhook; returns how many. */
export async function enqueueDeliveries(
  db: Queryable,
  tenantId: number,
  outboxIds: number[],
): Promise<number> {
  if (outboxIds.length === 0 || !(await getWebhookTarget(db, tenantId))) return 0
  for (const outboxId of outboxIds) {
    await enqueueJob(db, {
      tenantId,
      kind: OUTBOX_DELIVER_JOB,
      payload: { outboxId } satisfies DeliverPayload,
    })
  }
  return outboxIds.length
}

/** After a webhook is set: delivery jobs for the events not delivered yet that have none. */
export async function enqueueBacklog(db: Queryable, tenantId: number): Promise<number> {
  const ids = await undeliveredWithoutJob(db, tenantId, OUTBOX_DELIVER_JOB, WEBHOOK_BACKFILL_LIMIT)
  return enqueueDeliveries(db, tenantId, ids)
}

export interface DeliveryOptions {
  stores: Stores
  timeoutMs?: number
}

/**
 * Posts one outbox event to the tenant's webhook. A 2xx marks it delivered; anything else (another
 * status, a refused connection, a timeout) is recorded on the event and thrown, so the job runner
 * retries with its backoff. Redirects are not followed: a 3xx is a failure.
 */
export async function deliverOutboxEvent(
  payload: DeliverPayload,
  ctx: JobContext,
  options: DeliveryOptions,
): Promise<{ delivered: boolean; status?: number; skipped?: string }> {
  const db = options.stores.control
  const event = await getOutboxEvent(db, ctx.job.tenantId, Number(payload.outboxId))
  if (!event) return { delivered: false, skipped: 'the event no longer exists' }
  if (event.deliveredAt) return { delivered: true, skipped: 'already delivered' }
  const target = await getWebhookTarget(db, ctx.job.tenantId)
  if (!target) return { delivered: false, skipped: 'no webhook is set' }

  const body = webhookBody(event)
  let status: number | undefined
  let failure: string | null = null
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tally-Webhook/1',
        [SIGNATURE_HEADER]: signWebhookBody(target.secret, body),
        [EVENT_ID_HEADER]: String(event.id),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_TIMEOUT_MS)]),
    })
    status = response.status
    await response.body?.cancel().catch(() => undefined)
    if (status < 200 || status >= 300) failure = `the webhook answered HTTP ${status}`
  } catch (error) {
    // Shutdown or a lost lease: the runner hands the job on; this attempt says nothing of the receiver.
    if (ctx.signal.aborted) throw error
    failure = `the webhook could not be reached: ${describeFetchError(error)}`
  }
  await recordDeliveryAttempt(db, event.id, failure)
  if (failure) throw new Error(failure)
  return { delivered: true, status }
}

/** Registers the 'outbox.deliver' job kind; returns the registry for chaining. */
export function registerOutboxDelivery(registry: JobRegistry, options: DeliveryOptions): JobRegistry {
  return registry.register<DeliverPayload>(
    OUTBOX_DELIVER_JOB,
    (payload, ctx) => deliverOutboxEvent(payload, ctx, options),
    { maxAttempts: OUTBOX_DELIVER_MAX_ATTEMPTS, timeoutMs: (options.timeoutMs ?? WEBHOOK_TIMEOUT_MS) * 3 },
  )
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (error.name === 'TimeoutError') return 'no answer in time'
  const code = (error.cause as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : error.message
}
