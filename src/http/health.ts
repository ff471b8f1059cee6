import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { Stores } from '../store/stores.js'

const Health = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
})

/** `/healthz`: the process answers. `/readyz`: both stores answer too (a load balancer's check). */
export function registerHealth(app: FastifyInstance, stores: Stores): void {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  )
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness of both stores',
        response: { 200: Health, 503: Health },
      },
    },
    async (request, reply) => {
      const [warehouse, control] = await Promise.allSettled([
        stores.warehouse.ping().then((ok) => (ok ? undefined : Promise.reject(new Error('ping failed')))),
        stores.control.query('SELECT 1'),
      ])
      const checks = { warehouse: describe(warehouse), control: describe(control) }
      const ready = warehouse.status === 'fulfilled' && control.status === 'fulfilled'
      if (!ready) request.log.warn({ checks }, 'not ready')
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks })
    },
  )
}

function describe(result: PromiseSettledResult<unknown>): string {
  return result.status === 'fulfilled' ? 'ok' : 'unavailable'
}
