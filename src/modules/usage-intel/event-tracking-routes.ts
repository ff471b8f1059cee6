import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { Stores } from '../../store/stores.js'
import { requirePermission } from '../identity/caller.js'
import { AVERAGE_BUCKETS, COUNT_BUCKETS, advancedReport, lifetimeHistogram } from './event-histograms.js'
import { SORT_ORDERS, TABLE_SORTS, TABLE_VIEWS, eventTable } from './event-tables.js'
import { NORMALIZATIONS, eventTimeline } from './event-timeline.js'
import { listTrackedEvents, setTrackedEvents } from './event-tracking.js'
import { EventRefSchema, EventSeriesSchema } from './events.js'
import { DATE_SPLITS } from './periods.js'
import { productRoutes, reportTarget } from './properties.js'
import { HistogramSchema, ProductParams, SegmentValue } from './schemas.js'
import { ReportScopeProperties, SCOPE_EXAMPLE } from './scope.js'

const EVENT_NAME = { minLength: 1, maxLength: 1024 }

const TrackedEventSchema = Type.Object({
  category: Type.String(),
  name: Type.String(),
  collected: Type.Boolean({
    description: 'Stored when reported; events not collected are dropped at ingestion',
  }),
  advanced: Type.Boolean({ description: 'In advanced tracking: covered by the advanced report' }),
  count: Type.Integer({ description: 'Events of this name stored, over all time' }),
  firstReported: Type.Union([Type.String(), Type.Null()], {
    description: 'When ingestion first saw it; null when set before it was reported',
  }),
  lastReported: Type.Union([Type.String(), Type.Null()], {
    description: 'When ingestion last saw it, to the minute',
  }),
})
const TrackedEventsResponse = Type.Object({
  productId: Type.Integer(),
  events: Type.Array(TrackedEventSchema, { description: 'By category, then name' }),
})
const TrackingChangesBody = Type.Object(
  {
    events: Type.Array(
      Type.Object(
        {
          category: Type.String(EVENT_NAME),
          name: Type.String(EVENT_NAME),
          collected: Type.Optional(Type.Boolean()),
          advanced: Type.Optional(Type.Boolean({ description: 'Only a collected event may be advanced' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        events: [
          { category: 'Export', name: 'PDF', collected: true, advanced: true },
          { category: 'Debug', name: 'Heartbeat', collected: false },
        ],
      },
    ],
  },
)

export const TableBody = Type.Object(
  {
    ...ReportScopeProperties,
    view: Type.Optional(
      Type.Enum([...TABLE_VIEWS], {
        description: 'flat (default): one row per event; tree: categories holding their names',
      }),
    ),
    sortBy: Type.Optional(Type.Enum([...TABLE_SORTS], { description: 'Default occurrences' })),
    sortOrder: Type.Optional(Type.Enum([...SORT_ORDERS], { description: 'Default desc' })),
    search: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'Only events whose category or name contains this, any case',
      }),
    ),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-based; default 1' })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Default 50' })),
  },
  {
    additionalProperties: false,
    examples: [{ ...SCOPE_EXAMPLE, view: 'tree', segmentBy: 'os', pageSize: 20 }],
  },
)
/** What a data table request leaves out. */
export const TABLE_DEFAULTS = {
  view: 'flat',
  sortBy: 'occurrences',
  sortOrder: 'desc',
  page: 1,
  pageSize: 50,
} as const
const Figures = {
  occurrences: Type.Integer(),
  clients: Type.Integer({ description: 'Clients who performed it' }),
  averagePerClient: Type.Number({ description: 'occurrences ÷ clients, 2 decimals' }),
  percentOfClients: Type.Number({ description: 'clients ÷ the population × 100, 2 decimals' }),
}
const EventRow = Type.Object({
  category: Type.String(),
  name: Type.Union([Type.String(), Type.Null()], { description: 'null on a category row of the tree view' }),
  ...Figures,
  segments: Type.Optional(
    Type.Array(Type.Object({ segment: Type.String(), ...Figures }), {
      description: 'With segmentBy: the same figures per segment, largest first',
    }),
  ),
})
const TableRow = Type.Object({
  ...EventRow.properties,
  children: Type.Optional(Type.Array(EventRow, { description: 'Tree view: the category’s names' })),
})
export const TableResponse = Type.Object({
  clients: Type.Integer({ description: 'The population the percentages are of' }),
  totalRows: Type.Integer({ description: 'Rows (categories in the tree view) over all pages' }),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  rows: Type.Array(TableRow),
})

const TimelineBody = Type.Object(
  {
    ...ReportScopeProperties,
    events: EventSeriesSchema,
    dateSplit: Type.Optional(Type.Enum([...DATE_SPLITS], { description: 'Default day' })),
    normalizeBy: Type.Optional(
      Type.Enum([...NORMALIZATIONS], {
        description:
          'Divide each period’s occurrences by its active clients, sessions or runtime hours (4 decimals); default none',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        ...SCOPE_EXAMPLE,
        events: [{ category: 'Export', name: 'PDF' }, { category: 'Import' }],
        dateSplit: 'week',
        normalizeBy: 'clients',
      },
    ],
  },
)
const TimelineResponse = Type.Object({
  dateSplit: Type.Enum([...DATE_SPLITS]),
  normalizeBy: Type.Enum([...NORMALIZATIONS]),
  results: Type.Array(
    Type.Object({
      segment: SegmentValue,
      series: Type.Array(
        Type.Object({
          label: Type.String({ description: 'Category / Name, Category, or a combination joined by +' }),
          periods: Type.Array(
            Type.Object({
              period: Type.String({ description: 'The first day of the period' }),
              occurrences: Type.Integer(),
              value: Type.Number({ description: 'occurrences, or occurrences ÷ the normalizing figure' }),
            }),
          ),
        }),
      ),
    }),
  ),
})

const bucketList = (buckets: readonly { label: string }[]) => ['0', ...buckets.map((b) => b.label)].join(', ')

export const LifetimeHistogramBody = Type.Object(
  { ...ReportScopeProperties, events: EventSeriesSchema },
  {
    additionalProperties: false,
    examples: [
      {
        ...SCOPE_EXAMPLE,
        events: [{ category: 'Export', name: 'PDF' }, [{ category: 'Import' }, { category: 'Export' }]],
      },
    ],
  },
)
export const LifetimeHistogramResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      segment: SegmentValue,
      clients: Type.Integer({ description: 'The cohort: clients first seen in the range' }),
      series: Type.Array(
        Type.Object({
          label: Type.String(),
          clients: Type.Integer({ description: 'Cohort clients who performed it' }),
          count: HistogramSchema,
          perDay: HistogramSchema,
          perWeek: HistogramSchema,
          perMonth: HistogramSchema,
        }),
      ),
    }),
  ),
})

const AdvancedBody = Type.Object(
  {
    ...ReportScopeProperties,
    events: Type.Optional(
      Type.Array(
        Type.Object(
          { category: EventRefSchema.properties.category, name: Type.String(EVENT_NAME) },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          maxItems: 100,
          description: 'Events in advanced tracking; default all of them',
        },
      ),
    ),
  },
  { additionalProperties: false, examples: [{ ...SCOPE_EXAMPLE, segmentBy: 'productVersion' }] },
)
const AdvancedResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      segment: SegmentValue,
      clients: Type.Integer({ description: 'Clients active in the range' }),
      events: Type.Array(
        Type.Object({
          category: Type.String(),
          name: Type.String(),
          ...Figures,
          averageValue: Type.Union([Type.Number(), Type.Null()], {
            description: 'Mean of the values the occurrences carried, 2 decimals; null when none did',
          }),
          histogram: HistogramSchema,
        }),
      ),
    }),
  ),
})

/** Event tracking management and the event tracking reports of the usage intelligence document. */
export async function eventTrackingRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = productRoutes(instance, stores)
  const tags = ['usage intelligence']

  app.get(
    '/event-tracking/:product_id',
    {
      schema: {
        tags,
        summary: 'The event categories and names the product reported, and which are collected and advanced',
        params: ProductParams,
        response: { 200: TrackedEventsResponse },
      },
    },
    async (request) => {
      const { tenantId, productId } = reportTarget(request)
      return { productId, events: await listTrackedEvents(stores, tenantId, productId) }
    },
  )

  app.put(
    '/event-tracking/:product_id',
    {
      schema: {
        tags,
        summary: 'Set which events are collected (stored from now on) and which are in advanced tracking',
        description:
          'All changes or none. An omitted flag stays as it was; a name not reported yet may be set ahead. Answers the whole list.',
        params: ProductParams,
        body: TrackingChangesBody,
        response: { 200: TrackedEventsResponse },
      },
    },
    async (request) => {
      const { tenantId, productId } = reportTarget(request)
      requirePermission(request.caller, 'Manage Event Tracking', [
        { kind: 'product', value: String(productId) },
      ])
      await setTrackedEvents(stores, tenantId, productId, request.body.events)
      return { productId, events: await listTrackedEvents(stores, tenantId, productId) }
    },
  )

  for (const kind of ['lifetime', 'basic'] as const) {
    app.post(
      `/reporting/eventTracking/${kind}/dataTable/:product_id`,
      {
        schema: {
          tags,
          summary:
            kind === 'lifetime'
              ? 'Lifetime event data table: every event of the clients first seen in the range, over their lifetime'
              : 'Basic event data table: every event within the range, among the clients active in it',
          description:
            'Occurrences, clients who performed each event, per-client average and share of the population; flat or by category, sorted, paged, segmented.',
          params: ProductParams,
          body: TableBody,
          response: { 200: TableResponse },
        },
      },
      async (request) =>
        eventTable(stores, kind, { ...TABLE_DEFAULTS, ...request.body, ...reportTarget(request) }),
    )
  }

  app.post(
    '/reporting/eventTracking/basic/timeline/:product_id',
    {
      schema: {
        tags,
        summary:
          'Basic event timeline: occurrences of a few events per day, week or month, optionally normalized',
        params: ProductParams,
        body: TimelineBody,
        response: { 200: TimelineResponse },
      },
    },
    async (request) => {
      const { dateSplit = 'day', normalizeBy = 'none', ...scope } = request.body
      const results = await eventTimeline(stores, {
        ...scope,
        dateSplit,
        normalizeBy,
        ...reportTarget(request),
      })
      return { dateSplit, normalizeBy, results }
    },
  )

  app.post(
    '/reporting/eventTracking/lifetime/histogram/:product_id',
    {
      schema: {
        tags,
        summary:
          'Lifetime event histograms: how much the clients first seen in the range performed each event',
        description: `Four histograms per event or combination, over each client's lifetime (first to last active day): counts (buckets ${bucketList(COUNT_BUCKETS)}) and averages per day, week (7 days) and month (30 days) of lifetime (buckets ${bucketList(AVERAGE_BUCKETS)}; each bucket holds values above the previous edge up to its own).`,
        params: ProductParams,
        body: LifetimeHistogramBody,
        response: { 200: LifetimeHistogramResponse },
      },
    },
    async (request) => ({
      results: await lifetimeHistogram(stores, { ...request.body, ...reportTarget(request) }),
    }),
  )

  app.post(
    '/reporting/eventTracking/advanced/fullReport/:product_id',
    {
      schema: {
        tags,
        summary: 'Advanced events: usage of each event in advanced tracking, with its per-client histogram',
        description: `Among the clients active in the range: clients, occurrences, averages, the mean value carried, and how many clients performed it how often (buckets ${bucketList(COUNT_BUCKETS)}). An event not in advanced tracking is a 400.`,
        params: ProductParams,
        body: AdvancedBody,
        response: { 200: AdvancedResponse },
      },
    },
    async (request) => ({
      results: await advancedReport(stores, { ...request.body, ...reportTarget(request) }),
    }),
  )
}
