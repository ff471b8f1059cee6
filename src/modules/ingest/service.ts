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
    items: AsyncIterable<RawItem>,
  ): Promise<IngestResult> {
    requirePermission(caller, 'Ingest')
    const stream = STREAMS.get(streamName)
    if (!stream) throw new NotFoundError(`ingestion stream '${streamName}'`)
    const tenantId = caller.tenantId
    const { valid, rejected, rejectedCount } = await this.validate(items, stream.schema, (event) =>
      stream.toRow(event as never, tenantId),
    )
    const validRows = valid.map((v) => v.value)
    const rows = stream.admit ? await stream.admit(this.stores, tenantId, validRows) : validRows
    const keyed = rows.some((row) => row.ingest_key !== '')
    const store = () => this.storeNew(stream, tenantId, rows)
    const stored = keyed ? await this.lock.run(`${tenantId}/${stream.name}`, store) : await store()
    return {
      accepted: validRows.length,
      duplicates: rows.length - stored,
      notCollected: validRows.length - rows.length,
      rejected,
      rejectedCount,
    }
  }

  /** Upserts reference data by its natural key; within one batch the last item for a key wins. */
  async upsertEntities(caller: Caller, kind: string, items: AsyncIterable<RawItem>): Promise<IngestResult> {
    requirePermission(caller, 'Ingest')
    const entity = ENTITIES.get(kind)
    if (!entity) throw new NotFoundError(`entity kind '${kind}'`)
    const { valid, rejected, rejectedCount } = await this.validate(items, entity.schema, (item) => {
      // Postgres text cannot hold NUL; refuse it here rather than fail the whole batch there.
      if (containsNul(item)) throw new EventError('text fields may not contain the NUL character (\\u0000)')
      entity.check?.(item as never)
      return item as never
    })
    const latest = new Map(valid.map((v) => [entity.keyOf(v.value), v.value]))
    await entity.upsert(this.stores, caller.tenantId, [...latest.values()])
    return { accepted: valid.length, duplicates: 0, notCollected: 0, rejected, rejectedCount }
  }

  private async validate<T>(
    items: AsyncIterable<RawItem>,
    schema: TObject,
    convert: (value: unknown) => T,
  ): Promise<{ valid: { line: number; value: T }[]; rejected: Rejection[]; rejectedCount: number }> {
    const check = validatorFor(schema)
    const valid: { line: number; value: T }[] = []
    const rejected: Rejection[] = []
    let rejectedCount = 0
    let count = 0
    for await (const item of items) {
      if (++count > this.limits.maxEvents) {
        throw new PayloadTooLargeError(
          `a batch may carry at most ${this.limits.maxEvents} events; send smaller batches`,
        )
      }
      const error = checkItem(item.text, check, (value) =>
        valid.push({ line: item.line, value: convert(value) }),
      )
      if (error !== undefined) {
        rejectedCount++
        if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ line: item.line, error })
      }
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
  ): Promise<number> {
    const fresh = await this.dropKnownKeys(stream, tenantId, rows)
    if (stream.assignedId && fresh.length > 0) {
      const first = await this.allocateIds(stream.assignedId.counter, fresh.length)
      fresh.forEach((row, i) => (row[stream.assignedId!.column] = first + i))
    }
    for (let i = 0; i < fresh.length; i += INSERT_BLOCK_ROWS) {
      await this.stores.warehouse.insert(
        stream.table,
        fresh.slice(i, i + INSERT_BLOCK_ROWS),
        `ingest:${stream.name}`,
      )
    }
    const keys = fresh.filter((row) => row.ingest_key !== '')
    for (let i = 0; i < keys.length; i += INSERT_BLOCK_ROWS) {
      await this.stores.warehouse.insert(
        'ingest_keys',
        keys
          .slice(i, i + INSERT_BLOCK_ROWS)
          .map((row) => ({ tenant_id: tenantId, stream: stream.name, key: row.ingest_key })),
        `ingest:${stream.name}:keys`,
      )
    }
    return fresh.length
  }

  /** Keeps the first row for each key in the batch, and only keys not already stored. */
  private async dropKnownKeys(
    stream: StreamDef<never>,
    tenantId: number,
    rows: Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    const keyed = rows.filter((row) => row.ingest_key !== '')
    if (keyed.length === 0) return rows
    const keys = [...new Set(keyed.map((row) => row.ingest_key as string))]
    const times = keyed.map((row) => row[stream.timeColumn] as string).sort()
    const known = new Set<string>()
    for (let i = 0; i < keys.length; i += INSERT_BLOCK_ROWS) {
      const found = await this.stores.warehouse.query<{ key: string }>({
        // `IN (SELECT arrayJoin(…))` builds a hash set; `IN {array}` would scan the array per row.
        // The second half finds events whose key record a crash kept from being written: a retry
        // carries the same times, so the time index narrows it to the batch's own granules.
        query: `
          SELECT key FROM ingest_keys
          WHERE tenant_id = {tenant:UInt32} AND stream = {stream:String} AND key IN (SELECT arrayJoin({keys:Array(String)}))
          UNION DISTINCT
          SELECT ingest_key AS key FROM ${stream.table}
          WHERE tenant_id = {tenant:UInt32}
            AND ${stream.timeColumn} BETWEEN parseDateTime64BestEffort({from:String}, 3, 'UTC')
                                         AND parseDateTime64BestEffort({to:String}, 3, 'UTC')
            AND ingest_key IN (SELECT arrayJoin({keys:Array(String)}))`,
        params: {
          tenant: tenantId,
          stream: stream.name,
          keys: keys.slice(i, i + INSERT_BLOCK_ROWS),
          from: times[0],
          to: times[times.length - 1],
        },
        tag: `ingest:${stream.name}:keys`,
      })
      for (const { key } of found) known.add(key)
    }
    return rows.filter((row) => {
      const key = row.ingest_key as string
      if (key === '') return true
      if (known.has(key)) return false
      known.add(key)
      return true
    })
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
