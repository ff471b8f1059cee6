/**
 * Rows encoded as ClickHouse TabSeparated text, driven by the table's declared column types.
 *
 * Why not JSONEachRow: the engine parses TSV about 2.5 times faster, and the bytes go to chDB as
 * one buffer instead of JSON re-encoded from row objects (bench/README.md, "The insert path").
 */

/** Encodes one value of a column type as it stands in a TSV field (before field escaping). */
type ValueEncoder = (value: unknown) => string

const FIELD_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  "'": "\\'",
}
// Most strings hold no special character: a `test` (stateless without the g flag) spares them
// the replace.
const FIELD_SPECIAL = /[\\\t\n\r\0]/
const FIELD_SPECIALS = /[\\\t\n\r\0]/g
const QUOTED_SPECIAL = /[\\\t\n\r\0']/
const QUOTED_SPECIALS = /[\\\t\n\r\0']/g

/** A string as a top-level TSV field: the characters that end a field or a row are escaped. */
const escapeField = (text: string) =>
  FIELD_SPECIAL.test(text) ? text.replace(FIELD_SPECIALS, (c) => FIELD_ESCAPES[c]!) : text

/** A string inside an array or map: single-quoted, with quotes escaped too. */
const quote = (text: string) =>
  `'${QUOTED_SPECIAL.test(text) ? text.replace(QUOTED_SPECIALS, (c) => FIELD_ESCAPES[c]!) : text}'`

/** Splits `a, Map(b, c), d` at its top-level commas. */
function splitArguments(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  parts.push(text.slice(start).trim())
  return parts
}

/** `Array(Nullable(String))` → ['Array', 'Nullable(String)']. */
function parseType(type: string): { name: string; args: string[] } {
  const open = type.indexOf('(')
  if (open < 0) return { name: type, args: [] }
  return { name: type.slice(0, open), args: splitArguments(type.slice(open + 1, type.lastIndexOf(')'))) }
}

function scalarText(value: unknown, type: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  throw new TypeError(`a ${type} value must be a string, number or boolean, not ${JSON.stringify(value)}`)
}

/**
 * The encoder of a column type. `nested` encoders write values inside an array or map, where
 * strings are quoted; top-level strings are written bare and escaped as fields.
 */
function encoderFor(type: string, nested: boolean): ValueEncoder {
  const encode = valueEncoderFor(type, nested)
  // A null stores NULL in a Nullable column and, as with JSON, the type's default elsewhere.
  const empty = nested ? 'NULL' : '\\N'
  return (value) => (value === null ? empty : encode(value))
}

function valueEncoderFor(type: string, nested: boolean): ValueEncoder {
  const { name, args } = parseType(type)
  switch (name) {
    case 'Nullable':
    case 'LowCardinality':
      return encoderFor(args[0]!, nested)
    case 'SimpleAggregateFunction':
      return encoderFor(args[1]!, nested)
    case 'Array': {
      const item = encoderFor(args[0]!, true)
      return (value) => {
        if (!Array.isArray(value)) throw new TypeError(`an ${type} value must be an array`)
        return `[${value.map(item).join(',')}]`
      }
    }
    case 'Map': {
      const key = encoderFor(args[0]!, true)
      const item = encoderFor(args[1]!, true)
      return (value) => {
        if (typeof value !== 'object' || value === null)
          throw new TypeError(`a ${type} value must be an object`)
        return `{${Object.entries(value)
          .map(([k, v]) => `${key(k)}:${item(v)}`)
          .join(',')}}`
      }
    }
    case 'String':
    case 'Date':
    case 'DateTime':
    case 'DateTime64':
      return nested
        ? (value) => quote(scalarText(value, type))
        : (value) => escapeField(scalarText(value, type))
    default:
      // Numbers and Bool: digits, signs, exponents and true/false need no escaping.
      return (value) => scalarText(value, type)
  }
}

/** Encodes rows of known columns; build one per table and reuse it. */
export class TsvEncoder {
  private readonly encoders: ValueEncoder[]

  /** `columns`: the names and declared types (a `DEFAULT …` clause is ignored) of the rows' columns. */
  constructor(readonly columns: readonly (readonly [name: string, type: string])[]) {
    this.encoders = columns.map(([, type]) => encoderFor(type.replace(/\s+DEFAULT\s[\s\S]*$/i, ''), false))
  }

  /** The rows as TSV, one line each; every row must carry every column (null only where Nullable). */
  encode(rows: readonly object[]): Buffer {
    return this.encodeLines(rows).bytes
  }

  /** The same, keeping where each line ends, so some of the rows can be inserted later. */
  encodeLines(rows: readonly object[]): TsvLines {
    const names = this.columns.map(([name]) => name)
    const ends = new Uint32Array(rows.length)
    // Each line goes into the buffer as soon as it is built, so it dies young: holding 50,000
    // lines for one join promoted them all and made garbage collection the larger part of the work.
    let buffer: Buffer = Buffer.allocUnsafe(rows.length * 256)
    let length = 0
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Record<string, unknown>
      let line = ''
      for (let c = 0; c < names.length; c++) {
        const value = row[names[c]!]
        if (value === undefined) throw new TypeError(`row ${r} has no value for column ${names[c]}`)
        line += (c === 0 ? '' : '\t') + this.encoders[c]!(value)
      }
      line += '\n'
      buffer = room(buffer, length, line.length * MAX_UTF8_PER_UNIT)
      length += buffer.write(line, length)
      ends[r] = length
    }
    return new TsvLines(buffer.subarray(0, length), ends)
  }
}

/** A UTF-16 code unit takes at most 3 bytes of UTF-8. */
const MAX_UTF8_PER_UNIT = 3

/** `buffer`, or a larger copy of its first `length` bytes, with room for `needed` more. */
function room(buffer: Buffer, length: number, needed: number): Buffer {
  if (length + needed <= buffer.length) return buffer
  const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + needed))
  buffer.copy(grown, 0, 0, length)
  return grown
}

/** A whole number below 2^53 prints in at most 16 digits; then the tab. */
const NUMBER_FIELD_BYTES = 17

/** Encoded rows, one TSV line each, and where each line ends. */
export class TsvLines {
  constructor(
    readonly bytes: Buffer,
    private readonly ends: Uint32Array,
  ) {}

  get length(): number {
    return this.ends.length
  }

  /**
   * The lines at `indices`, in that order. With `first`, each line gets a leading column of
   * consecutive numbers: the k-th line picked starts with `first + k`.
   */
  select(indices: readonly number[], first?: number): Buffer {
    const extra = first === undefined ? 0 : NUMBER_FIELD_BYTES
    let buffer: Buffer = Buffer.allocUnsafe(this.bytes.length + indices.length * extra)
    let length = 0
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!
      if (!(i >= 0 && i < this.ends.length)) throw new RangeError(`there is no row ${i}`)
      const start = i === 0 ? 0 : this.ends[i - 1]!
      const end = this.ends[i]!
      buffer = room(buffer, length, end - start + extra)
      if (first !== undefined) length += buffer.write(`${first + k}\t`, length, 'latin1')
      length += this.bytes.copy(buffer, length, start, end)
    }
    return buffer.subarray(0, length)
  }
}
