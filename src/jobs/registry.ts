import type { Logger } from 'pino'

/** Attempts a job gets when neither its row nor its kind's registration says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 3

/** Why a running attempt was aborted; the runner's reaction differs for each. */
export type JobAbortReason = 'shutdown' | 'lease-lost' | 'timeout'

/** The `signal.reason` a handler sees when the runner aborts it. */
export class JobAbortedError extends Error {
  constructor(
    readonly reason: JobAbortReason,
    message: string,
  ) {
    super(message)
    this.name = 'JobAbortedError'
  }
}

/** What a handler knows about the run it is part of. Services stay out: handlers close over them. */
export interface JobContext {
  job: { id: number; tenantId: number; kind: string; attempt: number }
  /**
   * Aborted when the worker shuts down, the job's lease is lost (cancelled or re-claimed by another
   * worker) or the kind's timeout passes. Handlers pass it on to long reads and writes.
   */
  signal: AbortSignal
  /** Already bound to the job id, kind and attempt. */
  logger: Logger
  /**
   * Records progress (clamped to 0..1) and extends the lease. Rejects with the abort reason when
   * the job is no longer this worker's, so a handler that ignores `signal` still stops here.
   */
  reportProgress(fraction: number, message?: string): Promise<void>
}

/** Runs one job. A JSON-serializable resolved value becomes the job's `result`. */
export type JobHandler<P = unknown> = (payload: P, ctx: JobContext) => Promise<unknown>

/** What a failure hook is told: the job, and the error its row keeps as `last_error`. */
export interface JobFailure {
  job: JobContext['job']
  error: string
  logger: Logger
}

/**
 * Settles what a job was for once it has failed for good (a report marked Failed, say): after its
 * last attempt threw or timed out, and when its attempts ran out with a worker that died. It runs
 * before the job is recorded failed, at least once: it must be idempotent.
 */
export type JobFailureHook<P = unknown> = (payload: P, failure: JobFailure) => Promise<void>

export interface JobKindOptions<P = unknown> {
  /** Attempts before the job fails for good; a job's own max_attempts overrides it. */
  maxAttempts?: number
  /** Aborts the attempt (and counts it as failed) after this long. */
  timeoutMs?: number
  onFailed?: JobFailureHook<P>
}

export interface RegisteredJobKind {
  kind: string
  handler: JobHandler<unknown>
  maxAttempts: number
  timeoutMs: number | undefined
  onFailed: JobFailureHook<unknown> | undefined
}

/** The job kinds this process can run, each with its handler. */
export class JobRegistry {
  private readonly kinds = new Map<string, RegisteredJobKind>()

  register<P>(kind: string, handler: JobHandler<P>, options: JobKindOptions<P> = {}): this {
    if (!kind) throw new Error('A job kind needs a name')
    if (this.kinds.has(kind)) throw new Error(`Job kind "${kind}" is already registered`)
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new Error(`Job kind "${kind}": maxAttempts must be a positive integer`)
    }
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
      throw new Error(`Job kind "${kind}": timeoutMs must be positive`)
    }
    // The payload comes back from the database untyped; the registering code owns its shape.
    this.kinds.set(kind, {
      kind,
      handler: handler as JobHandler<unknown>,
      maxAttempts,
      timeoutMs: options.timeoutMs,
      onFailed: options.onFailed as JobFailureHook<unknown> | undefined,
    })
    return this
  }

  get(kind: string): RegisteredJobKind | undefined {
    return this.kinds.get(kind)
  }

  has(kind: string): boolean {
    return this.kinds.has(kind)
  }

  list(): string[] {
    return [...this.kinds.keys()].sort()
  }
}
