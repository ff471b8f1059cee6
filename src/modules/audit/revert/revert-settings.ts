import { ValidationError } from '../../../errors.js'
import type { Queryable } from '../../../store/control/driver.js'
import { getOrCreateSetting } from '../../identity/settings.js'

/** The instance setting bounding a mass revert, as the audit document names it. */
export const REVERT_MAX_AUDIT_COUNT = 'RevertMaxAuditCount' as const
export const DEFAULT_REVERT_MAX_AUDIT_COUNT = 1000
/** The most the setting may be raised to: one mass revert reads and writes that many audits at once. */
export const REVERT_MAX_AUDIT_COUNT_CEILING = 100_000

export async function getRevertMaxAuditCount(db: Queryable): Promise<number> {
  const value = await getOrCreateSetting<unknown>(
    db,
    REVERT_MAX_AUDIT_COUNT,
    () => DEFAULT_REVERT_MAX_AUDIT_COUNT,
  )
  return typeof value === 'number' && Number.isInteger(value) && value >= 1
    ? value
    : DEFAULT_REVERT_MAX_AUDIT_COUNT
}

export async function setRevertMaxAuditCount(db: Queryable, value: number): Promise<number> {
  if (!Number.isInteger(value) || value < 1 || value > REVERT_MAX_AUDIT_COUNT_CEILING) {
    throw new ValidationError(
      `value: ${REVERT_MAX_AUDIT_COUNT} must be a whole number from 1 to ${REVERT_MAX_AUDIT_COUNT_CEILING}`,
    )
  }
  await putSetting(db, REVERT_MAX_AUDIT_COUNT, value)
  return value
}

/** Where a tenant's outbox events are pushed, and the secret their signature is made with. */
export interface WebhookTarget {
  url: string
  secret: string
}

// Outbox events belong to a tenant, so each tenant has its own target.
const webhookSetting = (tenantId: number) => `OutboxWebhook:${tenantId}`

export async function getWebhookTarget(db: Queryable, tenantId: number): Promise<WebhookTarget | undefined> {
  const [row] = await db.query<{ value: WebhookTarget }>('SELECT value FROM settings WHERE name = $1', [
    webhookSetting(tenantId),
  ])
  return row?.value
}

/** Only absolute http(s) URLs without credentials in them (the secret is what authenticates). */
export function checkWebhookUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ValidationError(`url: '${text}' is not an absolute URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ValidationError(`url: only http and https URLs can receive webhooks, not ${url.protocol}`)
  if (url.username || url.password)
    throw new ValidationError('url: leave credentials out of the URL; the signature authenticates deliveries')
  return url.toString()
}

export async function setWebhookTarget(
  db: Queryable,
  tenantId: number,
  target: WebhookTarget,
): Promise<void> {
  await putSetting(db, webhookSetting(tenantId), { url: checkWebhookUrl(target.url), secret: target.secret })
}

export async function clearWebhookTarget(db: Queryable, tenantId: number): Promise<void> {
  await db.query('DELETE FROM settings WHERE name = $1', [webhookSetting(tenantId)])
}

async function putSetting(db: Queryable, name: string, value: unknown): Promise<void> {
  await db.query(
    `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2::jsonb, now())
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [name, JSON.stringify(value)],
  )
}
