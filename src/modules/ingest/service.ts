import type { TObject } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'
import { NotFoundError, PayloadTooLargeError } from '../../errors.js'
import { describeSchemaErrors } from '../../schema/describe-errors.js'
import '../../schema/formats.js'
import type { Stores } from '../../store/stores.js'
import { requirePermission, type Caller } from '../identity/caller.js'
import type { RawItem } from './body-reader.js'
import type { EntityDef } from './entity.js'
import { ENTITIES } from './entities/index.js'
import { KeyedLock } from './keyed-lock.js'
import { StoredKeys } from './stored-keys.js'
import { EventError, type StreamDef } from './stream.js'
import { STREAMS } from './streams/index.js'

export interface IngestLimits {
  /** Events (or entities) one request may carry. */
  maxEvents: number
}

export interface Rejection {
  line: number
  error: string
}

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

/** A response listing a million rejections helps nobody; the count says how many there were. */
const MAX_LISTED_REJECTIONS = 1000
/** Rows per warehouse INSERT: large blocks insert fastest, bounded ones keep memory flat. */
const INSERT_BLOCK_ROWS = 50_000

const validators = new WeakMap<TObject, Validator>()
function validatorFor(schema: TObject): Validator {
  let validator = validators.get(schema)
  if (!validator) validators.set(schema, (validator = Compile(schema)))
  return validator
}

/** Receives batches of events and reference data and stores them durably and idempotently. */
export class IngestService {
  private readonly lock = new KeyedLock()

  constructor(
    private readonly stores: Stores,
    private readonly limits: IngestLimits,
  ) {}

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
    items: AsyncIterable<RawItem[]>,
  ): Promise<IngestResult> {
    requirePermission(caller, 'Ingest')
    const stream = STREAMS.get(streamName)
    if (!stream) throw new NotFoundError(`ingestion stream '${streamName}'`)
    const tenantId = caller.tenantId
    const lockKey = `${tenantId}/${stream.name}`
    const storedKeys = new StoredKeys(this.stores.warehouse, stream, tenantId, () => this.lock.mark(lockKey))
    const {
      valid: validRows,
      rejected,
      rejectedCount,
    } = await this.validate(
      items,
      stream.schema,
      (event) => stream.toRow(event as never, tenantId),
      (rows) => storedKeys.add(rows),
    )
    const rows = stream.admit ? await stream.admit(this.stores, tenantId, validRows) : validRows
    const stored =
      storedKeys.size > 0
        ? await this.lock.run(lockKey, async () =>
            this.storeNew(stream, tenantId, rows, () =>
              storedKeys.find((mark) => this.lock.startedSince(lockKey, mark)),
            ),
          )
        : await this.storeNew(stream, tenantId, rows, async () => new Set())
    return {
      accepted: validRows.length,
      duplicates: rows.length - stored,
      notCollected: validRows.length - rows.length,
      rejected,
      rejectedCount,
    }
  }

  /** Upserts reference data by its natural key; within one batch the last item for a key wins. */
  async upsertEntities(caller: Caller, kind: string, items: AsyncIterable<RawItem[]>): Promise<IngestResult> {
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

  /** `validated` sees each chunk's valid items as soon as they are converted. */
  private async validate<T>(
    items: AsyncIterable<RawItem[]>,
    schema: TObject,
    convert: (value: unknown) => T,
    validated?: (values: readonly T[]) => void,
  ): Promise<{ valid: T[]; rejected: Rejection[]; rejectedCount: number }> {
    const check = validatorFor(schema)
    const valid: T[] = []
    const accept = (value: unknown) => valid.push(convert(value))
    const rejected: Rejection[] = []
    let rejectedCount = 0
    let count = 0
    for await (const chunk of items) {
      count += chunk.length
      if (count > this.limits.maxEvents) {
        throw new PayloadTooLargeError(
          `a batch may carry at most ${this.limits.maxEvents} events; send smaller batches`,
        )
      }
      const before = valid.length
      for (const item of chunk) {
        const error = checkItem(item.text, check, accept)
        if (error !== undefined) {
          rejectedCount++
          if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ line: item.line, error })
        }
      }
      validated?.(valid.slice(before))
    }
    return { valid, rejected, rejectedCount }
  }

  /**
   * Stores the rows whose idempotency key is not stored yet; returns how many were stored. Events
   * are written before their keys, so a stored key always has its event; a crash between the two
   * leaves events without keys, which the lookup finds in the event table itself.
   */
  private async storeNew(
    stream: StreamDef<never>,
    tenantId: number,
    rows: Record<string, unknown>[],
    findStoredKeys: () => Promise<Set<string>>,
  ): Promise<number> {
    if (rows.length === 0) return 0
    const { warehouse } = this.stores
    const tag = `ingest:${stream.name}`
    // The engine looks the keys up on its own threads while this one encodes the rows.
    const [known, encoded] = await Promise.all([
      findStoredKeys(),
      startedEngineWork().then(() => warehouse.encode(stream.table, rows, tag)),
    ])
    const fresh = firstOfEachNewKey(rows, known)
    const ids = stream.assignedId
    const first = ids && fresh.length > 0 ? await this.allocateIds(ids.counter, fresh.length) : 0
    const storeEvents = async () => {
      for (let i = 0; i < fresh.length; i += INSERT_BLOCK_ROWS) {
        await warehouse.insertEncoded(encoded, {
          rows: fresh.slice(i, i + INSERT_BLOCK_ROWS),
          numbered: ids && { column: ids.column, first: first + i },
          tag,
        })
      }
    }
    const keyRows = fresh
      .filter((i) => rows[i]!.ingest_key !== '')
      .map((i) => ({ tenant_id: tenantId, stream: stream.name, key: rows[i]!.ingest_key }))
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

/** The indices of the rows to store: those without a key, and the first of each key not stored yet. */
function firstOfEachNewKey(rows: readonly Record<string, unknown>[], stored: Set<string>): number[] {
  const fresh: number[] = []
  for (let i = 0; i < rows.length; i++) {
    const key = rows[i]!.ingest_key as string
    if (key !== '') {
      if (stored.has(key)) continue
      stored.add(key)
    }
    fresh.push(i)
  }
  return fresh
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

/** Parses and validates one item; returns the rejection message, or undefined after `accept`. */
function checkItem(text: string, check: Validator, accept: (value: unknown) => void): string | undefined {
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

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0')
  if (Array.isArray(value)) return value.some(containsNul)
  if (value && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => k.includes('\0') || containsNul(v))
  return false
}
