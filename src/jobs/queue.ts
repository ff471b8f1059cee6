import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import type { Queryable } from '../store/control/driver.js'

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** A job as the rest of the code sees it; rows are parsed into this at the store boundary. */
export interface Job {
  id: number
  tenantId: number
  kind: string
  /** Ids only (STYLE.md): the handler loads the rest, so a payload never carries secrets or bulk. */
  payload: unknown
  status: JobStatus
  /** Attempts started so far. */
  attempts: number
  /** null: the kind's registered limit applies. */
  maxAttempts: number | null
  runAt: Date
  leaseUntil: Date | null
  lockedBy: string | null
  progress: number
  progressMessage: string | null
  result: unknown
  lastError: string | null
  createdAt: Date
  startedAt: Date | null
  finishedAt: Date | null
  updatedAt: Date
}

interface JobRow {
  id: number | string
  tenant_id: number
  kind: string
  payload: unknown
  status: JobStatus
  attempts: number
  max_attempts: number | null
  run_at: Date | string
  lease_until: Date | string | null
  locked_by: string | null
  progress: number | string
  progress_message: string | null
  result: unknown
  last_error: string | null
  created_at: Date | string
  started_at: Date | string | null
  finished_at: Date | string | null
  updated_at: Date | string
}

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value))
const toDateOrNull = (value: Date | string | null): Date | null => (value === null ? null : toDate(value))

export function parseJobRow(row: JobRow): Job {
  return {
    id: Number(row.id),
    tenantId: Number(row.tenant_id),
    kind: row.kind,
    payload: row.payload,
    status: row.status,
    attempts: Number(row.attempts),
    maxAttempts: row.max_attempts === null ? null : Number(row.max_attempts),
    runAt: toDate(row.run_at),
    leaseUntil: toDateOrNull(row.lease_until),
    lockedBy: row.locked_by,
    progress: Number(row.progress),
    progressMessage: row.progress_message,
    result: row.result ?? null,
    lastError: row.last_error,
    createdAt: toDate(row.created_at),
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
    updatedAt: toDate(row.updated_at),
  }
}

// Durations are bound as milliseconds; this turns one into an interval inside the statement.
const MS = `* interval '1 millisecond'`

export interface EnqueueJobInput {
  tenantId: number
  kind: string
  payload: unknown
  runAt?: Date
  maxAttempts?: number
}

export async function enqueueJob(db: Queryable, input: EnqueueJobInput): Promise<Job> {
  if (!input.kind) throw new ValidationError('A job needs a kind', { path: 'kind' })
  if (input.maxAttempts !== undefined && !(Number.isInteger(input.maxAttempts) && input.maxAttempts >= 1)) {
    throw new ValidationError('maxAttempts must be a positive integer', { path: 'maxAttempts' })
  }
  const payload = JSON.stringify(input.payload ?? {})
  if (payload === undefined) throw new ValidationError('A job payload must be JSON', { path: 'payload' })
  const rows = await db.query<JobRow>(
    `INSERT INTO jobs (tenant_id, kind, payload, run_at, max_attempts)
     VALUES ($1, $2, $3::jsonb, COALESCE($4::timestamptz, now()), $5)
     RETURNING *`,
    [input.tenantId, input.kind, payload, input.runAt?.toISOString() ?? null, input.maxAttempts ?? null],
  )
  return parseJobRow(rows[0]!)
}

export async function getJob(db: Queryable, tenantId: number, id: number): Promise<Job> {
  const rows = await db.query<JobRow>('SELECT * FROM jobs WHERE tenant_id = $1 AND id = $2', [tenantId, id])
  if (!rows[0]) throw new NotFoundError(`Job ${id}`)
  return parseJobRow(rows[0])
}

export interface ListJobsInput {
  tenantId: number
  status?: JobStatus
  kind?: string
  limit: number
  /** Keyset paging: jobs with a larger id than this (the last id of the previous page). */
  afterId?: number
}

/** A tenant's jobs in id order (oldest first). */
export async function listJobs(db: Queryable, input: ListJobsInput): Promise<Job[]> {
  if (!(Number.isInteger(input.limit) && input.limit >= 1 && input.limit <= 1000)) {
    throw new ValidationError('limit must be an integer from 1 to 1000', { path: 'limit' })
  }
  const rows = await db.query<JobRow>(
    `SELECT * FROM jobs
     WHERE tenant_id = $1
       AND ($2::text IS NULL OR status = $2::text)
       AND ($3::text IS NULL OR kind = $3::text)
       AND id > $4
     ORDER BY id
     LIMIT $5`,
    [input.tenantId, input.status ?? null, input.kind ?? null, input.afterId ?? 0, input.limit],
  )
  return rows.map(parseJobRow)
}

/**
 * Cancels a queued or running job. A running job's worker sees it at its next lease renewal and
 * aborts the handler. Cancelling a cancelled job returns it; a finished one is a conflict.
 */
export async function cancelJob(db: Queryable, tenantId: number, id: number): Promise<Job> {
  const rows = await db.query<JobRow>(
    `UPDATE jobs SET status = 'cancelled', lease_until = NULL, finished_at = now(), updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running')
     RETURNING *`,
    [tenantId, id],
  )
  if (rows[0]) return parseJobRow(rows[0])
  const job = await getJob(db, tenantId, id)
  if (job.status === 'cancelled') return job
  throw new ConflictError(`Job ${id} has already ${job.status}`)
}

// ---- The runner's side: claim, lease, finish. Every write after the claim checks that this worker
// still owns the job, so a worker that lost its lease cannot overwrite the new owner's outcome.

/**
 * Claims up to `limit` due jobs in one statement: queued ones whose run_at has come, and running
 * ones whose lease expired (their worker died). SKIP LOCKED lets concurrent workers pass over each
 * other's candidates; the CTE form keeps the planner from evaluating the locking subquery more
 * than once (which an `IN (SELECT ... LIMIT)` may do, claiming more than `limit`).
 */
export async function claimJobs(
  db: Queryable,
  workerId: string,
  limit: number,
  leaseMs: number,
): Promise<Job[]> {
  if (limit < 1) return []
  const rows = await db.query<JobRow>(
    `WITH due AS (
       SELECT id FROM jobs
       WHERE (status = 'queued' AND run_at <= now()) OR (status = 'running' AND lease_until < now())
       ORDER BY run_at, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs SET status = 'running', locked_by = $1, lease_until = now() + $3::float8 ${MS},
       attempts = jobs.attempts + 1, started_at = now(), finished_at = NULL, updated_at = now()
     FROM due WHERE jobs.id = due.id
     RETURNING jobs.*`,
    [workerId, limit, leaseMs],
  )
  return rows.map(parseJobRow).sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || a.id - b.id)
}

/** Extends the lease; false when the job is no longer this worker's (cancelled or re-claimed). */
export async function renewJobLease(
  db: Queryable,
  id: number,
  workerId: string,
  leaseMs: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET lease_until = now() + $3::float8 ${MS}, updated_at = now()
     WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING id`,
    [id, workerId, leaseMs],
  )
  return rows.length > 0
}

/** Records progress and extends the lease; false when the job is no longer this worker's. */
export async function recordJobProgress(
  db: Queryable,
  id: number,
  workerId: string,
  leaseMs: number,
  fraction: number,
  message: string | null,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET progress = $4, progress_message = $5, lease_until = now() + $3::float8 ${MS}, updated_at = now()
     WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING id`,
    [id, workerId, leaseMs, fraction, message],
  )
  return rows.length > 0
}

export async function completeJob(
  db: Queryable,
  id: number,
  workerId: string,
  resultJson: string | null,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET status = 'succeeded', result = $3::jsonb, progress = 1, last_error = NULL,
       lease_until = NULL, finished_at = now(), updated_at = now()
     WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING id`,
    [id, workerId, resultJson],
  )
  return rows.length > 0
}

/**
 * Records a failed attempt: back to queued after `retryInMs`, or failed for good when it is null.
 * Returns the new status, or undefined when the job is no longer this worker's.
 */
export async function failJobAttempt(
  db: Queryable,
  id: number,
  workerId: string,
  error: string,
  retryInMs: number | null,
): Promise<'queued' | 'failed' | undefined> {
  const retry = retryInMs !== null
  const rows = await db.query<{ status: 'queued' | 'failed' }>(
    `UPDATE jobs SET
       status = CASE WHEN $4::boolean THEN 'queued' ELSE 'failed' END,
       run_at = CASE WHEN $4::boolean THEN now() + $5::float8 ${MS} ELSE run_at END,
       finished_at = CASE WHEN $4::boolean THEN NULL ELSE now() END,
       locked_by = CASE WHEN $4::boolean THEN NULL ELSE locked_by END,
       last_error = $3, lease_until = NULL, updated_at = now()
     WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING status`,
    [id, workerId, error, retry, retryInMs ?? 0],
  )
  return rows[0]?.status
}

/** Hands a job back unfinished (worker shutdown): queued now, and the interrupted attempt not counted. */
export async function releaseJob(db: Queryable, id: number, workerId: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET status = 'queued', run_at = now(), attempts = GREATEST(attempts - 1, 0),
       locked_by = NULL, lease_until = NULL, updated_at = now()
     WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING id`,
    [id, workerId],
  )
  return rows.length > 0
}
