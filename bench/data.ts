import type { AuditEvent } from '../src/demo/audits.js'
import { type DemoPlan, type DemoStep, generateDemo } from '../src/demo/index.js'
import { DEFAULT_TENANT_ID } from '../src/modules/identity/caller.js'
import { auditsStream } from '../src/modules/ingest/streams/audits.js'
import { processingJobsStream, workspaceUsageStream } from '../src/modules/ingest/streams/platform-usage.js'
import { userLicensesStream } from '../src/modules/ingest/streams/user-licenses.js'

/**
 * The benchmark's data: the demo generator's audit stream and the usage reports' sources. The
 * generator makes ~200,000 audits per unit of scale at ~300,000 a second; a data set larger than one
 * block (scale 1: 194,963 audits in 5 workspaces) is that block replicated inside the engine (see
 * prepare-data.ts and usage-data.ts), so large runs do not spend minutes in JSON.
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

/** The usage reports' event streams, as the demo plan names them. */
export const USAGE_STREAMS = [workspaceUsageStream, processingJobsStream, userLicensesStream] as const

/**
 * Workspaces of the usage data: one per 100 audits, at most 10,000 (issue 6 sizes the report at
 * 10,000 workspaces and 12 months), and never fewer than the generated block holds.
 */
const AUDITS_PER_USAGE_WORKSPACE = 100
const MAX_USAGE_WORKSPACES = 10_000
export const usageWorkspaceCount = (rows: number, generated: number): number =>
  Math.max(generated, Math.min(MAX_USAGE_WORKSPACES, Math.ceil(rows / AUDITS_PER_USAGE_WORKSPACE)))

/** A report's date range: calendar days, `to` included. */
export interface DayRange {
  from: string
  to: string
}

/** The `months` whole calendar months before BENCH_NOW's month. */
function monthsBeforeNow(months: number): DayRange {
  const year = BENCH_NOW.getUTCFullYear()
  const month = BENCH_NOW.getUTCMonth()
  const day = (date: number) => new Date(date).toISOString().slice(0, 10)
  return { from: day(Date.UTC(year, month - months, 1)), to: day(Date.UTC(year, month, 0)) }
}

/** Scenario 6: a Workspace report over the last 12 whole months (12 rows per workspace). */
export const REPORT_RANGE = monthsBeforeNow(12)
/**
 * Scenario 7: the same report over 100 months, so a workspace older than the range gives 100 rows
 * and the export holds about 100 rows per usage workspace (1,000,000 at 10,000 workspaces).
 */
export const EXPORT_MONTHS = 100
export const EXPORT_RANGE = monthsBeforeNow(EXPORT_MONTHS)
