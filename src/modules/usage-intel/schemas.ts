import Type from 'typebox'
import { DEFAULT_DAYS_UNTIL_LOST, LOST_DATES } from './date-range.js'

/** Schemas every usage intelligence route shares. */

export const ProductParams = Type.Object({
  product_id: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The product id' }),
})

/** Every report's results name their segment the same way. */
export const SegmentValue = Type.Union([Type.String(), Type.Null()], {
  description: 'The segment value; null without segmentBy',
})
export const HistogramSchema = Type.Array(Type.Object({ bucket: Type.String(), clients: Type.Integer() }), {
  description: 'Clients per bucket, in bucket order',
})

/** When a client is lost, and which day counts as its lost date: the date-range and churn reports'. */
export const DaysUntilDeclaredLost = Type.Integer({
  minimum: 1,
  maximum: 365,
  description: `Days without activity after which a client is lost; default ${DEFAULT_DAYS_UNTIL_LOST}`,
})
export const LostDateSchema = Type.Enum([...LOST_DATES], {
  description:
    'Count a lost client on its last active day (lastSeen, default) or on the day it was declared lost',
})
