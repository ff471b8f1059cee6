import { AUDIT_COLUMNS, type AuditColumn, type AuditField, type IntegerColumn } from '../fields.js'
import {
  ConditionError,
  describeComparison,
  describeLiteral,
  type Comparison,
  type ComparisonOperator,
  type ConditionLabel,
  type Literal,
} from './ast.js'
import {
  INTEGER_RANGES,
  TIMESTAMP_RANGE,
  floor,
  foldComparison,
  parseDecimal,
  parseInstant,
  wholeNumber,
  type Decimal,
  type OrderOp,
} from './values.js'

export type TextMatch =
  | { op: 'equals'; value: string }
  | { op: 'in'; values: string[] }
  | { op: 'contains'; values: string[] }
  | { op: 'startsWith'; value: string }
  | { op: 'endsWith'; value: string }
  | { op: 'isSet' }

/** A type-checked comparison in the form the compiler renders. */
export type Predicate =
  | { kind: 'constant'; value: boolean }
  | { kind: 'not'; predicate: Predicate }
  | { kind: 'integer'; column: IntegerColumn; op: OrderOp; value: bigint }
  | { kind: 'integerIn'; column: IntegerColumn; values: bigint[] }
  /** Instants as `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
  | { kind: 'timestamp'; op: OrderOp; value: string }
  | { kind: 'timestampIn'; values: string[] }
  /** On an integer column the match reads its decimal text. */
  | { kind: 'text'; column: AuditColumn; match: TextMatch }

type Fail = (reason: string) => ConditionError

const ORDERING = 'ordering operators (>, >=, <, <=) apply only to numbers and Timestamp'
const INSTANT_EXAMPLE = 'an instant such as 2017-11-01T00:00:00Z'

/**
 * Type checks one comparison and normalizes it. Values that no row can hold are folded here
 * (`'Action' == CHOICE 1048406` is never true: action_id is a UInt16), so every bound parameter fits
 * its column's type and the engine never fails on a conversion. The evaluator calls this for the
 * same errors but decides comparisons from the literals as written, so the property tests check
 * this folding too.
 */
export function resolveComparison(c: Comparison, label: ConditionLabel): Predicate {
  const fail: Fail = (reason) => new ConditionError(label, `${describeComparison(c)}: ${reason}`, c.position)
  if (c.op === 'IN VIEW') throw fail('saved views are not supported; list the ids with IN [..]')
  if (c.op === 'IN CHOICE' || ('value' in c && c.value.kind === 'choice')) {
    if (!c.field.choiceSql)
      throw fail('CHOICE values apply only to the choice fields Object Type, Action and User Name')
    if (c.op !== '==' && c.op !== '<>' && c.op !== 'IN CHOICE')
      throw fail('CHOICE compares only with ==, <> and IN CHOICE')
  }
  switch (c.field.kind) {
    case 'id':
    case 'number':
      return resolveNumber(c, c.field, fail)
    case 'timestamp':
      return resolveTimestamp(c, fail)
    case 'text':
    case 'multiText':
      return textPredicate(c, c.field.sql, fail, (literal) => {
        if (literal.kind === 'string') return literal.value
        throw fail(`'${c.field.name}' is a text field; compare it with quoted text`)
      })
    case 'choice':
      return resolveChoice(c, c.field, fail)
  }
}

/** Numbers compare exactly; Audit ID also takes quoted numbers; LIKE & co. read the decimal text. */
function resolveNumber(c: Comparison, field: AuditField, fail: Fail): Predicate {
  const column = field.sql as IntegerColumn
  const decimal = (literal: Literal) => {
    const quotedId = field.kind === 'id' && literal.kind === 'string'
    const value = literal.kind === 'number' || quotedId ? parseDecimal(literalText(literal)) : undefined
    if (value) return value
    const quoted = field.kind === 'id' ? ' (quoted or not)' : ''
    throw fail(`'${field.name}' is a number field; compare it with a number${quoted}`)
  }
  if (c.op === 'IN') return integerIn(column, c.values.map(decimal))
  if ('value' in c && isComparisonOp(c.op)) return compareInteger(column, c.op, decimal(c.value))
  return textPredicate(c, column, fail, (literal) => {
    if (literal.kind === 'number' || literal.kind === 'string') return literalText(literal)
    throw fail(`${c.op} on '${field.name}' matches its decimal text; give a number or quoted text`)
  })
}

function resolveTimestamp(c: Comparison, fail: Fail): Predicate {
  const instant = (literal: Literal) => {
    const text = literal.kind === 'instant' || literal.kind === 'string' ? literalText(literal) : ''
    const ms = parseInstant(text)
    if (ms !== undefined) return ms
    if (literal.kind === 'instant') throw fail(`${literal.text} is not a valid instant`)
    throw fail(`'Timestamp' compares with ${INSTANT_EXAMPLE} (found ${describeLiteral(literal)})`)
  }
  if (c.op === 'IN') return timestampIn(c.values.map(instant))
  if ('value' in c && isComparisonOp(c.op)) return compareTimestamp(c.op, instant(c.value))
  if (c.op === 'ISSET') return { kind: 'constant', value: true }
  throw fail(`${c.op} applies only to text; compare 'Timestamp' with ${INSTANT_EXAMPLE}`)
}

/** CHOICE n compares the id column; quoted text compares the name (from the catalog, or user_name). */
function resolveChoice(c: Comparison, field: AuditField, fail: Fail): Predicate {
  const ids = field.choiceSql!
  if (c.op === 'IN CHOICE')
    return integerIn(
      ids,
      c.ids.map((id) => parseDecimal(id)!),
    )
  if ((c.op === '==' || c.op === '<>') && c.value.kind === 'choice') {
    return compareInteger(ids, c.op, parseDecimal(c.value.id)!)
  }
  const name = (literal: Literal) => {
    if (literal.kind === 'string') return literal.value
    throw fail(`'${field.name}' is a choice field; compare it with CHOICE n or a quoted name`)
  }
  if (!field.choices) return textPredicate(c, field.sql, fail, name)
  // Action and Object Type names live in the catalog, not in the table: match them here.
  if (c.op === 'ISSET') return { kind: 'constant', value: true }
  const named = textPredicate(c, field.sql, fail, name)
  const negated = named.kind === 'not'
  const { match } = (negated ? named.predicate : named) as Extract<Predicate, { kind: 'text' }>
  const matching = field.choices.filter((choice) => matchesText(match, choice.name))
  const predicate = integerIn(
    ids,
    matching.map((choice) => wholeNumber(BigInt(choice.id))),
  )
  return negated ? negate(predicate) : predicate
}

function textPredicate(
  c: Comparison,
  column: AuditColumn,
  fail: Fail,
  text: (l: Literal) => string,
): Predicate {
  const on = (match: TextMatch): Predicate => ({ kind: 'text', column, match })
  switch (c.op) {
    case '==':
      return on({ op: 'equals', value: text(c.value) })
    case '<>':
      return negate(on({ op: 'equals', value: text(c.value) }))
    case 'IN':
      return on({ op: 'in', values: c.values.map(text) })
    case 'LIKE':
      return on({ op: 'contains', values: c.values.map(text) })
    case 'STARTSWITH':
      return on({ op: 'startsWith', value: text(c.value) })
    case 'ENDSWITH':
      return on({ op: 'endsWith', value: text(c.value) })
    case 'ISSET': {
      const type = AUDIT_COLUMNS[column]
      return type === 'String' || type.startsWith('Array')
        ? on({ op: 'isSet' })
        : { kind: 'constant', value: true }
    }
  }
  throw fail(ORDERING)
}

/** The JS meaning of a text match; the compiler renders the same with lowerUTF8 in SQL. */
export function matchesText(match: TextMatch, value: string): boolean {
  const lower = value.toLowerCase()
  switch (match.op) {
    case 'equals':
      return value === match.value
    case 'in':
      return match.values.includes(value)
    case 'contains':
      return match.values.some((needle) => lower.includes(needle.toLowerCase()))
    case 'startsWith':
      return lower.startsWith(match.value.toLowerCase())
    case 'endsWith':
      return lower.endsWith(match.value.toLowerCase())
    case 'isSet':
      return value !== ''
  }
}

/** `<>` is `not(==)` (so a multiText `<>` means "no element equals"); constants just flip. */
function negate(predicate: Predicate): Predicate {
  return predicate.kind === 'constant'
    ? { kind: 'constant', value: !predicate.value }
    : { kind: 'not', predicate }
}

function compareInteger(column: IntegerColumn, op: ComparisonOperator, d: Decimal): Predicate {
  if (op === '<>') return negate(compareInteger(column, '==', d))
  const folded = foldComparison(op, d, INTEGER_RANGES[AUDIT_COLUMNS[column]]!)
  return typeof folded === 'boolean'
    ? { kind: 'constant', value: folded }
    : { kind: 'integer', column, ...folded }
}

function integerIn(column: IntegerColumn, values: Decimal[]): Predicate {
  const [min, max] = INTEGER_RANGES[AUDIT_COLUMNS[column]]!
  const fits = values.filter((d) => !d.fraction && floor(d) >= min && floor(d) <= max).map(floor)
  return fits.length === 0 ? { kind: 'constant', value: false } : { kind: 'integerIn', column, values: fits }
}

function compareTimestamp(op: ComparisonOperator, ms: number): Predicate {
  if (op === '<>') return negate(compareTimestamp('==', ms))
  const folded = foldComparison(op, wholeNumber(BigInt(ms)), TIMESTAMP_RANGE)
  if (typeof folded === 'boolean') return { kind: 'constant', value: folded }
  return { kind: 'timestamp', op: folded.op, value: new Date(Number(folded.value)).toISOString() }
}

function timestampIn(values: number[]): Predicate {
  const [min, max] = TIMESTAMP_RANGE
  const fits = values.filter((ms) => BigInt(ms) >= min && BigInt(ms) <= max)
  return fits.length === 0
    ? { kind: 'constant', value: false }
    : { kind: 'timestampIn', values: fits.map((ms) => new Date(ms).toISOString()) }
}

function isComparisonOp(op: string): op is ComparisonOperator {
  return op === '==' || op === '<>' || op === '>' || op === '>=' || op === '<' || op === '<='
}

function literalText(literal: Literal): string {
  return literal.kind === 'string' ? literal.value : literal.kind === 'choice' ? literal.id : literal.text
}
