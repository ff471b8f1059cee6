import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { JOB_STATUSES, cancelJob, getJob, listJobs, type Job } from '../../jobs/queue.js'
import type { ControlDb } from '../../store/control/driver.js'
import { requirePermission } from '../identity/caller.js'
import { POSITIVE_ID } from '../ingest/stream.js'

const JobView = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String(),
    status: Type.Enum([...JOB_STATUSES]),
    payload: Type.Unknown({ description: 'Ids of what the job works on' }),
    attempts: Type.Integer({ description: 'Attempts started so far' }),
    maxAttempts: Type.Union([Type.Integer(), Type.Null()]),
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    progressMessage: Type.Union([Type.String(), Type.Null()]),
    result: Type.Unknown(),
    lastError: Type.Union([Type.String(), Type.Null()]),
    runAt: Type.String({ format: 'date-time', description: 'When it may run next' }),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Job' },
)

const JobParams = Type.Object({ id: Type.Integer(POSITIVE_ID) })

function toView(job: Job): Type.Static<typeof JobView> {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    payload: job.payload,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    progress: job.progress,
    progressMessage: job.progressMessage,
    result: job.result,
    lastError: job.lastError,
    runAt: job.runAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  }
}

/** `/admin/v1/jobs`: the background jobs of the caller's tenant and their state. */
export async function jobsRoutes(instance: FastifyInstance, options: { control: ControlDb }): Promise<void> {
  const { control } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  app.addSchema(JobView)
  app.addHook('preHandler', async (request) => requirePermission(request.caller, 'Administrator'))
  const tags = ['admin']

  app.get(
    '/jobs',
    {
      schema: {
        tags,
        summary: 'List jobs, newest last, keyset-paged by id',
        querystring: Type.Object({
          status: Type.Optional(Type.Enum([...JOB_STATUSES])),
          kind: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          afterId: Type.Optional(Type.Integer({ minimum: 0, description: 'Continue after this job id' })),
        }),
        response: { 200: Type.Object({ jobs: Type.Array(Type.Ref('Job')) }) },
      },
    },
    async (request) => {
      const jobs = await listJobs(control, { tenantId: request.caller.tenantId, ...request.query })
      return { jobs: jobs.map(toView) }
    },
  )

  app.get(
    '/jobs/:id',
    { schema: { tags, summary: 'One job', params: JobParams, response: { 200: Type.Ref('Job') } } },
    async (request) => toView(await getJob(control, request.caller.tenantId, request.params.id)),
  )

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a queued or running job (a running one is asked to stop)',
        params: JobParams,
        response: { 200: Type.Ref('Job') },
      },
    },
    async (request) => toView(await cancelJob(control, request.caller.tenantId, request.params.id)),
  )
}
