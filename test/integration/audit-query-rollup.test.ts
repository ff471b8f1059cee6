import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildServices } from '../../src/app.js'
import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES } from '../../src/modules/audit/catalog.js'
import { planHourCounts, runHourCountQuery } from '../../src/modules/audit/hour-counts.js'
import {
  pageOf,
  planAuditQuery,
  runExactQuery,
  type AuditQuery,
  type SortSpec,
} from '../../src/modules/audit/query.js'
import { RevertService } from '../../src/modules/audit/revert/revert-service.js'
import { systemCaller } from '../../src/modules/identity/caller.js'
import { serviceSink, type IngestSink } from '../../src/modules/ingest/sink.js'
import type { Stores } from '../../src/store/stores.js'
import { renderStep } from '../../src/store/warehouse/ddl.js'
import { WAREHOUSE_MIGRATIONS } from '../../src/store/warehouse/migrate.js'
import { HOUR_MS, auditHourCountTables } from '../../src/store/warehouse/migrations/0005-audit-hour-counts.js'
import { buildTestApp } from '../helpers/app.js'

const WS = 1019001
/** Another workspace with audits in the same hours: the counts must keep them apart. */
const NEIGHBOUR_WS = 1019002
const START = Date.UTC(2024, 2, 10)
/** The audits of WS spread over these hours, plus one busy hour. */
const SPAN_HOURS = 60
/** More audits than the page statement skips inline, so deep pages there take the boundary path. */
const BUSY_HOUR = START + 29 * HOUR_MS
const BUSY_AUDITS = 12_000

const ACTIONS = ['View', 'Update', 'Create', 'Delete', 'Login', 'Update - Mass Edit'] as const
const OBJECT_TYPES = ['Document', 'Folder', 'User', 'Workspace'] as const
const ACTION_IDS = ACTIONS.map((name) => AUDIT_ACTIONS.find((a) => a.name === name)!.id)
const OBJECT_TYPE_IDS = OBJECT_TYPES.map((name) => AUDIT_OBJECT_TYPES.find((t) => t.name === name)!.id)

let app: FastifyInstance
let auth: { authorization: string }
let stores: Stores
let sink: IngestSink
let revert: RevertService
let keySeq = 0

/** A deterministic generator (mulberry32), so a failure replays with the same data. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Audits of WS: random instants over SPAN_HOURS, some on the first instant of an hour, some sharing
 * an instant (ties are ordered by Audit ID), and BUSY_AUDITS in one hour; a few in NEIGHBOUR_WS.
 */
function generateAudits(): object[] {
  const next = random(7)
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!
  const instants: [number, number][] = []
  for (let i = 0; i < 3000; i++) {
    const at =
      i % 10 === 0
        ? START + Math.floor(next() * SPAN_HOURS) * HOUR_MS
        : START + Math.floor(next() * SPAN_HOURS * HOUR_MS)
    instants.push([at, WS])
    if (i % 7 === 0) instants.push([at, WS])
    if (i % 5 === 0) instants.push([at, NEIGHBOUR_WS])
  }
  for (let i = 0; i < BUSY_AUDITS; i++) instants.push([BUSY_HOUR + Math.floor(next() * 60_000) * 60, WS])
  return instants.map(([at, workspaceId], i) => ({
    id: `rollup-${++keySeq}`,
    workspaceId,
    timestamp: new Date(at).toISOString(),
    action: pick(ACTIONS),
    objectType: pick(OBJECT_TYPES),
    artifactId: 1_050_000 + (i % 500),
    artifactName: `CTRL${i}`,
    userId: 9 + (i % 3),
    userName: `User ${i % 3}`,
    executionTimeMs: Math.floor(next() * 50),
  }))
}
const AUDITS = generateAudits()

/** The hour counts of some workspaces, as the rollup holds them and as counted from `audits`. */
async function hourCounts(workspaces: number[], database = stores.warehouse.database) {
  const read = (source: string, count: string) =>
    stores.warehouse.query<Record<string, string | number>>({
      query: `SELECT workspace_id, toString(hour) AS hour, action_id, object_type_id, ${count} AS n
              FROM ${source} WHERE workspace_id IN {ws:Array(Int64)}
              GROUP BY workspace_id, hour, action_id, object_type_id ORDER BY ALL`,
      params: { ws: workspaces },
    })
  return {
    rollup: await read(`${database}.audit_hour_counts`, 'sum(audits)'),
    // toStartOfHour is exact for these years; the rollup's own expression also holds before 1970.
    audits: await read(
      `(SELECT *, toDateTime64(toStartOfHour(timestamp), 3, 'UTC') AS hour FROM ${database}.audits)`,
      'count()',
    ),
  }
}

async function expectRollupMatches(workspaces: number[], database?: string): Promise<void> {
  const { rollup, audits } = await hourCounts(workspaces, database)
  expect(rollup.length).toBeGreaterThan(0)
  expect(rollup).toEqual(audits)
}

const queryOf = (overrides: Partial<AuditQuery>): AuditQuery => ({
  tenantId: 1,
  workspaceId: WS,
  fields: [{ name: 'Timestamp' }, { name: 'Action' }],
  sorts: [],
  start: 1,
  length: 25,
  ...overrides,
})

/** Runs a query both ways; the fast path must be the one the service picks for it. */
async function bothWays(query: AuditQuery) {
  const plan = planAuditQuery(query)
  const hours = planHourCounts(plan)
  if (!hours) throw new Error(`expected the hour counts to answer ${query.condition}`)
  const { offset } = pageOf(query.start, query.length)
  const [fast, exact] = [
    await runHourCountQuery(stores.warehouse, plan, hours, offset, query.length),
    await runExactQuery(stores.warehouse, plan, offset, query.length),
  ]
  const ids = (rows: { audit_id: string }[]) => rows.map((row) => row.audit_id)
  return {
    fast: { totalCount: fast.totalCount, ids: ids(fast.rows) },
    exact: { totalCount: exact.totalCount, ids: ids(exact.rows) },
    rows: fast.rows,
  }
}

beforeAll(async () => {
  let config
  ;({ app, auth, stores, config } = await buildTestApp())
  const services = buildServices(config, stores)
  sink = serviceSink(services.ingest, systemCaller())
  revert = new RevertService(stores, services.ingest)
  const result = await sink.sendEvents('audits', AUDITS)
  expect(result).toMatchObject({ accepted: AUDITS.length, duplicates: 0, rejected: [] })
})

const iso = (ms: number) => new Date(ms).toISOString()
const at = (hours: number, ms = 0) => iso(START + hours * HOUR_MS + ms)

describe('which conditions the hour counts answer', () => {
  const cutHoursOf = (condition: string, rowCondition?: string) =>
    planHourCounts(planAuditQuery(queryOf({ condition, rowCondition })))?.cutHours.map(iso)

  it.each([
    ['', []],
    [`'Timestamp' >= ${at(5)} AND 'Timestamp' < ${at(7)}`, []],
    [`'Timestamp' > ${at(5)}`, [at(5)]],
    [`'Timestamp' <= ${at(5, HOUR_MS - 1)}`, []],
    [`'Timestamp' <= ${at(5, HOUR_MS - 2)}`, [at(5)]],
    [`'Timestamp' < ${at(5, 1)}`, [at(5)]],
    [`'Timestamp' == ${at(5)}`, [at(5)]],
    [`'Timestamp' IN [${at(8, 1)}, ${at(5, 30 * 60_000)}]`, [at(5), at(8)]],
    [`'Timestamp' >= 2024-03-10T05:10:00+02:00 OR 'Action' == CHOICE 2`, [at(3)]],
    [`'Timestamp' ISSET AND 'Action' IN CHOICE [1, 3] AND NOT 'Object Type' == 'Folder'`, []],
    [`'Action' LIKE 'update' OR 'Object Type' IN ['Document', 'User']`, []],
  ])('%s cuts %j', (condition, cut) => {
    expect(cutHoursOf(condition)).toEqual(cut)
  })

  it('reads a rowCondition as well', () => {
    expect(cutHoursOf(`'Timestamp' > ${at(1, 5)}`, `'Action' <> 'View'`)).toEqual([at(1)])
    expect(cutHoursOf(`'Timestamp' > ${at(1, 5)}`, `'Artifact ID' == 1050001`)).toBeUndefined()
  })

  it.each([
    `'User Name' == 'User 1'`,
    `'User Name' ISSET`,
    `'Audit ID' > 0`,
    `'Object Name' ISSET`,
    `'Details' LIKE 'x'`,
    `'Execution Time (ms)' > 3`,
    `'Timestamp' >= ${at(2)} AND 'User ID' == 9`,
    `'Timestamp' IN [${Array.from({ length: 33 }, (_, i) => at(i, 1)).join(', ')}]`,
  ])('leaves %s to the exact path', (condition) => {
    expect(cutHoursOf(condition)).toBeUndefined()
  })
})

/** Instants of the data set (equality and ties), hour starts, and any millisecond around the span. */
const instantArb = fc.oneof(
  fc.integer({ min: -2, max: SPAN_HOURS + 2 }).map((h) => START + h * HOUR_MS),
  fc.integer({ min: -2 * HOUR_MS, max: (SPAN_HOURS + 2) * HOUR_MS }).map((ms) => START + ms),
  fc
    .integer({ min: 0, max: AUDITS.length - 1 })
    .map((i) => Date.parse((AUDITS[i] as { timestamp: string }).timestamp)),
)
const actionArb = fc.oneof(
  fc.subarray(ACTION_IDS, { minLength: 1 }).map((ids) => `'Action' IN CHOICE [${ids.join(', ')}]`),
  fc.subarray(ACTION_IDS, { minLength: 1 }).map((ids) => `NOT 'Action' IN CHOICE [${ids.join(', ')}]`),
  fc.constantFrom(...ACTIONS).map((name) => `'Action' == '${name}'`),
  fc.constant(`'Action' LIKE 'update'`),
)
const objectTypeArb = fc.oneof(
  fc.constantFrom(...OBJECT_TYPE_IDS).map((id) => `'Object Type' <> CHOICE ${id}`),
  fc
    .subarray([...OBJECT_TYPES], { minLength: 1 })
    .map((names) => `'Object Type' IN [${names.map((n) => `'${n}'`).join(', ')}]`),
)
/** A time range (either end optional, maybe negated), actions, object types, and instants OR-ed in. */
const conditionArb = fc
  .record({
    from: fc.option(fc.tuple(fc.constantFrom('>=', '>'), instantArb)),
    to: fc.option(fc.tuple(fc.constantFrom('<=', '<'), instantArb)),
    negated: fc.boolean(),
    action: fc.option(actionArb),
    objectType: fc.option(objectTypeArb),
    orAt: fc.option(fc.array(instantArb, { minLength: 1, maxLength: 3 })),
  })
  .map(({ from, to, negated, action, objectType, orAt }) => {
    const range = [
      from && `'Timestamp' ${from[0]} ${iso(from[1])}`,
      to && `'Timestamp' ${to[0]} ${iso(to[1])}`,
    ]
      .filter((part): part is string => !!part)
      .join(' AND ')
    const time = range && negated ? `NOT (${range})` : range
    const all = [time, action, objectType].filter((part): part is string => !!part).join(' AND ')
    if (orAt === null || !all) return all
    const instants = orAt.map(iso)
    return `(${all}) OR ${instants.length === 1 ? `'Timestamp' == ${instants[0]}` : `'Timestamp' IN [${instants.join(', ')}]`}`
  })
const sortsArb = fc.constantFrom<SortSpec[]>(
  [],
  [{ field: { name: 'Timestamp' }, descending: false }],
  [{ field: { name: 'Timestamp' }, descending: true }],
  [{ field: { name: 'Execution Time (ms)' }, descending: true }],
)

describe('the hour counts and the exact path agree', () => {
  it('on random time ranges cut inside hours, actions, object types, sorts and deep starts', async () => {
    await fc.assert(
      fc.asyncProperty(
        conditionArb,
        fc.option(actionArb),
        sortsArb,
        fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 4000, max: 16_000 })),
        fc.constantFrom(1, 7, 25, 100, 1000),
        async (condition, rowCondition, sorts, start, length) => {
          const { fast, exact } = await bothWays(
            queryOf({ condition, rowCondition: rowCondition ?? undefined, sorts, start, length }),
          )
          expect(fast).toEqual(exact)
        },
      ),
      { numRuns: 60, seed: 4 },
    )
  })

  it.each([
    ['descending', true],
    ['ascending', false],
  ])('pages deep inside one busy hour, %s', async (_, descending) => {
    const condition = `'Timestamp' >= ${at(0)} AND 'Timestamp' < ${at(SPAN_HOURS)}`
    const sorts = [{ field: { name: 'Timestamp' }, descending }]
    const [before] = await stores.warehouse.query<{ n: string }>({
      query: `SELECT count() AS n FROM audits WHERE workspace_id = {ws:Int64}
              AND timestamp ${descending ? '>=' : '<'} parseDateTime64BestEffort({h:String}, 3, 'UTC')`,
      params: { ws: WS, h: iso(descending ? BUSY_HOUR + HOUR_MS : BUSY_HOUR) },
    })
    const n = Number(before!.n)
    // Past the inline skip (10,000) of the busy hour: the boundary statement finds the page.
    for (const start of [n + 1, n + 10_500, n + BUSY_AUDITS - 3]) {
      const { fast, exact } = await bothWays(queryOf({ condition, sorts, start, length: 100 }))
      expect(fast.ids.length).toBeGreaterThan(0)
      expect(fast).toEqual(exact)
    }
  })
})

describe('the UI query answers as the exact path does', () => {
  const request = (path: 'query' | 'query-slim', condition: string, start: number, ascending: boolean) =>
    app.inject({
      method: 'POST',
      url: `/Relativity.REST/api/relativity-audit/v1/workspaces/${WS}/audits/UI/${path}/`,
      headers: auth,
      payload: {
        request: {
          fields: ['Timestamp', 'Action', 'Object Type', 'User Name', 'Details'].map((Name) => ({ Name })),
          condition,
          sorts: [
            {
              FieldIdentifier: { Name: 'Timestamp' },
              Order: 0,
              Direction: ascending ? 'Ascending' : 'Descending',
            },
          ],
        },
        start,
        length: 50,
      },
    })

  it.each([
    [
      'query',
      `'Timestamp' >= ${at(3, 1234)} AND 'Timestamp' <= ${at(40, 59)} AND 'Action' IN CHOICE [1, 3]`,
      1,
      false,
    ],
    [
      'query',
      `'Timestamp' >= ${at(3, 1234)} AND 'Timestamp' <= ${at(40, 59)} AND 'Action' IN CHOICE [1, 3]`,
      2221,
      false,
    ],
    ['query-slim', `'Timestamp' > ${at(10)} AND NOT 'Object Type' == 'Folder'`, 777, true],
    ['query-slim', `'Action' == 'Login'`, 33, false],
    ['query', `'Timestamp' < ${at(29, 5)}`, 1e6, true],
  ] as const)('%s %s from %d', async (path, condition, start, ascending) => {
    // 'Audit ID' > 0 holds for every audit but is not kept by the hour counts: it forces the exact path.
    const [fast, exact] = await Promise.all([
      request(path, condition, start, ascending),
      request(path, `(${condition}) AND 'Audit ID' > 0`, start, ascending),
    ])
    expect(fast.statusCode).toBe(200)
    expect(fast.json()).toEqual(exact.json())
  })
})

describe('each stored audit is counted once', () => {
  it('per hour, workspace, action and object type, from the ingested audits', async () => {
    await expectRollupMatches([WS, NEIGHBOUR_WS])
    const { rollup } = await hourCounts([WS])
    const expected = new Map<string, number>()
    for (const audit of AUDITS as { workspaceId: number; timestamp: string }[]) {
      if (audit.workspaceId !== WS) continue
      const hour = iso(Math.floor(Date.parse(audit.timestamp) / HOUR_MS) * HOUR_MS)
      expected.set(hour, (expected.get(hour) ?? 0) + 1)
    }
    const counted = new Map<string, number>()
    for (const row of rollup) {
      const hour = `${String(row.hour).replace(' ', 'T')}Z`
      counted.set(hour, (counted.get(hour) ?? 0) + Number(row.n))
    }
    expect(counted).toEqual(expected)
  })

  it('when a batch is sent again: ingestion stores no audit twice, so the counts do not grow', async () => {
    const batch = AUDITS.slice(0, 2000)
    const again = await sink.sendEvents('audits', batch)
    expect(again).toMatchObject({ accepted: 2000, duplicates: 2000 })
    await expectRollupMatches([WS, NEIGHBOUR_WS])
  })

  it('for the revert audits a mass revert writes', async () => {
    const ws = 1019003
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `rollup-revert-${i}`,
      workspaceId: ws,
      timestamp: at(i % 4, i * 1000),
      action: 'Update',
      objectType: 'Document',
      artifactId: 2_100_000 + i,
      artifactName: `DOC${i}`,
      userId: 9,
      userName: 'Admin, Relativity',
      changes: [{ fieldId: 1035357, field: 'Responsiveness', oldValue: null, newValue: 'Responsive' }],
    }))
    await sink.sendEvents('audits', events)
    const ids = await stores.warehouse.query<{ audit_id: string }>({
      query: 'SELECT audit_id FROM audits WHERE workspace_id = {ws:Int64} ORDER BY audit_id',
      params: { ws },
    })
    const targets = ids.map((row) => ({ auditId: row.audit_id, timestamp: undefined }))
    const done = await revert.massRevert(systemCaller(), ws, targets)
    expect(done.success).toBe(true)
    expect(done.revertAuditIds).toHaveLength(30)
    await expectRollupMatches([ws])
    const massRevert = AUDIT_ACTIONS.find((a) => a.name === 'Update - Mass Revert')!.id
    const { fast, exact } = await bothWays(
      queryOf({ workspaceId: ws, condition: `'Action' == CHOICE ${massRevert}`, length: 100 }),
    )
    expect(fast.totalCount).toBe(30)
    expect(fast).toEqual(exact)
  })
})

describe('migration 0005', () => {
  it('fills the counts from the audits stored before it, and the view adds what comes after, once', async () => {
    const target = { database: 'rollup_fill' }
    const apply = async (steps: readonly Parameters<typeof renderStep>[0][]) => {
      for (const step of steps)
        for (const sql of renderStep(step, target)) await stores.warehouse.command({ query: sql })
    }
    await stores.warehouse.command({ query: 'CREATE DATABASE IF NOT EXISTS rollup_fill' })
    for (const migration of WAREHOUSE_MIGRATIONS.filter((m) => m.version < 5)) await apply(migration.steps)
    const copy = (ws: number) =>
      stores.warehouse.command({
        query: `INSERT INTO rollup_fill.audits SELECT * FROM ${stores.warehouse.database}.audits WHERE workspace_id = {ws:Int64}`,
        params: { ws },
      })
    await copy(WS)
    await apply(auditHourCountTables.steps)
    await expectRollupMatches([WS], 'rollup_fill')
    await copy(NEIGHBOUR_WS)
    await expectRollupMatches([WS, NEIGHBOUR_WS], 'rollup_fill')
    // A migration run again (cut off before it was recorded) rebuilds the counts, not doubles them.
    await apply(auditHourCountTables.steps)
    await expectRollupMatches([WS, NEIGHBOUR_WS], 'rollup_fill')
  })

  it('in a cluster, keeps the counts beside each shard’s audits and fills through the Distributed tables', () => {
    const cluster = { database: 'tally', cluster: 'tally' }
    const [local, distributed, view, truncate, fill] = renderStep(auditHourCountTables.steps[0]!, cluster)
    expect(local).toContain('ENGINE = ReplicatedAggregatingMergeTree')
    expect(distributed).toContain(
      "Distributed('tally', 'tally', 'audit_hour_counts_local', cityHash64(workspace_id))",
    )
    expect(view).toMatch(/TO tally\.audit_hour_counts_local\nAS SELECT .* FROM tally\.audits_local GROUP BY/s)
    expect(truncate).toBe("TRUNCATE TABLE IF EXISTS tally.audit_hour_counts_local ON CLUSTER 'tally'")
    expect(fill).toMatch(/^INSERT INTO tally\.audit_hour_counts SELECT .* FROM tally\.audits GROUP BY/s)
  })
})

describe('the fast path reads the hour counts', () => {
  it('for the conditions they answer, and only for their whole hours', async () => {
    const ws = 1019004
    const audit = (i: number) => ({
      id: `rollup-probe-${i}`,
      workspaceId: ws,
      timestamp: at(2, i * 60_000),
      action: 'View',
      objectType: 'Document',
      artifactId: 2_200_000 + i,
      artifactName: `DOC${i}`,
      userId: 9,
      userName: 'Admin, Relativity',
    })
    await sink.sendEvents('audits', [0, 1, 2, 3, 4].map(audit))
    // A count with no audits behind it, at 08:00: only a query that reads the rollup sees it.
    await stores.warehouse.insert('audit_hour_counts', [
      { tenant_id: 1, workspace_id: ws, hour: at(8), action_id: 1, object_type_id: 10, audits: 7 },
    ])
    const totalOf = async (condition: string) =>
      (
        await app.inject({
          method: 'POST',
          url: `/Relativity.REST/api/relativity-audit/v1/workspaces/${ws}/audits/UI/query/`,
          headers: auth,
          payload: { request: { fields: [{ Name: 'Action' }], condition }, start: 1, length: 10 },
        })
      ).json().TotalCount
    expect(await totalOf(`'Action' == 'View'`)).toBe(12)
    expect(await totalOf(`'Timestamp' < ${at(8)}`)).toBe(5)
    // 08:00 is cut, so it is counted from the audits; so is everything with a User Name condition.
    expect(await totalOf(`'Timestamp' > ${at(8, 1)}`)).toBe(0)
    expect(await totalOf(`'Action' == 'View' AND 'User Name' ISSET`)).toBe(5)
  })
})
