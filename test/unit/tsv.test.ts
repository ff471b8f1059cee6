import { describe, expect, it } from 'vitest'
import { TsvEncoder } from '../../src/store/warehouse/tsv.js'

const encode = (type: string, value: unknown) =>
  new TsvEncoder([['c', type]]).encode([{ c: value }]).toString()

describe('TsvEncoder', () => {
  it.each([
    ['String', 'plain', 'plain\n'],
    ['String', 'a\tb\nc\rd\\e\0f', 'a\\tb\\nc\\rd\\\\e\\0f\n'],
    // A backslash escaped, so `\N` stays the two characters and is never read as NULL.
    ['String', '\\N', '\\\\N\n'],
    ['String', "it's", "it's\n"],
    ['LowCardinality(String)', 'x', 'x\n'],
    ['UInt32', 42, '42\n'],
    ['Int64', '-9007199254740993', '-9007199254740993\n'],
    ['Float64', 1e21, '1e+21\n'],
    ['Decimal(18, 4)', 12.5, '12.5\n'],
    ['Bool', true, 'true\n'],
    ['Nullable(Float64)', null, '\\N\n'],
    ["DateTime64(3, 'UTC') DEFAULT now64(3)", '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z\n'],
    ['Array(Int64)', [1, 2], '[1,2]\n'],
    ['Array(Nullable(String))', ["a'b", null, 'c\td'], "['a\\'b',NULL,'c\\td']\n"],
    ['Map(String, String)', { "k'": 'v\n' }, "{'k\\'':'v\\n'}\n"],
    ['SimpleAggregateFunction(min, Date)', '2024-05-01', '2024-05-01\n'],
  ])('%s %j → %j', (type, value, expected) => {
    expect(encode(type, value)).toBe(expected)
  })

  it('joins columns with tabs and rows with newlines, in the declared column order', () => {
    const encoder = new TsvEncoder([
      ['b', 'String'],
      ['a', 'UInt8'],
    ])
    expect(
      encoder
        .encode([
          { a: 1, b: 'x' },
          { b: 'y', a: 2 },
        ])
        .toString(),
    ).toBe('x\t1\ny\t2\n')
  })

  it('escapes every row’s strings, whatever the rows before held', () => {
    const encoder = new TsvEncoder([
      ['s', 'String'],
      ['a', 'Array(String)'],
    ])
    const rows = [
      { s: 'a\tb', a: ["x'y"] },
      { s: '\tc', a: ["'z"] },
    ]
    expect(encoder.encode(rows).toString()).toBe("a\\tb\t['x\\'y']\n\\tc\t['\\'z']\n")
  })

  it('grows its buffer for rows longer than it guessed', () => {
    const long = 'é'.repeat(100_000)
    expect(new TsvEncoder([['s', 'String']]).encode([{ s: long }, { s: long }]).toString()).toBe(
      `${long}\n${long}\n`,
    )
  })

  it('refuses a row without a value for a column, and a value of the wrong kind', () => {
    expect(() => new TsvEncoder([['a', 'String']]).encode([{ b: 1 }])).toThrow(
      'row 0 has no value for column a',
    )
    expect(() => encode('Array(String)', 'x')).toThrow('must be an array')
    expect(() => encode('String', { x: 1 })).toThrow('must be a string, number or boolean')
  })

  it('picks encoded lines by index, with a leading column of consecutive numbers', () => {
    const lines = new TsvEncoder([['s', 'String']]).encodeLines([{ s: 'é0' }, { s: 'a\tb' }, { s: '' }])
    expect(lines.length).toBe(3)
    expect(lines.bytes.toString()).toBe('é0\na\\tb\n\n')
    expect(lines.select([2, 0]).toString()).toBe('\né0\n')
    expect(lines.select([1, 2, 0], 9_007_199_254_740_989).toString()).toBe(
      '9007199254740989\ta\\tb\n9007199254740990\t\n9007199254740991\té0\n',
    )
    expect(lines.select([]).length).toBe(0)
    expect(() => lines.select([3])).toThrow('there is no row 3')
  })
})
