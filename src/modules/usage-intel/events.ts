import Type from 'typebox'

/**
 * Which tracked events an event tracking report is about. Each element of `events` is one series:
 * an event (`{category, name}`), a whole category (`{category}`), or a combination of those (an
 * array) whose occurrences count together.
 */

const NAME_LIMITS = { minLength: 1, maxLength: 1024 }

export const EventRefSchema = Type.Object(
  {
    category: Type.String({ ...NAME_LIMITS, description: 'Event category' }),
    name: Type.Optional(
      Type.String({ ...NAME_LIMITS, description: 'Event name; absent: the whole category' }),
    ),
  },
  { additionalProperties: false },
)
export type EventRef = Type.Static<typeof EventRefSchema>

export const MAX_SERIES = 20

export const EventSeriesSchema = Type.Array(
  Type.Union([EventRefSchema, Type.Array(EventRefSchema, { minItems: 1, maxItems: 50 })]),
  {
    minItems: 1,
    maxItems: MAX_SERIES,
    description:
      'One series per element: an event {category, name}, a whole category {category}, or a combination of those (an array) counted together',
  },
)
export type EventSeries = EventRef | EventRef[]

/** How a series is named in results: `Category / Name`, `Category`, or its parts joined by ` + `. */
export const seriesLabel = (series: EventSeries): string =>
  (Array.isArray(series) ? series : [series])
    .map((ref) => (ref.name === undefined ? ref.category : `${ref.category} / ${ref.name}`))
    .join(' + ')

/**
 * SQL for the rows of usage_events in any series: `where` keeps them, and `indexes` is the array
 * of the (1-based) series each row counts in, to ARRAY JOIN. Every name is a bound parameter.
 */
export interface SeriesMatcher {
  where: string
  indexes: string
  params: Record<string, string>
}

export function seriesMatcher(series: readonly EventSeries[]): SeriesMatcher {
  const params: Record<string, string> = {}
  const conditions = series.map((one, i) =>
    (Array.isArray(one) ? one : [one])
      .map((ref, j) => {
        params[`seriesCategory${i}_${j}`] = ref.category
        const category = `category = {seriesCategory${i}_${j}:String}`
        if (ref.name === undefined) return `(${category})`
        params[`seriesName${i}_${j}`] = ref.name
        return `(${category} AND name = {seriesName${i}_${j}:String})`
      })
      .join(' OR '),
  )
  return {
    params,
    where: `(${conditions.join(' OR ')})`,
    indexes: `arrayFilter(i -> i > 0, [${conditions.map((c, i) => `if(${c}, ${i + 1}, 0)`).join(', ')}])`,
  }
}
