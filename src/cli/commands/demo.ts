import cliProgress from 'cli-progress'
import { type Command, InvalidArgumentError } from 'commander'
import { DEFAULT_SEED } from '../../demo/index.js'
import { type DemoLoadCounts, type DemoProgress, loadDemo } from '../../demo/load.js'
import type { IngestSink } from '../../modules/ingest/sink.js'

export interface DemoCommandDeps {
  withSink: <T>(fn: (sink: IngestSink) => Promise<T>) => Promise<T>
}

interface DemoCommandOptions {
  scale: number
  seed: number
  now?: Date
}

/** `tally demo`: loads the deterministic demo data set through the ingestion API. */
export function registerDemoCommand(program: Command, deps: DemoCommandDeps): Command {
  return program
    .command('demo')
    .description(
      'Load the demo data set: workspaces, users, documents and a year of audits; two products with ' +
        'their installations, sessions, events and exceptions; credit, service and resource usage; ' +
        'integrations with their sync activity and users. The same seed, scale and --now give the ' +
        'same data, and every event carries an idempotency key, so loading it twice stores nothing ' +
        'twice. Sends through the running server if one holds the data directory, else directly.',
    )
    .option(
      '--scale <n>',
      'multiplies every volume (1 ≈ 400,000 events; 0.05 for a quick look)',
      parseScale,
      1,
    )
    .option('--seed <s>', 'integer seed; each seed is a different data set', parseSeed, DEFAULT_SEED)
    .option('--now <iso>', 'the instant the data ends at (default: the current hour)', parseNow)
    .action(async (options: DemoCommandOptions) => {
      const started = Date.now()
      const progress = new ProgressBars()
      let counts: Record<string, DemoLoadCounts>
      try {
        counts = await deps.withSink((sink) => loadDemo(sink, options, (p) => progress.update(p)))
      } finally {
        progress.stop()
      }
      process.stdout.write(summaryTable(counts))
      process.stdout.write(`loaded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
    })
}

/** One bar per entity kind and stream, on stderr so stdout keeps only the summary. */
class ProgressBars {
  private readonly multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {name} [{bar}] {value}/{total}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  )
  private readonly bars = new Map<string, cliProgress.SingleBar>()

  update({ stream, done, total }: DemoProgress): void {
    const name = stream.padEnd(20)
    let bar = this.bars.get(stream)
    if (!bar) {
      bar = this.multi.create(total ?? done, done, { name })
      this.bars.set(stream, bar)
    }
    if (total !== undefined) bar.setTotal(total)
    bar.update(done, { name })
  }

  stop(): void {
    this.multi.stop()
  }
}

function summaryTable(counts: Record<string, DemoLoadCounts>): string {
  const header = ['', 'accepted', 'already stored', 'rejected']
  const rows = Object.entries(counts).map(([name, c]) =>
    [name, c.accepted, c.duplicates, c.rejected].map(String),
  )
  const total = Object.values(counts).reduce(
    (sum, c) => ({
      accepted: sum.accepted + c.accepted,
      duplicates: sum.duplicates + c.duplicates,
      rejected: sum.rejected + c.rejected,
    }),
    { accepted: 0, duplicates: 0, rejected: 0 },
  )
  const all = [header, ...rows, ['total', total.accepted, total.duplicates, total.rejected].map(String)]
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] as string).length)))
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')
  return [line(header), ...rows.map(line), line(all[all.length - 1]!)].join('\n') + '\n'
}

function parseScale(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 10_000)
    throw new InvalidArgumentError('expected a positive number up to 10000')
  return n
}

function parseSeed(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer')
  return n
}

function parseNow(value: string): Date {
  const date = new Date(value)
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('expected an ISO-8601 date or instant, e.g. 2025-06-30T12:00:00Z')
  }
  return date
}
