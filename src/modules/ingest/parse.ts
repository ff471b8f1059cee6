import type { TObject } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'
import { describeSchemaErrors } from '../../schema/describe-errors.js'
import '../../schema/formats.js'
import { TsvEncoder } from '../../store/warehouse/tsv.js'
import { itemsOf, type RawChunk } from './body-reader.js'
import { EventError, type StreamDef } from './stream.js'
import { STREAMS } from './streams/index.js'

export interface Rejection {
  line: number
  error: string
}

/** A response listing a million rejections helps nobody; the count says how many there were. */
export const MAX_LISTED_REJECTIONS = 1000

/**
 * The valid events of one chunk as warehouse rows encoded to TSV, with what storing them needs.
 * Built where the chunk is parsed (a worker thread, or this one); every field crosses threads in
 * one copy: texts back to back with their ends, never an array of strings or objects.
 */
export interface ParsedChunk {
  /** The rows' columns, in the order of their TSV fields. */
  columns: string[]
  /** One TSV line per valid event, in order; line i ends at `tsvEnds[i]`. */
  tsv: Uint8Array
  tsvEnds: Uint32Array
  /** Each valid event's idempotency key ('' for none), back to back; key i ends at `keyEnds[i]`. */
  keys: string
  keyEnds: Uint32Array
  /** The earliest and latest time (UTC ISO text) of the events with a key; '' when none has one. */
  from: string
  to: string
  /** The stream's admission tags (StreamDef.admission), each once, and each valid event's index into them. */
  tags: string[]
  tagOfEvent: Uint32Array
  /** The chunk's first MAX_LISTED_REJECTIONS rejections, and how many there were. */
  rejected: Rejection[]
  rejectedCount: number
}

/** Parses, checks and converts a chunk's events, and encodes the valid ones for `stream.table`. */
export function parseEvents(
  stream: StreamDef<never>,
  tenantId: number,
  chunk: RawChunk,
  check: Validator,
  encoderFor: (columns: readonly string[]) => TsvEncoder,
): ParsedChunk {
  const rows: Record<string, unknown>[] = []
  const rejected: Rejection[] = []
  let rejectedCount = 0
  const accept = (event: unknown) => rows.push(stream.toRow(event as never, tenantId))
  for (const item of itemsOf(chunk)) {
    const error = checkItem(item.text, check, accept)
    if (error === undefined) continue
    rejectedCount++
    if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ line: item.line, error })
  }

  const columns = rows.length > 0 ? Object.keys(rows[0]!) : []
  const lines = encoderFor(columns).encodeLines(rows)
  let keys = ''
  const keyEnds = new Uint32Array(rows.length)
  let from = ''
  let to = ''
  const tags = new Map<string, number>()
  const tagOfEvent = new Uint32Array(stream.admission ? rows.length : 0)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    const key = row.ingest_key as string
    if (key !== '') {
      keys += key
      // UTC ISO texts sort as the instants they name.
      const time = row[stream.timeColumn] as string
      if (from === '' || time < from) from = time
      if (time > to) to = time
    }
    keyEnds[i] = keys.length
    if (stream.admission) {
      const tag = stream.admission.tagOf(row)
      let index = tags.get(tag)
      if (index === undefined) tags.set(tag, (index = tags.size))
      tagOfEvent[i] = index
    }
  }
  return {
    columns,
    tsv: lines.bytes,
    tsvEnds: lines.ends,
    keys,
    keyEnds,
    from,
    to,
    tags: [...tags.keys()],
    tagOfEvent,
    rejected,
    rejectedCount,
  }
}

/** Parses and validates one item; returns the rejection message, or undefined after `accept`. */
export function checkItem(
  text: string,
  check: Validator,
  accept: (value: unknown) => void,
): string | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object'
  if (!check.Check(value)) return describeSchemaErrors(check.Errors(value))
  try {
    accept(value)
  } catch (error) {
    if (error instanceof EventError) return error.message
    throw error
  }
  return undefined
}

/** What a parse worker is asked: one chunk of events of one stream. */
export interface ParseJob {
  stream: string
  tenantId: number
  /** The stream table's columns and their declared types (Warehouse.columnTypes). */
  columnTypes: readonly (readonly [name: string, type: string])[]
  chunk: RawChunk
}

const validators = new WeakMap<TObject, Validator>()
/** The compiled check of a schema, compiled once per thread. */
export function validatorFor(schema: TObject): Validator {
  let validator = validators.get(schema)
  if (!validator) validators.set(schema, (validator = Compile(schema)))
  return validator
}

const encoders = new Map<string, TsvEncoder>()

/** Runs a job in this thread: the worker's whole work, and the pool's when it has no workers. */
export function runParseJob(job: ParseJob): ParsedChunk {
  const stream = STREAMS.get(job.stream)
  if (!stream) throw new Error(`no ingestion stream '${job.stream}'`)
  const types = new Map(job.columnTypes)
  const encoderFor = (columns: readonly string[]) => {
    const key = `${stream.table}(${columns.join(',')})`
    let encoder = encoders.get(key)
    if (!encoder) {
      const unknown = columns.filter((column) => !types.has(column))
      if (unknown.length > 0) throw new Error(`table ${stream.table} has no column ${unknown.join(', ')}`)
      encoder = new TsvEncoder(columns.map((column) => [column, types.get(column)!] as const))
      encoders.set(key, encoder)
    }
    return encoder
  }
  return parseEvents(stream, job.tenantId, job.chunk, validatorFor(stream.schema), encoderFor)
}
