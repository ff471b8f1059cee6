import type { processingJobsStream, workspaceUsageStream } from '../modules/ingest/streams/platform-usage.js'
import type { userLicensesStream } from '../modules/ingest/streams/user-licenses.js'
import { DAY, HOUR, MINUTE, type DemoContext, iso } from './context.js'
import type { DemoUser, DemoWorkspace, Platform } from './platform.js'
import type { EventOf } from './shapes.js'

/**
 * The usage reports' sources: a snapshot of every workspace each day of the last year, and the
 * processing, imaging, OCR, production, translation, analytics and contracts jobs of its life.
 * A workspace's documents arrive in its first weeks; while review runs its data is in review, then
 * it moves to repository and, for workspaces closed long enough, to cold storage. Users hold
 * licenses: staff a full one all year, reviewers a review one for the review phases they work in.
 */

/** Bytes a document takes in review: natives, images and extracted text together. */
const BYTES_PER_DOCUMENT = 2_500_000
const LOADING_DAYS = 21

const createdDay = (ws: DemoWorkspace) => Math.floor(ws.createdAt / DAY)

/** Documents loaded by `day`: the workspace fills up over its first weeks. */
const documentsOn = (ws: DemoWorkspace, day: number) =>
  Math.round(ws.documentCount * Math.min(1, Math.max(0, (day - createdDay(ws) + 1) / LOADING_DAYS)))

export function* workspaceUsage(
  ctx: DemoContext,
  platform: Platform,
): Generator<EventOf<typeof workspaceUsageStream>> {
  for (const ws of platform.workspaces) {
    // Every fourth workspace holds a data breach response.
    const breach = ws.index % 4 === 3
    // Through yesterday: no generated instant is later than `now`.
    for (let day = Math.max(createdDay(ws) + 1, ctx.today - 364); day < ctx.today; day++) {
      const documents = documentsOn(ws, day)
      const bytes = documents * BYTES_PER_DOCUMENT
      const reviewing = day <= ws.reviewLastDay
      const cold = !reviewing && day > ws.reviewLastDay + 30
      yield {
        id: `usage-${ws.artifactId}-${day}`,
        workspaceId: ws.artifactId,
        snapshotAt: iso(day * DAY + 2 * HOUR),
        documentCount: documents,
        reviewBytes: reviewing ? bytes : 0,
        repositoryBytes: reviewing || cold ? 0 : bytes,
        coldStorageBytes: cold ? bytes : 0,
        dataBreachBytes: breach ? Math.round(bytes * 0.4) : 0,
      }
    }
  }
}

export const workspaceUsageEstimate = (ctx: DemoContext, platform: Platform): number =>
  platform.workspaces.reduce((sum, ws) => sum + Math.min(364, ctx.today - createdDay(ws) - 1), 0)

type ProcessingJob = EventOf<typeof processingJobsStream>

export function* processingJobs(ctx: DemoContext, platform: Platform): Generator<ProcessingJob> {
  for (const ws of platform.workspaces) {
    const rng = ctx.rng('processing-jobs', ws.index)
    let seq = 0
    const job = (
      jobType: ProcessingJob['jobType'],
      day: number,
      measures: Omit<ProcessingJob, 'id' | 'workspaceId' | 'jobId' | 'jobType' | 'status' | 'completedAt'>,
    ): ProcessingJob | undefined => {
      if (day >= ctx.today || day < ctx.today - 364) return undefined
      const roll = rng.float(0, 1)
      const status =
        roll < 0.85
          ? 'Completed'
          : roll < 0.95
            ? 'Completed with Errors'
            : roll < 0.98
              ? 'Failed'
              : 'Cancelled'
      const jobId = `${ws.prefix}-${jobType.toUpperCase()}-${++seq}`
      return {
        id: jobId,
        workspaceId: ws.artifactId,
        jobId,
        jobType,
        status,
        completedAt: iso(day * DAY + rng.int(8, 20) * HOUR + rng.int(0, HOUR - 1)),
        ...measures,
      }
    }
    const jobs: (ProcessingJob | undefined)[] = []
    // Processing sets while the documents load, then an analytics index over them.
    for (let day = createdDay(ws) + 1; day < createdDay(ws) + LOADING_DAYS; day += rng.int(2, 4)) {
      const documents = Math.max(1, Math.round(ws.documentCount / 8))
      jobs.push(
        job('Processing', day, {
          dataSources: rng.int(1, 6),
          inputBytes: documents * rng.int(1_500_000, 4_000_000),
        }),
      )
    }
    jobs.push(job('Analytics', createdDay(ws) + LOADING_DAYS + 1, { documentUnits: ws.documentCount }))
    // During review: weekly imaging, some OCR, a monthly production.
    for (let day = ws.reviewFirstDay; day <= ws.reviewLastDay; day += 7) {
      jobs.push(job('Imaging', day, { pages: rng.int(200, 4000) }))
      if (rng.chance(0.4)) jobs.push(job('OCR', day + 1, { pages: rng.int(100, 1500) }))
      if ((day - ws.reviewFirstDay) % 28 === 21)
        jobs.push(job('Production', day + 2, { pages: rng.int(500, 8000) }))
    }
    // Foreign-language matters translate; one workspace in three runs contract analysis.
    if (ws.index % 2 === 0) {
      for (let day = ws.reviewFirstDay + 10; day <= ws.reviewLastDay; day += 30)
        jobs.push(
          job('Translation', day, {
            documentUnits: rng.int(20, 400),
            inputBytes: rng.int(1, 50) * 1_000_000,
          }),
        )
    }
    if (ws.index % 3 === 0)
      jobs.push(job('Contracts', ws.reviewFirstDay + 3, { documentUnits: Math.round(ws.documentCount / 5) }))
    for (const item of jobs) if (item) yield item
  }
}

export const processingJobsEstimate = (platform: Platform): number => platform.workspaces.length * 40

type LicenseChange = EventOf<typeof userLicensesStream>

/**
 * License changes: administrators, managers and the system administrator hold a Full license from
 * the start of the year (the service account none); a reviewer gets a Review license a few days
 * before the first review phase of their workspaces begins, one in four is upgraded to Full a month
 * later, and the license is removed two weeks after the last phase ended, if that is before today.
 */
export function* userLicenses(ctx: DemoContext, platform: Platform): Generator<LicenseChange> {
  const firstDay = ctx.today - 364
  for (const user of platform.users) {
    const rng = ctx.rng('user-licenses', user.artifactId)
    let seq = 0
    const change = (day: number, licenseType?: string): LicenseChange | undefined => {
      if (day >= ctx.today) return undefined
      const at = iso(day * DAY + rng.int(8, 17) * HOUR + rng.int(0, 59) * MINUTE)
      const id = `license-${user.artifactId}-${++seq}`
      return licenseType
        ? { id, userId: user.artifactId, effectiveAt: at, change: 'Assigned', licenseType }
        : { id, userId: user.artifactId, effectiveAt: at, change: 'Removed' }
    }
    const changes: (LicenseChange | undefined)[] = []
    if (user.role === 'reviewer') {
      const phases = reviewPhases(user, platform)
      const assigned = Math.max(firstDay, phases.first - rng.int(2, 6))
      changes.push(change(assigned, 'Review'))
      if (rng.chance(0.25)) changes.push(change(assigned + 30, 'Full'))
      changes.push(change(phases.last + 14))
    } else if (user.artifactId !== SERVICE_ACCOUNT_ID) {
      changes.push(change(firstDay, 'Full'))
    }
    for (const item of changes) if (item) yield item
  }
}

/** The service account runs integrations; it holds no license. */
const SERVICE_ACCOUNT_ID = 777

/** The first and last day of the review phases of a user's workspaces. */
function reviewPhases(user: DemoUser, platform: Platform): { first: number; last: number } {
  const workspaces = user.workspaceIndexes.map((i) => platform.workspaces[i] as DemoWorkspace)
  return {
    first: Math.min(...workspaces.map((ws) => ws.reviewFirstDay)),
    last: Math.max(...workspaces.map((ws) => ws.reviewLastDay)),
  }
}

export const userLicensesEstimate = (platform: Platform): number => platform.users.length * 2
