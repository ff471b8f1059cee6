import type { ConditionLabel } from './ast.js'
import { compileCondition, type CompiledCondition } from './compiler.js'
import { parseCondition } from './parser.js'

export {
  CONDITION_LIMITS,
  ConditionError,
  describeComparison,
  type Comparison,
  type ComparisonOperator,
  type ComparisonTest,
  type ConditionLabel,
  type ConditionNode,
  type Literal,
} from './ast.js'
export { compileCondition, type CompileOptions, type CompiledCondition } from './compiler.js'
export { evaluateCondition, type AuditEvalRow } from './evaluate.js'
export { parseCondition } from './parser.js'
export { timestampSplits } from './rollup.js'

/**
 * Parses and compiles a request's condition in one step: undefined when it is empty (no filter).
 * Both steps throw ConditionError (a ValidationError, so a 400) for anything the client got wrong.
 */
export function compileConditionText(
  text: string | null | undefined,
  options: { label: ConditionLabel; paramPrefix: string },
): CompiledCondition | undefined {
  const node = parseCondition(text ?? '', options.label)
  return node && compileCondition(node, options)
}
