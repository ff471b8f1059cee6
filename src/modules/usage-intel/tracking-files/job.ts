import { enqueueJob, listJobs, type JobStatus } from '../../../jobs/queue.js'
import type { JobContext, JobRegistry } from '../../../jobs/registry.js'
import type { Queryable } from '../../../store/control/driver.js'
import type { Stores } from '../../../store/stores.js'
import { DEFAULT_TENANT_ID } from '../../identity/caller.js'
import { buildTrackingFile } from './build.js'
import { FILE_KINDS, type FileKind } from './columns.js'
import { addDays, todayUtc } from './days.js'
import { fileId, getRawExport, knownProducts, registeredRows } from './registry.js'
import { dayCountsQuery, type FileTarget } from './sql.js'

/**
 * The jobs that keep the daily files (see README.md): a build per product, kind and day, and an
 * hourly sweep that enqueues the builds of finished days whose file is missing or out of date.
 */

export const BUILD_JOB = 'tracking-files.build'
export const SWEEP_JOB = 'tracking-files.sweep'
/** Files of a finished day appear within the hour after midnight UTC (plus the build). */
export const SWEEP_INTERVAL_MS = 3_600_000
/** Days the sweep looks back over; older days are built on request (the admin build endpoint). */
export const SWEEP_LOOKBACK_DAYS = 90

/** Ids only, as every job payload: the tenant is the job's. */
export interface BuildPayload {
  productId: number
  kind: FileKind
  day: string
}

export function registerTrackingFileJobs(registry: JobRegistry, stores: Stores): JobRegistry {
  return registry
    .register<BuildPayload>(BUILD_JOB, (payload, ctx) => runBuild(stores, payload, ctx))
    .register(SWEEP_JOB, () => runSweep(stores))
}

async function runBuild(stores: Stores, payload: BuildPayload, ctx: JobContext) {
  const target = { tenantId: ctx.job.tenantId, productId: payload.productId }
  // Turned off between the enqueue and the run: nothing to build.
  if (payload.kind === 'rawEvents' && !(await getRawExport(stores.control, target)).enabled)
    return { skipped: 'raw data export is disabled for this product' }
  const built = await buildTrackingFile(stores, target, payload.kind, payload.day, {
    signal: ctx.signal,
    onProgress: (fraction) => ctx.reportProgress(fraction),
  })
  return built ?? { rows: 0 }
}

/** The next sweep is queued first, so a sweep that fails does not end the cycle. */
async function runSweep(stores: Stores) {
  await scheduleSweep(stores.control, new Date(Date.now() + SWEEP_INTERVAL_MS))
  return { enqueued: await enqueueMissingFiles(stores, todayUtc()) }
}

/**
 * Queues a sweep at `runAt` (now by default) unless one is queued already: called when a worker
 * starts and by each sweep for the next, so one sweep cycle runs however many workers start.
 */
export async function scheduleSweep(db: Queryable, runAt?: Date): Promise<boolean> {
  const queued = await listJobs(db, {
    tenantId: DEFAULT_TENANT_ID,
    kind: SWEEP_JOB,
    status: 'queued',
    limit: 1,
  })
  if (queued.length > 0) return false
  await enqueueJob(db, { tenantId: DEFAULT_TENANT_ID, kind: SWEEP_JOB, payload: {}, ...(runAt && { runAt }) })
  return true
}

/** The files queued or being built now, as `fileId`s, so nothing is enqueued twice. */
async function pendingBuilds(db: Queryable, tenantIds: Iterable<number>): Promise<Set<string>> {
  const pending = new Set<string>()
  for (const tenantId of tenantIds) {
    for (const status of ['queued', 'running'] satisfies JobStatus[]) {
      for (let afterId = 0; ;) {
        const jobs = await listJobs(db, { tenantId, kind: BUILD_JOB, status, limit: 1000, afterId })
        for (const job of jobs) {
          const p = job.payload as BuildPayload
          pending.add(fileId(tenantId, p.productId, p.kind, p.day))
        }
        if (jobs.length < 1000) break
        afterId = jobs[jobs.length - 1]!.id
      }
    }
  }
  return pending
}

interface CountRow {
  tenant_id: number
  product_id: number
  day: string
  customEvents: string
  exceptions: string
  rawEvents: string
}

export interface EnqueuedBuild {
  jobId: number
  kind: FileKind
  day: string
}

/**
 * Enqueues a build for each product, kind and day with rows in [since, until) that `wanted`
 * keeps, skipping products Tally does not know, raw exports that are off, and files already
 * queued or being built.
 */
async function enqueueBuilds(
  stores: Stores,
  range: { since: string; until: string; target?: FileTarget; kinds?: readonly FileKind[] },
  wanted: (id: string, rows: number) => boolean,
): Promise<EnqueuedBuild[]> {
  const counts = await stores.warehouse.query<CountRow>(
    dayCountsQuery(range.since, range.until, range.target),
  )
  if (counts.length === 0) return []
  const products = await knownProducts(stores.control, range.target)
  const pending = await pendingBuilds(stores.control, new Set(counts.map((c) => Number(c.tenant_id))))
  const enqueued: EnqueuedBuild[] = []
  for (const row of counts) {
    const tenantId = Number(row.tenant_id)
    const productId = Number(row.product_id)
    const rawEnabled = products.get(`${tenantId}/${productId}`)
    if (rawEnabled === undefined) continue
    for (const kind of range.kinds ?? FILE_KINDS) {
      const rows = Number(row[kind])
      const id = fileId(tenantId, productId, kind, row.day)
      if (rows === 0 || (kind === 'rawEvents' && !rawEnabled) || pending.has(id) || !wanted(id, rows))
        continue
      const job = await enqueueJob(stores.control, {
        tenantId,
        kind: BUILD_JOB,
        payload: { productId, kind, day: row.day } satisfies BuildPayload,
      })
      enqueued.push({ jobId: job.id, kind, day: row.day })
    }
  }
  return enqueued
}

/**
 * The sweep: builds for the finished days of the last SWEEP_LOOKBACK_DAYS whose file is missing,
 * or holds fewer rows than the warehouse now has for the day (events that arrived late). Running
 * it again enqueues nothing new. With `target`, only that product's (raw export just turned on).
 */
export async function enqueueMissingFiles(
  stores: Stores,
  today: string,
  target?: FileTarget,
): Promise<number> {
  const since = addDays(today, -SWEEP_LOOKBACK_DAYS)
  const built = await registeredRows(stores.control, since, target)
  const enqueued = await enqueueBuilds(
    stores,
    { since, until: today, ...(target && { target }) },
    (id, rows) => built.get(id) !== rows,
  )
  return enqueued.length
}

/** Builds of the given days (from `first` to `last`, finished days) again, whatever is built already. */
export const enqueueDays = (
  stores: Stores,
  target: FileTarget,
  days: { first: string; last: string },
  kinds: readonly FileKind[],
): Promise<EnqueuedBuild[]> =>
  enqueueBuilds(stores, { since: days.first, until: addDays(days.last, 1), target, kinds }, () => true)
