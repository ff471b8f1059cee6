import { pivotDayByAction, reviewerSummary, type ReviewerCounts } from '../baseline-pg.js'
import { BENCH_TENANT_ID } from '../data.js'
import { type BenchContext, type Scenario, baselineCounts, compareTimes, measure, timed } from './scenario.js'

/**
 * Scenarios 4 and 5, the audit aggregations: the Audit Pivot of every audit of the largest
 * workspace by local day and action, and the reviewer statistics summary report over its whole
 * span. The baseline runs the same logical query on PostgreSQL; both must agree on the figures.
 */

const PIVOT_TIME_ZONE = 'America/Chicago'
const DOWNTIME_SECONDS = 900

async function post<T>(ctx: BenchContext, endpoint: string, body: object): Promise<T> {
  const response = await fetch(
    `${ctx.server.url}/Relativity.REST/api/relativity-audit/v1/workspaces/${ctx.data.workspace.id}/${endpoint}`,
    { method: 'POST', headers: ctx.server.headers, body: JSON.stringify(body) },
  )
  if (response.status !== 200)
    throw new Error(`${endpoint} answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as T
}

interface PivotAnswer {
  TotalCount: number
  Results: Record<string, string | number>[]
}

export const auditPivot: Scenario = {
  number: 4,
  id: 'audit-pivot',
  title: 'Audit pivot, day × action, one workspace',
  async run(ctx) {
    const body = {
      settings: { GroupBy: { Name: 'Timestamp' }, PivotOn: { Name: 'Action' }, TimeZone: PIVOT_TIME_ZONE },
      cancel: {},
      progress: {},
    }
    let answer: PivotAnswer | undefined
    const tallyMs = await measure('audit-pivot: Tally', ctx.counts.query, async () => {
      const { ms, result } = await timed(() => post<PivotAnswer>(ctx, 'pivots', body))
      answer = result
      return ms
    })
    const query = { tenantId: BENCH_TENANT_ID, workspaceId: ctx.data.workspace.id, timeZone: PIVOT_TIME_ZONE }
    let cells: Awaited<ReturnType<typeof pivotDayByAction>> = []
    const pgMs = await measure('audit-pivot: PostgreSQL', baselineCounts(ctx, ctx.counts.query), async () => {
      const { ms, result } = await timed(() => pivotDayByAction(ctx.pg, query))
      cells = result
      return ms
    })
    // The same audits, over the same days (Tally also lists the days without any, as zeros).
    const tallyTotal = answer!.Results.reduce((sum, row) => sum + Number(row['Grand Total']), 0)
    const pgTotal = cells.reduce((sum, cell) => sum + cell.n, 0)
    const tallyDays = answer!.Results.filter((row) => Number(row['Grand Total']) > 0).length
    const pgDays = new Set(cells.map((cell) => cell.day)).size
    if (tallyTotal !== pgTotal || tallyDays !== pgDays || tallyTotal !== ctx.data.workspace.rows) {
      throw new Error(
        `the pivots differ: Tally ${tallyTotal} audits over ${tallyDays} days, PostgreSQL ${pgTotal} over ${pgDays}`,
      )
    }
    return compareTimes(
      auditPivot,
      { tallyMs, pgMs },
      { text: 'p95 < 1000 ms', ms: 1000 },
      {
        workspaceId: ctx.data.workspace.id,
        timeZone: PIVOT_TIME_ZONE,
        rows: answer!.TotalCount,
        audits: tallyTotal,
      },
    )
  },
}

interface SummaryLine {
  UserId: number
  TotalUsageTime: string
  Views: number
  DistinctViews: number
  Edits: number
  DistinctEdits: number
  MassEdits: number
  Propagations: number
}

const seconds = (usage: string) => usage.split(':').reduce((total, part) => total * 60 + Number(part), 0)

const asCounts = (line: SummaryLine): ReviewerCounts => ({
  userId: line.UserId,
  views: line.Views,
  distinctViews: line.DistinctViews,
  edits: line.Edits,
  distinctEdits: line.DistinctEdits,
  massEdits: line.MassEdits,
  propagations: line.Propagations,
  usageSeconds: seconds(line.TotalUsageTime),
})

export const reviewerSummaryReport: Scenario = {
  number: 5,
  id: 'reviewer-summary',
  title: 'Reviewer statistics summary report, one workspace',
  async run(ctx) {
    const startDate = ctx.data.workspace.first.slice(0, 10)
    const endDate = ctx.data.workspace.last.slice(0, 10)
    const body = {
      reviewerStatsDataRequest: { startDate, endDate, timeZone: 'UTC', downTimeThreshold: DOWNTIME_SECONDS },
    }
    let lines: SummaryLine[] = []
    const tallyMs = await measure('reviewer-summary: Tally', ctx.counts.query, async () => {
      const { ms, result } = await timed(() => post<SummaryLine[]>(ctx, 'summary-report', body))
      lines = result
      return ms
    })
    const query = {
      tenantId: BENCH_TENANT_ID,
      workspaceId: ctx.data.workspace.id,
      from: `${startDate}T00:00:00Z`,
      to: new Date(Date.parse(`${endDate}T00:00:00Z`) + 86_400_000).toISOString(),
      thresholdSeconds: DOWNTIME_SECONDS,
    }
    let baseline: ReviewerCounts[] = []
    const pgMs = await measure(
      'reviewer-summary: PostgreSQL',
      baselineCounts(ctx, ctx.counts.query),
      async () => {
        const { ms, result } = await timed(() => reviewerSummary(ctx.pg, query))
        baseline = result
        return ms
      },
    )
    const byUser = (a: ReviewerCounts, b: ReviewerCounts) => a.userId - b.userId
    const tallyCounts = lines.map(asCounts).sort(byUser)
    if (JSON.stringify(tallyCounts) !== JSON.stringify(baseline.sort(byUser))) {
      throw new Error('the reviewer summaries differ between Tally and PostgreSQL')
    }
    return compareTimes(
      reviewerSummaryReport,
      { tallyMs, pgMs },
      { text: 'p95 < 1000 ms', ms: 1000 },
      { workspaceId: ctx.data.workspace.id, startDate, endDate, reviewers: lines.length },
    )
  },
}
