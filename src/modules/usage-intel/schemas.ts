import Type from 'typebox'

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
