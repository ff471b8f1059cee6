import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { Config } from './config/config.js'
import { anonymousCaller, type Caller } from './http/caller.js'
import { registerErrorHandling } from './http/errors.js'
import { registerHealth } from './http/health.js'
import { registerOpenApi } from './http/openapi.js'
import { ingestRoutes } from './modules/ingest/routes.js'
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
  logger?: FastifyServerOptions['logger']
}

/** The services the HTTP layer and the CLI share, built once over the stores. */
export interface Services {
  ingest: IngestService
}

export function buildServices(config: Config, stores: Stores): Services {
  return { ingest: new IngestService(stores, { maxEvents: config.ingestMaxEvents }) }
}

/**
 * Builds the whole HTTP application over open stores. It never listens: `main` does, tests use
 * `inject()`. Each API family is one plugin mounted at its documented prefix.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, stores } = deps
  const app = Fastify({
    logger: deps.logger ?? false,
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

  app.decorateRequest('caller', null as unknown as Caller)
  app.addHook('onRequest', async (request, reply) => {
    request.caller = anonymousCaller()
    reply.header('x-request-id', request.id)
  })

  await registerOpenApi(app, VERSION)
  registerHealth(app, stores)

  const services = buildServices(config, stores)
  await app.register(ingestRoutes, {
    prefix: '/ingest/v1',
    service: services.ingest,
    maxBodyBytes: config.ingestMaxBodyBytes,
  })
  return app
}
