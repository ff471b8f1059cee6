import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

/** The OpenAPI document is generated from the route schemas: `/openapi.json`, browsable at `/docs`. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tally',
        version,
        description:
          'Usage, audit and license reporting. Serves the documented reporting API families over the ' +
          'data ingested through /ingest/v1.',
      },
      tags: [
        { name: 'ingest', description: 'Events and reference data in' },
        { name: 'admin', description: 'Administration: background jobs' },
        { name: 'operations', description: 'Health and readiness' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())
}
