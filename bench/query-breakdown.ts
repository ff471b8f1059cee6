import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../src/config/config.js'
import { HOUR_MS } from '../src/store/warehouse/migrations/0005-audit-hour-counts.js'
import { hourCountsStatement, planHourCounts } from '../src/modules/audit/hour-counts.js'
import {
  boundaryStatement,
  countStatement,
  pageStatement,
  planAuditQuery,
  runExactQuery,
} from '../src/modules/audit/query.js'
import { AuditService } from '../src/modules/audit/service.js'
import { systemCaller } from '../src/modules/identity/caller.js'
import { closeStores, openStores } from '../src/store/stores.js'
import type { SqlQuery } from '../src/store/warehouse/warehouse.js'
import { BENCH_TENANT_ID } from './data.js'
import { formatNumber } from './log.js'
import type { PreparedData } from './prepare-data.js'
import { FIELDS, PAGE_LENGTH, conditionOf } from './scenarios/audit-query.js'
import { summarize } from './stats.js'

/**
 * Where the audit query scenarios' time goes, statement by statement, in-process (no HTTP): the
 * engine runs in native threads, so a V8 profile of the server cannot show it. The statements of
 * the exact path (count, boundary scan, page) come first, then those of the hour-count path the
 * service takes for the scenarios' condition (modules/audit/hour-counts.ts), then the service.
 *
 *   npm run bench -- --rows 10000000 --keep      # prints the kept directory
 *   npx tsx bench/query-breakdown.ts /tmp/tally-bench-XXXXXX
 *
 * Each line: 3 warm-up runs, then 15 measured; median and p95 in milliseconds.
 */

const WARMUPS = 3
const RUNS = 15

async function breakdown(benchDir: string): Promise<void> {
  const data = JSON.parse(fs.readFileSync(path.join(benchDir, 'prepared.json'), 'utf8')) as PreparedData
  const stores = await openStores(loadConfig({}, { dataDir: path.join(benchDir, 'data'), demo: false }))
  try {
    const warehouse = stores.warehouse
    const query = {
      workspaceId: data.workspace.id,
      fields: FIELDS.map((name) => ({ name })),
      condition: conditionOf(data),
      sorts: [],
      start: 1,
      length: PAGE_LENGTH,
    }
    const plan = planAuditQuery({ ...query, tenantId: BENCH_TENANT_ID })
    const [count] = await warehouse.query<{ n: string }>(countStatement(plan))
    const total = Number(count?.n)
    const offset = Math.floor((Math.floor(total * 0.9) + 1 - 1) / PAGE_LENGTH) * PAGE_LENGTH
    const [boundary] = await warehouse.query<{ key: string; audit_id: string }>(
      boundaryStatement(plan, offset),
    )
    if (!boundary) throw new Error('no boundary row: is the data directory complete?')
    const from = { key: String(boundary.key), auditId: boundary.audit_id }
    const withoutSkipIndexes = (q: SqlQuery): SqlQuery => ({
      ...q,
      query: `${q.query} SETTINGS use_skip_indexes = 0`,
    })
    const service = new AuditService(stores)
    const hours = planHourCounts(plan)
    if (!hours) throw new Error('the scenario condition should be answered from the hour counts')
    const hourRow = async (first: number) => {
      const [row] = await warehouse.query<{ first_hour: string; last_hour: string; first_before: string }>(
        hourCountsStatement(plan, hours, first, first + PAGE_LENGTH - 1),
      )
      if (!row) throw new Error('the hour counts statement returned no row')
      return row
    }
    const firstHours = await hourRow(0)
    const deepHours = await hourRow(offset)
    const firstRange = { from: Number(firstHours.last_hour), to: Number(firstHours.first_hour) + HOUR_MS - 1 }
    const deepRange = { from: Number(deepHours.last_hour), to: Number(deepHours.first_hour) + HOUR_MS - 1 }
    const deepSkip = offset - Number(deepHours.first_before)

    const lines: [string, () => Promise<unknown>][] = [
      ['count', () => warehouse.query(countStatement(plan))],
      ['count, use_skip_indexes = 0', () => warehouse.query(withoutSkipIndexes(countStatement(plan)))],
      ['first page rows', () => warehouse.query(pageStatement(plan, PAGE_LENGTH))],
      [
        'first page rows, use_skip_indexes = 0',
        () => warehouse.query(withoutSkipIndexes(pageStatement(plan, PAGE_LENGTH))),
      ],
      [`boundary at offset ${formatNumber(offset)}`, () => warehouse.query(boundaryStatement(plan, offset))],
      [
        'deep page rows from the boundary',
        () => warehouse.query(pageStatement(plan, PAGE_LENGTH, { boundary: from })),
      ],
      [
        'count and first page rows at once',
        () =>
          Promise.all([
            warehouse.query(countStatement(plan)),
            warehouse.query(pageStatement(plan, PAGE_LENGTH)),
          ]),
      ],
      ['exact path (runExactQuery), first page', () => runExactQuery(warehouse, plan, 0, PAGE_LENGTH)],
      ['exact path (runExactQuery), page at 90 %', () => runExactQuery(warehouse, plan, offset, PAGE_LENGTH)],
      [
        'hour counts, first page',
        () => warehouse.query(hourCountsStatement(plan, hours, 0, PAGE_LENGTH - 1)),
      ],
      [
        'hour counts, page at 90 %',
        () => warehouse.query(hourCountsStatement(plan, hours, offset, offset + PAGE_LENGTH - 1)),
      ],
      [
        'first page rows within its hours',
        () => warehouse.query(pageStatement(plan, PAGE_LENGTH, { range: firstRange })),
      ],
      [
        `deep page rows within its hours (skip ${deepSkip})`,
        () => warehouse.query(pageStatement(plan, PAGE_LENGTH, { range: deepRange, skip: deepSkip })),
      ],
      ['AuditService.query, first page', () => service.query(systemCaller(), query)],
      [
        'AuditService.query, page at 90 %',
        () => service.query(systemCaller(), { ...query, start: offset + 1 }),
      ],
    ]
    process.stdout.write(
      `${formatNumber(data.rows)} audits; workspace ${data.workspace.id}: ${formatNumber(total)} match\n\n`,
    )
    for (const [label, run] of lines) {
      const times: number[] = []
      for (let i = 0; i < WARMUPS + RUNS; i++) {
        const started = performance.now()
        await run()
        if (i >= WARMUPS) times.push(performance.now() - started)
      }
      const s = summarize(times)
      process.stdout.write(
        `${label.padEnd(42)} median ${s.median.toFixed(1).padStart(7)} ms   p95 ${s.p95.toFixed(1).padStart(7)} ms\n`,
      )
    }
  } finally {
    await closeStores(stores)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2]
  if (!dir) {
    process.stderr.write(
      'usage: npx tsx bench/query-breakdown.ts <directory kept by npm run bench -- --keep>\n',
    )
    process.exit(2)
  }
  breakdown(dir).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
      process.exit(1)
    },
  )
}
