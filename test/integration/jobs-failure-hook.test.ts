import { pino } from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { claimJobs, enqueueJob, getJob } from '../../src/jobs/queue.js'
import { JobRegistry, type JobFailure } from '../../src/jobs/registry.js'
import { JobRunner } from '../../src/jobs/runner.js'
import type { ControlDb } from '../../src/store/control/driver.js'
import { CONTROL_BACKENDS } from '../helpers/stores.js'

/**
 * A job kind's failure hook: it settles the job's work when the job fails for good, including
 * when the last attempt's worker died and the handler never learns of it (the lease ran out).
 */
const NO_ATTEMPTS_LEFT =
  'No attempts left (2 allowed); the worker running the last one stopped renewing its lease'

describe.each(CONTROL_BACKENDS)('job failure hooks on $name', ({ open }) => {
  let db: ControlDb
  let tenantId: number
  let failures: { payload: unknown; failure: Omit<JobFailure, 'logger'>; statusDuringHook: string }[]
  let handlerCalls: number

  const registry = () =>
    new JobRegistry().register<{ item: number }>(
      'settled',
      async (payload) => {
        handlerCalls++
        throw new Error(`item ${payload.item} is broken`)
      },
      {
        maxAttempts: 2,
        onFailed: async (payload, { job, error }) => {
          const { status } = await getJob(db, job.tenantId, job.id)
          failures.push({ payload, failure: { job, error }, statusDuringHook: status })
        },
      },
    )
  const runner = (jobs: JobRegistry, workerId: string) =>
    new JobRunner({
      db,
      registry: jobs,
      workerId,
      concurrency: 1,
      logger: pino({ level: 'silent' }),
      backoffMs: () => 0,
    })
  /** A worker that claims the job and dies at once: its 1 ms lease runs out unrenewed. */
  const claimAndDie = async (workerId: string) => {
    const claimed = await claimJobs(db, workerId, 1, 1)
    await new Promise((resolve) => setTimeout(resolve, 5))
    return claimed
  }

  beforeAll(async () => {
    db = await open()
  })
  afterAll(() => db.close())
  beforeEach(async () => {
    failures = []
    handlerCalls = 0
    await db.query("UPDATE jobs SET status = 'cancelled' WHERE status IN ('queued', 'running')")
    const [row] = await db.query<{ id: number }>(
      "INSERT INTO tenants (id, name) SELECT COALESCE(max(id), 0) + 1, 'hook test' FROM tenants RETURNING id",
    )
    tenantId = row!.id
  })

  it('runs when the last attempt’s worker died: the job is failed and the hook told why', async () => {
    const job = await enqueueJob(db, { tenantId, kind: 'settled', payload: { item: 1 } })
    expect(await claimAndDie('dead-1')).toMatchObject([{ id: job.id, attempts: 1 }])
    expect(await claimAndDie('dead-2')).toMatchObject([{ id: job.id, attempts: 2 }])

    expect(await runner(registry(), 'survivor').runOnce()).toBe(1)
    expect(handlerCalls).toBe(0)
    expect(failures).toEqual([
      {
        payload: { item: 1 },
        failure: { job: { id: job.id, tenantId, kind: 'settled', attempt: 3 }, error: NO_ATTEMPTS_LEFT },
        // Before the failed status is written: a worker dying in the hook leaves the job to a re-claim.
        statusDuringHook: 'running',
      },
    ])
    expect(await getJob(db, tenantId, job.id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: NO_ATTEMPTS_LEFT,
    })
  })

  it('runs again when the worker running the hook dies before failing the job', async () => {
    const job = await enqueueJob(db, { tenantId, kind: 'settled', payload: { item: 2 } })
    await claimAndDie('dead-1')
    await claimAndDie('dead-2')
    // The third worker finds no attempts left and runs the hook, then dies before its write: as
    // if dead, its lease runs out and its write finds the job no longer its own.
    let dyingHookRuns = 0
    const dying = new JobRegistry().register('settled', async () => undefined, {
      maxAttempts: 2,
      onFailed: async () => {
        dyingHookRuns++
        await db.query(
          "UPDATE jobs SET lease_until = now() - interval '1 second', locked_by = 'gone' WHERE id = $1",
          [job.id],
        )
      },
    })
    await runner(dying, 'dead-3').runOnce()
    expect(dyingHookRuns).toBe(1)
    expect(await getJob(db, tenantId, job.id)).toMatchObject({ status: 'running' })

    expect(await runner(registry(), 'survivor').runOnce()).toBe(1)
    expect(failures.map((f) => f.failure.error)).toEqual([NO_ATTEMPTS_LEFT])
    expect(await getJob(db, tenantId, job.id)).toMatchObject({ status: 'failed', attempts: 4 })
  })

  it('runs after the last attempt throws, and not after an attempt that is retried', async () => {
    const job = await enqueueJob(db, { tenantId, kind: 'settled', payload: { item: 3 } })
    const worker = runner(registry(), 'w')
    await worker.runOnce()
    expect(await getJob(db, tenantId, job.id)).toMatchObject({ status: 'queued', attempts: 1 })
    expect(failures).toEqual([])
    await worker.runOnce()
    expect(failures.map((f) => [f.failure.job.attempt, f.failure.error])).toEqual([[2, 'item 3 is broken']])
    expect(await getJob(db, tenantId, job.id)).toMatchObject({
      status: 'failed',
      lastError: 'item 3 is broken',
    })
  })

  it('fails the job even when the hook throws', async () => {
    const job = await enqueueJob(db, { tenantId, kind: 'settled', payload: {}, maxAttempts: 1 })
    const throwing = new JobRegistry().register(
      'settled',
      async () => {
        throw new Error('broken')
      },
      {
        onFailed: async () => {
          throw new Error('the hook is broken too')
        },
      },
    )
    await runner(throwing, 'w').runOnce()
    expect(await getJob(db, tenantId, job.id)).toMatchObject({ status: 'failed', lastError: 'broken' })
  })
})
