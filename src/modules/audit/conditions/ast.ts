import { ValidationError } from '../../../errors.js'
import type { AuditField } from '../fields.js'

/** Which request property a condition came from; every message starts with it. */
export type ConditionLabel = 'condition' | 'rowCondition'

/**
 * Bounds that keep one request from costing more than it is worth. The compiled SQL of the largest
 * condition (500 comparisons of the longest form, ~170 bytes each) stays well under ClickHouse's
 * 256 KiB max_query_size even with a condition and a rowCondition in one statement, and 200 levels
 * of nesting stay under its max_parser_depth of 1000 (each level is one and()/or()/not() call).
 */
export const CONDITION_LIMITS = {
  maxBytes: 65_536,
  maxDepth: 200,
  maxListItems: 10_000,
  maxComparisons: 500,
} as const

/** A value as written. Numbers and instants keep their source text, so nothing is rounded early. */
export type Literal =
  | { kind: 'number'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'instant'; text: string }
  | { kind: 'choice'; id: string }

export type ComparisonOperator = '==' | '<>' | '>' | '>=' | '<' | '<='
export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ['==', '<>', '>', '>=', '<', '<=']

/** What a comparison tests. Choice ids and view ids keep their source text (whole numbers). */
export type ComparisonTest =
  | { op: ComparisonOperator; value: Literal }
  | { op: 'IN'; values: Literal[] }
  | { op: 'IN CHOICE'; ids: string[] }
  | { op: 'IN VIEW'; viewId: string }
  | { op: 'LIKE'; values: Literal[]; list: boolean }
  | { op: 'STARTSWITH' | 'ENDSWITH'; value: Literal }
  | { op: 'ISSET' }

export type Comparison = { type: 'comparison'; field: AuditField; position: number } & ComparisonTest

export type ConditionNode =
  | { type: 'and'; operands: ConditionNode[] }
  | { type: 'or'; operands: ConditionNode[] }
  | { type: 'not'; operand: ConditionNode }
  | Comparison

/** A condition that does not parse or does not type-check: a 400 whose message names the spot. */
export class ConditionError extends ValidationError {
  constructor(label: ConditionLabel, message: string, position?: number) {
    super(`${label}: ${message}`, { property: label, ...(position !== undefined && { position }) })
  }
}

/** A comparison written canonically (field name as catalogued, long lists and strings shortened). */
export function describeComparison(c: Comparison): string {
  const head = `'${c.field.name}'`
  switch (c.op) {
    case 'ISSET':
      return `${head} ISSET`
    case 'IN VIEW':
      return `${head} IN VIEW ${c.viewId}`
    case 'IN':
      return `${head} IN ${describeList(c.values.map(describeLiteral))}`
    case 'IN CHOICE':
      return `${head} IN CHOICE ${describeList(c.ids)}`
    case 'LIKE':
      return `${head} LIKE ${c.list ? describeList(c.values.map(describeLiteral)) : describeLiteral(c.values[0]!)}`
    default:
      return `${head} ${c.op} ${describeLiteral(c.value)}`
  }
}

export function describeLiteral(literal: Literal): string {
  switch (literal.kind) {
    case 'number':
      return literal.text
    case 'instant':
      return literal.text
    case 'choice':
      return `CHOICE ${literal.id}`
    case 'string': {
      const quoted = literal.value.replaceAll("'", "''")
      return quoted.length > 40 ? `'${quoted.slice(0, 40)}…'` : `'${quoted}'`
    }
  }
}

function describeList(items: string[]): string {
  return items.length > 5 ? `[${items.slice(0, 5).join(', ')}, …]` : `[${items.join(', ')}]`
}
