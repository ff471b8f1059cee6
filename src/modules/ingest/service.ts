import { NotFoundError, PayloadTooLargeError } from '../../errors.js'
import type { Stores } from '../../store/stores.js'
import { TsvLines } from '../../store/warehouse/tsv.js'
import type { EncodedRows } from '../../store/warehouse/warehouse.js'
import { requirePermission, type Caller } from '../identity/caller.js'
import { itemsOf, type RawChunk } from './body-reader.js'
import type { EntityDef } from './entity.js'
import { ENTITIES } from './entities/index.js'
import { KeyedLock } from './keyed-lock.js'
import { MAX_LISTED_REJECTIONS, checkItem, validatorFor, type ParsedChunk, type Rejection } from './parse.js'
import type { ParsePool } from './parse-pool.js'
import { StoredKeys } from './stored-keys.js'
import { EventError, type StreamDef } from './stream.js'
import { STREAMS } from './streams/index.js'

export interface IngestLimits {
  /** Events (or entities) one request may carry. */
  maxEvents: number
}

export type { Rejection } from './parse.js'

export interface IngestResult {
  /** Valid events, including those already stored by an earlier send of the same id. */
  accepted: number
  /** Accepted events skipped because an event with the same id is already stored. */
  duplicates: number
  /** Accepted events not stored because they are set not to be collected (usage events). */
  notCollected: number
  rejected: Rejection[]
  /** All rejections; `rejected` lists the first MAX_LISTED_REJECTIONS of them. */
  rejectedCount: number
}

/** Rows per warehouse INSERT: large blocks insert fastest, bounded ones keep memory flat. */
const INSERT_BLOCK_ROWS = 50_000

/** A parsed chunk with its idempotency keys split apart. */
interface KeyedChunk extends ParsedChunk {
  keyList: string[]
}

/** A batch's valid events, encoded, with their idempotency keys ('' for none). */
interface ParsedBatch {
  encoded: EncodedRows
  keys: string[]
}

/** Receives batches of events and reference data and stores them durably and idempotently. */
export class IngestService {
  private readonly lock = new KeyedLock()

  /** `parser` parses the events (not the entities, which are few and go to the control plane). */
  constructor(
    private readonly stores: Stores,
    private readonly limits: IngestLimits,
    private readonly parser: ParsePool,
  ) {}

  /** Stops the parser's worker threads. */
  close(): Promise<void> {
    return this.parser.close()
  }

  listStreams(): StreamDef<never>[] {
    return [...STREAMS.values()]
  }

  listEntityKinds(): EntityDef<never>[] {
    return [...ENTITIES.values()]
  }

  /**
   * Validates every item, then stores the valid ones that are not already stored. Nothing is
   * stored until the whole body has been read, so a request refused for its size stores nothing.
   * When this resolves, every accepted event is on disk.
   */
  async ingestEvents(
    caller: Caller,
    streamName: string,
    items: AsyncIterable<RawChunk>,
  ): Promise<IngestResult> {
    requirePermission(caller, 'Ingest')
    const stream = STREAMS.get(streamName)
    if (!stream) throw new NotFoundError(`ingestion stream '${streamName}'`)
    const tenantId = caller.tenantId
    const lockKey = `${tenantId}/${stream.name}`
    const storedKeys = new StoredKeys(this.stores.warehouse, stream, tenantId, () => this.lock.mark(lockKey))
    const columnTypes = [...(await this.stores.warehouse.columnTypesOf(stream.table))]
    const parsing: Promise<KeyedChunk>[] = []
    let count = 0
    try {
      for await (const chunk of items) {
        count = this.counted(count, chunk)
        const parsed = this.parser.parse({ stream: stream.name, tenantId, columnTypes, chunk })
        // Each chunk's keys are looked up as soon as they are known, while the rest is parsed.
        parsing.push(
          parsed.then((part) => {
            const keys = keysOf(part)
            storedKeys.add(keys, part.from, part.to)
            return { ...part, keyList: keys }
          }),
        )
      }
    } finally {
      // A body refused halfway leaves chunks in the parser; their outcome no longer matters.
      for (const parsed of parsing) parsed.catch(() => undefined)
    }
    const parts = await Promise.all(parsing)
    const { rejected, rejectedCount } = mergeRejections(parts)
    const batch = mergeParts(stream, parts)
    const admitted = await this.admit(stream, tenantId, parts)
    const stored =
      storedKeys.size > 0
        ? await this.lock.run(lockKey, async () =>
            this.storeNew(stream, tenantId, batch, admitted, () =>
              storedKeys.find((mark) => this.lock.startedSince(lockKey, mark)),
            ),
          )
        : await this.storeNew(stream, tenantId, batch, admitted, async () => new Set())
    return {
      accepted: batch.keys.length,
      duplicates: admitted.length - stored,
      notCollected: batch.keys.length - admitted.length,
      rejected,
      rejectedCount,
    }
  }

  /** Upserts reference data by its natural key; within one batch the last item for a key wins. */
  async upsertEntities(caller: Caller, kind: string, items: AsyncIterable<RawChunk>): Promise<IngestResult> {
    requirePermission(caller, 'Ingest')
    const entity = ENTITIES.get(kind)
    if (!entity) throw new NotFoundError(`entity kind '${kind}'`)
    const { valid, rejected, rejectedCount } = await this.validate(items, entity.schema, (item) => {
      // Postgres text cannot hold NUL; refuse it here rather than fail the whole batch there.
      if (containsNul(item)) throw new EventError('text fields may not contain the NUL character (\\u0000)')
      entity.check?.(item as never)
      return item as never
    })
    const latest = new Map(valid.map((item) => [entity.keyOf(item), item]))
    await entity.upsert(this.stores, caller.tenantId, [...latest.values()])
    return { accepted: valid.length, duplicates: 0, notCollected: 0, rejected, rejectedCount }
  }

  private async validate<T>(
    items: AsyncIterable<RawChunk>,
    schema: EntityDef<never>['schema'],
    convert: (value: unknown) => T,
  ): Promise<{ valid: T[]; rejected: Rejection[]; rejectedCount: number }> {
    const check = validatorFor(schema)
    const valid: T[] = []
    const accept = (value: unknown) => valid.push(convert(value))
    const rejected: Rejection[] = []
    let rejectedCount = 0
    let count = 0
    for await (const chunk of items) {
      count = this.counted(count, chunk)
      for (const item of itemsOf(chunk)) {
        const error = checkItem(item.text, check, accept)
        if (error !== undefined) {
          rejectedCount++
          if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ line: item.line, error })
        }
      }
    }
    return { valid, rejected, rejectedCount }
  }

  /** The items read so far with `chunk`'s; refuses a batch over the limit as soon as it is. */
  private counted(before: number, chunk: RawChunk): number {
    const count = before + chunk.ends.length
    if (count > this.limits.maxEvents) {
      throw new PayloadTooLargeError(
        `a batch may carry at most ${this.limits.maxEvents} events; send smaller batches`,
      )
    }
    return count
  }

  /** The indices of the batch's events that the stream's settings keep: all but those not collected. */
  private async admit(stream: StreamDef<never>, tenantId: number, parts: ParsedChunk[]): Promise<number[]> {
    const tags = new Set(parts.flatMap((part) => part.tags))
    const dropped =
      stream.admission && tags.size > 0
        ? await stream.admission.dropped(this.stores, tenantId, [...tags])
        : new Set<string>()
    const admitted: number[] = []
    let index = 0
    for (const part of parts) {
      const events = part.keyEnds.length
      for (let i = 0; i < events; i++, index++) {
        if (dropped.size === 0 || !dropped.has(part.tags[part.tagOfEvent[i]!]!)) admitted.push(index)
      }
    }
    return admitted
  }

  /**
   * Stores the events at `admitted` whose idempotency key is not stored yet; returns how many were
   * stored. Events are written before their keys, so a stored key always has its event; a crash
   * between the two leaves events without keys, which the lookup finds in the event table itself.
   */
  private async storeNew(
    stream: StreamDef<never>,
    tenantId: number,
    batch: ParsedBatch,
    admitted: readonly number[],
    findStoredKeys: () => Promise<Set<string>>,
  ): Promise<number> {
    if (admitted.length === 0) return 0
    const { warehouse } = this.stores
    const tag = `ingest:${stream.name}`
    const fresh = firstOfEachNewKey(batch.keys, admitted, await findStoredKeys())
    const ids = stream.assignedId
    const first = ids && fresh.length > 0 ? await this.allocateIds(ids.counter, fresh.length) : 0
    const storeEvents = async () => {
      for (let i = 0; i < fresh.length; i += INSERT_BLOCK_ROWS) {
        await warehouse.insertEncoded(batch.encoded, {
          rows: fresh.slice(i, i + INSERT_BLOCK_ROWS),
          numbered: ids && { column: ids.column, first: first + i },
          tag,
        })
      }
    }
    const keyRows = fresh
      .filter((i) => batch.keys[i] !== '')
      .map((i) => ({ tenant_id: tenantId, stream: stream.name, key: batch.keys[i] }))
    // The key records are encoded while the events are written, and written only after them.
    const [, keys] = await Promise.all([
      storeEvents(),
      startedEngineWork().then(() => warehouse.encode('ingest_keys', keyRows, `${tag}:keys`)),
    ])
    for (let i = 0; i < keyRows.length; i += INSERT_BLOCK_ROWS) {
      const block = range(i, Math.min(i + INSERT_BLOCK_ROWS, keyRows.length))
      await warehouse.insertEncoded(keys, { rows: block, tag: `${tag}:keys` })
    }
    return fresh.length
  }

  /** Reserves `count` consecutive ids; shared by every API node through the control plane. */
  private async allocateIds(counter: string, count: number): Promise<number> {
    const [row] = await this.stores.control.query<{ last_value: number }>(
      'UPDATE id_counters SET last_value = last_value + $1 WHERE name = $2 RETURNING last_value',
      [count, counter],
    )
    if (!row) throw new Error(`id counter '${counter}' is missing from the control plane`)
    return Number(row.last_value) - count + 1
  }
}

/**
 * Lets statements just issued reach the engine: the driver hands them over from queued callbacks,
 * which would otherwise wait for the synchronous work that follows.
 */
const startedEngineWork = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Of the events at `candidates`, those to store: each without a key, and the first of each key not stored yet. */
function firstOfEachNewKey(
  keys: readonly string[],
  candidates: readonly number[],
  stored: Set<string>,
): number[] {
  const fresh: number[] = []
  for (const i of candidates) {
    const key = keys[i]!
    if (key !== '') {
      if (stored.has(key)) continue
      stored.add(key)
    }
    fresh.push(i)
  }
  return fresh
}

/** A chunk's idempotency keys, one per valid event ('' for none). */
function keysOf(part: ParsedChunk): string[] {
  const keys: string[] = new Array(part.keyEnds.length)
  let start = 0
  for (let i = 0; i < keys.length; i++) {
    const end = part.keyEnds[i]!
    keys[i] = part.keys.slice(start, end)
    start = end
  }
  return keys
}

/** The valid events of all chunks, in order, as one set of encoded rows. */
function mergeParts(stream: StreamDef<never>, parts: readonly KeyedChunk[]): ParsedBatch {
  const encodedParts = parts.filter((part) => part.tsvEnds.length > 0)
  const columns = encodedParts[0]?.columns ?? []
  for (const part of encodedParts) {
    if (part.columns.join() !== columns.join())
      throw new Error(`stream ${stream.name} built rows of different columns within one batch`)
  }
  const lines = TsvLines.concat(
    encodedParts.map(
      (part) =>
        new TsvLines(Buffer.from(part.tsv.buffer, part.tsv.byteOffset, part.tsv.length), part.tsvEnds),
    ),
  )
  return {
    encoded: { table: stream.table, columns, lines },
    keys: encodedParts.flatMap((part) => part.keyList),
  }
}

/** The first MAX_LISTED_REJECTIONS rejections of the batch, in line order, and their count. */
function mergeRejections(parts: readonly ParsedChunk[]): { rejected: Rejection[]; rejectedCount: number } {
  return {
    rejected: parts.flatMap((part) => part.rejected).slice(0, MAX_LISTED_REJECTIONS),
    rejectedCount: parts.reduce((sum, part) => sum + part.rejectedCount, 0),
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0')
  if (Array.isArray(value)) return value.some(containsNul)
  if (value && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => k.includes('\0') || containsNul(v))
  return false
}
