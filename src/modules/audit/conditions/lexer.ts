import { ConditionError, type ConditionLabel } from './ast.js'

/**
 * Tokens of the condition language. `quoted` is both a field name and a text value (the parser
 * tells them apart by place); `symbol` is any run of = < > ! so that a wrong operator such as `=` or
 * `!=` reaches the parser and gets a message naming the operators, not "unexpected character".
 */
export type TokenType =
  'quoted' | 'number' | 'instant' | 'word' | 'symbol' | '(' | ')' | '[' | ']' | ',' | 'end'

export interface Token {
  type: TokenType
  /** The source text (quotes included). */
  text: string
  /** quoted: the text with '' undone; word: upper-cased; otherwise the source text. */
  value: string
  /** 1-based character position of the token's first character. */
  position: number
}

// An unquoted ISO instant: a date, optionally a time (seconds and fraction optional) and an offset.
const INSTANT = /\d{4}-\d{2}-\d{2}(?:[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?/y
const NUMBER = /-?\d+(?:\.\d+)?/y
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y
const SYMBOL = /[=<>!]+/y
const SPACE = /\s+/y

/** Splits a condition into tokens, ending with one `end` token. Throws ConditionError on bad text. */
export function tokenize(text: string, label: ConditionLabel): Token[] {
  const tokens: Token[] = []
  let i = 0
  const push = (type: TokenType, source: string, value = source) => {
    tokens.push({ type, text: source, value, position: i + 1 })
    i += source.length
  }
  while (i < text.length) {
    const space = match(SPACE, text, i)
    if (space) {
      i += space.length
      continue
    }
    const c = text[i]!
    if (c === "'") {
      const source = readQuoted(text, i, label)
      push('quoted', source, source.slice(1, -1).replaceAll("''", "'"))
    } else if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',') {
      push(c, c)
    } else if (/[-\d]/.test(c)) {
      const instant = match(INSTANT, text, i)
      const number = instant ? undefined : match(NUMBER, text, i)
      if (instant) push('instant', instant)
      else if (number) push('number', number)
      else throw unexpected(text, i, label)
    } else {
      const word = match(WORD, text, i)
      const symbol = word ? undefined : match(SYMBOL, text, i)
      if (word) push('word', word, word.toUpperCase())
      else if (symbol) push('symbol', symbol)
      else throw unexpected(text, i, label)
    }
  }
  tokens.push({ type: 'end', text: '', value: '', position: text.length + 1 })
  return tokens
}

/** How a token is named in messages. */
export function describeToken(token: Token): string {
  if (token.type === 'end') return 'the end of the condition'
  const text = token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text
  return token.type === 'quoted' ? text : `'${text}'`
}

function match(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at
  return pattern.exec(text)?.[0]
}

/** A quoted run from `start` (a quote) to its closing quote; a doubled quote inside is one quote. */
function readQuoted(text: string, start: number, label: ConditionLabel): string {
  let i = start + 1
  for (;;) {
    const close = text.indexOf("'", i)
    if (close < 0) {
      throw new ConditionError(label, `unterminated quoted text starting at position ${start + 1}`, start + 1)
    }
    if (text[close + 1] !== "'") return text.slice(start, close + 1)
    i = close + 2
  }
}

function unexpected(text: string, at: number, label: ConditionLabel): ConditionError {
  const code = text.codePointAt(at)!
  const shown =
    code < 0x20 || code === 0x7f
      ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
      : String.fromCodePoint(code)
  return new ConditionError(label, `unexpected character '${shown}' at position ${at + 1}`, at + 1)
}
