import { AppError, ValidationError } from '../../../errors.js'
import type { Stores } from '../../../store/stores.js'
import { systemCaller, type Caller } from '../../identity/caller.js'
import { requireWorkspacePermission } from '../../identity/workspace-access.js'
import { serviceSink } from '../../ingest/sink.js'
import type { IngestService } from '../../ingest/service.js'
import { parseAuditRow, type AuditRecord, type AuditRow } from '../records.js'
import { recordRevertEvents, type AuditRevertedPayload } from './outbox.js'
import {
  REVERT_MESSAGES,
  actingUser,
  buildRevertEvent,
  judgeRevert,
  revertKey,
  type DocumentState,
  type FieldState,
  type RevertTarget,
  type Verdict,
} from './revert-rules.js'
import { getRevertMaxAuditCount } from './revert-settings.js'
import {
  auditIdsByKeyStatement,
  auditsByIdStatement,
  documentStateStatement,
  parseDocumentStateRow,
  type DocumentStateRow,
} from './revert-sql.js'
import { enqueueDeliveries } from './webhook.js'

/** The answer for one audit: the documents' ValidationResponse. */
export interface RevertValidation {
  auditId: string
  /** The audit's own Timestamp; the request's when the audit was not found; null when neither. */
  timestamp: Date | null
  revertable: boolean
  message: string | null
}

export interface RevertOutcome {
  success: boolean
  validations: RevertValidation[]
  /** Additional information (the single revert's top-level Message). */
  message: string | null
  /** The Audit IDs of the revert audits, in request order (empty unless success). */
  revertAuditIds: string[]
}

interface Judged {
  target: RevertTarget
  audit: AuditRecord | undefined
  verdict: Verdict
}

export interface RevertServiceOptions {
  /** The clock revert audits are stamped with (tests pin it). */
  now?: () => Date
}

/**
 * The Audit Revert service: validate, revert, mass revert (SEMANTICS.md, Revert). Revert audits are
 * written through the ingest service, so they get Audit IDs, sizes and idempotency like any other
 * audit; each revert also records an outbox event for the system of record (outbox.ts).
 */
export class RevertService {
  private readonly now: () => Date

  constructor(
    private readonly stores: Stores,
    private readonly ingest: IngestService,
    options: RevertServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date())
  }

  /** Whether an audit can be reverted now. Needs the same rights as reverting it. */
  async validate(caller: Caller, workspaceId: number, target: RevertTarget): Promise<RevertValidation> {
    await this.authorize(caller, workspaceId)
    const [judged] = await this.judge(caller.tenantId, workspaceId, [target])
    return toValidation(judged!)
  }

  /** Reverts one audit (action Update - Revert, 58). */
  async revert(caller: Caller, workspaceId: number, target: RevertTarget): Promise<RevertOutcome> {
    await this.authorize(caller, workspaceId)
    const started = performance.now()
    const judged = await this.judge(caller.tenantId, workspaceId, [target])
    const outcome = await this.apply(caller, workspaceId, judged, { mass: false, started })
    const revertedBy = judged[0]?.verdict.revertable === false && judged[0].verdict.revertedBy
    return {
      ...outcome,
      message:
        outcome.success && revertedBy
          ? `Audit ${target.auditId} was already reverted by audit ${revertedBy}; nothing was written again.`
          : null,
    }
  }

  /**
   * Reverts every audit listed (action Update - Mass Revert, 59), or none: each is validated first,
   * and one that cannot be reverted stops them all. The list may hold RevertMaxAuditCount audits.
   */
  async massRevert(caller: Caller, workspaceId: number, targets: RevertTarget[]): Promise<RevertOutcome> {
    await this.authorize(caller, workspaceId)
    const max = await getRevertMaxAuditCount(this.stores.control)
    if (targets.length > max) {
      throw new ValidationError(
        `request.RevertAuditRequests: ${targets.length} audits is more than the RevertMaxAuditCount instance setting allows (${max})`,
        { limit: max, count: targets.length },
      )
    }
    if (targets.length === 0)
      throw new ValidationError('request.RevertAuditRequests: list at least one audit')
    const started = performance.now()
    const judged = await this.judge(caller.tenantId, workspaceId, targets)
    return this.apply(caller, workspaceId, judged, { mass: true, started })
  }

  /** The current state of a document's fields, as the audits give it (Workspace Access). */
  async documentState(caller: Caller, workspaceId: number, artifactId: number): Promise<FieldState[]> {
    await requireWorkspacePermission(this.stores.control, caller, workspaceId)
    const states = await this.readStates(caller.tenantId, workspaceId, [artifactId])
    return [...(states.get(artifactId)?.values() ?? [])]
  }

  /** Reading the audits needs Workspace Access; changing them, Revert Audits on the workspace. */
  private async authorize(caller: Caller, workspaceId: number): Promise<void> {
    await requireWorkspacePermission(this.stores.control, caller, workspaceId)
    await requireWorkspacePermission(this.stores.control, caller, workspaceId, 'Revert Audits')
  }

  private async judge(tenantId: number, workspaceId: number, targets: RevertTarget[]): Promise<Judged[]> {
    const ids = [...new Set(targets.map((t) => t.auditId))]
    const rows = await this.stores.warehouse.query<AuditRow>(auditsByIdStatement(tenantId, workspaceId, ids))
    const audits = new Map(rows.map((row) => [row.audit_id, parseAuditRow(row)]))
    const documents = [...new Set([...audits.values()].map((a) => a.artifactId))]
    const states = documents.length ? await this.readStates(tenantId, workspaceId, documents) : new Map()
    const seen = new Map<string, number>()
    for (const t of targets) seen.set(t.auditId, (seen.get(t.auditId) ?? 0) + 1)
    return targets.map((target) => {
      const audit = audits.get(target.auditId)
      const verdict: Verdict =
        (seen.get(target.auditId) ?? 0) > 1
          ? { revertable: false, message: REVERT_MESSAGES.duplicate }
          : judgeRevert(target, workspaceId, audit, audit && states.get(audit.artifactId))
      return { target, audit, verdict }
    })
  }

  private async readStates(
    tenantId: number,
    workspaceId: number,
    artifactIds: number[],
  ): Promise<Map<number, DocumentState>> {
    const rows = await this.stores.warehouse.query<DocumentStateRow>(
      documentStateStatement(tenantId, workspaceId, artifactIds),
    )
    const states = new Map<number, Map<string, FieldState>>()
    for (const state of rows.map(parseDocumentStateRow)) {
      let fields = states.get(state.artifactId)
      if (!fields) states.set(state.artifactId, (fields = new Map()))
      fields.set(state.field, state)
    }
    return states
  }

  /**
   * Writes the revert audits and their outbox events when every item may be reverted. An item
   * already reverted by its own revert audit (a retried request) counts as reverted: its audit is
   * not written again, and its outbox event is written if a crash kept the first attempt from it.
   */
  private async apply(
    caller: Caller,
    workspaceId: number,
    judged: Judged[],
    options: { mass: boolean; started: number },
  ): Promise<RevertOutcome> {
    const done = (j: Judged) => j.verdict.revertable || Boolean(j.verdict.revertedBy)
    if (!judged.every(done)) {
      return { success: false, validations: judged.map(toValidation), message: null, revertAuditIds: [] }
    }
    const tenantId = caller.tenantId
    const fresh = judged.filter((j) => j.verdict.revertable).map((j) => j.audit!)
    if (fresh.length > 0) {
      const user = actingUser(caller)
      const executionTimeMs = Math.round(performance.now() - options.started)
      const events = fresh.map((audit) =>
        buildRevertEvent(audit, { mass: options.mass, user, now: this.now(), executionTimeMs }),
      )
      // The caller's Revert Audits right is what authorizes this write, not an Ingest grant.
      const result = await serviceSink(this.ingest, systemCaller(tenantId)).sendEvents('audits', events)
      if (result.rejectedCount > 0) {
        throw new AppError(
          'revert_failed',
          500,
          `revert audit rejected: ${result.rejected[0]?.error}`,
          undefined,
          false,
        )
      }
    }
    const audits = judged.map((j) => j.audit!)
    const keys = audits.map((audit) => revertKey(audit.auditId))
    const stored = await this.stores.warehouse.query<{ ingest_key: string; audit_id: string }>(
      auditIdsByKeyStatement(tenantId, workspaceId, keys),
    )
    const idByKey = new Map(stored.map((row) => [row.ingest_key, String(row.audit_id)]))
    const revertAuditIds = keys.map((key) => {
      const id = idByKey.get(key)
      if (!id) throw new AppError('revert_failed', 500, `revert audit ${key} is not stored`, undefined, false)
      return id
    })
    const payloads = audits.map((audit, i) => revertedPayload(audit, revertAuditIds[i]!))
    await this.stores.control.transaction(async (tx) => {
      await enqueueDeliveries(tx, tenantId, await recordRevertEvents(tx, tenantId, payloads))
    })
    const validations = judged.map((j): RevertValidation => {
      const revertedBy = j.verdict.revertable ? undefined : j.verdict.revertedBy
      return {
        ...toValidation(j),
        revertable: true,
        message: options.mass && revertedBy ? REVERT_MESSAGES.alreadyReverted(revertedBy) : null,
      }
    })
    return { success: true, validations, message: null, revertAuditIds }
  }
}

function toValidation({ target, audit, verdict }: Judged): RevertValidation {
  return {
    auditId: target.auditId,
    timestamp: audit?.timestamp ?? target.timestamp ?? null,
    revertable: verdict.revertable,
    message: verdict.revertable ? null : verdict.message,
  }
}

function revertedPayload(audit: AuditRecord, revertAuditId: string): AuditRevertedPayload {
  return {
    workspaceId: audit.workspaceId,
    documentArtifactId: audit.artifactId,
    changes: audit.changes.map((c) => ({ field: c.field, fieldId: c.fieldId, value: c.oldValue })),
    revertAuditId,
    revertedAuditId: audit.auditId,
  }
}
