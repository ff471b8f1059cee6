import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { beforeAll, describe, expect, it } from 'vitest'
import { claimJobs, getJob } from '../../src/jobs/queue.js'
import { JobAbortedError, JobRegistry, type JobContext, type JobHandler } from '../../src/jobs/registry.js'
import { JobRunner } from '../../src/jobs/runner.js'
import { registerUsageReportJob, USAGE_REPORT_JOB } from '../../src/modules/usage-reports/service.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ingestThroughApi } from '../helpers/app.js'

/**
 * The usage report job when runs are interrupted: a worker that dies (its lease runs out and the
 * job is claimed again, or fails when that was its last attempt), a shutdown, a cancelled job, and
 * two runs of one report at once (a worker that stalled past its lease while another took the job
 * over).
 */
const W = 3_001_000
const BASE = '/api/usage-reports/v1'
const WORKSPACE_NAME = '233c0387-a246-4b9f-80b4-772ab8d41062'
const WORKSPACE_ID = '18af070c-5f4a-407b-a4c8-93b1c4fffc34'
const ROWS = [
  ['Job test', W],
  ['Job test', W],
]

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }
let registry: JobRegistry
let handler: JobHandler<unknown>

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
  registry = registerUsageReportJob(new JobRegistry(), stores)
  handler = registry.get(USAGE_REPORT_JOB)!.handler
  const response = await ingestThroughApi(app, auth, { entities: 'workspaces' }, [
    { artifactId: W, name: 'Job test', createdAt: '2024-01-10T00:00:00Z' },
  ])
  expect(response.statusCode, response.body).toBe(200)
})

/** A report over January and February 2024: two rows once generated. */
async function createReport(): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `${BASE}/reports`,
    headers: auth,
    payload: {
      name: 'Job test',
      dateRange: { from: '2024-01-01', to: '2024-02-29' },
      fields: [WORKSPACE_NAME, WORKSPACE_ID],
    },
  })
  expect(response.statusCode, response.body).toBe(201)
  return response.json().id
}

const reportOf = async (id: string) =>
  (await app.inject({ method: 'GET', url: `${BASE}/reports/${id}`, headers: auth })).json()
const itemsOf = async (id: string) => {
  const response = await app.inject({ method: 'GET', url: `${BASE}/reports/${id}/details`, headers: auth })
  expect(response.statusCode, response.body).toBe(200)
  return response.json().items
}
/** Rows per run in the warehouse, whichever run wrote them. */
const runsOf = async (id: string) =>
  (
    await stores.warehouse.query<{ run_id: string; n: string }>({
      query: 'SELECT run_id, count() AS n FROM report_rows WHERE report_id = {id:String} GROUP BY run_id',
      params: { id },
    })
  ).map((row) => Number(row.n))

/** A context as the runner gives a handler; `abort` makes it one the runner has aborted. */
function context(
  attempt: number,
  options: { abort?: JobAbortedError; onProgress?: () => Promise<void> } = {},
) {
  const controller = new AbortController()
  if (options.abort) controller.abort(options.abort)
  return {
    job: { id: 0, tenantId: 1, kind: USAGE_REPORT_JOB, attempt },
    signal: controller.signal,
    logger: pino({ level: 'silent' }),
    reportProgress: async () => {
      controller.signal.throwIfAborted()
      await options.onProgress?.()
    },
  } satisfies JobContext
}

/**
 * What a worker that dies mid-run leaves: it claims the next job with a 1 ms lease, takes the report
 * under its run id, writes part of the rows, and stops (the lease runs out unrenewed).
 */
async function dieMidRun(id: string, workerId: string, runId: string) {
  const [claimed] = await claimJobs(stores.control, workerId, 1, 1)
  await stores.control.query(
    "UPDATE usage_reports SET status = 'InProgress', run_id = $2 WHERE id = $1::uuid",
    [id, runId],
  )
  await stores.warehouse.insert('report_rows', [
    { tenant_id: 1, report_id: id, run_id: runId, row_number: 1, values: '["partial"]' },
  ])
  await new Promise((resolve) => setTimeout(resolve, 5))
  return claimed!
}

const nextWorker = () =>
  new JobRunner({
    db: stores.control,
    registry,
    workerId: 'next-worker',
    concurrency: 1,
    logger: pino({ level: 'silent' }),
  })

describe('Usage reports: interrupted report jobs', () => {
  it('runs a job again once the lease of the worker that died running it runs out', async () => {
    const id = await createReport()
    // A worker claims the job with a 1 ms lease, writes part of the report and dies.
    const claimed = await dieMidRun(id, 'dead-worker', 'dead-run')
    expect(claimed).toMatchObject({ kind: USAGE_REPORT_JOB, attempts: 1 })
    await nextWorker().runOnce()
    expect(await getJob(stores.control, 1, claimed.id)).toMatchObject({ status: 'succeeded', attempts: 2 })
    expect((await reportOf(id)).status).toBe('Finished')
    expect(await itemsOf(id)).toEqual(ROWS)
    expect(await runsOf(id)).toEqual([2])
  })

  it('marks a report Failed when the worker of its last attempt dies mid-run', async () => {
    const id = await createReport()
    // Three workers in turn claim the job (with a 1 ms lease), start the report and die.
    let jobId = 0
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claimed = await dieMidRun(id, `dead-worker-${attempt}`, `dead-run-${attempt}`)
      expect(claimed).toMatchObject({ payload: { reportId: id }, attempts: attempt })
      jobId = claimed.id
    }
    await nextWorker().runOnce()
    const reason = 'No attempts left (3 allowed); the worker running the last one stopped renewing its lease'
    expect(await getJob(stores.control, 1, jobId)).toMatchObject({ status: 'failed', lastError: reason })
    expect(await reportOf(id)).toMatchObject({ status: 'Failed', failureReason: reason })
    expect(await runsOf(id)).toEqual([])
    // The report points at no run: the last one, had its worker only stalled, cannot finish it.
    const [row] = await stores.control.query<{ run_id: string | null }>(
      'SELECT run_id FROM usage_reports WHERE id = $1::uuid',
      [id],
    )
    expect(row).toEqual({ run_id: null })
  })

  it('leaves a report Scheduled when a shutdown stops its last attempt, then finishes it', async () => {
    const id = await createReport()
    const shutdown = new JobAbortedError('shutdown', 'The worker is shutting down')
    await expect(handler({ reportId: id }, context(3, { abort: shutdown }))).rejects.toBe(shutdown)
    // The runner hands the job back to the queue: the report is not Failed.
    expect(await reportOf(id)).toMatchObject({ status: 'Scheduled' })
    expect(await reportOf(id)).not.toHaveProperty('failureReason')
    expect(await runsOf(id)).toEqual([])
    await handler({ reportId: id }, context(3))
    expect((await reportOf(id)).status).toBe('Finished')
    expect(await itemsOf(id)).toEqual(ROWS)
  })

  it('marks a report Failed when its job is cancelled during a run', async () => {
    const id = await createReport()
    const lost = new JobAbortedError(
      'lease-lost',
      'The job is no longer this worker’s (cancelled or re-claimed)',
    )
    await expect(handler({ reportId: id }, context(1, { abort: lost }))).rejects.toBe(lost)
    expect(await reportOf(id)).toMatchObject({ status: 'Failed', failureReason: lost.message })
    expect(await runsOf(id)).toEqual([])
  })

  it('lets only the run that took the job over finish the report', async () => {
    const id = await createReport()
    // The first run stalls after writing its rows; meanwhile another worker runs the job whole.
    const stalled = handler(
      { reportId: id },
      context(1, { onProgress: async () => void (await handler({ reportId: id }, context(2))) }),
    )
    expect(await stalled).toMatchObject({ skipped: 'the report was deleted or taken over by another run' })
    expect((await reportOf(id)).status).toBe('Finished')
    expect(await itemsOf(id)).toEqual(ROWS)
    expect(await runsOf(id)).toEqual([2])
    // A job claimed again after its report finished leaves it as it is.
    const { createdAt } = await reportOf(id)
    expect(await handler({ reportId: id }, context(3))).toEqual({ skipped: 'the report is already finished' })
    expect(await reportOf(id)).toMatchObject({ status: 'Finished', createdAt })
    expect(await runsOf(id)).toEqual([2])
  })
})
