import type { Warehouse } from '../../store/warehouse/warehouse.js'
import type { StreamDef } from './stream.js'

/** Keys per lookup of the key records while the batch is read: the engine starts on them early. */
const RECORD_LOOKUP_KEYS = 10_000
/** Keys per lookup in the event table: each one reads the batch's time range. */
const TABLE_LOOKUP_KEYS = 50_000

/**
 * Finds which idempotency keys of one batch are already stored (docs/ingest.md, Idempotency).
 * Their key records (`ingest_keys`) are looked up while the batch is still being read, a block of
 * keys at a time, so the engine works while the request's thread parses; events stored without
 * their key record (a crash between the two inserts) are looked up in the stream's own table once
 * the batch's time range is known.
 */
export class StoredKeys {
  private readonly keys = new Set<string>()
  /** Keys not looked up in the key records yet. */
  private pending: string[] = []
  private readonly recordLookups: Promise<string[]>[] = []
  /** Taken when the first key-record lookup starts; see `find`. */
  private startMark: number | undefined
  private from = ''
  private to = ''

  /** `mark`: KeyedLock.mark for the batch's tenant and stream. */
  constructor(
    private readonly warehouse: Warehouse,
    private readonly stream: StreamDef<never>,
    private readonly tenantId: number,
    private readonly mark: () => number | undefined,
  ) {}

  get size(): number {
    return this.keys.size
  }

  /** Notes the keys of rows just validated, with the earliest and latest time of their rows. */
  add(rows: readonly Record<string, unknown>[]): void {
    for (const row of rows) {
      const key = row.ingest_key as string
      if (key === '') continue
      // UTC ISO texts sort as the instants they name.
      const time = row[this.stream.timeColumn] as string
      if (this.from === '' || time < this.from) this.from = time
      if (time > this.to) this.to = time
      if (this.keys.has(key)) continue
      this.keys.add(key)
      this.pending.push(key)
    }
    if (this.pending.length >= RECORD_LOOKUP_KEYS) this.lookUpPendingRecords()
  }

  /**
   * The keys already stored. `startedSince(mark)` counts the batches stored (tasks started under
   * the lock) since the mark taken before the first early lookup: when it is 1, the one running
   * now, those lookups saw everything stored before; otherwise the key records are read again.
   */
  async find(startedSince: (mark: number) => number): Promise<Set<string>> {
    const current = this.startMark !== undefined && startedSince(this.startMark) === 1
    if (!current) {
      this.recordLookups.length = 0
      this.pending = [...this.keys]
    }
    this.lookUpPendingRecords()
    const known = new Set<string>()
    const keys = [...this.keys]
    const lookups = [...this.recordLookups]
    for (let i = 0; i < keys.length; i += TABLE_LOOKUP_KEYS) {
      lookups.push(this.lookUpTable(keys.slice(i, i + TABLE_LOOKUP_KEYS)))
    }
    for (const found of await Promise.all(lookups)) for (const key of found) known.add(key)
    return known
  }

  private lookUpPendingRecords(): void {
    if (this.recordLookups.length === 0 && this.startMark === undefined) this.startMark = this.mark()
    for (let i = 0; i < this.pending.length; i += RECORD_LOOKUP_KEYS) {
      const lookup = this.lookUpRecords(this.pending.slice(i, i + RECORD_LOOKUP_KEYS))
      // Awaited in `find`; a failure while the batch is still read must not count as unhandled.
      lookup.catch(() => undefined)
      this.recordLookups.push(lookup)
    }
    this.pending = []
  }

  private async lookUpRecords(keys: string[]): Promise<string[]> {
    const found = await this.warehouse.query<{ key: string }>({
      // `IN (SELECT arrayJoin(…))` builds a hash set; `IN {array}` would scan the array per row.
      query: `
        SELECT key FROM ingest_keys
        WHERE tenant_id = {tenant:UInt32} AND stream = {stream:String}
          AND key IN (SELECT arrayJoin({keys:Array(String)}))`,
      params: { tenant: this.tenantId, stream: this.stream.name, keys },
      tag: `ingest:${this.stream.name}:keys`,
    })
    return found.map((row) => row.key)
  }

  /** A retry carries the same times, so the time index narrows this to the batch's own granules. */
  private async lookUpTable(keys: string[]): Promise<string[]> {
    const { table, timeColumn } = this.stream
    const found = await this.warehouse.query<{ key: string }>({
      query: `
        SELECT DISTINCT ingest_key AS key FROM ${table}
        WHERE tenant_id = {tenant:UInt32}
          AND ${timeColumn} BETWEEN parseDateTime64BestEffort({from:String}, 3, 'UTC')
                                AND parseDateTime64BestEffort({to:String}, 3, 'UTC')
          AND ingest_key IN (SELECT arrayJoin({keys:Array(String)}))`,
      params: { tenant: this.tenantId, keys, from: this.from, to: this.to },
      tag: `ingest:${this.stream.name}:keys`,
    })
    return found.map((row) => row.key)
  }
}
