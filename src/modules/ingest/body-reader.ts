import { StringDecoder } from 'node:string_decoder'
import { PayloadTooLargeError, ValidationError } from '../../errors.js'

/**
 * Some of a body's items (events or entities), as the readers yield them: one chunk's worth at a
 * time, their JSON texts back to back in one string. One string and two arrays cross to a parse
 * worker in one copy each; an array of texts would cost a copy per item.
 */
export interface RawChunk {
  /** The items' texts in order; item i spans `ends[i - 1] ?? 0` to `ends[i]` (whitespace around it may belong to the span). */
  text: string
  ends: Uint32Array
  /** Each item's line (NDJSON) or 1-based element number (JSON array). */
  lines: Uint32Array
}

/** One item of a chunk: its text, trimmed, and where it stood. */
export interface RawItem {
  line: number
  text: string
}

export function* itemsOf(chunk: RawChunk): Generator<RawItem> {
  let start = 0
  for (let i = 0; i < chunk.ends.length; i++) {
    const end = chunk.ends[i]!
    yield { line: chunk.lines[i]!, text: chunk.text.slice(start, end).trim() }
    start = end
  }
}

/** A chunk of these texts, numbered from `firstLine`. */
export function chunkOf(texts: readonly string[], firstLine = 1): RawChunk {
  const ends = new Uint32Array(texts.length)
  let length = 0
  for (let i = 0; i < texts.length; i++) ends[i] = length += texts[i]!.length
  return { text: texts.join(''), ends, lines: Uint32Array.from(texts, (_, i) => firstLine + i) }
}

/** Counts the bytes of a body as it streams and refuses it as soon as it passes the limit. */
async function* limited(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  maxBytes: number,
): AsyncGenerator<Buffer> {
  let total = 0
  for await (const chunk of body) {
    total += chunk.length
    if (total > maxBytes) throw new PayloadTooLargeError(`request body exceeds the ${maxBytes}-byte limit`)
    yield chunk
  }
}

/**
 * Splits an NDJSON body into its non-blank lines, yielding those each chunk completes. Holds one
 * chunk and an unfinished line at a time; a line is decoded once, when its end arrives. Blank
 * lines count in the numbering and stay in the text as whitespace before the next item.
 */
export async function* readNdjson(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  maxBytes: number,
): AsyncGenerator<RawChunk> {
  // The decoder keeps a character split between two chunks for the next one.
  const decoder = new StringDecoder('utf8')
  let pending = ''
  let line = 0
  for await (const bytes of limited(body, maxBytes)) {
    const decoded = decoder.write(bytes)
    // Only the new text is searched, so a line spanning many chunks is not scanned again each time.
    const last = decoded.lastIndexOf('\n')
    if (last === -1) {
      pending += decoded
      continue
    }
    const text = pending + decoded.slice(0, last + 1)
    pending = decoded.slice(last + 1)
    const { chunk, lines } = splitLines(text, line)
    line = lines
    if (chunk.ends.length > 0) yield chunk
  }
  const { chunk } = splitLines(pending + decoder.end(), line)
  if (chunk.ends.length > 0) yield chunk
}

/** The non-blank lines of `text` (whole lines, the last one may lack its newline) after `linesBefore`. */
function splitLines(text: string, linesBefore: number): { chunk: RawChunk; lines: number } {
  const ends: number[] = []
  const numbers: number[] = []
  let line = linesBefore
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf('\n', start)
    const end = newline === -1 ? text.length : newline + 1
    line++
    // An event line starts with `{`: only a line starting with whitespace needs a closer look.
    if (text.charCodeAt(start) > 0x20 || text.slice(start, end).trim() !== '') {
      ends.push(end)
      numbers.push(line)
    }
    start = end
  }
  return { chunk: { text, ends: Uint32Array.from(ends), lines: Uint32Array.from(numbers) }, lines: line }
}

/**
 * Splits a JSON array body into the texts of its elements, yielding those each chunk completes;
 * holds one chunk and an unfinished element at a time. Only the array's own punctuation is read
 * here (depth, strings, commas); each element is then parsed by JSON.parse, so a broken element is
 * rejected alone and the rest of the batch is kept.
 * (stream-json would assemble values too, but documents itself as unfit for untrusted input.)
 */
export async function* readJsonArray(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  maxBytes: number,
): AsyncGenerator<RawChunk> {
  let state = 'before' as ArrayPosition
  let depth = 0
  let inString = false
  let escaped = false
  let element: Buffer[] = []
  let index = 0
  let offset = 0

  /** The element just ended, or undefined for the nothing between `[` and `]` of an empty array. */
  const finish = (): string | undefined => {
    const text = Buffer.concat(element).toString('utf8').trim()
    element = []
    index++
    if (!text) {
      if (index === 1 && state === 'after') return undefined // `[]`
      throw new ValidationError(`body: empty element ${index} in the JSON array`)
    }
    return text
  }

  for await (const chunk of limited(body, maxBytes)) {
    const texts: string[] = []
    const firstElement = index + 1
    let start = 0
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number
      if (state !== 'inside') {
        if (isSpace(byte)) continue
        if (state === 'before' && byte === 0x5b /* [ */) {
          state = 'inside'
          start = i + 1
          continue
        }
        throw new ValidationError(
          state === 'before'
            ? 'body: expected a JSON array of events (or send application/x-ndjson)'
            : `body: unexpected data after the end of the JSON array at byte ${offset + i}`,
        )
      }
      if (inString) {
        if (escaped) escaped = false
        else if (byte === 0x5c /* \ */) escaped = true
        else if (byte === 0x22 /* " */) inString = false
        continue
      }
      if (byte === 0x22) inString = true
      else if (byte === 0x7b /* { */ || byte === 0x5b /* [ */) depth++
      else if ((byte === 0x7d /* } */ || byte === 0x5d) /* ] */ && depth > 0) depth--
      else if (depth === 0 && (byte === 0x2c /* , */ || byte === 0x5d)) {
        element.push(chunk.subarray(start, i))
        if (byte === 0x5d) state = 'after'
        const text = finish()
        if (text !== undefined) texts.push(text)
        start = i + 1
      }
    }
    if (state === 'inside') element.push(chunk.subarray(start))
    offset += chunk.length
    if (texts.length > 0) yield chunkOf(texts, firstElement)
  }
  // The cast undoes TypeScript's narrowing, which does not follow `state` through the loop above.
  if ((state as ArrayPosition) !== 'after') {
    throw new ValidationError(
      state === 'before' ? 'body: expected a JSON array of events' : 'body: the JSON array is not closed',
    )
  }
}

type ArrayPosition = 'before' | 'inside' | 'after'

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}
