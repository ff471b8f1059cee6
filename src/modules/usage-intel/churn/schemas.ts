import Type from 'typebox'
import { LifetimeHistogramBody, LifetimeHistogramResponse, TableBody } from '../event-tracking-routes.js'
import { DaysUntilDeclaredLost, HistogramSchema, LostDateSchema, SegmentValue } from '../schemas.js'
import { ReportScopeProperties, SCOPE_EXAMPLE } from '../scope.js'
import { ENGAGEMENT_UNITS } from './engagement.js'

const UNITS = Object.keys(ENGAGEMENT_UNITS) as (keyof typeof ENGAGEMENT_UNITS)[]
const defaultsText = UNITS.map((unit) => `${unit} ${ENGAGEMENT_UNITS[unit].defaults.join(', ')}`).join('; ')

export const EngagementBody = Type.Object(
  {
    ...ReportScopeProperties,
    unit: Type.Optional(
      Type.Enum(UNITS, { description: 'What the columns count after the first day; default days' }),
    ),
    after: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: ENGAGEMENT_UNITS.days.max }), {
        minItems: 1,
        maxItems: 24,
        uniqueItems: true,
        description: `The columns: after how many units (within ten years); default ${defaultsText}`,
      }),
    ),
    daysUntilDeclaredLost: Type.Optional(DaysUntilDeclaredLost),
    lostDate: Type.Optional(LostDateSchema),
  },
  {
    additionalProperties: false,
    examples: [
      { ...SCOPE_EXAMPLE, unit: 'weeks', segmentBy: 'productVersion' },
      { ...SCOPE_EXAMPLE, unit: 'days', after: [1, 7, 30], daysUntilDeclaredLost: 14, lostDate: 'declared' },
    ],
  },
)

const EngagementColumn = Type.Object({
  after: Type.Integer({ description: 'Units after the first day: the checkpoint' }),
  clients: Type.Integer({
    description: 'Cohort clients whose checkpoint is daysUntilDeclaredLost days past: the ones judged',
  }),
  engaged: Type.Integer({ description: 'Of them, active on or after their checkpoint' }),
  lost: Type.Integer({ description: 'Of them, lost with a lost date on or before their checkpoint' }),
  pending: Type.Integer({ description: 'Cohort clients not judged yet: counted neither engaged nor lost' }),
  engagedPercent: Type.Number({ description: 'engaged ÷ clients × 100, 2 decimals' }),
  lostPercent: Type.Number({ description: 'lost ÷ clients × 100, 2 decimals' }),
})

export const EngagementResponse = Type.Object({
  unit: Type.Enum(UNITS),
  after: Type.Array(Type.Integer(), { description: 'The columns, in ascending order' }),
  daysUntilDeclaredLost: Type.Integer(),
  lostDate: LostDateSchema,
  asOf: Type.String({ description: 'Today, UTC: what lost and pending are judged by' }),
  results: Type.Array(
    Type.Object({
      segment: SegmentValue,
      clients: Type.Integer({ description: 'The cohort: clients first seen in the range' }),
      lostClients: Type.Integer({ description: 'Of them, lost as of today' }),
      columns: Type.Array(EngagementColumn),
    }),
    { description: 'Largest cohort first' },
  ),
})

const LostAfter = { daysUntilDeclaredLost: Type.Optional(DaysUntilDeclaredLost) }

export const ChurnHistogramBody = Type.Object(
  { ...ReportScopeProperties, ...LostAfter },
  {
    additionalProperties: false,
    examples: [{ ...SCOPE_EXAMPLE, segmentBy: 'os', daysUntilDeclaredLost: 60 }],
  },
)
export const ChurnHistogramResponse = Type.Object({
  daysUntilDeclaredLost: Type.Integer(),
  asOf: Type.String({ description: 'Today, UTC: clients are lost as of this day' }),
  results: Type.Array(
    Type.Object({
      segment: SegmentValue,
      clients: Type.Integer({ description: 'The churned clients: first seen in the range, lost since' }),
      histogram: HistogramSchema,
    }),
    { description: 'Most churned clients first' },
  ),
})

export const ChurnTableBody = Type.Object(
  { ...TableBody.properties, ...LostAfter },
  {
    additionalProperties: false,
    examples: [{ ...SCOPE_EXAMPLE, view: 'tree', segmentBy: 'edition', daysUntilDeclaredLost: 14 }],
  },
)

export const ChurnLifetimeHistogramBody = Type.Object(
  { ...LifetimeHistogramBody.properties, ...LostAfter },
  {
    additionalProperties: false,
    examples: [{ ...SCOPE_EXAMPLE, events: [{ category: 'Export', name: 'PDF' }, { category: 'Import' }] }],
  },
)
const lifetimeResult = LifetimeHistogramResponse.properties.results.items
export const ChurnLifetimeHistogramResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      ...lifetimeResult.properties,
      clients: Type.Integer({ description: 'The churned clients: first seen in the range, lost since' }),
      series: Type.Array(
        Type.Object({
          ...lifetimeResult.properties.series.items.properties,
          clients: Type.Integer({ description: 'Churned clients who performed it' }),
        }),
      ),
    }),
  ),
})
