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
        { name: 'audit', description: 'Audit services: metrics, queries, pivot, revert' },
        { name: 'reviewer statistics', description: 'Reviewer Statistics service of the audit API' },
        {
          name: 'usage reports',
          description: 'Usage Reports API: metrics catalog, report jobs, details, downloads',
        },
        { name: 'report data', description: 'Report data API: credits, usage and audit records' },
        { name: 'integration usage export', description: 'The usage reports ZIP of the usage report manual' },
        { name: 'identity', description: 'OAuth2 tokens, sign-in and sessions' },
        { name: 'usage intelligence', description: 'Usage Intelligence Reporting API v3' },
        {
          name: 'admin',
          description: 'Administration: users, groups, permissions, OAuth2 clients, background jobs',
        },
        { name: 'operations', description: 'Health and readiness' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'From POST /Relativity/Identity/connect/token',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'RelativityAuth',
            description: 'From POST /auth/v1/sign-in',
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())
}
