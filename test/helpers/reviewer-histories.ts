import { DOCUMENT, type RefAudit, type RefChange } from './reviewer-reference.js'

/** Any object type but Document: actions on it must not count. */
const NOT_A_DOCUMENT = 8

/** One step of a reviewer's run of actions: `gap` ms after the step before it. */
export interface HistoryStep {
  gap: number
  action: number
  onDocument: boolean
  doc: number
}

export interface HistoryChain<Step extends HistoryStep> {
  user: { id: number; name: string }
  start: number
  steps: readonly Step[]
}

/** The audits of the chains, in chain order; `changesOf` gives a step's field changes. */
export function auditsOfChains<Step extends HistoryStep>(
  chains: readonly HistoryChain<Step>[],
  changesOf: (step: Step) => RefChange[] = () => [],
): RefAudit[] {
  return chains.flatMap((chain) => {
    let at = chain.start
    return chain.steps.map((step) => {
      at += step.gap
      return {
        userId: chain.user.id,
        userName: chain.user.name,
        at,
        actionId: step.action,
        objectTypeId: step.onDocument ? DOCUMENT : NOT_A_DOCUMENT,
        artifactId: step.doc,
        changes: changesOf(step),
      }
    })
  })
}

/** A reference audit as the audits stream takes it, in one workspace. */
export const auditEvent = (workspaceId: number, audit: RefAudit) => ({
  workspaceId,
  timestamp: new Date(audit.at).toISOString(),
  actionId: audit.actionId,
  objectTypeId: audit.objectTypeId,
  artifactId: audit.artifactId,
  artifactName: `D${audit.artifactId}`,
  userId: audit.userId,
  userName: audit.userName,
  ...(audit.changes.length > 0 && { changes: audit.changes }),
})
