import type { Caller } from '../../identity/caller.js'
import { ACTION, OBJECT_TYPE } from '../catalog.js'
import { formatAuditTime, type AuditRecord } from '../records.js'

/**
 * The rules of the Revert paragraph of SEMANTICS.md, as pure functions. A document's current state
 * is not stored apart from the audits: for each (workspace, document, field) the most recent audit of
 * the update family that changed the field gives its value, so a revert audit is itself the write
 * of the old values back to the document.
 */

/** Actions that change document fields, reverts included (a revert can itself be reverted). */
export const UPDATE_FAMILY_ACTIONS: readonly number[] = [
  ACTION.Update,
  ACTION['Update - Mass Edit'],
  ACTION['Update - Mass Replace'],
  ACTION['Update - Propagation'],
  ACTION['Update - Revert'],
  ACTION['Update - Mass Revert'],
]

export const REVERT_MESSAGES = {
  notMostRecent: 'This audit does not represent the most recent change to this document.',
  notFound: (auditId: string, workspaceId: number) =>
    `Audit ${auditId} was not found in workspace ${workspaceId}.`,
  timestampMismatch: (auditId: string, recorded: Date) =>
    `The Timestamp does not match audit ${auditId}, which was recorded at ${formatAuditTime(recorded)}.`,
  notDocument: (objectTypeName: string) =>
    `Only changes to documents can be reverted; this audit is of a ${objectTypeName}.`,
  notUpdate: (actionName: string) =>
    `Only update actions can be reverted; this audit's action is ${actionName}.`,
  noChanges: 'This audit records no field changes to revert.',
  duplicate: 'This audit is listed more than once in the request.',
  alreadyReverted: (revertAuditId: string) => `This audit was already reverted by audit ${revertAuditId}.`,
} as const

/** The most recent change of one field of a document, derived from the audits. */
export interface FieldState {
  artifactId: number
  /** The field name as audited: changes are matched by name. */
  field: string
  fieldId: number
  /** The field's current value (null: empty). */
  value: string | null
  /** The audit that set it. */
  auditId: string
  timestamp: Date
  /** That audit's idempotency key ('' when it had none); revert audits carry `revert:<id>`. */
  ingestKey: string
}

/** A document's fields by name. */
export type DocumentState = ReadonlyMap<string, FieldState>

/** One audit a request asks to revert. */
export interface RevertTarget {
  auditId: string
  /** The Timestamp the request gave, if any; it must be the audit's own. */
  timestamp: Date | undefined
}

export type Verdict =
  | { revertable: true }
  | {
      revertable: false
      message: string
      /** Set when the only later change of every field is this audit's own revert (a retried request). */
      revertedBy?: string
    }

/** The idempotency key of the audit reverting `auditId`: an audit can be reverted once. */
export const revertKey = (auditId: string): string => `revert:${auditId}`

/** Whether `audit` may be reverted, given the current state of its document (SEMANTICS.md). */
export function judgeRevert(
  target: RevertTarget,
  workspaceId: number,
  audit: AuditRecord | undefined,
  state: DocumentState | undefined,
): Verdict {
  const no = (message: string): Verdict => ({ revertable: false, message })
  if (!audit) return no(REVERT_MESSAGES.notFound(target.auditId, workspaceId))
  if (target.timestamp && target.timestamp.getTime() !== audit.timestamp.getTime())
    return no(REVERT_MESSAGES.timestampMismatch(audit.auditId, audit.timestamp))
  if (audit.objectTypeId !== OBJECT_TYPE.Document)
    return no(REVERT_MESSAGES.notDocument(audit.objectTypeName))
  if (!UPDATE_FAMILY_ACTIONS.includes(audit.actionId)) return no(REVERT_MESSAGES.notUpdate(audit.actionName))
  if (audit.changes.length === 0) return no(REVERT_MESSAGES.noChanges)
  const latest = audit.changes.map((change) => state?.get(change.field))
  if (latest.every((s) => s?.auditId === audit.auditId)) return { revertable: true }
  const key = revertKey(audit.auditId)
  const revertedBy = latest.every((s) => s?.ingestKey === key) ? latest[0]?.auditId : undefined
  return { revertable: false, message: REVERT_MESSAGES.notMostRecent, ...(revertedBy && { revertedBy }) }
}

/** Who a revert audit names as its user: the person, or an OAuth2 client's context user. */
export function actingUser(caller: Caller): { userId: number; userName: string } {
  const principal = caller.principal
  if (principal.kind === 'user' || principal.kind === 'client')
    return { userId: principal.userId, userName: principal.username }
  return { userId: 0, userName: 'Tally' }
}

/**
 * The audit that reverts `audit`, as the ingest service takes it: the same document, old and new
 * values swapped, the reverted Audit ID in its details, and an idempotency key so that a retried
 * revert cannot store it twice. It is stamped now, or 1 ms after the reverted audit when that one
 * carries a later time (a platform clock ahead of ours), so that it is the most recent change.
 */
export function buildRevertEvent(
  audit: AuditRecord,
  options: { mass: boolean; user: { userId: number; userName: string }; now: Date; executionTimeMs: number },
): Record<string, unknown> {
  const at = Math.max(options.now.getTime(), audit.timestamp.getTime() + 1)
  return {
    id: revertKey(audit.auditId),
    workspaceId: audit.workspaceId,
    timestamp: new Date(at).toISOString(),
    actionId: options.mass ? ACTION['Update - Mass Revert'] : ACTION['Update - Revert'],
    objectTypeId: OBJECT_TYPE.Document,
    artifactId: audit.artifactId,
    artifactName: audit.artifactName,
    userId: options.user.userId,
    userName: options.user.userName,
    executionTimeMs: options.executionTimeMs,
    details: { revertedAuditId: audit.auditId, revertedAction: audit.actionName },
    changes: audit.changes.map((change) => ({
      ...(change.fieldId > 0 && { fieldId: change.fieldId }),
      field: change.field,
      oldValue: change.newValue,
      newValue: change.oldValue,
    })),
  }
}
