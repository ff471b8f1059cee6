import path from 'node:path'
import type { AuditEvent } from '../../src/demo/audits.js'
import { migrateWarehouse } from '../../src/store/warehouse/migrate.js'
import { Warehouse } from '../../src/store/warehouse/warehouse.js'
import { BATCH_ROWS, BENCH_NOW, auditBatches, benchPlan, toAuditRow } from '../data.js'
import type { ScenarioResult } from '../report.js'
import { summarize } from '../stats.js'
import { type BenchContext, type Scenario, measure, timed } from './scenario.js'

/**
 * Scenario 1: NDJSON batches of 50,000 audits POSTed one after another to the running server's
 * `/ingest/v1/audits`, in events per second (request sent to 200 received; the body is serialized
 * beforehand). Beside it, the raw engine insert rate: the same rows, as the ingestion service
 * would store them, inserted with `Warehouse.insert` (one TabSeparated INSERT of 50,000 rows, fsync
 * on) into an embedded chDB in this process. Their ratio is what the server's work around the
 * insert costs: HTTP, JSON parsing and validation, the idempotency lookup, the key INSERT.
 */

const TARGET_EVENTS_PER_SECOND = 250_000
const TARGET_SHARE_OF_RAW = 0.5
/** Each batch covers one minute of "live" activity after the data set's end. */
const BATCH_SPAN_MS = 60_000

/**
 * Batch `run`: demo audits with fresh idempotency keys and timestamps in the minute after
 * BENCH_NOW + `run` minutes, so every batch is new to the server and lands in the current month.
 */
function liveBatch(source: AuditEvent[][], run: number): AuditEvent[] {
  const events = source[run % source.length] as AuditEvent[]
  const start = BENCH_NOW.getTime() + run * BATCH_SPAN_MS
  return events.map((event, i) => ({
    ...event,
    id: `bench-live-${run}-${i}`,
    timestamp: new Date(start + Math.floor((i * BATCH_SPAN_MS) / events.length)).toISOString(),
  }))
}

export const httpIngestion: Scenario = {
  number: 1,
  id: 'ingest-http',
  title: `HTTP ingestion, ${BATCH_ROWS / 1000}k-event NDJSON batches`,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const counts = ctx.counts.ingest
    const total = counts.warmups + counts.runs
    // Whole batches of the generated data set (the last may be short; keep the full ones).
    const source = [...auditBatches(benchPlan(ctx.rows, ctx.seed), total * BATCH_ROWS)].filter(
      (batch) => batch.length === BATCH_ROWS,
    )
    if (source.length === 0) throw new Error(`the ingestion scenario needs at least ${BATCH_ROWS} rows`)

    // The raw engine first, while the server is idle, so the two never share the CPU.
    const warehouse = await Warehouse.open({
      path: path.join(ctx.tempDir, 'raw-warehouse'),
      database: 'tally',
    })
    let rawRates: number[]
    try {
      await migrateWarehouse(warehouse)
      let auditId = 1
      rawRates = await measure('ingest-http: raw engine insert', counts, async (run) => {
        const rows = liveBatch(source, run).map((event) => toAuditRow(event, auditId++))
        const { ms } = await timed(() => warehouse.insert('audits', rows, 'bench:raw'))
        return rows.length / (ms / 1000)
      })
    } finally {
      await warehouse.close()
    }

    const httpRates = await measure('ingest-http: Tally over HTTP', counts, async (run) => {
      const body = liveBatch(source, run)
        .map((event) => JSON.stringify(event))
        .join('\n')
      const { ms, result } = await timed(async () => {
        const response = await fetch(`${ctx.server.url}/ingest/v1/audits`, {
          method: 'POST',
          headers: { ...ctx.server.headers, 'content-type': 'application/x-ndjson' },
          body,
        })
        return { status: response.status, payload: (await response.json()) as Record<string, unknown> }
      })
      const { status, payload } = result
      if (status !== 200 || payload.accepted !== BATCH_ROWS || payload.duplicates !== 0)
        throw new Error(`ingestion answered ${status}: ${JSON.stringify(payload).slice(0, 500)}`)
      return BATCH_ROWS / (ms / 1000)
    })

    const tally = summarize(httpRates, 'higher')
    const raw = summarize(rawRates, 'higher')
    const ratio = { median: tally.median / raw.median, p95: tally.p95 / raw.p95 }
    return {
      number: 1,
      id: 'ingest-http',
      title: httpIngestion.title,
      unit: 'events/s',
      tally,
      baseline: { name: 'chDB raw insert', summary: raw },
      ratio: { ...ratio, meaning: 'Tally ÷ baseline (share of the raw engine rate)' },
      target: {
        text: `≥ ${TARGET_EVENTS_PER_SECOND / 1000}k/s and ≥ ${TARGET_SHARE_OF_RAW}x raw`,
        met: tally.median >= TARGET_EVENTS_PER_SECOND && ratio.median >= TARGET_SHARE_OF_RAW,
      },
      details: {
        batchEvents: BATCH_ROWS,
        bodyBytesFirstBatch: Buffer.byteLength(
          liveBatch(source, 0)
            .map((e) => JSON.stringify(e))
            .join('\n'),
        ),
        tallyRunsEventsPerSecond: httpRates,
        rawRunsEventsPerSecond: rawRates,
      },
    }
  },
}
