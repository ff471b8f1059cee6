import type { FastifyInstance } from 'fastify'
import type { Stores } from '../../../store/stores.js'
import { DEFAULT_DAYS_UNTIL_LOST } from '../date-range.js'
import { lifetimeHistogram } from '../event-histograms.js'
import { eventTable } from '../event-tables.js'
import { TABLE_DEFAULTS, TableResponse } from '../event-tracking-routes.js'
import { productRoutes, reportTarget } from '../properties.js'
import { ProductParams } from '../schemas.js'
import { churnedCohort } from './cohort.js'
import { churnAndEngagement } from './engagement.js'
import { CHURN_HISTOGRAMS, churnHistogram } from './histograms.js'
import {
  ChurnHistogramBody,
  ChurnHistogramResponse,
  ChurnLifetimeHistogramBody,
  ChurnLifetimeHistogramResponse,
  ChurnTableBody,
  EngagementBody,
  EngagementResponse,
} from './schemas.js'

const HISTOGRAM_SUMMARIES = {
  days: 'Churn days histogram: the churned clients by active days over their lifetime',
  runtime: 'Churn runtime histogram: the churned clients by runtime hours over their lifetime',
  sessions: 'Churn sessions histogram: the churned clients by sessions over their lifetime',
} as const

/** Today, UTC: clients are lost as of it. */
const today = () => new Date().toISOString().slice(0, 10)

/** The usage intelligence document's churn-related reports, under /v3 (docs/semantics.md, "Churn"). */
export async function churnRoutes(instance: FastifyInstance, options: { stores: Stores }): Promise<void> {
  const { stores } = options
  const app = productRoutes(instance, stores)
  const tags = ['usage intelligence']

  app.post(
    '/reporting/engagement/churnAndEngagement/:product_id',
    {
      schema: {
        tags,
        summary:
          'Churn and engagement: of the clients new in the range, how many were engaged or lost x days, weeks or months on',
        description:
          'Per column, a client’s checkpoint is its first day plus x units: engaged when active on or after it, lost when lost by then. A client is judged only once daysUntilDeclaredLost days have passed since its checkpoint; until then it is pending.',
        params: ProductParams,
        body: EngagementBody,
        response: { 200: EngagementResponse },
      },
    },
    async (request) => {
      const {
        unit = 'days',
        daysUntilDeclaredLost = DEFAULT_DAYS_UNTIL_LOST,
        lostDate = 'lastSeen',
        ...scope
      } = request.body
      const asOf = today()
      const report = await churnAndEngagement(stores, {
        ...scope,
        ...reportTarget(request),
        unit,
        daysUntilDeclaredLost,
        lostDate,
        today: asOf,
      })
      return { unit, after: report.after, daysUntilDeclaredLost, lostDate, asOf, results: report.results }
    },
  )

  for (const kind of Object.keys(CHURN_HISTOGRAMS) as (keyof typeof CHURN_HISTOGRAMS)[]) {
    app.post(
      `/reporting/churn/histogram/${kind}/:product_id`,
      {
        schema: {
          tags,
          summary: HISTOGRAM_SUMMARIES[kind],
          description:
            'The churned clients: first seen in the range, lost since (no activity for daysUntilDeclaredLost days up to today). Buckets as the usage distribution’s.',
          params: ProductParams,
          body: ChurnHistogramBody,
          response: { 200: ChurnHistogramResponse },
        },
      },
      async (request) => {
        const { daysUntilDeclaredLost = DEFAULT_DAYS_UNTIL_LOST, ...scope } = request.body
        const asOf = today()
        const results = await churnHistogram(stores, kind, {
          ...scope,
          ...reportTarget(request),
          daysUntilDeclaredLost,
          today: asOf,
        })
        return { daysUntilDeclaredLost, asOf, results }
      },
    )
  }

  app.post(
    '/reporting/eventTracking/churn/lifetime/dataTable/:product_id',
    {
      schema: {
        tags,
        summary: 'Churn user activity data table: every event of the churned clients, over their lifetime',
        description:
          'The lifetime event data table over the clients first seen in the range and lost since; percentages are of them.',
        params: ProductParams,
        body: ChurnTableBody,
        response: { 200: TableResponse },
      },
    },
    async (request) => {
      const { daysUntilDeclaredLost = DEFAULT_DAYS_UNTIL_LOST, ...table } = request.body
      const cohort = churnedCohort({ daysUntilDeclaredLost, today: today() })
      return eventTable(stores, 'lifetime', { ...TABLE_DEFAULTS, ...table, ...reportTarget(request) }, cohort)
    },
  )

  app.post(
    '/reporting/eventTracking/churn/lifetime/histogram/:product_id',
    {
      schema: {
        tags,
        summary: 'Churn user activity histogram: how much the churned clients performed each event',
        description:
          'The lifetime event histograms (counts, averages per day, week and month of lifetime) over the clients first seen in the range and lost since.',
        params: ProductParams,
        body: ChurnLifetimeHistogramBody,
        response: { 200: ChurnLifetimeHistogramResponse },
      },
    },
    async (request) => {
      const { daysUntilDeclaredLost = DEFAULT_DAYS_UNTIL_LOST, ...histogram } = request.body
      const cohort = churnedCohort({ daysUntilDeclaredLost, today: today() })
      return { results: await lifetimeHistogram(stores, { ...histogram, ...reportTarget(request) }, cohort) }
    },
  )
}
