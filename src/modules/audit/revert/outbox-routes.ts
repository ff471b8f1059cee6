import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { Stores } from '../../../store/stores.js'
import { requirePermission } from '../../identity/caller.js'
import { MAX_OUTBOX_PAGE, listOutboxEvents, type OutboxEvent } from './outbox.js'
import {
  REVERT_MAX_AUDIT_COUNT,
  REVERT_MAX_AUDIT_COUNT_CEILING,
  clearWebhookTarget,
  getRevertMaxAuditCount,
  getWebhookTarget,
  setRevertMaxAuditCount,
  setWebhookTarget,
} from './revert-settings.js'
import { EVENT_ID_HEADER, SIGNATURE_HEADER, enqueueBacklog } from './webhook.js'

const DEFAULT_OUTBOX_PAGE = 100

const OutboxEventView = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: "'audit.reverted'" }),
  payload: Type.Unknown({
    description:
      'audit.reverted: workspaceId, documentArtifactId, changes [{field, fieldId, value}], revertAuditId, revertedAuditId',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  attempts: Type.Integer({ description: 'Webhook delivery attempts so far' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
})

const RevertMaxAuditCountView = Type.Object({
  name: Type.Literal(REVERT_MAX_AUDIT_COUNT),
  value: Type.Integer({ minimum: 1, maximum: REVERT_MAX_AUDIT_COUNT_CEILING }),
})

const WebhookView = Type.Object({
  url: Type.Union([Type.String(), Type.Null()], { description: 'null: no webhook; poll the outbox' }),
  secretSet: Type.Boolean({ description: 'The secret itself is never returned' }),
})

const toView = (event: OutboxEvent) => ({
  id: event.id,
  kind: event.kind,
  payload: event.payload,
  createdAt: event.createdAt.toISOString(),
  deliveredAt: event.deliveredAt?.toISOString() ?? null,
  attempts: event.attempts,
  lastError: event.lastError,
})

/**
 * `/admin/v1`: the outbox a system of record polls, the webhook it may receive events on instead,
 * and the RevertMaxAuditCount instance setting. Administrator only.
 */
export async function outboxAdminRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const db = options.stores.control
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  // Before validation, so that someone who may not use these routes learns nothing from a 400.
  app.addHook('onRequest', async (request) => requirePermission(request.caller, 'Administrator'))
  const tags = ['admin']

  app.get(
    '/outbox',
    {
      schema: {
        tags,
        summary:
          'Outbound events for the system of record (reverts to apply), oldest first, keyset-paged by id',
        querystring: Type.Object({
          afterId: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Continue after this event id (default 0)' }),
          ),
          limit: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_OUTBOX_PAGE, description: 'Default 100' }),
          ),
          delivered: Type.Optional(
            Type.Boolean({ description: 'Only delivered (true) or undelivered (false)' }),
          ),
        }),
        response: {
          200: Type.Object({
            events: Type.Array(OutboxEventView),
            nextAfterId: Type.Union([Type.Integer(), Type.Null()], {
              description: 'The afterId of the next page; null when this page is the last',
            }),
          }),
        },
      },
    },
    async (request) => {
      const { afterId = 0, limit = DEFAULT_OUTBOX_PAGE, delivered } = request.query
      const events = await listOutboxEvents(db, {
        tenantId: request.caller.tenantId,
        afterId,
        limit,
        delivered,
      })
      return { events: events.map(toView), nextAfterId: events.length === limit ? events.at(-1)!.id : null }
    },
  )

  app.get(
    '/settings/revert-max-audit-count',
    {
      schema: {
        tags,
        summary: 'The RevertMaxAuditCount instance setting: the most audits one mass revert may list',
        response: { 200: RevertMaxAuditCountView },
      },
    },
    async () => ({ name: REVERT_MAX_AUDIT_COUNT, value: await getRevertMaxAuditCount(db) }),
  )

  app.put(
    '/settings/revert-max-audit-count',
    {
      schema: {
        tags,
        summary: 'Change the RevertMaxAuditCount instance setting',
        body: Type.Object({ value: Type.Integer({ minimum: 1, maximum: REVERT_MAX_AUDIT_COUNT_CEILING }) }),
        response: { 200: RevertMaxAuditCountView },
      },
    },
    async (request) => ({
      name: REVERT_MAX_AUDIT_COUNT,
      value: await setRevertMaxAuditCount(db, request.body.value),
    }),
  )

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'Where outbox events are pushed, if anywhere',
        response: { 200: WebhookView },
      },
    },
    async (request) => {
      const target = await getWebhookTarget(db, request.caller.tenantId)
      return { url: target?.url ?? null, secretSet: Boolean(target) }
    },
  )

  app.put(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'Push every outbox event to a URL, signed with a shared secret',
        description: `Each event is POSTed as JSON with \`${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the body>\` and \`${EVENT_ID_HEADER}\`, retried with backoff until a 2xx. Events not delivered yet are enqueued too.`,
        body: Type.Object({
          url: Type.String({ minLength: 1, maxLength: 2048, description: 'An http or https URL' }),
          secret: Type.String({
            minLength: 16,
            maxLength: 1024,
            description: 'The HMAC key, 16 characters or more',
          }),
        }),
        response: {
          200: Type.Object({
            ...WebhookView.properties,
            enqueued: Type.Integer({ description: 'Undelivered events enqueued for delivery now' }),
          }),
        },
      },
    },
    async (request) => {
      const tenantId = request.caller.tenantId
      const enqueued = await db.transaction(async (tx) => {
        await setWebhookTarget(tx, tenantId, request.body)
        return enqueueBacklog(tx, tenantId)
      })
      const target = await getWebhookTarget(db, tenantId)
      return { url: target?.url ?? null, secretSet: true, enqueued }
    },
  )

  app.delete(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'Stop pushing outbox events (polling goes on)',
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await clearWebhookTarget(db, request.caller.tenantId)
      return reply.status(204).send(null)
    },
  )
}
