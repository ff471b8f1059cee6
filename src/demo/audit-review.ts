import type { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES } from '../modules/audit/catalog.js'
import { type CodingTarget, decide, massEditTargets, propagatedTargets } from './audit-coding.js'
import { DAY, type DemoContext, HOUR, MINUTE, zoneOffset } from './context.js'
import { type DemoUser, type DemoWorkspace, controlNumber, documentId } from './platform.js'
import type { Random } from './random.js'

/**
 * What happens in one workspace on one day: reviewers' sessions (runs of document View and Update
 * actions a few seconds to minutes apart, separated by breaks longer than the 15-minute session
 * threshold), mass edits, propagations, searches, and the project staff's housekeeping.
 */

export type ActionName = (typeof AUDIT_ACTIONS)[number]['name']
export type ObjectTypeName = (typeof AUDIT_OBJECT_TYPES)[number]['name']

/** What an audit is about: the audited artifact. */
export interface Artifact {
  id: number
  name: string
  type: ObjectTypeName
}

/** An audit before it is placed in time order; `coding` becomes its `changes` then. */
export interface PendingAudit {
  at: number
  workspaceId: number
  action: ActionName
  on: Artifact
  user: DemoUser
  executionTimeMs: number
  details: Record<string, unknown>
  coding?: { doc: number; targets: readonly CodingTarget[] }
}

/** The instance level, for audits that belong to no workspace (SEMANTICS.md: -1). */
export const INSTANCE = -1

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))
/** An execution time in milliseconds: mostly near `median`, with a long tail. */
export const ms = (rng: Random, median: number, spread: number) =>
  Math.round(clamp(rng.logNormal(median, spread), 0, 600_000))

const LAYOUTS = ['First Pass Review', 'Privilege Review', 'QC Review']
const VIEW_MODES = ['Viewer', 'Native', 'Extracted Text', 'Image']
const SEARCH_NAMES = [
  'Responsive Review Batch',
  'Privilege Screen',
  'Hot Documents',
  'Custodian: CFO',
  'Date Range 2019',
  'Keyword: pricing',
  'QC Sample',
]
const CREATED_OBJECTS: readonly [ObjectTypeName, string][] = [
  ['Search', 'Keyword Search'],
  ['View', 'Review View'],
  ['Layout', 'Coding Layout'],
  ['Folder', 'Production Set'],
]
/** Artifact ids of saved searches and of objects staff create, per workspace. */
const SAVED_SEARCH_IDS = 50_000_000
const CREATED_OBJECT_IDS = 40_000_000

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1',
]

const userArtifact = (user: DemoUser): Artifact => ({
  id: user.artifactId,
  name: user.fullName,
  type: 'User',
})

export const workspaceArtifact = (ws: DemoWorkspace): Artifact => ({
  id: ws.artifactId,
  name: ws.name,
  type: 'Workspace',
})

/** Signing in and out are instance-level audits on the user. */
export const loginAudit = (user: DemoUser, at: number, rng: Random): PendingAudit => ({
  at,
  workspaceId: INSTANCE,
  action: 'Login',
  on: userArtifact(user),
  user,
  executionTimeMs: ms(rng, 150, 0.5),
  details: {
    ipAddress: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    userAgent: rng.pick(USER_AGENTS),
    authenticationMethod: rng.chance(0.8) ? 'Password' : 'OpenID Connect',
  },
})

export const logoutAudit = (user: DemoUser, at: number, reason: string): PendingAudit => ({
  at,
  workspaceId: INSTANCE,
  action: 'Logout',
  on: userArtifact(user),
  user,
  executionTimeMs: 0,
  details: { reason },
})

export class WorkspaceDay {
  /** Audits generated but not yet emitted; the caller sorts and drains them. */
  readonly pending: PendingAudit[] = []
  private cursor = 0
  private nextObjectId: number
  private readonly created: Artifact[] = []
  private readonly workspace: Artifact

  constructor(
    private readonly ctx: DemoContext,
    private readonly ws: DemoWorkspace,
  ) {
    this.nextObjectId = CREATED_OBJECT_IDS + ws.index * 100_000
    this.workspace = workspaceArtifact(ws)
  }

  /** A reviewer's working day in their own time zone: log in, one to three sessions, log out. */
  reviewerDay(user: DemoUser, day: number, rng: Random): void {
    const midnight = day * DAY - zoneOffset(user.timeZone, day)
    const endOfDay = midnight + 20 * HOUR
    let t = midnight + rng.float(7.5, 10.5) * HOUR
    this.pending.push(loginAudit(user, t, rng))
    const sessions = rng.int(1, 3)
    for (let s = 0; s < sessions && t < endOfDay; s++) {
      // A break always outlasts the 900-second session threshold, so each session is its own.
      if (s > 0) t += rng.float(20, 120) * MINUTE
      t = this.session(user, t, rng)
    }
    this.pending.push(
      logoutAudit(user, t + rng.int(5_000, 300_000), rng.chance(0.7) ? 'User' : 'Session timeout'),
    )
  }

  /** Project staff housekeeping: searches, views, exports, imports, scripts, audit queries. */
  staffDay(staff: readonly DemoUser[], serviceAccount: DemoUser, day: number, rng: Random): void {
    const at = (user: DemoUser) => day * DAY - zoneOffset(user.timeZone, day) + rng.float(8, 18) * HOUR
    for (let n = rng.chance(0.6) ? rng.int(1, 4) : 0; n > 0; n--) {
      // The audit application's own reads, as in the audit document's Query sample.
      const ran = ms(rng, 8, 1)
      const auditElement = {
        OperationID: `|${rng.hex(8)}-${rng.hex(16)}.`,
        QueryText: 'SELECT * FROM [AuditRecord] WHERE [TimeStamp] > @p1',
        Milliseconds: String(ran),
      }
      this.add({
        at: at(serviceAccount),
        action: 'Query',
        on: this.workspace,
        user: serviceAccount,
        executionTimeMs: ran,
        details: { auditElement },
      })
    }
    if (staff.length === 0 || !rng.chance(0.35)) return
    for (let n = rng.int(1, 4); n > 0; n--) {
      const user = rng.pick(staff)
      this.add({ at: at(user), user, ...this.staffAction(rng) })
    }
  }

  private staffAction(rng: Random): Pick<PendingAudit, 'action' | 'on' | 'executionTimeMs' | 'details'> {
    const kind = rng.int(0, 9)
    if (kind < 4 || this.created.length === 0) {
      const [type, base] = rng.pick(CREATED_OBJECTS)
      const object: Artifact = { id: this.nextObjectId++, type, name: `${base} ${this.created.length + 1}` }
      this.created.push(object)
      return {
        action: 'Create',
        on: object,
        executionTimeMs: ms(rng, 90, 0.6),
        details: { objectName: object.name },
      }
    }
    if (kind < 6) {
      const object = this.created.splice(rng.int(0, this.created.length - 1), 1)[0] as Artifact
      return {
        action: 'Delete',
        on: object,
        executionTimeMs: ms(rng, 60, 0.6),
        details: { objectName: object.name },
      }
    }
    if (kind < 8) {
      const exportType = rng.pick(['Production', 'Native Export', 'Load File'])
      const details = { exportType, documentCount: rng.int(50, 5000) }
      return { action: 'Export', on: this.savedSearch(rng), executionTimeMs: ms(rng, 4000, 1), details }
    }
    if (kind < 9) {
      const details = {
        loadFile: `VOL${String(rng.int(1, 40)).padStart(4, '0')}.dat`,
        documentCount: rng.int(100, 20_000),
      }
      return {
        action: 'Import',
        on: { ...this.workspace, type: 'Document' },
        executionTimeMs: ms(rng, 8000, 1),
        details,
      }
    }
    const script = rng.pick(['Set Extracted Text Size', 'Propagate Coding', 'Globally Administer Keywords'])
    return {
      action: 'RelativityScriptExecution',
      on: this.workspace,
      executionTimeMs: ms(rng, 2500, 1),
      details: { script },
    }
  }

  private session(user: DemoUser, start: number, rng: Random): number {
    let t = this.documentQuery(user, start, rng)
    const layout = rng.pick(LAYOUTS)
    for (let n = rng.int(15, 45); n > 0; n--) {
      const doc = this.nextDoc()
      // Seconds to minutes between actions, never near the 15-minute threshold inside a session.
      t += clamp(rng.logNormal(20_000, 0.7), 2_000, 10 * MINUTE)
      this.onDocument(t, 'View', user, doc, ms(rng, 45, 0.6), { viewMode: rng.pick(VIEW_MODES), layout })
      if (rng.chance(0.7)) {
        t += clamp(rng.logNormal(25_000, 0.6), 2_000, 4 * MINUTE)
        const targets = decide(this.ctx, rng, this.ws, doc)
        this.onDocument(t, 'Update', user, doc, ms(rng, 120, 0.5), { layout, source: 'Coding Pane' }, targets)
        if (rng.chance(0.08)) t = this.propagate(user, t, doc, targets, rng)
      }
      if (rng.chance(0.006)) t = this.massEdit(user, t, rng)
      if (rng.chance(0.04)) t = this.documentQuery(user, t, rng)
    }
    return t
  }

  /** Family members of a coded document receive its family-level fields a few milliseconds later. */
  private propagate(
    user: DemoUser,
    t: number,
    parent: number,
    targets: readonly CodingTarget[],
    rng: Random,
  ): number {
    const copied = propagatedTargets(targets)
    const details = { sourceDocument: controlNumber(this.ws, parent), relationalField: 'Group Identifier' }
    for (let n = rng.int(1, 4); n > 0; n--) {
      t += rng.int(40, 250)
      this.onDocument(t, 'Update - Propagation', user, this.nextDoc(), ms(rng, 30, 0.5), details, copied)
    }
    return t
  }

  /** One audit per document of the selection, milliseconds apart, all with the same change. */
  private massEdit(user: DemoUser, t: number, rng: Random): number {
    const targets = massEditTargets(rng)
    const count = rng.int(5, 40)
    const details = { massOperationId: rng.guid(), documentCount: count, layout: 'Mass Edit' }
    t += rng.int(10_000, 60_000)
    for (let n = 0; n < count; n++) {
      t += rng.int(15, 60)
      this.onDocument(t, 'Update - Mass Edit', user, this.nextDoc(), ms(rng, 25, 0.4), details, targets)
    }
    return t
  }

  private documentQuery(user: DemoUser, t: number, rng: Random): number {
    const ran = ms(rng, 350, 0.9)
    const search = this.savedSearch(rng)
    const auditElement = {
      QueryText: `SELECT [ArtifactID] FROM [Document] WHERE [SavedSearch] = '${search.name}'`,
      Milliseconds: String(ran),
    }
    t += rng.int(2_000, 30_000)
    this.add({
      at: t,
      action: 'Document Query',
      on: search,
      user,
      executionTimeMs: ran,
      details: { auditElement },
    })
    return t + ran
  }

  private savedSearch(rng: Random): Artifact {
    const n = rng.int(0, SEARCH_NAMES.length - 1)
    return { id: SAVED_SEARCH_IDS + this.ws.index * 100 + n, name: SEARCH_NAMES[n] as string, type: 'Search' }
  }

  /** Documents are handed out in order, round the workspace again and again: later passes re-code them. */
  private nextDoc(): number {
    const doc = this.cursor
    this.cursor = (this.cursor + 1) % this.ws.documentCount
    return doc
  }

  private onDocument(
    at: number,
    action: ActionName,
    user: DemoUser,
    doc: number,
    executionTimeMs: number,
    details: Record<string, unknown>,
    targets?: readonly CodingTarget[],
  ): void {
    const on: Artifact = { id: documentId(this.ws, doc), name: controlNumber(this.ws, doc), type: 'Document' }
    this.add({
      at,
      action,
      on,
      user,
      executionTimeMs,
      details,
      ...(targets ? { coding: { doc, targets } } : {}),
    })
  }

  /** Queues an audit of this workspace (or of the instance, when the draft says so). */
  private add(draft: Omit<PendingAudit, 'workspaceId'> & { workspaceId?: number }): void {
    this.pending.push({ workspaceId: this.ws.artifactId, ...draft })
  }
}
