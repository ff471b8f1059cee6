import { StringDecoder } from 'node:string_decoder'
import { PayloadTooLargeError, ValidationError } from '../../errors.js'

/**
 * One event's JSON text and where it stood: its line (NDJSON) or its 1-based element number (array).
 * The readers yield them a chunk's worth at a time: one async step per item cost more than parsing.
 */
export interface RawItem {
  line: number
  text: string
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
 * chunk and an unfinished line at a time; a line is decoded once, when its end arrives.
 */
export async function* readNdjson(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  maxBytes: number,
): AsyncGenerator<RawItem[]> {
  // The decoder keeps a character split between two chunks for the next one.
  const decoder = new StringDecoder('utf8')
  let pending = ''
  let line = 0
  const complete = (text: string, items: RawItem[]) => {
    line++
    const trimmed = text.trim()
    if (trimmed) items.push({ line, text: trimmed })
  }
  for await (const chunk of limited(body, maxBytes)) {
    const text = decoder.write(chunk)
    let nl = text.indexOf('\n')
    // Only the new text is searched, so a line spanning many chunks is not scanned again each time.
    if (nl === -1) {
      pending += text
      continue
    }
    const items: RawItem[] = []
    complete(pending + text.slice(0, nl), items)
    let start = nl + 1
    for (nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      complete(text.slice(start, nl), items)
      start = nl + 1
    }
    pending = text.slice(start)
    if (items.length > 0) yield items
  }
  const items: RawItem[] = []
  complete(pending + decoder.end(), items)
  if (items.length > 0) yield items
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
): AsyncGenerator<RawItem[]> {
  let state = 'before' as ArrayPosition
  let depth = 0
  let inString = false
  let escaped = false
  let element: Buffer[] = []
  let index = 0
  let offset = 0

  const finish = (): RawItem | undefined => {
    const text = Buffer.concat(element).toString('utf8').trim()
    element = []
    index++
    if (!text) {
      if (index === 1 && state === 'after') return undefined // `[]`
      throw new ValidationError(`body: empty element ${index} in the JSON array`)
    }
    return { line: index, text }
  }

  for await (const chunk of limited(body, maxBytes)) {
    const items: RawItem[] = []
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
        const item = finish()
        if (item) items.push(item)
        start = i + 1
      }
    }
    if (state === 'inside') element.push(chunk.subarray(start))
    offset += chunk.length
    if (items.length > 0) yield items
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
