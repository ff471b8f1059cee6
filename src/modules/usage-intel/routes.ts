import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { Stores } from '../../store/stores.js'
import { productRoutes, productProperties, propertyValues, reportTarget } from './properties.js'
import { DEFAULT_DAYS_UNTIL_LOST, dateRangeReport } from './date-range.js'
import { DATE_SPLITS } from './periods.js'
import { DEFAULT_ACTIVE_WITHIN_DAYS, currentReport } from './current.js'
import { ReportScopeProperties, SCOPE_EXAMPLE } from './scope.js'
import {
  DaysUntilDeclaredLost,
  HistogramSchema,
  LostDateSchema,
  ProductParams,
  SegmentValue,
} from './schemas.js'
import { usageDistribution } from './usage-distribution.js'

const PropertySchema = Type.Object({
  name: Type.String({
    description: 'What filters and segmentation name it: productVersion, custom.<key>, …',
  }),
  label: Type.String(),
  kind: Type.Enum(['builtIn', 'custom']),
  filterable: Type.Boolean(),
  segmentable: Type.Boolean(),
  productIds: Type.Array(Type.Integer(), { description: 'Products whose clients carry it' }),
})

const MAX_VALUES = 1000
const PropertyValuesBody = Type.Object(
  {
    property: Type.String({
      minLength: 1,
      maxLength: 300,
      description: 'A property name from productProperties',
    }),
    search: Type.Optional(
      Type.String({ maxLength: 256, description: 'Only values containing this, any case' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_VALUES, description: 'Default 100' })),
  },
  { additionalProperties: false, examples: [{ property: 'productVersion', search: '5.', limit: 20 }] },
)
const PropertyValuesResponse = Type.Object({
  property: Type.String(),
  values: Type.Array(Type.Object({ value: Type.String(), clients: Type.Integer() }), {
    description: 'Most clients first',
  }),
  totalValues: Type.Integer({
    description: 'Distinct values matching the search, also those past the limit',
  }),
})

const UsageDistributionBody = Type.Object(ReportScopeProperties, {
  additionalProperties: false,
  examples: [{ ...SCOPE_EXAMPLE, segmentBy: 'licenseType' }],
})
const UsageDistributionResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      segment: SegmentValue,
      clients: Type.Integer({ description: 'Clients active in the range' }),
      activeDays: HistogramSchema,
      sessions: HistogramSchema,
      runtime: HistogramSchema,
    }),
  ),
})

const SubSegmentBy = Type.Optional(
  Type.String({
    maxLength: 300,
    description: 'With segmentBy: split each segment by this second property too (a hierarchical table)',
  }),
)

const DateRangeBody = Type.Object(
  {
    ...ReportScopeProperties,
    subSegmentBy: SubSegmentBy,
    dateSplit: Type.Optional(
      Type.Enum([...DATE_SPLITS], {
        description: 'Periods: day, week (ISO, from Monday), month, or none (the whole range)',
      }),
    ),
    daysUntilDeclaredLost: Type.Optional(DaysUntilDeclaredLost),
    lostDate: Type.Optional(LostDateSchema),
  },
  {
    additionalProperties: false,
    examples: [
      { ...SCOPE_EXAMPLE, dateSplit: 'month', segmentBy: 'country' },
      {
        ...SCOPE_EXAMPLE,
        segmentBy: 'edition',
        subSegmentBy: 'productVersion',
        daysUntilDeclaredLost: 14,
        lostDate: 'declared',
      },
    ],
  },
)
const Figures = Type.Object({
  period: Type.String({ description: 'The first day of the period' }),
  newClients: Type.Integer({ description: 'First seen in the period' }),
  activeClients: Type.Integer({ description: 'With a session or an event in the period' }),
  lostClients: Type.Integer({ description: 'Lost, counted on their lost date' }),
  sessions: Type.Integer({ description: 'Sessions started in the period' }),
  runtimeHours: Type.Number({ description: 'Runtime of those sessions, hours, 2 decimals' }),
  averageRuntimePerClient: Type.Number({ description: 'runtimeHours per active client, 2 decimals' }),
})
const DateRangeResponse = Type.Object({
  dateSplit: Type.Enum([...DATE_SPLITS]),
  results: Type.Array(
    Type.Object({
      segment: SegmentValue,
      periods: Type.Array(Figures),
      children: Type.Optional(
        Type.Array(Type.Object({ segment: Type.String(), periods: Type.Array(Figures) }), {
          description: 'With subSegmentBy: the segment per value of the second property, largest first',
        }),
      ),
    }),
  ),
})

const CurrentBody = Type.Object(
  {
    globalFilters: ReportScopeProperties.globalFilters,
    segmentBy: ReportScopeProperties.segmentBy,
    subSegmentBy: SubSegmentBy,
    activeWithinDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 365,
        description: `The install base: clients active within this many days up to today; default ${DEFAULT_ACTIVE_WITHIN_DAYS}`,
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ activeWithinDays: 7, segmentBy: 'os', subSegmentBy: 'productVersion' }],
  },
)
const CurrentResponse = Type.Object({
  from: Type.String({ description: 'First day of the window, UTC' }),
  asOf: Type.String({ description: 'Last day of the window: today, UTC' }),
  activeWithinDays: Type.Integer(),
  totalClients: Type.Integer(),
  results: Type.Array(
    Type.Object({
      segment: SegmentValue,
      clients: Type.Integer(),
      children: Type.Optional(
        Type.Array(Type.Object({ segment: Type.String(), clients: Type.Integer() }), {
          description: 'With subSegmentBy: the segment per value of the second property, most clients first',
        }),
      ),
    }),
    { description: 'Most clients first' },
  ),
})

/** The usage intelligence document's metadata queries and reports, under /v3. */
export async function usageIntelRoutes(
  instance: FastifyInstance,
  options: { stores: Stores },
): Promise<void> {
  const { stores } = options
  const app = productRoutes(instance, stores)
  const tags = ['usage intelligence']

  app.get(
    '/meta/productProperties',
    {
      schema: {
        tags,
        summary: 'The client properties reports can filter and segment by',
        description:
          'Built-in properties, and the custom properties the clients of the products you can see carry.',
        response: { 200: Type.Object({ properties: Type.Array(PropertySchema) }) },
      },
    },
    async (request) => ({ properties: await productProperties(stores, request.caller) }),
  )

  app.post(
    '/meta/propertyValues/:product_id',
    {
      schema: {
        tags,
        summary: 'The values a property takes among the product’s clients, with client counts',
        params: ProductParams,
        body: PropertyValuesBody,
        response: { 200: PropertyValuesResponse },
      },
    },
    async (request) => {
      const { property, search, limit = 100 } = request.body
      const result = await propertyValues(stores, reportTarget(request), {
        property,
        search,
        limit,
      })
      return { property, ...result }
    },
  )

  app.post(
    '/reporting/engagement/usageDistribution/:product_id',
    {
      schema: {
        tags,
        summary: 'Usage distribution: clients by active days, sessions and runtime in the range',
        description:
          'Buckets: active days and sessions 1, 2, 3, 4-5, 6-8, 9-12, 13+; runtime ≤0:05, 0:06-0:15, 0:16-0:30, 0:31-1:00, 1:01-2:00, 2:01-4:00, 4:01+ (hours:minutes). One result per segment value with segmentBy.',
        params: ProductParams,
        body: UsageDistributionBody,
        response: { 200: UsageDistributionResponse },
      },
    },
    async (request) => ({
      results: await usageDistribution(stores, { ...request.body, ...reportTarget(request) }),
    }),
  )

  app.post(
    '/reporting/generic/dateRange/:product_id',
    {
      schema: {
        tags,
        summary: 'New, active and lost clients, sessions and runtime per period of a date range',
        description:
          'A timeline with dateSplit day, week or month; totals with none; with segmentBy, one result per segment value (for pie and bar charts, or maps by country).',
        params: ProductParams,
        body: DateRangeBody,
        response: { 200: DateRangeResponse },
      },
    },
    async (request) => {
      const {
        dateSplit = 'none',
        daysUntilDeclaredLost = DEFAULT_DAYS_UNTIL_LOST,
        lostDate = 'lastSeen',
        ...scope
      } = request.body
      const results = await dateRangeReport(stores, {
        ...scope,
        ...reportTarget(request),
        dateSplit,
        daysUntilDeclaredLost,
        lostDate,
        today: new Date().toISOString().slice(0, 10),
      })
      return { dateSplit, results }
    },
  )

  app.post(
    '/reporting/generic/current/:product_id',
    {
      schema: {
        tags,
        summary: 'The current install base: clients active within a recent window, per segment',
        params: ProductParams,
        body: CurrentBody,
        response: { 200: CurrentResponse },
      },
    },
    async (request) => {
      const { activeWithinDays = DEFAULT_ACTIVE_WITHIN_DAYS, ...scope } = request.body
      const asOf = new Date().toISOString().slice(0, 10)
      const report = await currentReport(stores, {
        ...scope,
        ...reportTarget(request),
        activeWithinDays,
        today: asOf,
      })
      return {
        from: report.from,
        asOf,
        activeWithinDays,
        totalClients: report.results.reduce((sum, r) => sum + r.clients, 0),
        results: report.results,
      }
    },
  )
}
