import { setTimeout as delay } from 'node:timers/promises'
import { pino } from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors.js'
import {
  cancelJob,
  claimJobs,
  completeJob,
  enqueueJob,
  failJobAttempt,
  getJob,
  listJobs,
  renewJobLease,
} from '../../src/jobs/queue.js'
import { JobAbortedError, JobRegistry } from '../../src/jobs/registry.js'
import { exponentialBackoffMs, JobRunner, type JobRunnerOptions } from '../../src/jobs/runner.js'
import type { ControlDb } from '../../src/store/control/driver.js'
import { openPostgresDb } from '../../src/store/control/postgres-db.js'
import { CONTROL_BACKENDS, TEST_PG_URL } from '../helpers/stores.js'

/** Polls `check` until it returns true; fails the test at the deadline instead of hanging. */
async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await delay(20)
  }
}

function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

function captureLogger() {
  const lines: string[] = []
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }), lines }
}

/** A second handle on `db`, which can be cut off: a worker whose connection (or process) went away. */
function severable(db: ControlDb) {
  let severed = false
  const guard = () => (severed ? Promise.reject(new Error('connection lost')) : undefined)
  const handle: ControlDb = {
    kind: db.kind,
    query: <Row>(sql: string, params?: readonly unknown[]) => guard() ?? db.query<Row>(sql, params),
    exec: (sql) => guard() ?? db.exec(sql),
    transaction: (work) => guard() ?? db.transaction(work),
    close: async () => undefined,
  }
  return { db: handle, sever: () => (severed = true), restore: () => (severed = false) }
}

describe('exponentialBackoffMs', () => {
  it.each([
    [1, 0, 1000],
    [1, 1, 2000],
    [3, 0.5, 6000],
    [9, 1, 512_000],
    [10, 1, 600_000],
    [30, 0, 300_000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(exponentialBackoffMs(attempt, () => random)).toBe(expected)
  })
})

describe.each(CONTROL_BACKENDS)('jobs on $name', ({ name, open }) => {
  let db: ControlDb
  let tenantId: number
  const { logger, lines } = captureLogger()
  const runner = (registry: JobRegistry, workerId: string, options: Partial<JobRunnerOptions> = {}) =>
    new JobRunner({ db, registry, workerId, concurrency: 1, logger, ...options })
  const makeDue = (id: number) => db.query('UPDATE jobs SET run_at = now() WHERE id = $1', [id])

  beforeAll(async () => {
    db = await open()
  })
  afterAll(() => db.close())
  beforeEach(async () => {
    // Each test gets its own tenant; a job left claimable by a failed test must not leak into the next.
    await db.query("UPDATE jobs SET status = 'cancelled' WHERE status IN ('queued', 'running')")
    const [row] = await db.query<{ id: number }>(
      "INSERT INTO tenants (id, name) SELECT COALESCE(max(id), 0) + 1, 'jobs test' FROM tenants RETURNING id",
    )
    tenantId = row!.id
  })

  it('runs a job to success, recording progress, result and who ran it, without logging the payload', async () => {
    let midRun: Awaited<ReturnType<typeof getJob>> | undefined
    const calls: unknown[] = []
    const registry = new JobRegistry().register<{ reportId: number; token: string }>(
      'build',
      async (payload, ctx) => {
        calls.push({ payload, job: ctx.job })
        await ctx.reportProgress(0.5, 'halfway')
        midRun = await getJob(db, ctx.job.tenantId, ctx.job.id)
        return { rows: 3 }
      },
    )
    const payload = { reportId: 7, token: 'SECRET-TOKEN-123' }
    const queued = await enqueueJob(db, { tenantId, kind: 'build', payload })
    expect(queued).toMatchObject({
      tenantId,
      status: 'queued',
      attempts: 0,
      progress: 0,
      result: null,
      lockedBy: null,
    })

    expect(await runner(registry, 'w-1', { concurrency: 2 }).runOnce()).toBe(1)
    expect(calls).toEqual([{ payload, job: { id: queued.id, tenantId, kind: 'build', attempt: 1 } }])
    expect(midRun).toMatchObject({
      status: 'running',
      progress: 0.5,
      progressMessage: 'halfway',
      lockedBy: 'w-1',
    })
    expect(midRun!.leaseUntil!.getTime()).toBeGreaterThan(Date.now())

    const done = await getJob(db, tenantId, queued.id)
    expect(done).toMatchObject({
      status: 'succeeded',
      result: { rows: 3 },
      progress: 1,
      attempts: 1,
      lastError: null,
    })
    expect(done).toMatchObject({ lockedBy: 'w-1', leaseUntil: null })
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime())
    expect(await runner(registry, 'w-1').runOnce()).toBe(0)
    await expect(getJob(db, tenantId + 1000, queued.id)).rejects.toBeInstanceOf(NotFoundError)

    const log = lines.join('')
    expect(log).toMatch(
      new RegExp(`"jobId":${queued.id},"kind":"build","attempt":1.*"durationMs":\\d+.*job succeeded`),
    )
    expect(log).not.toContain('SECRET-TOKEN-123')
  })

  it('retries a failed attempt after an exponential backoff, then succeeds', async () => {
    let calls = 0
    const registry = new JobRegistry().register('flaky', async () => {
      if (++calls === 1) throw new Error('warehouse unavailable')
      return 'ok'
    })
    const job = await enqueueJob(db, { tenantId, kind: 'flaky', payload: { id: 1 } })
    const worker = runner(registry, 'w-retry')
    expect(await worker.runOnce()).toBe(1)

    const retrying = await getJob(db, tenantId, job.id)
    expect(retrying).toMatchObject({ status: 'queued', attempts: 1, lastError: 'warehouse unavailable' })
    expect(retrying).toMatchObject({ lockedBy: null, leaseUntil: null, finishedAt: null })
    // Attempt 1 waits 2^1 s with equal jitter: between 1 and 2 seconds after the failure.
    const backoff = retrying.runAt.getTime() - retrying.updatedAt.getTime()
    expect(backoff).toBeGreaterThanOrEqual(1000)
    expect(backoff).toBeLessThanOrEqual(2000)
    expect(await worker.runOnce()).toBe(0)

    await makeDue(job.id)
    expect(await worker.runOnce()).toBe(1)
    expect(await getJob(db, tenantId, job.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: 'ok',
      lastError: null,
    })
    expect(calls).toBe(2)
  })

  it('fails a job for good after its max attempts, and at once for an unknown kind', async () => {
    let calls = 0
    const registry = new JobRegistry().register(
      'broken',
      async () => {
        throw new Error(`bad input ${++calls}`)
      },
      { maxAttempts: 2 },
    )
    const worker = runner(registry, 'w-fail', { backoffMs: () => 0 })
    const byKind = await enqueueJob(db, { tenantId, kind: 'broken', payload: {} })
    expect(await worker.runOnce()).toBe(1)
    expect(await getJob(db, tenantId, byKind.id)).toMatchObject({ status: 'queued', attempts: 1 })
    expect(await worker.runOnce()).toBe(1)
    const failed = await getJob(db, tenantId, byKind.id)
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'bad input 2',
      leaseUntil: null,
    })
    expect(failed.finishedAt).toBeInstanceOf(Date)
    expect(await worker.runOnce()).toBe(0)

    // The job's own limit overrides the kind's.
    const once = await enqueueJob(db, { tenantId, kind: 'broken', payload: {}, maxAttempts: 1 })
    expect(await worker.runOnce()).toBe(1)
    expect(await getJob(db, tenantId, once.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'bad input 3',
    })

    const unknown = await enqueueJob(db, {
      tenantId,
      kind: 'nobody-handles-this',
      payload: {},
      maxAttempts: 5,
    })
    expect(await worker.runOnce()).toBe(1)
    expect(await getJob(db, tenantId, unknown.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'No handler is registered for job kind "nobody-handles-this"',
    })
    await expect(
      enqueueJob(db, { tenantId, kind: 'broken', payload: {}, maxAttempts: 0 }),
    ).rejects.toBeInstanceOf(ValidationError)
  })

  it('aborts an attempt that exceeds its kind’s timeout and records why', async () => {
    let reason: unknown
    const registry = new JobRegistry().register(
      'slow',
      (_payload, ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve((reason = ctx.signal.reason))),
        ),
      { timeoutMs: 50, maxAttempts: 1 },
    )
    const job = await enqueueJob(db, { tenantId, kind: 'slow', payload: {} })
    expect(await runner(registry, 'w-timeout').runOnce()).toBe(1)
    expect(reason).toBeInstanceOf(JobAbortedError)
    expect((reason as JobAbortedError).reason).toBe('timeout')
    expect(await getJob(db, tenantId, job.id)).toMatchObject({
      status: 'failed',
      lastError: 'Timed out after 50 ms',
    })
  })

  it('re-claims a job whose worker died (lease expired) and refuses the dead worker’s late writes', async () => {
    const job = await enqueueJob(db, { tenantId, kind: 'orphan', payload: { id: 3 } })
    const [claimed] = await claimJobs(db, 'dead-worker', 1, 60_000)
    expect(claimed).toMatchObject({ id: job.id, status: 'running', lockedBy: 'dead-worker', attempts: 1 })

    const registry = new JobRegistry().register('orphan', async (_p, ctx) => ({ attempt: ctx.job.attempt }))
    const survivor = runner(registry, 'survivor')
    expect(await survivor.runOnce()).toBe(0) // the lease still holds
    await db.query("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1", [job.id])
    expect(await survivor.runOnce()).toBe(1)
    const done = { status: 'succeeded', lockedBy: 'survivor', attempts: 2, result: { attempt: 2 } }
    expect(await getJob(db, tenantId, job.id)).toMatchObject(done)

    expect(await completeJob(db, job.id, 'dead-worker', '"late"')).toBe(false)
    expect(await failJobAttempt(db, job.id, 'dead-worker', 'late', 0)).toBeUndefined()
    expect(await renewJobLease(db, job.id, 'dead-worker', 60_000)).toBe(false)
    expect(await getJob(db, tenantId, job.id)).toMatchObject(done)

    // A job whose last allowed attempt died with its worker is failed, not run again.
    const last = await enqueueJob(db, { tenantId, kind: 'orphan', payload: {}, maxAttempts: 1 })
    await claimJobs(db, 'dead-worker', 1, 60_000)
    await db.query("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1", [last.id])
    expect(await survivor.runOnce()).toBe(1)
    expect(await getJob(db, tenantId, last.id)).toMatchObject({
      status: 'failed',
      attempts: 2,
      result: null,
      lastError: 'No attempts left (1 allowed); the worker running the last one stopped renewing its lease',
    })
  })

  it('lets another worker take over from a cut-off worker, which aborts its handler when it reconnects', async () => {
    const job = await enqueueJob(db, { tenantId, kind: 'hangs', payload: {} })
    const started = deferred()
    const aborted = deferred<unknown>()
    const stuck = new JobRegistry().register('hangs', (_p, ctx) => {
      ctx.signal.addEventListener('abort', () => aborted.resolve(ctx.signal.reason))
      started.resolve()
      return new Promise(() => undefined) // never finishes, ignores the signal
    })
    const link = severable(db)
    const cutOff = new JobRunner({
      db: link.db,
      registry: stuck,
      workerId: 'cut-off',
      concurrency: 1,
      leaseMs: 300,
      logger,
    })
    const cutOffRun = cutOff.runOnce()
    await started.promise
    link.sever()

    const healthy = new JobRegistry().register('hangs', async () => ({ by: 'healthy' }))
    const taker = runner(healthy, 'taker')
    await waitFor(async () => (await taker.runOnce()) === 1, 'the cut-off worker’s lease to expire')
    const done = { status: 'succeeded', lockedBy: 'taker', attempts: 2, result: { by: 'healthy' } }
    expect(await getJob(db, tenantId, job.id)).toMatchObject(done)

    link.restore()
    const reason = await aborted.promise
    expect(reason).toBeInstanceOf(JobAbortedError)
    expect((reason as JobAbortedError).reason).toBe('lease-lost')
    await cutOffRun
    expect(await getJob(db, tenantId, job.id)).toMatchObject(done)
  })

  it('aborts a running job that is cancelled, and keeps it cancelled', async () => {
    const started = deferred<number>()
    let reason: unknown
    const registry = new JobRegistry().register('long', (_p, ctx) => {
      started.resolve(ctx.job.id)
      return new Promise((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve((reason = ctx.signal.reason))),
      )
    })
    const job = await enqueueJob(db, { tenantId, kind: 'long', payload: {} })
    const run = runner(registry, 'w-cancel', { leaseMs: 150 }).runOnce()
    await started.promise
    expect(await cancelJob(db, tenantId, job.id)).toMatchObject({ status: 'cancelled' })
    expect(await run).toBe(1)
    expect((reason as JobAbortedError).reason).toBe('lease-lost')
    expect(await getJob(db, tenantId, job.id)).toMatchObject({ status: 'cancelled', result: null })
  })

  it('never gives one job to two concurrent claims', async () => {
    const ids = new Set<number>()
    for (let i = 0; i < 30; i++)
      ids.add((await enqueueJob(db, { tenantId, kind: 'claim-race', payload: { i } })).id)
    const second = name === 'postgres' ? await openPostgresDb(await sameDatabaseUrl(db)) : db
    try {
      const batches = await Promise.all(
        Array.from({ length: 16 }, (_, i) => claimJobs(i % 2 ? second : db, `claimer-${i}`, 3, 60_000)),
      )
      const claimed = batches.flat().map((j) => j.id)
      expect(batches.every((b) => b.length <= 3)).toBe(true)
      expect(new Set(claimed).size).toBe(claimed.length)
      expect(new Set(claimed)).toEqual(ids)
    } finally {
      if (second !== db) await second.close()
    }
  })

  it('runs every job exactly once with two runners racing over them', async () => {
    const runs = new Map<number, number>()
    const registry = new JobRegistry().register('race', async (_p, ctx) => {
      runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1)
      await delay(Math.random() * 10)
      return ctx.job.id
    })
    const ids: number[] = []
    for (let i = 0; i < 40; i++)
      ids.push((await enqueueJob(db, { tenantId, kind: 'race', payload: { i } })).id)
    const second = name === 'postgres' ? await openPostgresDb(await sameDatabaseUrl(db)) : db
    const racers = [
      runner(registry, 'racer-1', { concurrency: 4, pollMs: 10 }),
      new JobRunner({ db: second, registry, workerId: 'racer-2', concurrency: 4, pollMs: 10, logger }),
    ]
    try {
      racers.forEach((r) => r.start())
      const succeeded = async () =>
        (await listJobs(db, { tenantId, status: 'succeeded', limit: 1000 })).length
      await waitFor(async () => (await succeeded()) === ids.length, 'all race jobs to succeed')
    } finally {
      await Promise.all(racers.map((r) => r.stop()))
      if (second !== db) await second.close()
    }
    expect([...runs.keys()].sort((a, b) => a - b)).toEqual(ids)
    expect([...runs.values()].every((n) => n === 1)).toBe(true)
    const jobs = await listJobs(db, { tenantId, limit: 1000 })
    expect(jobs.every((j) => j.status === 'succeeded' && j.attempts === 1 && j.result === j.id)).toBe(true)
    expect(jobs.every((j) => j.lockedBy === 'racer-1' || j.lockedBy === 'racer-2')).toBe(true)
  })

  it('stop() waits for a running job to finish', async () => {
    const started = deferred()
    const release = deferred()
    const registry = new JobRegistry().register('waits', async () => {
      started.resolve()
      await release.promise
      return 'finished'
    })
    const job = await enqueueJob(db, { tenantId, kind: 'waits', payload: {} })
    const worker = runner(registry, 'w-stop', { pollMs: 10 })
    worker.start()
    await started.promise
    let stopped = false
    const stopping = worker.stop().then(() => (stopped = true))
    await delay(100)
    expect(stopped).toBe(false)
    expect((await getJob(db, tenantId, job.id)).status).toBe('running')
    release.resolve()
    await stopping
    expect(await getJob(db, tenantId, job.id)).toMatchObject({ status: 'succeeded', result: 'finished' })
  })

  it('stop() aborts a job that outlasts the timeout and hands it back without counting the attempt', async () => {
    const started = deferred()
    let reason: unknown
    const stubborn = new JobRegistry().register('stubborn', (_p, ctx) => {
      ctx.signal.addEventListener('abort', () => (reason = ctx.signal.reason))
      started.resolve()
      return new Promise(() => undefined)
    })
    const job = await enqueueJob(db, { tenantId, kind: 'stubborn', payload: {} })
    const worker = runner(stubborn, 'w-abort', { pollMs: 10 })
    worker.start()
    await started.promise
    await worker.stop(100)
    expect((reason as JobAbortedError).reason).toBe('shutdown')
    expect(await getJob(db, tenantId, job.id)).toMatchObject({
      status: 'queued',
      attempts: 0,
      lockedBy: null,
    })

    const next = runner(
      new JobRegistry().register('stubborn', async () => 'done'),
      'w-next',
    )
    expect(await next.runOnce()).toBe(1)
    expect(await getJob(db, tenantId, job.id)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: 'done',
    })
  })

  it('lists a tenant’s jobs keyset-paged and filtered, and cancels queued ones', async () => {
    const ids: number[] = []
    for (const kind of ['a', 'b', 'a', 'b', 'a'])
      ids.push((await enqueueJob(db, { tenantId, kind, payload: {} })).id)
    const page1 = await listJobs(db, { tenantId, limit: 2 })
    const page2 = await listJobs(db, { tenantId, limit: 2, afterId: page1.at(-1)!.id })
    const page3 = await listJobs(db, { tenantId, limit: 2, afterId: page2.at(-1)!.id })
    expect([...page1, ...page2, ...page3].map((j) => j.id)).toEqual(ids)
    expect(page3).toHaveLength(1)
    expect((await listJobs(db, { tenantId, kind: 'b', limit: 10 })).map((j) => j.id)).toEqual([
      ids[1],
      ids[3],
    ])
    expect(await listJobs(db, { tenantId: tenantId + 1000, limit: 10 })).toEqual([])
    await expect(listJobs(db, { tenantId, limit: 0 })).rejects.toBeInstanceOf(ValidationError)

    const cancelled = await cancelJob(db, tenantId, ids[0]!)
    expect(cancelled).toMatchObject({ status: 'cancelled' })
    expect(cancelled.finishedAt).toBeInstanceOf(Date)
    expect(await cancelJob(db, tenantId, ids[0]!)).toMatchObject({ status: 'cancelled' })
    await expect(cancelJob(db, tenantId + 1000, ids[1]!)).rejects.toBeInstanceOf(NotFoundError)

    const ran: number[] = []
    const registry = new JobRegistry()
    for (const kind of ['a', 'b']) registry.register(kind, async (_p, ctx) => void ran.push(ctx.job.id))
    expect(await runner(registry, 'w-list', { concurrency: 10 }).runOnce()).toBe(4)
    expect(ran.sort((a, b) => a - b)).toEqual(ids.slice(1))
    expect((await listJobs(db, { tenantId, status: 'cancelled', limit: 10 })).map((j) => j.id)).toEqual([
      ids[0],
    ])
    await expect(cancelJob(db, tenantId, ids[1]!)).rejects.toBeInstanceOf(ConflictError)
  })
})

/** The URL of the database `db` is connected to, for a second, independent pool on it. */
async function sameDatabaseUrl(db: ControlDb): Promise<string> {
  const [row] = await db.query<{ name: string }>('SELECT current_database() AS name')
  const url = new URL(TEST_PG_URL)
  url.pathname = `/${row!.name}`
  return url.toString()
}
