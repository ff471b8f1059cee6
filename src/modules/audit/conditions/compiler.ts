import { AUDIT_COLUMNS, type AuditColumn } from '../fields.js'
import type { ConditionLabel, ConditionNode } from './ast.js'
import { resolveComparison, type Predicate, type TextMatch } from './check.js'

/** A ClickHouse boolean expression over the `audits` columns and the values it binds. */
export interface CompiledCondition {
  sql: string
  /** Named `${paramPrefix}${n}`; integers are bigint (the client binds them exactly), texts strings. */
  params: Record<string, unknown>
}

export interface CompileOptions {
  /** Prefix of the parameter names, so a condition and a rowCondition can share one statement. */
  paramPrefix: string
  label?: ConditionLabel
  /** What Timestamp comparisons read: `timestamp`, or the hour of a rollup row (see rollup.ts). */
  timestampSql?: string
}

/**
 * Renders a parsed condition as SQL. Column names come only from the field catalog and every value
 * is a bound parameter; AND/OR/NOT are written as and()/or()/not() calls because ClickHouse's parser
 * spends about five levels of its max_parser_depth (1000) on each parenthesis, one on a call.
 * Throws ConditionError (a 400) when an operator or a value does not suit its field.
 */
export function compileCondition(node: ConditionNode, options: CompileOptions): CompiledCondition {
  const { paramPrefix, label = 'condition', timestampSql = 'timestamp' } = options
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(paramPrefix)) throw new Error(`bad parameter prefix '${paramPrefix}'`)
  const params: Record<string, unknown> = {}
  const bind = (type: string, value: unknown): string => {
    const name = `${paramPrefix}${Object.keys(params).length}`
    params[name] = value
    return `{${name}:${type}}`
  }
  const render = (n: ConditionNode): string => {
    switch (n.type) {
      case 'and':
      case 'or':
        return `${n.type}(${n.operands.map(render).join(', ')})`
      case 'not':
        return `not(${render(n.operand)})`
      case 'comparison':
        return renderPredicate(resolveComparison(n, label), bind, timestampSql)
    }
  }
  return { sql: render(node), params }
}

type Bind = (type: string, value: unknown) => string

const OPERATOR_SQL = { '==': '=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' } as const
const PARSE_INSTANT = (value: string) => `parseDateTime64BestEffort(${value}, 3, 'UTC')`

function renderPredicate(p: Predicate, bind: Bind, timestampSql: string): string {
  switch (p.kind) {
    case 'constant':
      return p.value ? 'true' : 'false'
    case 'not':
      return `not(${renderPredicate(p.predicate, bind, timestampSql)})`
    case 'integer':
      return `${p.column} ${OPERATOR_SQL[p.op]} ${bind(AUDIT_COLUMNS[p.column], p.value)}`
    case 'integerIn':
      return `${p.column} IN ${bind(`Array(${AUDIT_COLUMNS[p.column]})`, p.values)}`
    case 'timestamp':
      return `${timestampSql} ${OPERATOR_SQL[p.op]} ${PARSE_INSTANT(bind('String', p.value))}`
    case 'timestampIn':
      return `has(arrayMap(t -> ${PARSE_INSTANT('t')}, ${bind('Array(String)', p.values)}), ${timestampSql})`
    case 'text':
      return renderText(p.column, p.match, bind)
  }
}

/**
 * Text matches. Case-insensitive ones lower both sides with lowerUTF8 in SQL, so the needle is bound
 * as given (no LIKE pattern, so % and _ are plain characters). An array column matches when any
 * element matches; a NULL element (an empty old or new value) matches nothing but still counts for
 * ISSET, which asks whether the array has elements at all.
 */
function renderText(column: AuditColumn, match: TextMatch, bind: Bind): string {
  if (match.op === 'isSet') return `notEmpty(${column})`
  const type = AUDIT_COLUMNS[column]
  if (type === 'Array(String)') return `arrayExists(x -> ${renderMatch('x', match, bind)}, ${column})`
  if (type === 'Array(Nullable(String))') {
    return `arrayExists(x -> x IS NOT NULL AND ${renderMatch('assumeNotNull(x)', match, bind)}, ${column})`
  }
  return renderMatch(type === 'String' ? column : `toString(${column})`, match, bind)
}

function renderMatch(text: string, match: Exclude<TextMatch, { op: 'isSet' }>, bind: Bind): string {
  switch (match.op) {
    case 'equals':
      return `${text} = ${bind('String', match.value)}`
    case 'in':
      return `has(${bind('Array(String)', match.values)}, ${text})`
    case 'contains':
      return match.values.length === 1
        ? `position(lowerUTF8(${text}), lowerUTF8(${bind('String', match.values[0])})) > 0`
        : `arrayExists(n -> position(lowerUTF8(${text}), n) > 0, arrayMap(n -> lowerUTF8(n), ${bind('Array(String)', match.values)}))`
    case 'startsWith':
      return `startsWith(lowerUTF8(${text}), lowerUTF8(${bind('String', match.value)}))`
    case 'endsWith':
      return `endsWith(lowerUTF8(${text}), lowerUTF8(${bind('String', match.value)}))`
  }
}
