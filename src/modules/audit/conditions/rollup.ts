import type { IntegerColumn } from '../fields.js'
import type { ConditionLabel, ConditionNode } from './ast.js'
import { resolveComparison, type Predicate } from './check.js'

/**
 * Whether a condition can be decided on rows that keep only an hour of Timestamp and some integer
 * columns (a rollup of counts), and where along Timestamp its truth may change.
 *
 * Returns undefined when the condition reads any other column. Otherwise the split points, in epoch
 * ms: instants s such that the condition may differ between s - 1 ms and s, and nowhere else. Inside
 * a stretch of time holding no split point every Timestamp comparison has one value, so the
 * condition compiled with Timestamp read as the stretch's first instant (compileCondition's
 * `timestampSql`) decides every row of the stretch: `>= v` and `< v` split at v, `> v` and `<= v`
 * at v + 1, and `== v` (and IN) at v and v + 1.
 */
export function timestampSplits(
  node: ConditionNode,
  label: ConditionLabel,
  columns: readonly IntegerColumn[],
): number[] | undefined {
  const splits: number[] = []
  const visit = (n: ConditionNode): boolean => {
    switch (n.type) {
      case 'and':
      case 'or':
        return n.operands.every(visit)
      case 'not':
        return visit(n.operand)
      case 'comparison':
        return collect(resolveComparison(n, label), columns, splits)
    }
  }
  return visit(node) ? splits : undefined
}

function collect(p: Predicate, columns: readonly IntegerColumn[], splits: number[]): boolean {
  switch (p.kind) {
    case 'constant':
      return true
    case 'not':
      return collect(p.predicate, columns, splits)
    case 'integer':
    case 'integerIn':
      return columns.includes(p.column)
    case 'timestamp': {
      const ms = Date.parse(p.value)
      if (p.op === '>=' || p.op === '<') splits.push(ms)
      else if (p.op === '>' || p.op === '<=') splits.push(ms + 1)
      else splits.push(ms, ms + 1)
      return true
    }
    case 'timestampIn':
      for (const value of p.values) splits.push(Date.parse(value), Date.parse(value) + 1)
      return true
    case 'text':
      return false
  }
}
