import { AUDIT_FIELDS, findAuditField } from '../fields.js'
import {
  COMPARISON_OPERATORS,
  CONDITION_LIMITS,
  ConditionError,
  type Comparison,
  type ComparisonOperator,
  type ComparisonTest,
  type ConditionLabel,
  type ConditionNode,
  type Literal,
} from './ast.js'
import { describeToken, tokenize, type Token } from './lexer.js'

/**
 * Parses a `condition` / `rowCondition` string (grammar in README.md). Empty or blank text is "no
 * filter" (undefined). Field names are resolved here, so an unknown field fails with its position;
 * whether an operator and a value suit the field is checked when compiling (see check.ts).
 */
export function parseCondition(text: string, label: ConditionLabel = 'condition'): ConditionNode | undefined {
  if (Buffer.byteLength(text) > CONDITION_LIMITS.maxBytes) {
    throw new ConditionError(label, `longer than ${CONDITION_LIMITS.maxBytes} bytes`)
  }
  if (text.trim() === '') return undefined
  return new Parser(tokenize(text, label), label).parseAll()
}

const OPERATOR_LIST = '==, <>, >, >=, <, <=, IN, LIKE, STARTSWITH, ENDSWITH or ISSET'

class Parser {
  private index = 0
  private depth = 0
  private comparisons = 0

  constructor(
    private readonly tokens: Token[],
    private readonly label: ConditionLabel,
  ) {}

  parseAll(): ConditionNode {
    const node = this.parseOr()
    const next = this.peek()
    if (next.type !== 'end') throw this.error(next, 'expected AND, OR or the end of the condition')
    return node
  }

  private parseOr(): ConditionNode {
    const operands = [this.parseAnd()]
    while (this.isWord('OR')) {
      this.index++
      operands.push(this.parseAnd())
    }
    return combine('or', operands)
  }

  private parseAnd(): ConditionNode {
    const operands = [this.parseNot()]
    while (this.isWord('AND')) {
      this.index++
      operands.push(this.parseNot())
    }
    return combine('and', operands)
  }

  private parseNot(): ConditionNode {
    if (!this.isWord('NOT')) return this.parsePrimary()
    const not = this.next()
    this.enter(not)
    const operand = this.parseNot()
    this.depth--
    return { type: 'not', operand }
  }

  private parsePrimary(): ConditionNode {
    const token = this.peek()
    if (token.type === '(') {
      this.next()
      this.enter(token)
      const node = this.parseOr()
      const close = this.peek()
      if (close.type !== ')') {
        throw this.error(close, `expected ')' to close the '(' at position ${token.position}`)
      }
      this.next()
      this.depth--
      return node
    }
    if (token.type === 'quoted') return this.parseComparison()
    throw this.error(token, "expected a quoted field name, '(' or NOT")
  }

  private parseComparison(): Comparison {
    const name = this.next()
    const field = findAuditField(name.value)
    if (!field) {
      const known = AUDIT_FIELDS.map((f) => `'${f.name}'`).join(', ')
      throw new ConditionError(
        this.label,
        `unknown field ${describeToken(name)} at position ${name.position}; the fields are ${known}`,
        name.position,
      )
    }
    if (++this.comparisons > CONDITION_LIMITS.maxComparisons) {
      throw this.limit(name, `more than ${CONDITION_LIMITS.maxComparisons} comparisons, counting the one`)
    }
    return { type: 'comparison', field, position: name.position, ...this.parseTest(name) }
  }

  private parseTest(fieldToken: Token): ComparisonTest {
    const token = this.next()
    if (token.type === 'symbol' && COMPARISON_OPERATORS.includes(token.text as ComparisonOperator)) {
      return { op: token.text as ComparisonOperator, value: this.parseValue(token, true) }
    }
    switch (token.type === 'word' ? token.value : '') {
      case 'IN':
        return this.parseIn(token)
      case 'LIKE':
        return this.peek().type === '['
          ? { op: 'LIKE', values: this.parseList(this.next()), list: true }
          : { op: 'LIKE', values: [this.parseValue(token, false)], list: false }
      case 'STARTSWITH':
        return { op: 'STARTSWITH', value: this.parseValue(token, false) }
      case 'ENDSWITH':
        return { op: 'ENDSWITH', value: this.parseValue(token, false) }
      case 'ISSET':
        return { op: 'ISSET' }
    }
    throw this.error(token, `expected an operator (${OPERATOR_LIST}) after ${describeToken(fieldToken)}`)
  }

  private parseIn(inToken: Token): ComparisonTest {
    const token = this.next()
    if (token.type === '[') return { op: 'IN', values: this.parseList(token) }
    if (token.type === 'word' && token.value === 'CHOICE') {
      const open = this.next()
      if (open.type !== '[') throw this.error(open, "expected '[' after 'IN CHOICE'")
      const ids: string[] = []
      this.parseItems(open, () => ids.push(this.parseWholeNumber(this.next(), 'a choice id')))
      return { op: 'IN CHOICE', ids }
    }
    if (token.type === 'word' && token.value === 'VIEW') {
      return { op: 'IN VIEW', viewId: this.parseWholeNumber(this.next(), 'a view id') }
    }
    throw this.error(token, `expected '[', CHOICE or VIEW after ${describeToken(inToken)}`)
  }

  /** `[v, v, …]` after its opening bracket: numbers, quoted texts and instants. */
  private parseList(open: Token): Literal[] {
    const values: Literal[] = []
    this.parseItems(open, (previous) => values.push(this.parseValue(previous, false)))
    return values
  }

  private parseItems(open: Token, parseItem: (previous: Token) => void): void {
    let previous = open
    let count = 0
    for (;;) {
      if (++count > CONDITION_LIMITS.maxListItems) {
        throw this.limit(open, `more than ${CONDITION_LIMITS.maxListItems} items in the list starting`)
      }
      parseItem(previous)
      const separator = this.next()
      if (separator.type === ']') return
      if (separator.type !== ',') throw this.error(separator, "expected ',' or ']' in the list")
      previous = separator
    }
  }

  /** A value after `after`; `CHOICE n` only where a comparison operator allows it. */
  private parseValue(after: Token, allowChoice: boolean): Literal {
    const token = this.next()
    switch (token.type) {
      case 'quoted':
        return { kind: 'string', value: token.value }
      case 'number':
        return { kind: 'number', text: token.text }
      case 'instant':
        return { kind: 'instant', text: token.text }
    }
    if (allowChoice && token.type === 'word' && token.value === 'CHOICE') {
      return { kind: 'choice', id: this.parseWholeNumber(this.next(), 'a choice id') }
    }
    throw this.error(token, `expected a value after ${describeToken(after)}`)
  }

  private parseWholeNumber(token: Token, what: string): string {
    if (token.type === 'number' && !token.text.includes('.')) return token.text
    throw this.error(token, `expected ${what} (a whole number)`)
  }

  private enter(token: Token): void {
    if (++this.depth > CONDITION_LIMITS.maxDepth) {
      throw this.limit(token, `nested deeper than ${CONDITION_LIMITS.maxDepth} levels`)
    }
  }

  private isWord(word: string): boolean {
    const token = this.peek()
    return token.type === 'word' && token.value === word
  }

  private peek(): Token {
    return this.tokens[this.index]!
  }

  private next(): Token {
    const token = this.tokens[this.index]!
    if (token.type !== 'end') this.index++
    return token
  }

  /** A bound exceeded: "<what> at position N". */
  private limit(token: Token, what: string): ConditionError {
    return new ConditionError(this.label, `${what} at position ${token.position}`, token.position)
  }

  /** "<what> at position N (found X)": the position and text of the token that did not fit. */
  private error(token: Token, what: string): ConditionError {
    return new ConditionError(
      this.label,
      `${what} at position ${token.position} (found ${describeToken(token)})`,
      token.position,
    )
  }
}

/** One operand stays itself; nested groups of the same kind are flattened (AND and OR associate). */
function combine(type: 'and' | 'or', operands: ConditionNode[]): ConditionNode {
  if (operands.length === 1) return operands[0]!
  return { type, operands: operands.flatMap((o) => (o.type === type ? o.operands : [o])) }
}
