import { pino } from 'pino'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildServices } from '../../src/app.js'
import { generateDemo } from '../../src/demo/index.js'
import { JobRegistry } from '../../src/jobs/registry.js'
import { JobRunner } from '../../src/jobs/runner.js'
import { systemCaller } from '../../src/modules/identity/caller.js'
import { serviceSink } from '../../src/modules/ingest/sink.js'
import { ORIGINS, type ReportType } from '../../src/modules/usage-reports/catalog.js'
import { registerUsageReportJob } from '../../src/modules/usage-reports/service.js'
import type { FastifyInstance } from 'fastify'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp } from '../helpers/app.js'

/**
 * The demo data feeds every metric of the catalog: over the demo's last year, each metric has a
 * value in some row of its report, and every number metric a value above zero.
 */
const NOW = new Date('2025-06-30T12:00:00Z')
const BASE = '/api/usage-reports/v1'
/** The entities and streams docs/usage-metrics.md names as the metrics' sources. */
const SOURCES = ['workspaces', 'users', 'audits', 'workspace-usage', 'processing-jobs', 'user-licenses']

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }
let runner: JobRunner

beforeAll(async () => {
  const built = await buildTestApp()
  ;({ app, stores, auth } = built)
  const sink = serviceSink(buildServices(built.config, stores).ingest, systemCaller())
  // 0.7: the smallest scale with four workspaces, the fourth holding a data breach response.
  // Only the steps the usage reports read are loaded (the usage intelligence streams are not).
  for (const step of generateDemo({ scale: 0.7, seed: 7, now: NOW }).steps) {
    if (!SOURCES.includes(step.name)) continue
    for (const batch of step.batches) {
      const result =
        step.target === 'entities'
          ? await sink.upsertEntities(step.name, batch)
          : await sink.sendEvents(step.name, batch)
      expect(result.rejectedCount, step.name).toBe(0)
    }
  }
  runner = new JobRunner({
    db: stores.control,
    registry: registerUsageReportJob(new JobRegistry(), stores),
    workerId: 'usage-reports-demo-test',
    concurrency: 1,
    logger: pino({ level: 'silent' }),
  })
})

/** Every row of a finished report with every metric of `type`, page by page. */
async function everyRow(type: ReportType): Promise<{ fields: string[]; rows: unknown[][] }> {
  const fields = ORIGINS.flatMap((o) => o.metrics)
    .filter((m) => m.reportType === type)
    .map((m) => m.id)
  const created = await app.inject({
    method: 'POST',
    url: `${BASE}/reports`,
    headers: auth,
    payload: { name: `Demo ${type}`, dateRange: { from: '2024-07-01', to: '2025-06-30' }, fields },
  })
  expect(created.statusCode, created.body).toBe(201)
  const { id } = created.json()
  await runner.runOnce()
  const rows: unknown[][] = []
  for (let page = 1; ; page++) {
    const response = await app.inject({
      method: 'GET',
      url: `${BASE}/reports/${id}/details?pageNumber=${page}&pageSize=1000`,
      headers: auth,
    })
    expect(response.statusCode, response.body).toBe(200)
    const { items, totalItems } = response.json()
    rows.push(...items)
    if (rows.length >= totalItems) return { fields, rows }
  }
}

describe('Usage reports over the demo data', () => {
  it.each(['Workspace', 'User'] as const)('gives every %s metric a value', async (type) => {
    const { fields, rows } = await everyRow(type)
    expect(rows.length).toBeGreaterThan(0)
    const metrics = ORIGINS.flatMap((o) => o.metrics)
    const empty = fields.filter((id, column) => {
      const metric = metrics.find((m) => m.id === id)!
      const numeric = metric.valueType === 'Int64' || metric.valueType === 'Double'
      return !rows.some((row) => row[column] !== null && (!numeric || Number(row[column]) > 0))
    })
    expect(empty.map((id) => metrics.find((m) => m.id === id)!.name)).toEqual([])
  })
})
