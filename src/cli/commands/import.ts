import { parse as parseCsv } from 'csv-parse'
import cliProgress from 'cli-progress'
import { type Command, InvalidArgumentError } from 'commander'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import type { TObject } from 'typebox'
import { csvRecordToEvent } from '../../modules/ingest/csv.js'
import { ENTITIES } from '../../modules/ingest/entities/index.js'
import type { IngestSink } from '../../modules/ingest/sink.js'
import { STREAMS } from '../../modules/ingest/streams/index.js'

export interface ImportCommandDeps {
  withSink: <T>(work: (sink: IngestSink) => Promise<T>) => Promise<T>
}

interface ImportOptions {
  format?: 'ndjson' | 'csv'
  batchSize: number
}

/** One item of the file: its JSON text and the file line it started on. */
interface FileItem {
  line: number
  text: string
}

const DEFAULT_BATCH = 50_000
const MAX_LISTED_REJECTIONS = 20

/** `tally import <stream> <file>`: bulk ingestion from an NDJSON or CSV file, with progress. */
export function registerImportCommand(program: Command, deps: ImportCommandDeps): Command {
  const targets = [...STREAMS.keys(), ...[...ENTITIES.keys()].map((k) => `entities/${k}`)]
  return program
    .command('import')
    .description(
      'Ingest an NDJSON or CSV file into a stream (or upsert reference data with entities/<kind>), ' +
        'through the running server if one holds the data directory, else directly. CSV headers are ' +
        'the event field names; JSON objects and arrays go in their cell as JSON.',
    )
    .argument('<stream>', `one of: ${targets.join(', ')}`)
    .argument('<file>', 'an .ndjson/.jsonl or .csv file')
    .option('--format <format>', 'ndjson or csv (default: from the file extension)', parseFormat)
    .option('--batch-size <n>', 'events per request', parseBatchSize, DEFAULT_BATCH)
    .action(async (target: string, file: string, options: ImportOptions) => {
      const kind = target.startsWith('entities/') ? target.slice('entities/'.length) : undefined
      const schema = kind ? ENTITIES.get(kind)?.schema : STREAMS.get(target)?.schema
      if (!schema) throw new Error(`unknown stream '${target}'; expected one of: ${targets.join(', ')}`)
      if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`)
      const format = options.format ?? (path.extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson')
      const send = (sink: IngestSink, texts: string[]) =>
        kind ? sink.upsertEntities(kind, texts) : sink.sendEvents(target, texts)
      await deps.withSink((sink) =>
        importFile(file, format, schema, options.batchSize, (texts) => send(sink, texts)),
      )
    })
}

async function importFile(
  file: string,
  format: 'ndjson' | 'csv',
  schema: TObject,
  batchSize: number,
  send: (texts: string[]) => ReturnType<IngestSink['sendEvents']>,
): Promise<void> {
  const size = fs.statSync(file).size
  const input = fs.createReadStream(file)
  const bar = new cliProgress.SingleBar(
    {
      format: 'importing [{bar}] {percentage}% | {value}/{total} bytes | {events} events | {rate} events/s',
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(size, 0, { events: 0, rate: 0 })
  const started = Date.now()
  const totals = { accepted: 0, duplicates: 0, notCollected: 0, rejected: 0 }
  const listed: string[] = []
  let batch: FileItem[] = []
  const flush = async () => {
    if (batch.length === 0) return
    const result = await send(batch.map((item) => item.text))
    totals.accepted += result.accepted
    totals.duplicates += result.duplicates
    totals.notCollected += result.notCollected
    totals.rejected += result.rejectedCount
    for (const rejection of result.rejected) {
      if (listed.length < MAX_LISTED_REJECTIONS)
        listed.push(`line ${batch[rejection.line - 1]?.line}: ${rejection.error}`)
    }
    batch = []
    const seconds = (Date.now() - started) / 1000
    bar.update(input.bytesRead, {
      events: totals.accepted,
      rate: Math.round(totals.accepted / Math.max(seconds, 0.001)),
    })
  }
  for await (const item of format === 'csv' ? csvItems(input, schema) : ndjsonItems(input)) {
    batch.push(item)
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  bar.update(size)
  bar.stop()
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  process.stdout.write(
    `${totals.accepted} accepted (${totals.duplicates} already stored${totals.notCollected ? `, ${totals.notCollected} not collected` : ''}), ${totals.rejected} rejected, in ${seconds} s\n`,
  )
  for (const line of listed) process.stdout.write(`  ${line}\n`)
  if (totals.rejected > listed.length)
    process.stdout.write(`  … and ${totals.rejected - listed.length} more\n`)
  if (totals.rejected > 0) process.exitCode = 1
}

async function* ndjsonItems(input: fs.ReadStream): AsyncGenerator<FileItem> {
  let line = 0
  for await (const text of readline.createInterface({ input, crlfDelay: Infinity })) {
    line++
    if (text.trim()) yield { line, text }
  }
}

async function* csvItems(input: fs.ReadStream, schema: TObject): AsyncGenerator<FileItem> {
  const parser = input.pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true, info: true }))
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>
    info: { lines: number }
  }>) {
    yield { line: info.lines, text: JSON.stringify(csvRecordToEvent(record, schema)) }
  }
}

function parseFormat(value: string): 'ndjson' | 'csv' {
  if (value !== 'ndjson' && value !== 'csv') throw new InvalidArgumentError('expected ndjson or csv')
  return value
}

function parseBatchSize(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new InvalidArgumentError('expected an integer from 1 to 1000000')
  return n
}
