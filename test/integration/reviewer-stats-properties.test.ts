import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildServices } from '../../src/app.js'
import { systemCaller } from '../../src/modules/identity/caller.js'
import type { ReviewScope } from '../../src/modules/audit/reviewer-stats/sql.js'
import {
  ADDITIONAL_ACTIONS,
  actionsPerHourOfDay,
  documentActionCounts,
  resolveScope,
  reviewedTextSize,
  reviewerChoices,
  summaryReport,
  usageTime,
  type AdditionalActions,
} from '../../src/modules/audit/reviewer-stats/service.js'
import { serviceSink, type IngestSink } from '../../src/modules/ingest/sink.js'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp } from '../helpers/app.js'
import * as ref from '../helpers/reviewer-reference.js'
import { auditEvent, auditsOfChains } from '../helpers/reviewer-histories.js'

/**
 * Every reviewer statistic, computed by ClickHouse, against the reference implementation on random
 * audit histories: gaps exactly at the threshold and a millisecond either side, sessions across
 * local midnight and across daylight-saving changes, fixed-offset zones, users with no activity,
 * include and exclude lists, nonAdmin, and choice values by name, id, Yes/No word and field name.
 */
type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never

const SEED = Number(process.env.TALLY_FC_SEED ?? 20_261_122)
const RUNS = 30

const USERS = [
  { id: 11, name: 'Admin, Ada', admin: true },
  { id: 12, name: 'Reviewer, Bo', admin: false },
  { id: 13, name: 'Reviewer, Cy', admin: false },
  // Known only from the audits: the summary names them by their latest audit.
  { id: 14, name: 'Contractor, Di', admin: false, unknown: true },
]
const ACTIONS = [ref.VIEW, ref.UPDATE, ref.MASS_EDIT, ref.PROPAGATION, 2, 9]
const ZONES: { text: string; zone: ref.RefZone }[] = [
  { text: 'UTC', zone: { iana: 'UTC' } },
  { text: 'America/Chicago', zone: { iana: 'America/Chicago' } },
  { text: 'australia/lord_howe', zone: { iana: 'Australia/Lord_Howe' } }, // 30-minute DST shifts
  { text: 'Asia/Kolkata', zone: { iana: 'Asia/Kolkata' } },
  { text: '-05:00', zone: { offsetMinutes: -300 } },
  { text: 'UTC+05:45', zone: { offsetMinutes: 345 } },
]
/** Around the 2019 DST changes of Chicago (Mar 10, Nov 3) and Lord Howe (Apr 7, Oct 6). */
const STARTS = [
  '2019-03-10T06:30:00Z',
  '2019-11-03T05:10:00Z',
  '2019-04-06T14:40:00Z',
  '2019-10-05T15:20:00Z',
].map(Date.parse)
const THRESHOLD_S = 900
const GAPS_MS = [
  0,
  1,
  60_000,
  THRESHOLD_S * 1000 - 1,
  THRESHOLD_S * 1000,
  THRESHOLD_S * 1000 + 1,
  3 * 3_600_000,
  86_400_000,
]

let stores: Stores
let sink: IngestSink
let workspaceSeq = 5_000_000

interface History {
  workspaceId: number
  fields: ref.RefChoiceField[]
  sizes: Map<number, number>
  audits: ref.RefAudit[]
}

beforeAll(async () => {
  const built = await buildTestApp()
  stores = built.stores
  sink = serviceSink(buildServices(built.config, stores).ingest, systemCaller(1))
  await sink.upsertEntities(
    'users',
    USERS.filter((u) => !u.unknown).map((u) => ({
      artifactId: u.id,
      fullName: u.name,
      isSystemAdmin: u.admin,
    })),
  )
})

/** The fields of every history; artifact ids are fresh per workspace, as fields are unique per instance. */
const FIELD_TEMPLATES = [
  { name: 'Responsiveness', type: 'SingleChoice', choices: ['Responsive', 'Not Responsive', 'Needs Review'] },
  { name: 'Issues', type: 'MultipleChoice', choices: ['Pricing', 'Damages', 'Personnel'] },
  { name: 'Hot Document', type: 'YesNo', choices: [] },
] as const

function fieldsFor(workspaceId: number): ref.RefChoiceField[] {
  return FIELD_TEMPLATES.map((template, f) => ({
    id: workspaceId * 10 + f + 1,
    name: template.name,
    type: template.type,
    choices: template.choices.map((name, c) => ({ id: workspaceId * 1000 + f * 100 + c + 1, name })),
  }))
}

/** A change's value: nothing, a literal (Yes/No words, junk), or choices named by name, upper case or id. */
type ValueSpec = null | string | { choice: number; form: 'name' | 'upper' | 'id' }[]
const pickArb = fc.record({
  choice: fc.integer({ min: 0, max: 2 }),
  form: fc.constantFrom('name', 'upper', 'id'),
} as const)
const VALUE_ARBS: fc.Arbitrary<ValueSpec>[] = [
  fc.oneof(
    fc.constant(null),
    fc.constant('Unknown Choice'),
    pickArb.map((pick) => [pick]),
  ),
  fc.oneof(
    fc.constant(null),
    fc.uniqueArray(pickArb, { minLength: 1, maxLength: 3, selector: (pick) => pick.choice }),
  ),
  fc.constantFrom(null, 'true', 'false', 'Yes', 'no', '1', 'maybe'),
]

function renderValue(field: ref.RefChoiceField, spec: ValueSpec): string | null {
  if (spec === null || typeof spec === 'string') return spec
  return spec
    .map(({ choice, form }) => {
      const c = field.choices[choice]!
      return form === 'id' ? String(c.id) : form === 'upper' ? c.name.toUpperCase() : c.name
    })
    .join('; ')
}

/** A change of one of the fields (index 3: a field nobody asks about), by id or by name only. */
const changeArb = fc.integer({ min: 0, max: FIELD_TEMPLATES.length }).chain((field) =>
  fc.record({
    field: fc.constant(field),
    byName: fc.boolean(),
    oldValue: VALUE_ARBS[field] ?? fc.constant(null),
    newValue: VALUE_ARBS[field] ?? fc.constant('x'),
  }),
)
type ChangeSpec = ValueOf<typeof changeArb>

function renderChange(fields: ref.RefChoiceField[], change: ChangeSpec): ref.RefChange {
  const field = fields[change.field]
  if (!field) return { field: 'Comments', oldValue: null, newValue: 'x' }
  return {
    ...(change.byName ? {} : { fieldId: field.id }),
    field: change.byName ? field.name.toLowerCase() : field.name,
    oldValue: renderValue(field, change.oldValue),
    newValue: renderValue(field, change.newValue),
  }
}

/** Each user's actions as a chain of gaps from a start, so gaps land exactly on the threshold. */
const historyArb = fc.array(
  fc.record({
    user: fc.constantFrom(...USERS),
    start: fc.constantFrom(...STARTS),
    steps: fc.array(
      fc.record({
        gap: fc.constantFrom(...GAPS_MS),
        action: fc.constantFrom(...ACTIONS),
        onDocument: fc.integer({ min: 0, max: 9 }).map((n) => n < 8),
        doc: fc.integer({ min: 1, max: 5 }),
        changes: fc.array(changeArb, { maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  }),
  { maxLength: 4 },
)

/** In time order: any end from a start's index on is not before it. */
const PERIOD_BOUNDS = [
  '2019-03-09',
  '2019-03-10',
  '2019-03-10T02:30:00',
  '2019-04-06',
  '2019-04-07',
  '2019-10-05T23:00:00',
  '2019-11-03',
  '2019-11-03T01:30:00',
  '2019-11-05',
  '2019-12-31',
]

const requestArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  // Periods by date, or by date and time cutting through the data (2:30 on Mar 10 does not exist in Chicago).
  period: fc.tuple(fc.nat(PERIOD_BOUNDS.length - 1), fc.nat(PERIOD_BOUNDS.length - 1)).map(([a, b]) => ({
    startDate: PERIOD_BOUNDS[Math.min(a, b)]!,
    endDate: PERIOD_BOUNDS[Math.max(a, b)]!,
  })),
  include: fc.subarray(USERS.map((u) => u.id).concat([99])),
  exclude: fc.subarray(USERS.map((u) => u.id)),
  nonAdmin: fc.boolean(),
  additional: fc.constantFrom(...(Object.keys(ADDITIONAL_ACTIONS) as AdditionalActions[])),
  threshold: fc.constantFrom(THRESHOLD_S, 60, 1),
})

async function ingestHistory(chains: ValueOf<typeof historyArb>): Promise<History> {
  const workspaceId = ++workspaceSeq
  const fields = fieldsFor(workspaceId)
  const sizes = new Map([1, 2, 3, 4, 5].map((doc) => [doc, doc * 1000 + (workspaceId % 7)]))
  const audits = auditsOfChains(chains, (step) => step.changes.map((change) => renderChange(fields, change)))
  await sink.upsertEntities(
    'fields',
    fields.map((f) => ({
      artifactId: f.id,
      workspaceId,
      name: f.name,
      fieldType: f.type,
      ...(f.choices.length > 0 && { choices: f.choices.map((c) => ({ artifactId: c.id, name: c.name })) }),
    })),
  )
  await sink.upsertEntities(
    'documents',
    [...sizes].map(([artifactId, extractedTextBytes]) => ({
      artifactId,
      workspaceId,
      controlNumber: `D${artifactId}`,
      extractedTextBytes,
    })),
  )
  if (audits.length > 0) {
    const result = await sink.sendEvents(
      'audits',
      audits.map((audit) => auditEvent(workspaceId, audit)),
    )
    expect(result.rejectedCount).toBe(0)
  }
  return { workspaceId, fields, sizes, audits }
}

type Request = ValueOf<typeof requestArb>

/** Runs `check` on random histories and requests, with the scope Tally resolved and the reference's. */
const property = (
  check: (history: History, request: Request, scope: ReviewScope, expected: ref.RefScope) => Promise<void>,
) =>
  fc.assert(
    fc.asyncProperty(historyArb, requestArb, async (chains, request) => {
      const history = await ingestHistory(chains)
      const scope = await resolveScope(
        stores,
        systemCaller(1),
        history.workspaceId,
        {
          ...request.period,
          timeZone: request.zone.text,
          includeUserIds: request.include,
          excludeUserIds: request.exclude,
          nonAdmin: request.nonAdmin,
        },
        { startDate: 'StartDate', endDate: 'EndDate', timeZone: 'TimeZone' },
      )
      // The period is the reference's own reading of the request, so days and bounds are checked too.
      const period = ref.period(request.period.startDate, request.period.endDate, request.zone.zone)
      expect(scope.period).toEqual(period)
      await check(history, request, scope, {
        ...period,
        zone: request.zone.zone,
        include: request.include,
        exclude: request.exclude,
        admins: new Set(USERS.filter((u) => u.admin).map((u) => u.id)),
        nonAdmin: request.nonAdmin,
      })
    }),
    { seed: SEED, numRuns: RUNS },
  )

const sessionActions = (additional: AdditionalActions) => [
  ref.VIEW,
  ref.UPDATE,
  ...ADDITIONAL_ACTIONS[additional],
]

describe('Reviewer statistics agree with the reference implementation', () => {
  it('summary-report', async () => {
    await property(async (history, request, scope, refScope) => {
      const lines = await summaryReport(stores, scope, {
        downTimeThresholdSeconds: request.threshold,
        additionalActions: request.additional,
      })
      const names = new Map(USERS.filter((u) => !u.unknown).map((u) => [u.id, u.name]))
      expect(lines).toEqual(
        ref.summary(history.audits, refScope, sessionActions(request.additional), request.threshold, names),
      )
    })
  })

  it('usage-time', async () => {
    await property(async (history, request, scope, refScope) => {
      const users = await usageTime(stores, scope, {
        downTimeThresholdSeconds: request.threshold,
        additionalActions: request.additional,
      })
      const expected = ref.usageSeconds(
        history.audits,
        refScope,
        sessionActions(request.additional),
        request.threshold,
      )
      expect(users).toEqual(
        ref
          .listedUsers(refScope, [...expected.keys()])
          .map((userId) => ({ userId, totalSeconds: expected.get(userId) ?? 0 })),
      )
    })
  })

  it('document-action-counts, with the default actions and with requested ones', async () => {
    await property(async (history, request, scope, refScope) => {
      for (const requested of [undefined, [ref.UPDATE, 2, ref.VIEW]]) {
        const users = await documentActionCounts(stores, scope, requested)
        const actions = requested ?? [ref.VIEW, ref.UPDATE, ref.MASS_EDIT, ref.PROPAGATION]
        const expected = ref.actionCounts(history.audits, refScope, actions)
        expect(users).toEqual(
          ref.listedUsers(refScope, [...expected.keys()]).map((userId) => {
            const mine = expected.get(userId) ?? new Map()
            return {
              userId,
              actions: actions
                .filter((id) => requested !== undefined || mine.has(id))
                .map((actionId) => ({
                  actionId,
                  count: mine.get(actionId)?.count ?? 0,
                  distinctDocuments: mine.get(actionId)?.docs ?? 0,
                })),
            }
          }),
        )
      }
    })
  })

  it('distinct-document-actions-per-hour-of-day', async () => {
    await property(async (history, request, scope, refScope) => {
      const users = await actionsPerHourOfDay(stores, scope, undefined)
      const expected = ref.hourBuckets(history.audits, refScope, [
        ref.VIEW,
        ref.UPDATE,
        ref.MASS_EDIT,
        ref.PROPAGATION,
      ])
      expect(users).toEqual(
        ref.listedUsers(refScope, [...expected.keys()]).map((userId) => ({
          userId,
          hours: expected.get(userId) ?? new Array(24).fill(0),
        })),
      )
    })
  })

  it('total-reviewed-text-size', async () => {
    await property(async (history, request, scope, refScope) => {
      const users = await reviewedTextSize(stores, scope, undefined)
      const expected = ref.textBytes(history.audits, refScope, history.sizes)
      expect(users).toEqual(
        ref
          .listedUsers(refScope, [...expected.keys()])
          .map((userId) => ({ userId, totalBytes: expected.get(userId) ?? 0 })),
      )
    })
  })

  it('reviewer-choices', async () => {
    await property(async (history, request, scope, refScope) => {
      const users = await reviewerChoices(
        stores,
        scope,
        history.fields.map((f) => f.id),
      )
      const expected = ref.reviewerChoices(history.audits, refScope, history.fields)
      expect(users).toEqual(
        ref.listedUsers(refScope, [...expected.keys()]).map((userId) => {
          const mine = expected.get(userId)
          return {
            userId,
            fields: history.fields.map((field, i) => ({
              fieldId: field.id,
              fieldType: { MultipleChoice: 0, SingleChoice: 1, YesNo: 2 }[field.type],
              choices: (field.type === 'YesNo' ? [{ id: 1 }, { id: 0 }] : field.choices).map((c) => ({
                choiceId: c.id,
                count: mine?.fields[i]!.counts.get(c.id) ?? 0,
              })),
              choicesUnset: mine?.fields[i]!.unset ?? 0,
            })),
            docsUpdated: mine?.docs ?? 0,
            choicesUnset: mine?.unset ?? 0,
          }
        }),
      )
    })
  })
})
