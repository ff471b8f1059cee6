import { createHash } from 'node:crypto'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServices } from '../../src/app.js'
import { loadConfig } from '../../src/config/config.js'
import { type GenerateDemoOptions, generateDemo } from '../../src/demo/index.js'
import { type DemoLoadCounts, loadDemo } from '../../src/demo/load.js'
import { systemCaller } from '../../src/modules/identity/caller.js'
import { ENTITIES } from '../../src/modules/ingest/entities/index.js'
import { type IngestSink, serviceSink } from '../../src/modules/ingest/sink.js'
import { STREAMS } from '../../src/modules/ingest/streams/index.js'
import { closeStores, openStores, type Stores } from '../../src/store/stores.js'
import { tempDir } from '../helpers/stores.js'

const OPTIONS: GenerateDemoOptions = { scale: 0.05, seed: 7, now: new Date('2025-06-30T12:00:00Z') }

/** A digest of every item of every step, in plan order. */
function digest(options: GenerateDemoOptions): string {
  const hash = createHash('sha256')
  for (const step of generateDemo(options).steps) {
    hash.update(`${step.target}/${step.name}\n`)
    for (const batch of step.batches) for (const item of batch) hash.update(JSON.stringify(item) + '\n')
  }
  return hash.digest('hex')
}

function itemsOf(name: string, options = OPTIONS): Record<string, unknown>[] {
  const step = generateDemo(options).steps.find((s) => s.name === name)
  if (!step) throw new Error(`no step ${name}`)
  return [...step.batches].flat() as Record<string, unknown>[]
}

describe('the demo generator', () => {
  it('generates identical items for the same seed and now, and different ones otherwise', () => {
    const first = digest(OPTIONS)
    expect(digest(OPTIONS)).toBe(first)
    expect(digest({ ...OPTIONS, seed: 8 })).not.toBe(first)
    expect(digest({ ...OPTIONS, now: new Date('2025-07-01T12:00:00Z') })).not.toBe(first)
  })

  it('covers every entity kind and stream, entities first', () => {
    const steps = generateDemo(OPTIONS).steps
    expect(
      steps
        .filter((s) => s.target === 'entities')
        .map((s) => s.name)
        .sort(),
    ).toEqual([...ENTITIES.keys()].sort())
    expect(
      steps
        .filter((s) => s.target === 'events')
        .map((s) => s.name)
        .sort(),
    ).toEqual([...STREAMS.keys()].sort())
    expect(steps.findIndex((s) => s.target === 'events')).toBe(
      steps.filter((s) => s.target === 'entities').length,
    )
  })

  it('cuts batches at the asked size and regenerates them on each iteration', () => {
    const step = generateDemo({ ...OPTIONS, batchSize: 1000 }).steps.find((s) => s.name === 'audits')!
    const sizes = [...step.batches].map((b) => b.length)
    expect(sizes.length).toBeGreaterThan(2)
    expect(sizes.slice(0, -1).every((n) => n === 1000)).toBe(true)
    expect([...step.batches].flat()).toEqual([...step.batches].flat())
  })

  it('gives every event a unique id and keeps every instant at or before now', () => {
    for (const step of generateDemo(OPTIONS).steps.filter((s) => s.target === 'events')) {
      const items = [...step.batches].flat() as Record<string, string>[]
      expect(new Set(items.map((e) => e.id)).size, step.name).toBe(items.length)
      for (const item of items) {
        for (const key of ['timestamp', 'startedAt', 'endedAt']) {
          if (item[key] !== undefined)
            expect(Date.parse(item[key]), `${step.name}.${key}`).toBeLessThanOrEqual(OPTIONS.now!.getTime())
        }
      }
    }
  })

  it('chains every change from the value the previous change left (the revert history)', () => {
    const current = new Map<string, unknown>()
    let rechanged = 0
    const audits = itemsOf('audits') as unknown as {
      workspaceId: number
      artifactId: number
      timestamp: string
      changes?: { field: string; oldValue: unknown; newValue: unknown }[]
    }[]
    const byWorkspace = new Map<number, typeof audits>()
    for (const audit of audits.filter((a) => a.workspaceId > 0)) {
      const list = byWorkspace.get(audit.workspaceId) ?? []
      byWorkspace.set(audit.workspaceId, list)
      list.push(audit)
    }
    for (const list of byWorkspace.values()) {
      // Each workspace's audits come in time order, so "previous" in the stream is previous in time.
      for (let i = 1; i < list.length; i++) expect(list[i]!.timestamp >= list[i - 1]!.timestamp).toBe(true)
      for (const audit of list) {
        for (const change of audit.changes ?? []) {
          const key = `${audit.workspaceId}/${audit.artifactId}/${change.field}`
          expect(change.oldValue, key).toEqual(current.get(key) ?? null)
          expect(change.newValue).not.toEqual(change.oldValue)
          if (change.oldValue !== null) rechanged++
          current.set(key, change.newValue)
        }
      }
    }
    expect(rechanged).toBeGreaterThan(100)
  })
})

describe('loading the demo through the ingest service', () => {
  let stores: Stores
  let sink: IngestSink
  let first: Record<string, DemoLoadCounts>
  const progress: { stream: string; done: number; total?: number }[] = []

  beforeAll(async () => {
    const config = loadConfig({}, { dataDir: path.join(tempDir(), 'data'), demo: false, worker: false })
    stores = await openStores(config)
    sink = serviceSink(buildServices(config, stores).ingest, systemCaller())
    first = await loadDemo(sink, OPTIONS, (p) => progress.push(p))
  })
  afterAll(async () => {
    if (stores) await closeStores(stores)
  })

  /** Reference-data tables keep the newest row per key once merged; FINAL counts keys. */
  const warehouseCount = async (table: string) => {
    const final = table === 'documents' || table === 'usage_clients' ? ' FINAL' : ''
    const [row] = await stores.warehouse.query<{ n: string }>({
      query: `SELECT count() AS n FROM ${table}${final}`,
    })
    return Number(row?.n)
  }
  const controlCount = async (table: string) => {
    const [row] = await stores.control.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
    return row?.n ?? 0
  }

  it('accepts every item and reports progress up to the exact counts', () => {
    for (const [name, counts] of Object.entries(first)) {
      expect(counts.rejected, name).toBe(0)
      expect(counts.duplicates, name).toBe(0)
      expect(counts.accepted, name).toBeGreaterThan(0)
      const last = progress.filter((p) => p.stream === name).at(-1)
      expect(last).toEqual({ stream: name, done: counts.accepted, total: counts.accepted })
    }
  })

  it.each([
    ['audits', 'audits'],
    ['usage-sessions', 'usage_sessions'],
    ['usage-events', 'usage_events'],
    ['usage-custom-events', 'usage_custom_events'],
    ['usage-exceptions', 'usage_exceptions'],
    ['clients', 'usage_clients'],
    ['documents', 'documents'],
    ['credit-transactions', 'credit_transactions'],
    ['user-usage', 'user_usage'],
    ['service-usage', 'service_usage'],
    ['resource-usage', 'resource_usage'],
    ['service-audits', 'service_audits'],
    ['sync-activity', 'sync_activity'],
    ['user-observations', 'user_observations'],
  ])('stores every %s item in the warehouse table %s', async (name, table) => {
    expect(await warehouseCount(table)).toBe(first[name]!.accepted)
  })

  it.each([
    'workspaces',
    'platform_users',
    'platform_user_workspaces',
    'fields',
    'field_choices',
    'products',
    'integrations',
  ])('fills the control-plane table %s', async (table) => {
    expect(await controlCount(table)).toBeGreaterThan(0)
  })

  it('has system administrators and non-admin reviewers with workspace access', async () => {
    const rows = await stores.control.query<{ admin: boolean; n: number }>(
      `SELECT u.is_system_admin AS admin, count(DISTINCT u.artifact_id)::int AS n
       FROM platform_users u JOIN platform_user_workspaces w ON w.tenant_id = u.tenant_id AND w.user_id = u.artifact_id
       GROUP BY u.is_system_admin`,
    )
    expect(rows.find((r) => r.admin)?.n).toBeGreaterThan(0)
    expect(rows.find((r) => !r.admin)?.n).toBeGreaterThan(2)
  })

  it('holds document views, coding updates with changes, mass edits, propagations and instance-level audits', async () => {
    const [row] = await stores.warehouse.query<Record<string, string>>({
      query: `SELECT
          countIf(action_id = {view:UInt16} AND object_type_id = {document:UInt32}) AS views,
          countIf(action_id = {update:UInt16} AND length(change_fields) > 0) AS coded,
          countIf(arrayExists(v -> v IS NOT NULL, change_old_values)) AS recoded,
          countIf(action_id = {massEdit:UInt16}) AS mass_edits,
          countIf(action_id = {propagation:UInt16}) AS propagations,
          countIf(workspace_id = -1) AS instance_level,
          uniqExact(action_id) AS actions,
          min(execution_time_ms) >= 0 AND max(execution_time_ms) > 0 AS timed
        FROM audits`,
      params: { view: 1, update: 3, massEdit: 4, propagation: 6, document: 10 },
    })
    for (const key of ['views', 'coded', 'recoded', 'mass_edits', 'propagations', 'instance_level']) {
      expect(Number(row?.[key]), key).toBeGreaterThan(0)
    }
    expect(Number(row?.actions)).toBeGreaterThanOrEqual(10)
    expect(Number(row?.timed)).toBe(1)
  })

  it('lays reviewer actions out in sessions: gaps under 15 minutes inside, over 15 minutes between', async () => {
    const [row] = await stores.warehouse.query<{ inside: string; between: string; longest_inside: string }>({
      query: `SELECT
          sum(arrayCount(g -> g > 0 AND g <= 900000, gaps)) AS inside,
          sum(arrayCount(g -> g > 900000, gaps)) AS between
        FROM (
          SELECT arrayDifference(arraySort(groupArray(toUnixTimestamp64Milli(timestamp)))) AS gaps
          FROM audits
          WHERE object_type_id = 10 AND action_id IN (1, 3) AND workspace_id > 0
          GROUP BY workspace_id, user_id
        )`,
    })
    expect(Number(row?.between)).toBeGreaterThan(10)
    expect(Number(row?.inside)).toBeGreaterThan(Number(row?.between) * 10)
  })

  it('observes users under each identity rule, with duplicates and service accounts', async () => {
    const [row] = await stores.warehouse.query<Record<string, string>>({
      query: `SELECT
          countIf(username != '' AND email != '') AS username_and_email,
          countIf(email != '' AND username = '') AS email_only,
          countIf(email = '' AND username = '' AND display_name != '') AS display_name_only,
          countIf(email = '' AND display_name = '' AND username != '') AS username_only,
          countIf(is_service_account) AS service_accounts
        FROM user_observations`,
    })
    for (const key of [
      'username_and_email',
      'email_only',
      'display_name_only',
      'username_only',
      'service_accounts',
    ]) {
      expect(Number(row?.[key]), key).toBeGreaterThan(0)
    }
    const duplicates = await stores.warehouse.query<{ email: string }>({
      query: `SELECT lower(email) AS email FROM user_observations WHERE email != '' AND username != ''
              GROUP BY email HAVING uniqExact(lower(username)) > 1 AND uniqExact(system) > 1`,
    })
    expect(duplicates.length).toBeGreaterThan(0)
  })

  it('stores nothing new when the same demo is loaded again', async () => {
    const before = await warehouseCount('audits')
    const again = await loadDemo(sink, OPTIONS)
    for (const step of generateDemo(OPTIONS).steps.filter((s) => s.target === 'events')) {
      const counts = again[step.name]!
      expect(counts.accepted, step.name).toBe(first[step.name]!.accepted)
      expect(counts.duplicates, step.name).toBe(counts.accepted)
      expect(counts.rejected, step.name).toBe(0)
    }
    expect(await warehouseCount('audits')).toBe(before)
  })
})
