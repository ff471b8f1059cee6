import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { randomUUID } from 'node:crypto'
import type { Config } from './config/config.js'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import { identityAdminRoutes } from './modules/identity/admin-routes.js'
import type { Caller } from './modules/identity/caller.js'
import { identityRoutes } from './modules/identity/routes.js'
import {
  CSRF_HEADER,
  IdentityService,
  RUI_SESSION_COOKIE,
  SESSION_COOKIE,
} from './modules/identity/service.js'
import { registerErrorHandling } from './http/errors.js'
import { registerHealth } from './http/health.js'
import { registerOpenApi } from './http/openapi.js'
import { jobsRoutes } from './modules/admin/jobs-routes.js'
import { pivotRoutes } from './modules/audit/pivot/routes.js'
import { outboxAdminRoutes } from './modules/audit/revert/outbox-routes.js'
import { revertRoutes } from './modules/audit/revert/revert-routes.js'
import { reviewerStatsRoutes } from './modules/audit/reviewer-stats/routes.js'
import { auditRoutes } from './modules/audit/routes.js'
import { AuditService } from './modules/audit/service.js'
import { ingestRoutes } from './modules/ingest/routes.js'
import { integrationExportRoutes } from './modules/integration-export/routes.js'
import { reportDataRoutes } from './modules/report-data/routes.js'
import { churnRoutes } from './modules/usage-intel/churn/routes.js'
import { clientListRoutes } from './modules/usage-intel/client-list/routes.js'
import { eventTrackingRoutes } from './modules/usage-intel/event-tracking-routes.js'
import { licenseKeyRoutes } from './modules/usage-intel/license-keys/routes.js'
import { trackingFileAdminRoutes } from './modules/usage-intel/tracking-files/admin-routes.js'
import { trackingFileRoutes } from './modules/usage-intel/tracking-files/routes.js'
import { usageIntelRoutes } from './modules/usage-intel/routes.js'
import { usageReportRoutes } from './modules/usage-reports/routes.js'
import { IngestService } from './modules/ingest/service.js'
import type { Stores } from './store/stores.js'
import './schema/formats.js'

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller
  }
}

export const VERSION = '0.1.0'

export interface AppDeps {
  config: Config
  stores: Stores
  /** Where request logs go; tests leave it out and log nothing. */
  logger?: Logger
}

/** The services the HTTP layer and the CLI share, built once over the stores. */
export interface Services {
  ingest: IngestService
  audit: AuditService
}

export function buildServices(config: Config, stores: Stores): Services {
  return {
    ingest: new IngestService(stores, { maxEvents: config.ingestMaxEvents }),
    audit: new AuditService(stores),
  }
}

/** Where the audit document's services live; `{versionNumber}` is e.g. v1. */
export const AUDIT_PREFIX = '/Relativity.REST/api/relativity-audit/:versionNumber/workspaces/:workspaceID'

/** Cookies are marked Secure when Tally is reached over HTTPS. */
const isHttps = (origin: string) => new URL(origin).protocol === 'https:'

/**
 * Builds the whole HTTP application over open stores. It never listens: `main` does, tests use
 * `inject()`. Each API family is one plugin mounted at its documented prefix.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, stores } = deps
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // The documents mix letter case and trailing slashes for the same URL.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    bodyLimit: 16 * 1024 * 1024,
  })
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  registerErrorHandling(app)

  // Responses finished while the server closes end their connection; a kept-alive one would hold
  // the close open until the client dropped it.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })

  // Every request is authenticated before routing: handlers receive the caller, and services
  // decide with it what the caller may see and do.
  const identity = await IdentityService.create(stores.control, config.publicOrigin)
  await app.register(cookie)
  await app.register(rateLimit, { global: false })
  app.decorateRequest('caller', null as unknown as Caller)
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    const session = request.cookies[SESSION_COOKIE] ?? request.cookies[RUI_SESSION_COOKIE]
    request.caller = await identity.authenticate(request.headers.authorization, session)
    const csrf = request.headers[CSRF_HEADER]
    identity.checkCsrf(
      request.caller,
      request.method,
      typeof csrf === 'string' ? csrf : undefined,
      request.headers.origin,
    )
  })

  await registerOpenApi(app, VERSION)
  registerHealth(app, stores)

  const services = buildServices(config, stores)
  await app.register(ingestRoutes, {
    prefix: '/ingest/v1',
    service: services.ingest,
    maxBodyBytes: config.ingestMaxBodyBytes,
  })
  await app.register(auditRoutes, { prefix: AUDIT_PREFIX, service: services.audit })
  await app.register(pivotRoutes, { prefix: AUDIT_PREFIX, stores })
  await app.register(revertRoutes, { prefix: AUDIT_PREFIX, stores, ingest: services.ingest })
  await app.register(reviewerStatsRoutes, { prefix: AUDIT_PREFIX, stores })
  await app.register(usageReportRoutes, { prefix: '/api/usage-reports/:version', stores })
  await app.register(reportDataRoutes, { prefix: '/reports/v1', stores })
  await app.register(integrationExportRoutes, { stores })
  await app.register(usageIntelRoutes, { prefix: '/v3', stores })
  await app.register(eventTrackingRoutes, { prefix: '/v3', stores })
  await app.register(churnRoutes, { prefix: '/v3', stores })
  await app.register(licenseKeyRoutes, { prefix: '/v3', stores })
  await app.register(clientListRoutes, { prefix: '/v3', stores })
  await app.register(trackingFileRoutes, { prefix: '/v3', stores, publicOrigin: config.publicOrigin })
  await app.register(identityRoutes, { identity, secureCookies: isHttps(config.publicOrigin) })
  await app.register(identityAdminRoutes, { prefix: '/admin/v1', control: stores.control })
  await app.register(jobsRoutes, { prefix: '/admin/v1', control: stores.control })
  await app.register(outboxAdminRoutes, { prefix: '/admin/v1', stores })
  await app.register(trackingFileAdminRoutes, { prefix: '/admin/v1', stores })
  return app
}
