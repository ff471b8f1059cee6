import type { AuditEvent } from '../src/demo/audits.js'
import { type DemoPlan, type DemoStep, generateDemo } from '../src/demo/index.js'
import { DEFAULT_TENANT_ID } from '../src/modules/identity/caller.js'
import { auditsStream } from '../src/modules/ingest/streams/audits.js'

/**
 * The benchmark's data: the demo generator's audit stream. The generator makes ~200,000 audits per
 * unit of scale at ~300,000 a second; a data set larger than one block (scale 1: 195,468 audits in 5
 * workspaces) is that block replicated inside the engine (see prepare.ts), so large runs do not
 * spend minutes in JSON.
 */

/**
 * The instant the data set ends at: fixed, so every run on every machine generates the same rows.
 * Mid-month on purpose: the current month's partition already holds two weeks of data when the
 * ingestion scenario writes "live" events into it.
 */
export const BENCH_NOW = new Date('2025-06-16T00:00:00Z')
export const BENCH_TENANT_ID = DEFAULT_TENANT_ID
/** The block is the demo at this scale at most; larger row counts replicate it. */
const BLOCK_SCALE = 1
const AUDITS_PER_SCALE = 200_000
/** Rows per generated batch and per warehouse INSERT, as ingestion inserts them (INSERT_BLOCK_ROWS). */
export const BATCH_ROWS = 50_000

/** The demo plan whose audit stream is the block for `rows` audits. */
export function benchPlan(rows: number, seed: number): DemoPlan {
  const scale = Math.min(BLOCK_SCALE, rows / AUDITS_PER_SCALE)
  return generateDemo({ scale, seed, now: BENCH_NOW, batchSize: BATCH_ROWS })
}

export function stepOf(plan: DemoPlan, name: string): DemoStep {
  const step = plan.steps.find((s) => s.name === name)
  if (!step) throw new Error(`the demo plan has no step '${name}'`)
  return step
}

/** The plan's audit events in batches, at most `limit` of them. */
export function* auditBatches(plan: DemoPlan, limit = Infinity): Generator<AuditEvent[]> {
  let left = limit
  for (const batch of stepOf(plan, 'audits').batches) {
    if (left <= 0) return
    const events = batch as AuditEvent[]
    yield events.length <= left ? events : events.slice(0, left)
    left -= events.length
  }
}

/**
 * The warehouse row the ingestion service stores for an event (its own `toRow`), with the Audit ID
 * the service would assign from its counter.
 */
export function toAuditRow(event: AuditEvent, auditId: number): Record<string, unknown> {
  return { ...auditsStream.toRow(event, BENCH_TENANT_ID), audit_id: auditId }
}
