import type { DemoContext } from './context.js'
import { FIELD_SPECS, type DemoWorkspace, type FieldKey, fieldId } from './platform.js'
import type { Random } from './random.js'

/**
 * Coding decisions and the documents' coded values. Every field value is held as a small code per
 * document (0 = not set; a single choice is its ordinal + 1; multiple choices are a bit mask; Yes/No
 * is 1 No, 2 Yes; a comment is its phrase + 1), so a workspace of millions of documents costs a few
 * bytes per document. Changes are read against these values when the audit is emitted in time
 * order, so every old value is the value the previous audit left: the revert rule has real history.
 */

export interface FieldChange {
  fieldId: number
  field: string
  oldValue: string | boolean | null
  newValue: string | boolean | null
}

/** A decision to set one field of a document to a value code. */
export interface CodingTarget {
  field: number
  value: number
}

const field = (key: FieldKey): number => FIELD_SPECS.findIndex((f) => f.key === key)
const RESPONSIVENESS = field('responsiveness')
const PRIVILEGE = field('privilege')
const ISSUES = field('issues')
const HOT = field('hot')
const COMMENTS = field('comments')

// Value codes of the choices the decisions use (ordinal + 1, see FIELD_SPECS).
const RESPONSIVE = 1
const NOT_RESPONSIVE = 2
const NEEDS_REVIEW = 3
const NOT_PRIVILEGED = 1
const PRIVILEGED = 2
const PARTIALLY_PRIVILEGED = 3
const NO = 1
const YES = 2
const CLEARED = 0

const COMMENT_PHRASES = [
  'Discusses pricing terms with distributor',
  'Attorney copied; check for privilege',
  'Duplicate of earlier email thread',
  'Mentions board meeting',
  'Attachment missing from family',
  'Foreign language; needs translation',
  'Key custodian communication',
  'Personal, not business related',
]

/** How a value code reads in an audit: choice names (multiple ones joined by "; "), Yes/No as booleans. */
function renderings(index: number): (string | boolean | null)[] {
  const spec = FIELD_SPECS[index]!
  switch (spec.fieldType) {
    case 'SingleChoice':
      return [null, ...spec.choices]
    case 'MultipleChoice':
      return Array.from({ length: 1 << spec.choices.length }, (_, mask) =>
        mask === 0 ? null : spec.choices.filter((_, c) => mask & (1 << c)).join('; '),
      )
    case 'YesNo':
      return [null, false, true]
    default:
      return [null, ...COMMENT_PHRASES]
  }
}
const RENDERED = FIELD_SPECS.map((_, i) => renderings(i))

/** The coded values of one workspace's documents. */
export class CodingState {
  private readonly values: Uint8Array[]
  private readonly fieldIds: number[]

  constructor(ws: DemoWorkspace) {
    this.values = FIELD_SPECS.map(() => new Uint8Array(ws.documentCount))
    this.fieldIds = FIELD_SPECS.map((_, f) => fieldId(ws, f))
  }

  /** Sets the targets on a document; returns a change for each field whose value moved (none: no audit). */
  apply(doc: number, targets: readonly CodingTarget[]): FieldChange[] {
    const changes: FieldChange[] = []
    for (const { field, value } of targets) {
      const values = this.values[field]!
      const old = values[doc]!
      if (old === value) continue
      values[doc] = value
      const rendered = RENDERED[field]!
      changes.push({
        fieldId: this.fieldIds[field]!,
        field: FIELD_SPECS[field]!.name,
        oldValue: rendered[old]!,
        newValue: rendered[value]!,
      })
    }
    return changes
  }
}

/** What a document really is; reviewers agree with it most of the time, so re-review rarely flips it. */
function truthOf(ctx: DemoContext, ws: DemoWorkspace, doc: number) {
  const responsive = ctx.unit('responsive', ws.index, doc) < 0.3
  const p = ctx.unit('privileged', ws.index, doc)
  // One issue, a quarter of the time two (bit masks over the five Issues choices).
  const first = Math.floor(ctx.unit('issue', ws.index, doc) * 5)
  const second = ctx.unit('second issue', ws.index, doc)
  return {
    responsive,
    privilege: p < 0.08 ? PRIVILEGED : p < 0.12 ? PARTIALLY_PRIVILEGED : NOT_PRIVILEGED,
    issues: (1 << first) | (second < 0.25 ? 1 << Math.floor(second * 20) : 0),
    hot: ctx.unit('hot', ws.index, doc) < 0.1,
  }
}

/** A reviewer's coding of one document in the coding pane. */
export function decide(ctx: DemoContext, rng: Random, ws: DemoWorkspace, doc: number): CodingTarget[] {
  const truth = truthOf(ctx, ws, doc)
  const comment = rng.chance(0.08) ? [{ field: COMMENTS, value: rng.int(1, COMMENT_PHRASES.length) }] : []
  if (rng.chance(0.05)) return [{ field: RESPONSIVENESS, value: NEEDS_REVIEW }, ...comment]
  // A 5% error rate: first-pass mistakes that a later pass corrects (and that clear Issues).
  const responsive = rng.chance(0.95) ? truth.responsive : !truth.responsive
  if (!responsive)
    return [{ field: RESPONSIVENESS, value: NOT_RESPONSIVE }, { field: ISSUES, value: CLEARED }, ...comment]
  return [
    { field: RESPONSIVENESS, value: RESPONSIVE },
    { field: PRIVILEGE, value: truth.privilege },
    { field: ISSUES, value: truth.issues },
    { field: HOT, value: truth.hot ? YES : NO },
    ...comment,
  ]
}

/** A mass edit sets one field on a whole selection: junk marked not responsive, or a privilege call. */
export function massEditTargets(rng: Random): CodingTarget[] {
  return rng.chance(0.6)
    ? [{ field: RESPONSIVENESS, value: NOT_RESPONSIVE }]
    : [{ field: PRIVILEGE, value: rng.chance(0.8) ? NOT_PRIVILEGED : PRIVILEGED }]
}

/** Propagation copies the family-level fields of the coded document to its family members. */
export const propagatedTargets = (targets: readonly CodingTarget[]): CodingTarget[] =>
  targets.filter((t) => t.field === RESPONSIVENESS || t.field === PRIVILEGE)
