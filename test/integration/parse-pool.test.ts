import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunkOf } from '../../src/modules/ingest/body-reader.js'
import type { ParseJob, ParsedChunk } from '../../src/modules/ingest/parse.js'
import { ParsePool } from '../../src/modules/ingest/parse-pool.js'
import { migrateWarehouse } from '../../src/store/warehouse/migrate.js'
import { Warehouse } from '../../src/store/warehouse/warehouse.js'
import { tempDir } from '../helpers/stores.js'

/** The parse worker threads must give exactly what parsing on this thread gives. */
let warehouse: Warehouse
const workers = new ParsePool(2)
const inline = new ParsePool(0)

beforeAll(async () => {
  warehouse = await Warehouse.open({ path: path.join(tempDir(), 'warehouse'), database: 'tally' })
  await migrateWarehouse(warehouse)
})
afterAll(async () => {
  await workers.close()
  await warehouse.close()
})

const audit = (i: number) => ({
  ...(i % 3 === 0 ? {} : { id: `key-${i}` }),
  workspaceId: 1018053,
  timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
  action: i % 2 ? 'Update' : 'View',
  objectType: 'Document',
  artifactId: 1040000 + i,
  artifactName: `CTRL${i}\ttab ünï 💡`,
  userId: 9,
  userName: 'Admin, Relativity',
  details: { n: i },
  changes: [{ fieldId: 1035357, field: 'Responsiveness', oldValue: null, newValue: `v${i}` }],
})

async function jobOf(stream: string, texts: string[], firstLine = 1): Promise<ParseJob> {
  const table = stream === 'audits' ? 'audits' : 'usage_events'
  const columnTypes = [...(await warehouse.columnTypesOf(table))]
  return { stream, tenantId: 7, columnTypes, chunk: chunkOf(texts, firstLine) }
}

describe('ParsePool', () => {
  it('encodes valid events and rejects invalid ones on its workers as on this thread', async () => {
    const texts = Array.from({ length: 500 }, (_, i) =>
      i % 50 === 7 ? '{"workspaceId": "nope"}' : i % 50 === 9 ? '{broken' : JSON.stringify(audit(i)),
    )
    const jobs = await Promise.all([
      jobOf('audits', texts.slice(0, 250)),
      jobOf('audits', texts.slice(250), 251),
    ])
    const [onWorkers, onThisThread] = await Promise.all([
      Promise.all(jobs.map((job) => workers.parse(job))),
      Promise.all(jobs.map((job) => inline.parse(job))),
    ])
    // A Buffer crosses threads as a plain Uint8Array: compare the bytes.
    const bytes = (parts: ParsedChunk[]) => parts.map((part) => ({ ...part, tsv: Buffer.from(part.tsv) }))
    expect(bytes(onWorkers)).toEqual(bytes(onThisThread))
    const [first] = onThisThread
    expect(first!.tsvEnds).toHaveLength(240)
    expect(first!.rejectedCount).toBe(10)
    expect(first!.rejected[0]).toMatchObject({ line: 8, error: expect.stringContaining('workspaceId') })
    expect(first!.rejected[1]).toMatchObject({ line: 10, error: expect.stringContaining('not valid JSON') })
    expect(onThisThread[1]!.rejected[0]!.line).toBe(258)
    // Keys back to back, one per valid event ('' for none), and the keyed events' time range.
    expect(first!.keys.slice(0, first!.keyEnds[2])).toBe('key-1key-2')
    expect(first!.from).toBe('2025-01-01T00:00:01.000Z')
  })

  it('tags usage events with their event name for the collection check', async () => {
    const events = ['Open', 'Save', 'Open'].map((name, i) => ({
      productId: 3,
      clientId: `c${i}`,
      timestamp: '2025-01-01T00:00:00.000Z',
      category: 'File',
      name,
    }))
    const parsed = await workers.parse(
      await jobOf(
        'usage-events',
        events.map((e) => JSON.stringify(e)),
      ),
    )
    expect(parsed.rejected).toEqual([])
    expect(parsed.tags).toEqual(['[3,"File","Open"]', '[3,"File","Save"]'])
    expect([...parsed.tagOfEvent]).toEqual([0, 1, 0])
  })

  it('fails the job, not the pool, when a job cannot run', async () => {
    await expect(workers.parse({ ...(await jobOf('audits', ['{}'])), stream: 'nope' })).rejects.toThrow(
      "no ingestion stream 'nope'",
    )
    const parsed = await workers.parse(await jobOf('audits', [JSON.stringify(audit(1))]))
    expect(parsed.tsvEnds).toHaveLength(1)
  })
})
