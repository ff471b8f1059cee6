import type pg from 'pg'
import { log } from '../log.js'
import type { PreparedData } from '../prepare-data.js'
import type { ScenarioResult } from '../report.js'
import { summarize } from '../stats.js'
import type { TallyServer } from '../server.js'

/** How many times each scenario runs: warm-ups (discarded), then measured runs. */
export interface RunCounts {
  /** A query scenario's runs: cheap, so many. */
  query: { warmups: number; runs: number }
  /** An ingestion scenario's runs: one batch each. */
  ingest: { warmups: number; runs: number }
  /** Usage report generations: one report job each. */
  report: { warmups: number; runs: number }
  /** Downloads of the export scenario's report, per format. */
  download: { warmups: number; runs: number }
  /**
   * PostgreSQL's runs of the query and report scenarios when fewer than Tally's (`--baseline-runs`):
   * at 100 M rows one baseline query takes a minute.
   */
  baseline?: { warmups: number; runs: number }
}

/** The runs of the baseline side of a scenario whose Tally side runs `own`. */
export function baselineCounts(
  ctx: BenchContext,
  own: { warmups: number; runs: number },
): { warmups: number; runs: number } {
  return ctx.counts.baseline ?? own
}

/** What every scenario gets: the running server, the baseline, the data they both hold. */
export interface BenchContext {
  server: TallyServer
  pg: pg.Pool
  data: PreparedData
  rows: number
  seed: number
  counts: RunCounts
  /** A directory of this run's own, removed at the end (scenarios put engine directories there). */
  tempDir: string
}

/**
 * One benchmark scenario. A new one is a module exporting a Scenario, listed in ./index.ts; its
 * number orders the report, its place in the list orders the run.
 */
export interface Scenario {
  number: number
  id: string
  title: string
  run(ctx: BenchContext): Promise<ScenarioResult>
}

/**
 * Runs `once` for the warm-ups, then for the measured runs, and returns the measured values.
 * `once(i)` gets the run's index (warm-ups first) and returns the value it measured.
 */
export async function measure(
  label: string,
  counts: { warmups: number; runs: number },
  once: (index: number) => Promise<number>,
): Promise<number[]> {
  for (let i = 0; i < counts.warmups; i++) await once(i)
  const values: number[] = []
  for (let i = 0; i < counts.runs; i++) values.push(await once(counts.warmups + i))
  log(`${label}: ${counts.warmups} warm-up and ${counts.runs} measured runs done`)
  return values
}

/** Milliseconds `work` took, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now()
  const result = await work()
  return { ms: performance.now() - started, result }
}

/**
 * A query scenario's result: Tally's and PostgreSQL's run times side by side, their ratio
 * (PostgreSQL ÷ Tally: above 1, Tally is that many times faster) and Tally's p95 against the target.
 */
export function compareTimes(
  scenario: Pick<Scenario, 'number' | 'id' | 'title'>,
  runs: { tallyMs: number[]; pgMs: number[] },
  target: { text: string; ms: number },
  details: Record<string, unknown>,
): ScenarioResult {
  const tally = summarize(runs.tallyMs)
  const baseline = summarize(runs.pgMs)
  return {
    number: scenario.number,
    id: scenario.id,
    title: scenario.title,
    unit: 'ms',
    tally,
    baseline: { name: 'PostgreSQL', summary: baseline },
    ratio: {
      median: baseline.median / tally.median,
      p95: baseline.p95 / tally.p95,
      meaning: 'baseline ÷ Tally (times faster)',
    },
    target: { text: target.text, met: tally.p95 < target.ms },
    details: { ...details, tallyRunsMs: runs.tallyMs, baselineRunsMs: runs.pgMs },
  }
}
