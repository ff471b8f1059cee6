import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, InvalidArgumentError } from 'commander'
import { loadConfig } from '../src/config/config.js'
import { systemCaller } from '../src/modules/identity/caller.js'
import { IngestService } from '../src/modules/ingest/service.js'
import { serviceSink } from '../src/modules/ingest/sink.js'
import { openOwnedStores } from '../src/store/stores.js'
import { formatNumber, log } from './log.js'
import { startServer } from './server.js'
import { summarize, type Summary } from './stats.js'
import { measure, timed } from './scenarios/scenario.js'

/**
 * `npm run bench:usage-intel -- [--clients N] [--sessions N] [--runs N] [--out FILE]`: every usage
 * intelligence report through the real server over one product of N clients (default 100,000) with
 * N sessions (default 10 million) and 2.4 tracked events per session, a year of activity with
 * churn. The target: each report under a second. See bench/README.md.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PRODUCT = 4800
const EVENTS_PER_SESSION = 2.4
const DAY_MS = 86_400_000
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)
/** The data covers the year up to today, so the current report sees its recent clients too. */
const YEAR_START = isoDay(Date.now() - 365 * DAY_MS)
/** The reports' range: the quarter from day 120 of the year, when most clients have started. */
const RANGE = { startDate: isoDay(Date.now() - 245 * DAY_MS), stopDate: isoDay(Date.now() - 155 * DAY_MS) }

interface PrepareArgs {
  dataDir: string
  clients: number
  sessions: number
}

/**
 * The product's data, made inside the engine (INSERT … SELECT from numbers()): client k starts on
 * a hashed day of the first 330 and stays a hashed number of days up to the year's end, and each session and event falls on
 * a hashed day of its client's lifetime, so cohorts, churn and segments all have substance.
 */
async function prepare(args: PrepareArgs): Promise<void> {
  const config = loadConfig({}, { dataDir: args.dataDir, demo: false })
  const owned = await openOwnedStores(config, 'bench-usage-intel')
  const { stores } = owned
  try {
    const sink = serviceSink(new IngestService(stores, { maxEvents: 1000 }), systemCaller())
    await sink.upsertEntities('products', [{ productId: PRODUCT, name: 'Bench Studio' }])
    const params = { product: PRODUCT, clients: args.clients, start: YEAR_START }
    // The client of row n, and a day of its lifetime: shared by sessions and events.
    const client = 'cityHash64(number, 1) % {clients:UInt64}'
    const day = (salt: number) =>
      `toDateTime64({start:String}, 3, 'UTC')
       + toIntervalDay(cityHash64(${client}, 3) % 330 + cityHash64(number, ${salt}) % (cityHash64(${client}, 4) % (365 - cityHash64(${client}, 3) % 330) + 1))
       + toIntervalSecond(cityHash64(number, ${salt + 1}) % 86400)`
    const steps: [string, number, string][] = [
      [
        'clients',
        args.clients,
        `INSERT INTO usage_clients (tenant_id, product_id, client_id, product_version, edition, license_type,
                                    license_key, os, language, country, region, installed_at, properties)
         SELECT 1, {product:UInt32}, concat('c', toString(number)),
                ['5.0', '5.1', '5.2', '6.0', '6.1'][number % 5 + 1], ['Free', 'Pro', 'Enterprise'][number % 3 + 1],
                ['Trial', 'Subscription', 'Perpetual'][cityHash64(number, 7) % 3 + 1], concat('K-', toString(number % 20000)),
                ['Windows', 'macOS', 'Linux'][cityHash64(number, 8) % 3 + 1], ['en-US', 'de-DE', 'fr-FR', 'ja-JP'][number % 4 + 1],
                ['US', 'DE', 'FR', 'JP', 'GB', 'IN', 'BR', 'CA'][cityHash64(number, 9) % 8 + 1], '',
                toDateTime64({start:String}, 3, 'UTC'), map('plan', ['a', 'b', 'c'][number % 3 + 1])
         FROM numbers({rows:UInt64})`,
      ],
      [
        'sessions',
        args.sessions,
        `INSERT INTO usage_sessions (tenant_id, product_id, client_id, session_id, started_at, ended_at, runtime_seconds, ingest_key)
         SELECT 1, {product:UInt32}, concat('c', toString(${client})), toString(number), started,
                started + toIntervalSecond(runtime), runtime, ''
         FROM (SELECT number, ${day(5)} AS started, toUInt32(cityHash64(number, 2) % 7200) AS runtime
               FROM numbers({first:UInt64}, {rows:UInt64}))`,
      ],
      [
        'events',
        Math.round(args.sessions * EVENTS_PER_SESSION),
        `INSERT INTO usage_events (tenant_id, product_id, client_id, session_id, timestamp, category, name, value, ingest_key)
         SELECT 1, {product:UInt32}, concat('c', toString(${client})), '', ${day(11)},
                ['File', 'Edit', 'Export', 'Import', 'View', 'Share', 'Tools', 'Help'][pick % 8 + 1],
                concat('Action ', toString(pick % 6 + 1)),
                if(pick % 5 = 0, toFloat64(cityHash64(number, 13) % 100), NULL), ''
         FROM (SELECT number, toUInt32(sqrt(cityHash64(number, 12) % 2304)) AS pick
               FROM numbers({first:UInt64}, {rows:UInt64}))`,
      ],
    ]
    const BLOCK = 2_000_000
    for (const [name, rows, query] of steps) {
      const started = performance.now()
      for (let first = 0; first < rows; first += BLOCK) {
        await stores.warehouse.command({
          query,
          params: { ...params, first, rows: Math.min(BLOCK, rows - first) },
          tag: `bench:${name}`,
        })
        log(`${name}: ${formatNumber(Math.min(first + BLOCK, rows))} of ${formatNumber(rows)}`, 'prepare')
      }
      log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`, 'prepare')
    }
  } finally {
    await owned.close()
  }
}

/** Every report the usage intelligence part 1 serves, with a request a dashboard would send. */
const REPORTS: { name: string; path: string; body: object }[] = [
  { name: 'usage distribution', path: 'reporting/engagement/usageDistribution', body: RANGE },
  {
    name: 'usage distribution, by OS, 2 filters',
    path: 'reporting/engagement/usageDistribution',
    body: {
      ...RANGE,
      segmentBy: 'os',
      globalFilters: [
        { property: 'edition', values: ['Pro', 'Enterprise'] },
        { property: 'custom.plan', values: ['a', 'b'] },
      ],
    },
  },
  { name: 'date range, by week', path: 'reporting/generic/dateRange', body: { ...RANGE, dateSplit: 'week' } },
  {
    name: 'date range, country × version',
    path: 'reporting/generic/dateRange',
    body: { ...RANGE, segmentBy: 'country', subSegmentBy: 'productVersion' },
  },
  { name: 'current, by version', path: 'reporting/generic/current', body: { segmentBy: 'productVersion' } },
  {
    name: 'basic data table, tree',
    path: 'reporting/eventTracking/basic/dataTable',
    body: { ...RANGE, view: 'tree' },
  },
  {
    name: 'basic data table, by OS',
    path: 'reporting/eventTracking/basic/dataTable',
    body: { ...RANGE, segmentBy: 'os' },
  },
  { name: 'lifetime data table', path: 'reporting/eventTracking/lifetime/dataTable', body: RANGE },
  {
    name: 'basic timeline, per client, by day',
    path: 'reporting/eventTracking/basic/timeline',
    body: {
      ...RANGE,
      events: [{ category: 'Export' }, { category: 'File', name: 'Action 1' }],
      normalizeBy: 'clients',
    },
  },
  {
    name: 'lifetime histogram, 3 series',
    path: 'reporting/eventTracking/lifetime/histogram',
    body: {
      ...RANGE,
      events: [
        { category: 'Export' },
        { category: 'Share', name: 'Action 2' },
        [{ category: 'Edit' }, { category: 'View' }],
      ],
    },
  },
  { name: 'advanced, 4 events', path: 'reporting/eventTracking/advanced/fullReport', body: RANGE },
  {
    name: 'churn and engagement, weeks',
    path: 'reporting/engagement/churnAndEngagement',
    body: { ...RANGE, unit: 'weeks' },
  },
  {
    name: 'churn and engagement, by OS, declared',
    path: 'reporting/engagement/churnAndEngagement',
    body: { ...RANGE, segmentBy: 'os', lostDate: 'declared' },
  },
  ...['days', 'runtime', 'sessions'].map((kind) => ({
    name: `churn ${kind} histogram`,
    path: `reporting/churn/histogram/${kind}`,
    body: RANGE,
  })),
  { name: 'churn data table', path: 'reporting/eventTracking/churn/lifetime/dataTable', body: RANGE },
  {
    name: 'churn event histogram, 2 series',
    path: 'reporting/eventTracking/churn/lifetime/histogram',
    body: { ...RANGE, events: [{ category: 'Export' }, { category: 'Share', name: 'Action 2' }] },
  },
]
const ADVANCED = ['Action 1', 'Action 2'].flatMap((name) =>
  ['Export', 'Share'].map((category) => ({ category, name })),
)

interface Options {
  clients: number
  sessions: number
  runs: number
  out?: string
  dataDir?: string
}

/** What a kept data directory was prepared with: reused only for the same sizes on the same day. */
interface Prepared {
  clients: number
  sessions: number
  yearStart: string
}
const PREPARED_FILE = 'usage-intel-prepared.json'

function preparedIn(dataDir: string): Prepared | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, PREPARED_FILE), 'utf8')) as Prepared
  } catch {
    return undefined
  }
}

function positiveInteger(text: string): number {
  const value = Number(text.replace(/[_,]/g, ''))
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError('expected a positive whole number')
  return value
}

async function main(options: Options): Promise<void> {
  const tempDir = options.dataDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-ui-'))
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : path.join(tempDir!, 'data')
  let server: Awaited<ReturnType<typeof startServer>> | undefined
  try {
    log(
      `${formatNumber(options.clients)} clients, ${formatNumber(options.sessions)} sessions, data in ${dataDir}`,
    )
    const wanted: Prepared = { clients: options.clients, sessions: options.sessions, yearStart: YEAR_START }
    const kept = preparedIn(dataDir)
    if (kept && JSON.stringify(kept) === JSON.stringify(wanted)) log('reusing the data prepared there')
    else {
      if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0)
        throw new Error(`${dataDir} is not empty and holds no data prepared for these sizes today`)
      await runChild(['prepare', JSON.stringify({ ...options, dataDir })])
      if (options.dataDir) fs.writeFileSync(path.join(dataDir, PREPARED_FILE), JSON.stringify(wanted))
    }
    server = await startServer({ root: ROOT, dataDir })
    const post = async (route: string, body: object, method = 'POST') => {
      const response = await fetch(`${server!.url}/v3/${route}/${PRODUCT}`, {
        method,
        headers: server!.headers,
        body: JSON.stringify(body),
      })
      if (response.status !== 200)
        throw new Error(`${route} answered ${response.status}: ${await response.text()}`)
      return response.json()
    }
    await post('event-tracking', { events: ADVANCED.map((event) => ({ ...event, advanced: true })) }, 'PUT')
    await server.waitUntilIdle()
    const results: { report: string; summary: Summary }[] = []
    for (const report of REPORTS) {
      const ms = await measure(report.name, { warmups: 2, runs: options.runs }, async () => {
        const { ms } = await timed(() => post(report.path, report.body))
        return ms
      })
      results.push({ report: report.name, summary: summarize(ms) })
    }
    const width = Math.max(...results.map((r) => r.report.length))
    const table = [
      `Tally usage intelligence bench: ${formatNumber(options.clients)} clients, ${formatNumber(options.sessions)} sessions, ` +
        `${formatNumber(Math.round(options.sessions * EVENTS_PER_SESSION))} events; ${os.availableParallelism()} CPUs`,
      `${'report'.padEnd(width)}  median ms   p95 ms  under 1 s`,
      ...results.map(
        (r) =>
          `${r.report.padEnd(width)}  ${r.summary.median.toFixed(0).padStart(9)}  ${r.summary.p95.toFixed(0).padStart(7)}  ${r.summary.p95 < 1000 ? 'yes' : 'NO'}`,
      ),
    ].join('\n')
    process.stdout.write(`\n${table}\n`)
    const out = options.out ?? path.join(ROOT, 'bench', 'results', 'usage-intel-latest.json')
    fs.mkdirSync(path.dirname(out), { recursive: true })
    fs.writeFileSync(
      out,
      JSON.stringify({ options, ranAt: new Date().toISOString(), results }, null, 2) + '\n',
    )
    log(`report written to ${path.relative(process.cwd(), out)}`)
  } finally {
    await server?.stop().catch(() => undefined)
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true })
  }
}

/** Preparing runs in a process of its own: chDB opens one data directory per process. */
async function runChild(args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/usage-intel.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`preparing the data failed (exit code ${code})`)
}

const program = new Command('bench:usage-intel')
  .description('Every usage intelligence report through the real server over one large product')
  .option('--clients <n>', 'clients of the product', positiveInteger, 100_000)
  .option('--sessions <n>', 'sessions (and 2.4 times as many events)', positiveInteger, 10_000_000)
  .option('--runs <n>', 'measured runs per report, after 2 warm-ups', positiveInteger, 10)
  .option('--out <file>', 'the JSON report (default bench/results/usage-intel-latest.json)')
  .option(
    '--data-dir <dir>',
    'prepare the data into <dir> and keep it; a later run with the same sizes on the same day reuses it',
  )
program
  .command('prepare', { hidden: true })
  .argument('<args>')
  .action(async (json: string) => prepare(JSON.parse(json) as PrepareArgs))
program.action(async () => main(program.opts<Options>()))

program.parseAsync().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
