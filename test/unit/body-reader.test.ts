import { describe, expect, it } from 'vitest'
import { readJsonArray, readNdjson, type RawItem } from '../../src/modules/ingest/body-reader.js'

async function collect(reader: AsyncIterable<RawItem[]>): Promise<RawItem[]> {
  const items: RawItem[] = []
  for await (const chunk of reader) items.push(...chunk)
  return items
}

/** The body cut into chunks at the given byte positions: every split must give the same items. */
function* chunked(text: string, cuts: number[]): Generator<Buffer> {
  const bytes = Buffer.from(text)
  let start = 0
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(start, cut)
    start = cut
  }
}

const ARRAY = '[ {"a": "x,]}\\"[{", "b": [1, {"c": 2}]} ,\n{"d":"é"}, 3 ]  \n'
const ARRAY_ITEMS = [
  { line: 1, text: '{"a": "x,]}\\"[{", "b": [1, {"c": 2}]}' },
  { line: 2, text: '{"d":"é"}' },
  { line: 3, text: '3' },
]

describe('readJsonArray', () => {
  it('splits elements whatever the chunk boundaries, ignoring punctuation inside strings', async () => {
    const length = Buffer.byteLength(ARRAY)
    for (let cut = 0; cut <= length; cut++) {
      expect(await collect(readJsonArray(chunked(ARRAY, [cut]), 1e6))).toEqual(ARRAY_ITEMS)
    }
    const everyByte = Array.from({ length }, (_, i) => i)
    expect(await collect(readJsonArray(chunked(ARRAY, everyByte), 1e6))).toEqual(ARRAY_ITEMS)
  })

  it.each([
    ['[]', []],
    [' [ ] ', []],
    ['[{}]', [{ line: 1, text: '{}' }]],
  ])('reads %s', async (body, items) => {
    expect(await collect(readJsonArray(chunked(body, []), 1e6))).toEqual(items)
  })

  it.each([
    ['{"a":1}', 'expected a JSON array'],
    ['', 'expected a JSON array'],
    ['[{"a":1}', 'not closed'],
    ['[1,]', 'empty element 2'],
    ['[,1]', 'empty element 1'],
    ['[1] x', 'unexpected data after the end of the JSON array at byte 4'],
  ])('refuses %j', async (body, message) => {
    await expect(collect(readJsonArray(chunked(body, []), 1e6))).rejects.toThrow(message)
  })

  it('refuses a body over the byte limit', async () => {
    await expect(collect(readJsonArray(chunked('[1,2,3,4]', [2, 4, 6]), 5))).rejects.toMatchObject({
      httpStatus: 413,
    })
  })
})

describe('readNdjson', () => {
  const BODY = '{"a":1}\r\n\n  \n{"b":"line\\nbreak","é":"😀"}\n{"c":3}'
  const ITEMS = [
    { line: 1, text: '{"a":1}' },
    { line: 4, text: '{"b":"line\\nbreak","é":"😀"}' },
    { line: 5, text: '{"c":3}' },
  ]

  it('numbers lines from 1, counting blank ones, whatever the chunk boundaries', async () => {
    const length = Buffer.byteLength(BODY)
    for (let cut = 0; cut <= length; cut++) {
      expect(await collect(readNdjson(chunked(BODY, [cut]), 1e6))).toEqual(ITEMS)
    }
    // Characters of several bytes split between chunks, lines spanning many chunks.
    const everyByte = Array.from({ length }, (_, i) => i)
    expect(await collect(readNdjson(chunked(BODY, everyByte), 1e6))).toEqual(ITEMS)
  })

  it('reads a body ending in a newline, and an empty one', async () => {
    expect(await collect(readNdjson(chunked('{"a":1}\n', []), 1e6))).toEqual([{ line: 1, text: '{"a":1}' }])
    expect(await collect(readNdjson(chunked('', []), 1e6))).toEqual([])
  })

  it('decodes an invalid byte sequence as the replacement character', async () => {
    const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3]), Buffer.from('"}\n{"b":2}')])
    for (let cut = 0; cut <= body.length; cut++) {
      const chunks = [body.subarray(0, cut), body.subarray(cut)]
      expect(await collect(readNdjson(chunks, 1e6))).toEqual([
        { line: 1, text: '{"a":"\ufffd"}' },
        { line: 2, text: '{"b":2}' },
      ])
    }
  })

  it('refuses a body over the byte limit', async () => {
    await expect(collect(readNdjson(chunked(BODY, [3]), 10))).rejects.toThrow('exceeds the 10-byte limit')
  })
})
