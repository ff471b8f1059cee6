import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, InvalidArgumentError } from 'commander'
import pg from 'pg'
import { type BenchDatabase, PG_DEFAULT_URL, createBenchDatabase } from './baseline-pg.js'
import { formatNumber, log } from './log.js'
import type { PrepareArgs, PreparedData } from './prepare-data.js'
import {
  type BenchReport,
  type ScenarioResult,
  describeMachine,
  formatReport,
  writeReport,
} from './report.js'
import { SCENARIOS } from './scenarios/index.js'
import type { BenchContext, RunCounts } from './scenarios/scenario.js'
import { type TallyServer, startServer } from './server.js'

/**
 * `npm run bench -- [--rows N] [--quick] [--out FILE] [--pg-url URL]`: builds a fresh data set of N
 * audits in a new Tally data directory and in a new PostgreSQL database, starts the real server on
 * it, runs every scenario against both, prints the table and writes the JSON. See bench/README.md.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_ROWS = 1_000_000
const QUICK_ROWS = 200_000
const COUNTS: RunCounts = {
  query: { warmups: 3, runs: 20 },
  ingest: { warmups: 2, runs: 7 },
  report: { warmups: 2, runs: 10 },
  download: { warmups: 1, runs: 3 },
}
const QUICK_COUNTS: RunCounts = {
  query: { warmups: 2, runs: 10 },
  ingest: { warmups: 1, runs: 5 },
  report: { warmups: 1, runs: 5 },
  download: { warmups: 0, runs: 2 },
}

interface Options {
  rows?: number
  quick: boolean
  out?: string
  pgUrl: string
  seed: number
  profile?: string
  keep: boolean
  only?: number[]
  baselineRuns?: number
}

function positiveInteger(text: string): number {
  const value = Number(text.replace(/[_,]/g, ''))
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError('expected a positive whole number')
  return value
}

function scenarioNumbers(text: string): number[] {
  const known = new Set(SCENARIOS.map((scenario) => scenario.number))
  const numbers = text.split(',').map((part) => Number(part.trim()))
  const unknown = numbers.filter((n) => !known.has(n))
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `no scenario ${unknown.join(', ')}; the scenarios are ${[...known].join(', ')}`,
    )
  return numbers
}

const program = new Command('bench')
  .description('Tally benchmark: the real server against a PostgreSQL baseline on the same audits')
  .option(
    '--rows <n>',
    `audits to load (default ${DEFAULT_ROWS}; ${QUICK_ROWS} with --quick)`,
    positiveInteger,
  )
  .option('--quick', 'a small data set and fewer runs: under two minutes', false)
  .option('--out <file>', 'the JSON report (default bench/results/latest.json)')
  .option(
    '--pg-url <url>',
    'the PostgreSQL server for the baseline; a database is created on it and dropped after',
    process.env.TALLY_BENCH_PG_URL || PG_DEFAULT_URL,
  )
  .option('--seed <n>', 'demo generator seed', (text) => Number.parseInt(text, 10), 1)
  .option('--profile <dir>', 'write a V8 CPU profile of the server process into <dir> when it stops')
  .option(
    '--only <numbers>',
    'run only these scenarios, by number, comma-separated (e.g. 1 or 2,3)',
    scenarioNumbers,
  )
  .option(
    '--baseline-runs <n>',
    "PostgreSQL's measured runs of each query and report scenario, after one warm-up (default: as many as Tally's)",
    positiveInteger,
  )
  .option(
    '--keep',
    'keep the data directory and the PostgreSQL database (see bench/query-breakdown.ts)',
    false,
  )

async function main(options: Options): Promise<void> {
  const started = Date.now()
  const rows = options.rows ?? (options.quick ? QUICK_ROWS : DEFAULT_ROWS)
  const out = options.out ?? path.join(ROOT, 'bench', 'results', 'latest.json')
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-'))
  const dataDir = path.join(tempDir, 'data')
  let database: BenchDatabase | undefined
  let server: TallyServer | undefined
  let pool: pg.Pool | undefined

  const cleanup = async () => {
    await server?.stop().catch(() => undefined)
    server = undefined
    await pool?.end().catch(() => undefined)
    pool = undefined
    if (options.keep && database) {
      log(`kept ${dataDir} and the database ${database.url}; drop and remove them when done`)
      return
    }
    await database?.drop().catch((error: Error) => log(`could not drop ${database?.name}: ${error.message}`))
    database = undefined
    fs.rmSync(tempDir, { recursive: true, force: true })
  }
  process.once('SIGINT', () => {
    log('interrupted: cleaning up')
    void cleanup().finally(() => process.exit(130))
  })

  try {
    log(`${formatNumber(rows)} audits, data in ${tempDir}`)
    database = await createBenchDatabase(options.pgUrl)
    log(`PostgreSQL baseline database ${database.name}`)
    const data = await prepare({
      dataDir,
      rows,
      seed: options.seed,
      pgUrl: database.url,
      resultFile: path.join(tempDir, 'prepared.json'),
    })
    server = await startServer({ root: ROOT, dataDir, profileDir: options.profile })
    log(`Tally is serving at ${server.url} (pid ${server.pid})`)
    pool = new pg.Pool({ connectionString: database.url, max: 2 })
    const { rows: versionRows } = await pool.query<{ v: string }>(
      "SELECT 'PostgreSQL ' || current_setting('server_version') AS v",
    )

    const ctx: BenchContext = {
      server,
      pg: pool,
      data,
      rows,
      seed: options.seed,
      counts: {
        ...(options.quick ? QUICK_COUNTS : COUNTS),
        ...(options.baselineRuns && { baseline: { warmups: 1, runs: options.baselineRuns } }),
      },
      tempDir,
    }
    const results: ScenarioResult[] = []
    const scenarios = options.only
      ? SCENARIOS.filter((scenario) => options.only!.includes(scenario.number))
      : SCENARIOS
    for (const scenario of scenarios) {
      const waited = await server.waitUntilIdle()
      log(`scenario ${scenario.number}: ${scenario.title} (server idle after ${waited.toFixed(0)} s)`)
      results.push(await scenario.run(ctx))
    }
    await server.stop()
    server = undefined
    if (options.profile) log(`server CPU profile written to ${options.profile}`)

    const report: BenchReport = {
      startedAt: new Date(started).toISOString(),
      seconds: (Date.now() - started) / 1000,
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      options: { rows, quick: options.quick, seed: options.seed, baselineRuns: options.baselineRuns },
      machine: describeMachine(versionRows[0]?.v ?? 'PostgreSQL'),
      data,
      scenarios: results,
    }
    process.stdout.write(`\n${formatReport(report)}\n`)
    writeReport(out, report)
    log(`report written to ${path.relative(process.cwd(), out)}`)
  } finally {
    await cleanup()
  }
}

/** Runs prepare-data.ts as its own process (its chDB must not be this one's) and reads its result. */
async function prepare(args: PrepareArgs): Promise<PreparedData> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/prepare-data.ts', JSON.stringify(args)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`preparing the data failed (exit code ${code})`)
  return JSON.parse(fs.readFileSync(args.resultFile, 'utf8')) as PreparedData
}

const options = program.parse().opts<Options>()
main(options).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
