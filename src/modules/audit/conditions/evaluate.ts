import type { AuditField } from '../fields.js'
import type { Comparison, ConditionLabel, ConditionNode, Literal } from './ast.js'
import { matchesText, resolveComparison, type TextMatch } from './check.js'
import { parseInstant } from './values.js'

/** One audit as plain JS values, keyed by `audits` column (64-bit integers in any exact form). */
export interface AuditEvalRow {
  audit_id: bigint | number | string
  timestamp: Date | string
  action_id: number
  object_type_id: number
  artifact_id: bigint | number | string
  artifact_name: string
  user_id: bigint | number | string
  user_name: string
  execution_time_ms: number
  details: string
  change_fields: readonly string[]
  change_old_values: readonly (string | null)[]
  change_new_values: readonly (string | null)[]
}

/**
 * Decides a condition for one row in memory, with the compiler's semantics: the property tests run
 * both on the same rows and compare. It shares only the type checks with the compiler (the same
 * errors) and evaluates from the literals as written, so the compiler's folding of values and
 * choice names is checked too. No condition (undefined) keeps every row.
 */
export function evaluateCondition(
  node: ConditionNode | undefined,
  row: AuditEvalRow,
  label: ConditionLabel = 'condition',
): boolean {
  if (!node) return true
  check(node, label)
  return evaluate(node, row)
}

function check(node: ConditionNode, label: ConditionLabel): void {
  if (node.type === 'comparison') resolveComparison(node, label)
  else if (node.type === 'not') check(node.operand, label)
  else for (const operand of node.operands) check(operand, label)
}

function evaluate(node: ConditionNode, row: AuditEvalRow): boolean {
  switch (node.type) {
    case 'and':
      return node.operands.every((operand) => evaluate(operand, row))
    case 'or':
      return node.operands.some((operand) => evaluate(operand, row))
    case 'not':
      return !evaluate(node.operand, row)
    case 'comparison':
      return compare(node, row)
  }
}

function compare(c: Comparison, row: AuditEvalRow): boolean {
  const { field } = c
  switch (field.kind) {
    case 'id':
    case 'number':
      return compareNumber(c, BigInt(row[field.sql] as bigint | number | string))
    case 'timestamp':
      return compareTimestamp(
        c,
        row.timestamp instanceof Date ? row.timestamp.getTime() : Date.parse(row.timestamp),
      )
    case 'text':
      return compareTexts(c, [row[field.sql] as string], false)
    case 'multiText':
      return compareTexts(c, row[field.sql] as readonly (string | null)[], true)
    case 'choice':
      return compareChoice(c, field, row)
  }
}

/** Exact: the row's integer against the literal's decimal, both scaled to the literal's fraction. */
function compareNumber(c: Comparison, value: bigint): boolean {
  const order = (literal: Literal) => {
    const [, sign, whole, fraction = ''] = /^(-?)(\d+)(?:\.(\d+))?$/.exec(textOf(literal))!
    const scale = 10n ** BigInt(fraction.length)
    const scaled = BigInt(whole! + fraction) * (sign === '-' ? -1n : 1n)
    const left = value * scale
    return left < scaled ? -1 : left > scaled ? 1 : 0
  }
  if (c.op === 'IN') return c.values.some((v) => order(v) === 0)
  if ('value' in c && isOrdering(c.op)) return holds(c.op, order(c.value))
  return compareTexts(c, [value.toString()], false)
}

function compareTimestamp(c: Comparison, ms: number): boolean {
  const order = (literal: Literal) => Math.sign(ms - parseInstant(textOf(literal))!)
  if (c.op === 'IN') return c.values.some((v) => order(v) === 0)
  if ('value' in c && isOrdering(c.op)) return holds(c.op, order(c.value))
  return true // ISSET: every audit has a time
}

function compareChoice(c: Comparison, field: AuditField, row: AuditEvalRow): boolean {
  const id = BigInt(row[field.choiceSql!] as bigint | number | string)
  if (c.op === 'IN CHOICE') return c.ids.some((choice) => BigInt(choice) === id)
  if ((c.op === '==' || c.op === '<>') && c.value.kind === 'choice') {
    return (BigInt(c.value.id) === id) === (c.op === '==')
  }
  if (!field.choices) return compareTexts(c, [row[field.sql] as string], false)
  if (c.op === 'ISSET') return true
  // An id the catalog does not name has no name: it matches no text, and <> holds for it.
  const name = field.choices.find((choice) => BigInt(choice.id) === id)?.name
  return compareTexts(c, name === undefined ? [] : [name], false)
}

/** Any element matching; `<>` is "no element equals"; ISSET is "has a non-empty text / any element". */
function compareTexts(c: Comparison, values: readonly (string | null)[], multi: boolean): boolean {
  const any = (match: TextMatch) => values.some((v) => v !== null && matchesText(match, v))
  switch (c.op) {
    case '==':
      return any({ op: 'equals', value: textOf(c.value) })
    case '<>':
      return !any({ op: 'equals', value: textOf(c.value) })
    case 'IN':
      return any({ op: 'in', values: c.values.map(textOf) })
    case 'LIKE':
      return any({ op: 'contains', values: c.values.map(textOf) })
    case 'STARTSWITH':
      return any({ op: 'startsWith', value: textOf(c.value) })
    case 'ENDSWITH':
      return any({ op: 'endsWith', value: textOf(c.value) })
    case 'ISSET':
      return multi ? values.length > 0 : any({ op: 'isSet' })
  }
  throw new Error(`unchecked comparison ${c.op}`)
}

type Ordering = '==' | '<>' | '>' | '>=' | '<' | '<='

function isOrdering(op: string): op is Ordering {
  return ['==', '<>', '>', '>=', '<', '<='].includes(op)
}

function holds(op: Ordering, order: number): boolean {
  switch (op) {
    case '==':
      return order === 0
    case '<>':
      return order !== 0
    case '>':
      return order > 0
    case '>=':
      return order >= 0
    case '<':
      return order < 0
    case '<=':
      return order <= 0
  }
}

function textOf(literal: Literal): string {
  return literal.kind === 'string' ? literal.value : literal.kind === 'choice' ? literal.id : literal.text
}
