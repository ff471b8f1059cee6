import type { Rejection } from '../modules/ingest/service.js'
import type { IngestSink } from '../modules/ingest/sink.js'
import { type GenerateDemoOptions, generateDemo } from './index.js'

export interface DemoLoadCounts {
  accepted: number
  rejected: number
  duplicates: number
}

export interface DemoProgress {
  /** The entity kind or stream being loaded. */
  stream: string
  done: number
  /** The expected count while loading (an estimate for event streams); the exact count once done. */
  total?: number
}

/** Rejections listed in the error; the rest are counted. */
const LISTED_REJECTIONS = 5

/**
 * Sends the demo data set through an ingestion sink, step by step and batch by batch, and returns
 * the counts per entity kind and stream. Event ids are idempotency keys, so loading the same demo
 * again stores nothing new (every event comes back as a duplicate). A rejected item means the
 * generator and the ingestion schemas disagree: that is a bug, so it throws.
 */
export async function loadDemo(
  sink: IngestSink,
  options: GenerateDemoOptions,
  onProgress?: (progress: DemoProgress) => void,
): Promise<Record<string, DemoLoadCounts>> {
  const plan = generateDemo(options)
  const counts: Record<string, DemoLoadCounts> = {}
  for (const step of plan.steps) {
    const count: DemoLoadCounts = { accepted: 0, rejected: 0, duplicates: 0 }
    counts[step.name] = count
    let done = 0
    onProgress?.({ stream: step.name, done, total: step.expected })
    const send = async (batch: object[], offset: number): Promise<void> => {
      const result =
        step.target === 'entities'
          ? await sink.upsertEntities(step.name, batch)
          : await sink.sendEvents(step.name, batch)
      count.accepted += result.accepted
      count.duplicates += result.duplicates
      count.rejected += result.rejectedCount
      if (result.rejectedCount > 0)
        throw rejectionError(step.name, batch, offset, result.rejected, result.rejectedCount)
      done += batch.length
      onProgress?.({ stream: step.name, done, total: Math.max(done, step.expected) })
    }
    // Event batches overlap: the next one is generated and validated while the store writes this one.
    // Entities go one at a time, since a later upsert of the same key must win.
    await inWindow(step.batches, step.target === 'events' ? EVENT_BATCHES_IN_FLIGHT : 1, send)
    onProgress?.({ stream: step.name, done, total: done })
  }
  return counts
}

/** Two requests in flight keep both the CPU (generation, validation) and the store busy. */
const EVENT_BATCHES_IN_FLIGHT = 2

/** Runs `send` over the batches in order, with at most `size` unfinished at a time. */
async function inWindow(
  batches: Iterable<object[]>,
  size: number,
  send: (batch: object[], offset: number) => Promise<void>,
): Promise<void> {
  const running: Promise<void>[] = []
  let offset = 0
  try {
    for (const batch of batches) {
      running.push(send(batch, offset))
      offset += batch.length
      if (running.length >= size) await running.shift()
    }
    while (running.length > 0) await running.shift()
  } finally {
    // After a failure, let the requests already sent finish before reporting it.
    await Promise.allSettled(running)
  }
}

function rejectionError(
  stream: string,
  batch: object[],
  offset: number,
  rejected: Rejection[],
  rejectedCount: number,
): Error {
  const listed = rejected.slice(0, LISTED_REJECTIONS).map((r) => {
    const item = JSON.stringify(batch[r.line - 1]).slice(0, 300)
    return `  item ${offset + r.line}: ${r.error}\n    ${item}`
  })
  return new Error(
    `the demo data set has ${rejectedCount} invalid ${stream} item(s) in one batch (a generator bug):\n${listed.join('\n')}`,
  )
}
