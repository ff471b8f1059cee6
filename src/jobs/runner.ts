import type { Logger } from 'pino'
import type { ControlDb } from '../store/control/driver.js'
import {
  claimJobs,
  completeJob,
  failJobAttempt,
  type Job,
  recordJobProgress,
  releaseJob,
  renewJobLease,
} from './queue.js'
import { JobAbortedError, type JobContext, type JobRegistry, type RegisteredJobKind } from './registry.js'

export interface JobRunnerOptions {
  db: ControlDb
  registry: JobRegistry
  /** Unique per process (host and pid, say): leases and completions are checked against it. */
  workerId: string
  /** Jobs run at once by this runner. */
  concurrency: number
  leaseMs?: number
  pollMs?: number
  logger: Logger
  /** How long stop() waits for running jobs before aborting them. */
  stopTimeoutMs?: number
  /** Delay before the next attempt after attempt number `attempt` failed. */
  backoffMs?: (attempt: number) => number
}

// Longer messages are cut: last_error is shown in listings, not a log store.
const MAX_ERROR_LENGTH = 4000

/**
 * 2^attempt seconds capped at 10 minutes, with "equal jitter" (half fixed, half random) so jobs
 * that failed together (a database restart, say) do not all retry in the same instant.
 */
export function exponentialBackoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(2 ** attempt * 1000, 600_000)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

interface RunningJob {
  controller: AbortController
  done: Promise<void>
}

/** Claims jobs from the control plane and runs their handlers under a lease. See README.md. */
export class JobRunner {
  private readonly db: ControlDb
  private readonly registry: JobRegistry
  private readonly workerId: string
  private readonly concurrency: number
  private readonly leaseMs: number
  private readonly pollMs: number
  private readonly logger: Logger
  private readonly stopTimeoutMs: number
  private readonly backoffMs: (attempt: number) => number
  private readonly running = new Map<number, RunningJob>()
  private loop: Promise<void> | undefined
  private stopping = false
  private wakeSleeper: (() => void) | undefined
  private wakePending = false

  constructor(options: JobRunnerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new Error('JobRunner: concurrency must be a positive integer')
    }
    this.db = options.db
    this.registry = options.registry
    this.workerId = options.workerId
    this.concurrency = options.concurrency
    this.leaseMs = options.leaseMs ?? 30_000
    this.pollMs = options.pollMs ?? 500
    this.logger = options.logger.child({ workerId: options.workerId })
    this.stopTimeoutMs = options.stopTimeoutMs ?? 30_000
    this.backoffMs = options.backoffMs ?? exponentialBackoffMs
  }

  /** Jobs this runner is running now. */
  get activeJobs(): number {
    return this.running.size
  }

  /** Starts polling for jobs in the background. */
  start(): void {
    if (this.loop) throw new Error('JobRunner is already started')
    this.stopping = false
    this.loop = this.pollLoop()
    this.logger.info({ concurrency: this.concurrency }, 'job worker started')
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for running jobs, then aborts the rest; an aborted
   * job goes back to the queue for another worker without counting the interrupted attempt.
   */
  async stop(timeoutMs = this.stopTimeoutMs): Promise<void> {
    this.stopping = true
    this.wake()
    await this.loop
    this.loop = undefined
    const pending = [...this.running.values()]
    if (pending.length > 0) {
      this.logger.info({ jobs: pending.length, timeoutMs }, 'waiting for running jobs before stopping')
      let timer: NodeJS.Timeout | undefined
      const finishedInTime = await Promise.race([
        Promise.all(pending.map((r) => r.done)).then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ])
      clearTimeout(timer)
      if (!finishedInTime) {
        const reason = new JobAbortedError('shutdown', 'The worker is shutting down')
        for (const r of this.running.values()) r.controller.abort(reason)
        await Promise.all([...this.running.values()].map((r) => r.done))
      }
    }
    this.logger.info('job worker stopped')
  }

  /** Claims up to the free slots' worth of due jobs and resolves when they finish (for tests). */
  async runOnce(): Promise<number> {
    const started = await this.claimAndStart(this.concurrency - this.running.size)
    await Promise.all(started.map((r) => r.done))
    return started.length
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopping) {
      const free = this.concurrency - this.running.size
      if (free > 0) {
        try {
          await this.claimAndStart(free)
        } catch (error) {
          this.logger.error({ err: error }, 'claiming jobs failed; trying again after the poll interval')
        }
      }
      // A finished job wakes the loop early, so a backlog drains without waiting for the poll.
      if (!this.stopping) await this.sleep(this.pollMs)
    }
  }

  private async claimAndStart(slots: number): Promise<RunningJob[]> {
    if (slots < 1) return []
    const jobs = await claimJobs(this.db, this.workerId, slots, this.leaseMs)
    return jobs.map((job) => this.startJob(job))
  }

  private startJob(job: Job): RunningJob {
    const controller = new AbortController()
    const log = this.logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts })
    const done = this.runJob(job, controller, log)
      .catch((error: unknown) => {
        // The row stays running under a lease that will expire; another attempt follows then.
        log.error({ err: error }, 'recording the job outcome failed')
      })
      .finally(() => {
        this.running.delete(job.id)
        this.wake()
      })
    const entry = { controller, done }
    this.running.set(job.id, entry)
    return entry
  }

  private async runJob(job: Job, controller: AbortController, log: Logger): Promise<void> {
    const registered = this.registry.get(job.kind)
    if (!registered) {
      await this.recordFailure(job, log, `No handler is registered for job kind "${job.kind}"`, false, 0)
      return
    }
    const maxAttempts = job.maxAttempts ?? registered.maxAttempts
    if (job.attempts > maxAttempts) {
      // Only a re-claim after lease expiry gets here: the last attempt's worker died or hung.
      const message = `No attempts left (${maxAttempts} allowed); the worker running the last one stopped renewing its lease`
      await this.recordFailure(job, log, message, false, 0, message, registered)
      return
    }

    const loseLease = () =>
      controller.abort(
        new JobAbortedError('lease-lost', 'The job is no longer this worker’s (cancelled or re-claimed)'),
      )
    let renewing = false
    const renewal = setInterval(
      () => {
        if (renewing || controller.signal.aborted) return
        renewing = true
        renewJobLease(this.db, job.id, this.workerId, this.leaseMs)
          .then((owned) => owned || controller.signal.aborted || loseLease())
          // A failed renewal is not a lost lease: the lease is still ours until it runs out.
          .catch((error: unknown) => log.warn({ err: error }, 'renewing the job lease failed'))
          .finally(() => (renewing = false))
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    )
    const timeout =
      registered.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              controller.abort(new JobAbortedError('timeout', `Timed out after ${registered.timeoutMs} ms`)),
            registered.timeoutMs,
          )

    const context: JobContext = {
      job: { id: job.id, tenantId: job.tenantId, kind: job.kind, attempt: job.attempts },
      signal: controller.signal,
      logger: log,
      reportProgress: async (fraction, message) => {
        if (!Number.isFinite(fraction))
          throw new TypeError('reportProgress: fraction must be a finite number')
        controller.signal.throwIfAborted()
        const clamped = Math.min(1, Math.max(0, fraction))
        const owned = await recordJobProgress(
          this.db,
          job.id,
          this.workerId,
          this.leaseMs,
          clamped,
          message ?? null,
        )
        if (!owned) loseLease()
        controller.signal.throwIfAborted()
      },
    }

    const startedAt = performance.now()
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown }
    log.info('job started')
    try {
      // Promise.resolve().then: a handler that throws synchronously still counts as a failed attempt.
      const work = Promise.resolve().then(() => registered.handler(job.payload, context))
      outcome = { ok: true, value: await untilAborted(work, controller.signal) }
    } catch (error) {
      outcome = { ok: false, error }
    } finally {
      clearInterval(renewal)
      clearTimeout(timeout)
    }
    const durationMs = Math.round(performance.now() - startedAt)

    if (outcome.ok) {
      if (await completeJob(this.db, job.id, this.workerId, toResultJson(outcome.value, log))) {
        log.info({ durationMs }, 'job succeeded')
      } else {
        log.warn({ durationMs }, 'job finished after this worker lost it; result discarded')
      }
      return
    }
    const abort = controller.signal.aborted ? controller.signal.reason : undefined
    if (abort instanceof JobAbortedError && abort.reason === 'lease-lost') {
      log.warn({ durationMs }, 'job aborted: this worker no longer owns it')
    } else if (abort instanceof JobAbortedError && abort.reason === 'shutdown') {
      await releaseJob(this.db, job.id, this.workerId)
      log.info({ durationMs }, 'job interrupted by shutdown and handed back to the queue')
    } else {
      const message = abort instanceof JobAbortedError ? abort.message : errorMessage(outcome.error)
      const retry = job.attempts < maxAttempts
      await this.recordFailure(job, log, message, retry, durationMs, outcome.error, registered)
    }
  }

  /** Records a failed attempt; before the last one's, the kind's failure hook settles the job's work. */
  private async recordFailure(
    job: Job,
    log: Logger,
    message: string,
    retry: boolean,
    durationMs: number,
    error: unknown = message,
    registered?: RegisteredJobKind,
  ) {
    const lastError = message.slice(0, MAX_ERROR_LENGTH)
    if (!retry && registered?.onFailed) {
      // Before the failed status, while the job is still this worker's: a worker that dies in
      // between leaves it running, and the next claim, finding no attempts left, runs the hook again.
      try {
        await registered.onFailed(job.payload, {
          job: { id: job.id, tenantId: job.tenantId, kind: job.kind, attempt: job.attempts },
          error: lastError,
          logger: log,
        })
      } catch (hookError) {
        log.error({ err: hookError }, 'the job kind’s failure hook failed')
      }
    }
    const retryInMs = retry ? this.backoffMs(job.attempts) : null
    const status = await failJobAttempt(this.db, job.id, this.workerId, lastError, retryInMs)
    // The error, never the payload: payloads are ids, but nothing guarantees a handler kept to that.
    if (status === 'queued') log.warn({ durationMs, retryInMs, err: error }, 'job attempt failed; will retry')
    else if (status === 'failed') log.error({ durationMs, err: error }, 'job failed')
    else log.warn({ durationMs }, 'job failed after this worker lost it; outcome discarded')
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), ms)
      this.wakeSleeper = () => {
        clearTimeout(timer)
        this.wakeSleeper = undefined
        resolve()
      }
    })
  }

  private wake(): void {
    if (this.wakeSleeper) this.wakeSleeper()
    else this.wakePending = true
  }
}

/** Settles with `work`, or rejects with the abort reason as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error as Error)
      },
    )
  })
}

function toResultJson(value: unknown, log: Logger): string | null {
  try {
    return JSON.stringify(value) ?? null
  } catch {
    log.warn('job result is not JSON-serializable; stored as null')
    return null
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
