import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildServices } from '../../src/app.js'
import { systemCaller } from '../../src/modules/identity/caller.js'
import { resolveScope, summaryReport } from '../../src/modules/audit/reviewer-stats/service.js'
import { splitByMonths, splitBySlots } from '../../src/modules/audit/reviewer-stats/sql.js'
import { serviceSink, type IngestSink } from '../../src/modules/ingest/sink.js'
import { renderStep } from '../../src/store/warehouse/ddl.js'
import { WAREHOUSE_MIGRATIONS } from '../../src/store/warehouse/migrate.js'
import { REVIEWER_SLOT_MS } from '../../src/store/warehouse/migrations/0007-reviewer-rollups.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp } from '../helpers/app.js'
import * as ref from '../helpers/reviewer-reference.js'
import { auditEvent, auditsOfChains } from '../helpers/reviewer-histories.js'

/**
 * The summary report from the reviewer rollups (migration 0007: 15-minute slots and monthly
 * documents), used for thresholds of at least a slot, against the reference implementation:
 * actions a millisecond either side of slot and month boundaries, periods starting and ending at
 * any millisecond (so they cut slots and months, or lie inside one slot), and batches sent twice
 * (ingestion drops the repeats, so the rollups count each audit once).
 */
const SEED = Number(process.env.TALLY_FC_SEED ?? 20_261_203)
const RUNS = 40
const SLOT = REVIEWER_SLOT_MS

const USERS = [
  { id: 21, name: 'Reviewer, Ed' },
  { id: 22, name: 'Reviewer, Flo' },
  // Known only from the audits: named by the latest one.
  { id: 23, name: 'Contractor, Gus', unknown: true },
]
const ACTIONS = [ref.VIEW, ref.UPDATE, ref.MASS_EDIT, ref.PROPAGATION, 2]
/** Just before the end of a slot, and the last minutes of March 2019. */
const STARTS = ['2019-03-31T23:29:59.998Z', '2019-03-31T23:44:59.999Z', '2019-02-28T23:00:00.000Z'].map(
  Date.parse,
)
const GAPS_MS = [0, 1, 2, SLOT - 1, SLOT, SLOT + 1, 2 * SLOT, 3_600_000, 86_400_000, 20 * 86_400_000]
const THRESHOLDS_S = [900, 901, 1800, 7 * 86_400]

let stores: Stores
let sink: IngestSink
let workspaceSeq = 6_000_000

beforeAll(async () => {
  const built = await buildTestApp()
  stores = built.stores
  sink = serviceSink(buildServices(built.config, stores).ingest, systemCaller(1))
  await sink.upsertEntities(
    'users',
    USERS.filter((u) => !u.unknown).map((u) => ({ artifactId: u.id, fullName: u.name })),
  )
})

const historyArb = fc.array(
  fc.record({
    user: fc.constantFrom(...USERS),
    start: fc.constantFrom(...STARTS),
    steps: fc.array(
      fc.record({
        gap: fc.constantFrom(...GAPS_MS),
        action: fc.constantFrom(...ACTIONS),
        onDocument: fc.integer({ min: 0, max: 9 }).map((n) => n < 9),
        doc: fc.integer({ min: 1, max: 4 }),
      }),
      { minLength: 1, maxLength: 14 },
    ),
  }),
  { minLength: 1, maxLength: 4 },
)

/** A bound relative to the data: a whole slot or month boundary, or a millisecond off one. */
const boundArb = fc.record({
  base: fc.constantFrom(
    Date.parse('2019-02-01T00:00:00Z'),
    Date.parse('2019-03-31T23:30:00Z'),
    Date.parse('2019-04-01T00:00:00Z'),
    Date.parse('2019-04-21T00:00:00Z'),
    Date.parse('2019-06-01T00:00:00Z'),
  ),
  offset: fc.constantFrom(0, 1, -1, 7 * 60_000 + 3, SLOT, -SLOT - 5),
})

describe('Reviewer summary from the rollups', () => {
  it('agrees with the reference on periods cutting slots and months, with batches sent twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        fc.tuple(boundArb, boundArb),
        fc.constantFrom(...THRESHOLDS_S),
        fc.constantFrom('None', 'Mass Edit and Propagation' as const),
        fc.boolean(),
        async (chains, [a, b], threshold, additional, resend) => {
          const workspaceId = ++workspaceSeq
          const audits = auditsOfChains(chains)
          const events = audits.map((audit, i) => ({
            id: `w${workspaceId}-${i}`,
            ...auditEvent(workspaceId, audit),
          }))
          expect((await sink.sendEvents('audits', events)).rejectedCount).toBe(0)
          if (resend) await sink.sendEvents('audits', events.slice(0, Math.ceil(events.length / 2)))

          const [fromMs, toMs] = [a.base + a.offset, b.base + b.offset].sort((x, y) => x - y) as [
            number,
            number,
          ]
          const endMs = Math.max(toMs, fromMs)
          const scope = await resolveScope(
            stores,
            systemCaller(1),
            workspaceId,
            {
              startDate: new Date(fromMs).toISOString(),
              endDate: new Date(endMs).toISOString(),
              timeZone: 'UTC',
            },
            { startDate: 'StartDate', endDate: 'EndDate', timeZone: 'TimeZone' },
          )
          const lines = await summaryReport(stores, scope, {
            downTimeThresholdSeconds: threshold,
            additionalActions: additional,
          })
          const names = new Map(USERS.filter((u) => !u.unknown).map((u) => [u.id, u.name]))
          const refScope: ref.RefScope = {
            ...scope.period,
            zone: { iana: 'UTC' },
            include: [],
            exclude: [],
            admins: new Set(),
            nonAdmin: false,
          }
          const sessionActions = [
            ref.VIEW,
            ref.UPDATE,
            ...(additional === 'None' ? [] : [ref.MASS_EDIT, ref.PROPAGATION]),
          ]
          expect(lines).toEqual(ref.summary(audits, refScope, sessionActions, threshold, names))
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })
})

describe('Reviewer rollups, rebuilt by their migration', () => {
  it('count the audits stored before it once, however often it runs, and the views add what follows', async () => {
    const workspaceId = ++workspaceSeq
    const views = ['reviewer_slots_from_audits', 'reviewer_documents_from_audits']
    const event = (id: string, timestamp: string, actionId: number, artifactId: number) => ({
      id,
      workspaceId,
      timestamp,
      actionId,
      objectTypeId: ref.DOCUMENT,
      artifactId,
      artifactName: `D${artifactId}`,
      userId: 22,
      userName: 'Reviewer, Flo',
    })
    const summary = async () => {
      const scope = await resolveScope(
        stores,
        systemCaller(1),
        workspaceId,
        { startDate: '2019-01-01', endDate: '2019-12-31', timeZone: 'UTC' },
        { startDate: 'StartDate', endDate: 'EndDate', timeZone: 'TimeZone' },
      )
      const [line] = await summaryReport(stores, scope, { downTimeThresholdSeconds: 900 })
      return line && [line.TotalUsageTime, line.Views, line.DistinctViews, line.Edits, line.DistinctEdits]
    }
    // Audits the views never saw, as if stored before the migration.
    for (const view of views) await stores.warehouse.command({ query: `DETACH TABLE ${view}` })
    await sink.sendEvents('audits', [
      event('f1', '2019-05-01T10:00:00.000Z', ref.VIEW, 1),
      event('f2', '2019-05-01T10:10:00.000Z', ref.VIEW, 1),
      event('f3', '2019-05-01T10:20:00.000Z', ref.UPDATE, 2),
    ])
    for (const view of views) await stores.warehouse.command({ query: `ATTACH TABLE ${view}` })
    expect(await summary()).toBeUndefined()
    const migration = WAREHOUSE_MIGRATIONS.find((m) => m.name === 'reviewer-rollups')!
    for (let run = 0; run < 2; run++)
      for (const step of migration.steps)
        for (const sql of renderStep(step, { database: stores.warehouse.database }))
          await stores.warehouse.command({ query: sql })
    expect(await summary()).toEqual(['0:20:00', 2, 1, 1, 1])
    await sink.sendEvents('audits', [event('f4', '2019-05-01T10:30:00.000Z', ref.UPDATE, 3)])
    expect(await summary()).toEqual(['0:30:00', 2, 1, 2, 2])
  })
})

describe('Periods split into whole rollup units and cut parts', () => {
  const at = (text: string) => Date.parse(text)

  it('keeps whole slots and reads the cut ends from the audits', () => {
    expect(
      splitBySlots({ fromMs: at('2019-04-01T00:07:00Z'), toMs: at('2019-04-01T01:00:00.001Z') }),
    ).toEqual({
      whole: { from: at('2019-04-01T00:15:00Z') / SLOT, to: at('2019-04-01T01:00:00Z') / SLOT },
      cut: [
        { fromMs: at('2019-04-01T00:07:00Z'), toMs: at('2019-04-01T00:15:00Z') },
        { fromMs: at('2019-04-01T01:00:00Z'), toMs: at('2019-04-01T01:00:00.001Z') },
      ],
    })
  })

  it('reads a period inside one unit from the audits alone, and one on the boundaries from the rollup alone', () => {
    const inside = { fromMs: at('2019-04-01T00:01:00Z'), toMs: at('2019-04-01T00:14:00Z') }
    expect(splitBySlots(inside)).toEqual({ cut: [inside] })
    expect(splitByMonths({ fromMs: at('2019-02-01T00:00:00Z'), toMs: at('2019-04-01T00:00:00Z') })).toEqual({
      whole: { from: 201902, to: 201904 },
      cut: [],
    })
    expect(
      splitByMonths({ fromMs: at('2018-12-31T23:59:59.999Z'), toMs: at('2019-01-31T00:00:00Z') }),
    ).toEqual({
      cut: [{ fromMs: at('2018-12-31T23:59:59.999Z'), toMs: at('2019-01-31T00:00:00Z') }],
    })
    expect(
      splitByMonths({ fromMs: at('2018-12-31T23:59:59.999Z'), toMs: at('2019-02-01T00:00:00.001Z') }),
    ).toEqual({
      whole: { from: 201901, to: 201902 },
      cut: [
        { fromMs: at('2018-12-31T23:59:59.999Z'), toMs: at('2019-01-01T00:00:00Z') },
        { fromMs: at('2019-02-01T00:00:00Z'), toMs: at('2019-02-01T00:00:00.001Z') },
      ],
    })
  })
})
