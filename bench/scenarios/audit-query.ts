import { ACTION } from '../../src/modules/audit/catalog.js'
import { type AuditPageQuery, queryAuditPage } from '../baseline-pg.js'
import { BENCH_TENANT_ID } from '../data.js'
import type { PreparedData } from '../prepare-data.js'
import { type BenchContext, type Scenario, baselineCounts, compareTimes, measure, timed } from './scenario.js'

/**
 * Scenarios 2 and 3: the audit UI query (`POST …/audits/UI/query`) over the largest workspace,
 * filtered by a time range and `Action IN CHOICE [View, Update]`, sorted by Timestamp descending;
 * first the first page, then a page at 90 % of the result. The baseline runs the same count and
 * page on PostgreSQL. Both must return the same TotalCount and the same Audit IDs in the same order.
 */

export const PAGE_LENGTH = 100
export const ACTIONS = [ACTION.View, ACTION.Update]
/** The columns the audit UI shows by default. */
export const FIELDS = [
  'Timestamp',
  'Action',
  'User Name',
  'Object Type',
  'Object Name',
  'Execution Time (ms)',
  'Details',
]

/** The workspace's activity from 10 % into its span to its last audit: most of its history. */
export function filterOf(data: PreparedData): { from: string; to: string } {
  const first = Date.parse(data.workspace.first)
  const last = Date.parse(data.workspace.last)
  const day = 24 * 3600 * 1000
  const from = new Date(Math.floor((first + (last - first) * 0.1) / day) * day)
  return { from: from.toISOString(), to: new Date(last).toISOString() }
}

/** The condition both query scenarios send, in the audit condition language. */
export function conditionOf(data: PreparedData): string {
  const { from, to } = filterOf(data)
  return `'Timestamp' >= ${from} AND 'Timestamp' <= ${to} AND 'Action' IN CHOICE [${ACTIONS.join(', ')}]`
}

interface TallyPage {
  TotalCount: number
  CurrentStartIndex: number
  ResultCount: number
  Objects: { Name: string }[]
}

async function queryTally(ctx: BenchContext, start: number): Promise<TallyPage> {
  const body = {
    request: {
      objectType: { artifactTypeID: 1_000_042 },
      fields: FIELDS.map((Name) => ({ Name })),
      condition: conditionOf(ctx.data),
      sorts: [{ FieldIdentifier: { Name: 'Timestamp' }, Order: 0, Direction: 'Descending' }],
    },
    start,
    length: PAGE_LENGTH,
  }
  const response = await fetch(
    `${ctx.server.url}/Relativity.REST/api/relativity-audit/v1/workspaces/${ctx.data.workspace.id}/audits/UI/query`,
    { method: 'POST', headers: ctx.server.headers, body: JSON.stringify(body) },
  )
  if (response.status !== 200)
    throw new Error(`the audit query answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as TallyPage
}

function auditScenario(options: {
  number: number
  id: string
  title: string
  deep: boolean
  targetMs: number
}): Scenario {
  return {
    number: options.number,
    id: options.id,
    title: options.title,
    async run(ctx: BenchContext) {
      const first = await queryTally(ctx, 1)
      const total = first.TotalCount
      // "Near the end": the page holding the record at 90 % of the result.
      const start = options.deep ? Math.floor(total * 0.9) + 1 : 1
      const offset = Math.floor((start - 1) / PAGE_LENGTH) * PAGE_LENGTH
      const { from, to } = filterOf(ctx.data)
      const pgQuery: AuditPageQuery = {
        tenantId: BENCH_TENANT_ID,
        workspaceId: ctx.data.workspace.id,
        from,
        to,
        actionIds: ACTIONS,
        offset,
        length: PAGE_LENGTH,
      }
      const counts = ctx.counts.query

      let tallyIds: string[] = []
      const tallyMs = await measure(`${options.id}: Tally`, counts, async () => {
        const { ms, result } = await timed(() => queryTally(ctx, start))
        if (result.TotalCount !== total || result.CurrentStartIndex !== offset + 1)
          throw new Error(`Tally answered TotalCount ${result.TotalCount} at ${result.CurrentStartIndex}`)
        tallyIds = result.Objects.map((o) => o.Name)
        return ms
      })
      let pgIds: string[] = []
      const pgMs = await measure(`${options.id}: PostgreSQL`, baselineCounts(ctx, counts), async () => {
        const { ms, result } = await timed(() => queryAuditPage(ctx.pg, pgQuery))
        if (result.totalCount !== total)
          throw new Error(`PostgreSQL counted ${result.totalCount} audits, Tally ${total}: the stores differ`)
        pgIds = result.auditIds
        return ms
      })
      if (tallyIds.length !== PAGE_LENGTH || tallyIds.join() !== pgIds.join())
        throw new Error(`Tally and PostgreSQL returned different pages at offset ${offset}`)

      return compareTimes(
        options,
        { tallyMs, pgMs },
        { text: `p95 < ${options.targetMs} ms`, ms: options.targetMs },
        {
          workspaceId: ctx.data.workspace.id,
          condition: { from, to, actionIds: ACTIONS },
          totalCount: total,
          start,
          offset,
          length: PAGE_LENGTH,
          fields: FIELDS,
        },
      )
    },
  }
}

export const auditFirstPage = auditScenario({
  number: 2,
  id: 'audit-first-page',
  title: 'Audit UI query, first page',
  deep: false,
  targetMs: 50,
})

export const auditDeepPage = auditScenario({
  number: 3,
  id: 'audit-deep-page',
  title: 'Audit UI query, page at 90 %',
  deep: true,
  targetMs: 200,
})
