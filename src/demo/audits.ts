import type { auditsStream } from '../modules/ingest/streams/audits.js'
import { CodingState } from './audit-coding.js'
import {
  INSTANCE,
  type PendingAudit,
  WorkspaceDay,
  loginAudit,
  logoutAudit,
  workspaceArtifact,
} from './audit-review.js'
import { DAY, type DemoContext, HOUR, isWeekend, iso, zoneOffset } from './context.js'
import type { DemoUser, DemoWorkspace, Platform } from './platform.js'
import type { EventOf } from './shapes.js'

/**
 * The `audits` stream: the instance level first (workspace creation, staff sign-ins, security
 * changes), then each workspace day by day. Within a workspace, audits are emitted in time order
 * through a small buffer, which is what keeps every change's old value equal to the value the
 * previous change left, even though reviewers in different time zones are simulated one by one.
 */

const AUDITS_AT_SCALE_1 = 200_000
/**
 * Audits one reviewer-day yields on average with the session model of audit-review.ts (sign-in,
 * one to three sessions of 15-45 documents, codings that change nothing dropped): measured over
 * the demo at scale 1. The reviewers' working probability is derived from it to hit the volume.
 */
const AUDITS_PER_REVIEWER_DAY = 100
/**
 * A local day's activity starts after 07:00 local time, which is at most 14 hours ahead of UTC:
 * audits before this instant cannot be preceded by any audit of a later day, so they can be emitted.
 */
const EARLIEST_LOCAL_START = 7 * HOUR - 14 * HOUR

export type AuditEvent = EventOf<typeof auditsStream>

export const auditEstimate = (ctx: DemoContext): number => ctx.count(AUDITS_AT_SCALE_1)

export function* auditEvents(ctx: DemoContext, platform: Platform): Generator<AuditEvent> {
  const nextId = ctx.eventIds('audits')
  const emit = (a: PendingAudit): AuditEvent => ({
    id: nextId(),
    workspaceId: a.workspaceId,
    timestamp: iso(Math.round(a.at)),
    action: a.action,
    objectType: a.on.type,
    artifactId: a.on.id,
    artifactName: a.on.name,
    userId: a.user.artifactId,
    userName: a.user.fullName,
    executionTimeMs: a.executionTimeMs,
    details: a.details,
  })
  for (const audit of instanceAudits(ctx, platform)) yield emit(audit)

  const assignments = new Assignments(ctx, platform)
  const workProbability = Math.min(
    1,
    auditEstimate(ctx) / (AUDITS_PER_REVIEWER_DAY * assignments.totalReviewerDays()),
  )
  for (const ws of platform.workspaces) {
    const state = new CodingState(ws)
    for (const audit of workspaceAudits(ctx, platform, ws, assignments, workProbability)) {
      if (!audit.coding) {
        yield emit(audit)
        continue
      }
      const changes = state.apply(audit.coding.doc, audit.coding.targets)
      // A save that changes nothing leaves no Update audit.
      if (changes.length === 0) continue
      const event = emit(audit)
      event.changes = changes
      yield event
    }
  }
}

/** One workspace's audits in time order (those after `now` left out). */
function* workspaceAudits(
  ctx: DemoContext,
  platform: Platform,
  ws: DemoWorkspace,
  assignments: Assignments,
  workProbability: number,
): Generator<PendingAudit> {
  const reviewers = platform.users.filter((u) => u.reviews && u.workspaceIndexes.includes(ws.index))
  const staff = platform.users.filter((u) => u.role === 'manager' && u.workspaceIndexes.includes(ws.index))
  const serviceAccount = platform.users.find((u) => u.role === 'system' && u.artifactId === 777) as DemoUser
  const day = new WorkspaceDay(ctx, ws)
  const firstDay = Math.floor(ws.createdAt / DAY)
  // Staff keep working in a workspace for a month after its review ends, then it goes quiet.
  const lastDay = Math.min(ctx.today, ws.reviewLastDay + 30)
  for (let d = firstDay; d <= lastDay; d++) {
    if (!isWeekend(d)) {
      for (const user of reviewers) {
        if (assignments.workspaceOf(user, d) !== ws.index) continue
        const rng = ctx.rng('reviewer day', user.artifactId, d)
        if (rng.chance(workProbability)) day.reviewerDay(user, d, rng)
      }
      day.staffDay(staff, serviceAccount, d, ctx.rng('staff day', ws.index, d))
    }
    yield* drain(day.pending, (d + 1) * DAY + EARLIEST_LOCAL_START, ctx.now)
  }
  yield* drain(day.pending, Infinity, ctx.now)
}

/** Removes and yields, in time order, the pending audits before `until`. */
function* drain(pending: PendingAudit[], until: number, now: number): Generator<PendingAudit> {
  pending.sort((a, b) => a.at - b.at) // stable: ties keep generation order, so output is deterministic
  let ready = 0
  while (ready < pending.length && (pending[ready] as PendingAudit).at < until) ready++
  for (const audit of pending.splice(0, ready)) if (audit.at <= now) yield audit
}

/**
 * Which workspace a reviewer works in on a day: one of their workspaces under review that day,
 * so a reviewer's sessions never overlap across workspaces.
 */
class Assignments {
  constructor(
    private readonly ctx: DemoContext,
    private readonly platform: Platform,
  ) {}

  workspaceOf(user: DemoUser, day: number): number | undefined {
    const open = user.workspaceIndexes.filter((i) => {
      const ws = this.platform.workspaces[i] as DemoWorkspace
      return ws.reviewFirstDay <= day && day <= ws.reviewLastDay
    })
    if (open.length === 0) return undefined
    return open[Math.floor(this.ctx.unit('assignment', user.artifactId, day) * open.length)]
  }

  /** Weekdays on which some reviewer has a workspace under review: the capacity the volume is spread over. */
  totalReviewerDays(): number {
    let total = 0
    for (const user of this.platform.users) {
      if (!user.reviews) continue
      for (let d = this.ctx.today - 365; d <= this.ctx.today; d++) {
        if (!isWeekend(d) && this.workspaceOf(user, d) !== undefined) total++
      }
    }
    return Math.max(1, total)
  }
}

/** Instance-level audits: workspaces created, then day by day administrators signing in and changing groups. */
function* instanceAudits(ctx: DemoContext, platform: Platform): Generator<PendingAudit> {
  const admins = platform.users.filter((u) => u.role === 'admin')
  const creator = platform.users.find((u) => u.role === 'system') as DemoUser
  for (const ws of [...platform.workspaces].sort((a, b) => a.createdAt - b.createdAt)) {
    const executionTimeMs = ctx.rng('workspace creation', ws.index).int(5_000, 60_000)
    const details = { template: ws.template }
    yield {
      at: ws.createdAt,
      workspaceId: INSTANCE,
      action: 'Create',
      on: workspaceArtifact(ws),
      user: creator,
      executionTimeMs,
      details,
    }
  }
  for (let d = ctx.today - 365; d <= ctx.today; d++) {
    const pending: PendingAudit[] = []
    const rng = ctx.rng('instance day', d)
    for (const admin of isWeekend(d) ? [] : admins) {
      if (!rng.chance(0.5)) continue
      const start = d * DAY - zoneOffset(admin.timeZone, d) + rng.float(8, 11) * HOUR
      pending.push(loginAudit(admin, start, rng))
      if (rng.chance(0.15)) {
        const on = { id: 1_015_000 + rng.int(1, 6), name: rng.pick(GROUPS), type: 'Group' } as const
        const change = rng.chance(0.7) ? 'User added to group' : 'User removed from group'
        const details = { change, userName: rng.pick(platform.users).fullName }
        const at = start + rng.int(60_000, 3 * HOUR)
        pending.push({
          at,
          workspaceId: INSTANCE,
          action: 'Security',
          on,
          user: admin,
          executionTimeMs: rng.int(20, 300),
          details,
        })
      }
      pending.push(logoutAudit(admin, start + rng.float(4, 9) * HOUR, 'User'))
    }
    yield* drain(pending, Infinity, ctx.now)
  }
}

const GROUPS = ['Reviewers', 'Project Managers', 'QC Reviewers']
