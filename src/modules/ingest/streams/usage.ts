import Type from 'typebox'
import {
  EventError,
  EventSchema,
  ID_TEXT,
  Instant,
  MAX_JSON_BYTES,
  NAME,
  PRODUCT_ID,
  TEXT,
  defineStream,
  orEmpty,
  toUtc,
} from '../stream.js'
import { admitCollectedEvents } from '../../usage-intel/event-tracking.js'

/** Custom data keys become map keys in the warehouse; long ones are refused rather than cut. */
const MAX_DATA_KEY = 256

/** Who produced a product-analytics event: the product, the installation (client) and its session. */
const source = {
  productId: Type.Integer({ ...PRODUCT_ID, description: 'Product id' }),
  clientId: Type.String({ ...ID_TEXT, description: 'The installation (client) id' }),
}
const optionalSession = { sessionId: Type.Optional(Type.String({ ...ID_TEXT, description: 'Session id' })) }

const sourceColumns = (
  event: { productId: number; clientId: string; sessionId?: string },
  tenantId: number,
) => ({
  tenant_id: tenantId,
  product_id: event.productId,
  client_id: event.clientId,
  session_id: orEmpty(event.sessionId),
})

export const usageSessionsStream = defineStream({
  name: 'usage-sessions',
  table: 'usage_sessions',
  timeColumn: 'started_at',
  summary: 'Completed sessions of a product installation (runtime = end − start)',
  schema: EventSchema(
    {
      ...source,
      sessionId: Type.String({ ...ID_TEXT, description: 'Session id' }),
      startedAt: Instant('Session start'),
      endedAt: Instant('Session end'),
    },
    'One completed session of a client.',
  ),
  toRow(event, tenantId) {
    const runtimeMs = Date.parse(event.endedAt) - Date.parse(event.startedAt)
    if (runtimeMs < 0) throw new EventError('endedAt: is before startedAt')
    return {
      ...sourceColumns(event, tenantId),
      started_at: toUtc(event.startedAt),
      ended_at: toUtc(event.endedAt),
      runtime_seconds: Math.round(runtimeMs / 1000),
      ingest_key: orEmpty(event.id),
    }
  },
})

export const usageEventsStream = defineStream({
  name: 'usage-events',
  table: 'usage_events',
  timeColumn: 'timestamp',
  summary: 'Tracked events (category, name, optional numeric value)',
  schema: EventSchema(
    {
      ...source,
      ...optionalSession,
      timestamp: Instant('When the event happened'),
      category: Type.String({ ...NAME, description: 'Event category' }),
      name: Type.String({ ...NAME, description: 'Event name' }),
      value: Type.Optional(Type.Number({ description: 'Optional numeric value' })),
    },
    'One tracked event.',
  ),
  toRow: (event, tenantId) => ({
    ...sourceColumns(event, tenantId),
    timestamp: toUtc(event.timestamp),
    category: event.category,
    name: event.name,
    value: event.value ?? null,
    ingest_key: orEmpty(event.id),
  }),
  // Event tracking management decides which names are stored.
  admit: (stores, tenantId, rows) =>
    admitCollectedEvents(stores, tenantId, rows as { product_id: number; category: string; name: string }[]),
})

export const usageCustomEventsStream = defineStream({
  name: 'usage-custom-events',
  table: 'usage_custom_events',
  timeColumn: 'timestamp',
  summary: 'Custom events with free-form key/value data',
  schema: EventSchema(
    {
      ...source,
      ...optionalSession,
      timestamp: Instant('When the event happened'),
      name: Type.String({ ...NAME, description: 'Custom event name' }),
      data: Type.Record(Type.String(), Type.Union([Type.String(TEXT), Type.Number(), Type.Boolean()]), {
        description: `Custom data: keys (at most ${MAX_DATA_KEY} characters) to text, number or boolean values`,
        maxProperties: 256,
      }),
    },
    'One custom event.',
  ),
  toRow(event, tenantId) {
    const long = Object.keys(event.data).find((key) => key.length > MAX_DATA_KEY)
    if (long !== undefined)
      throw new EventError(`data: key '${long.slice(0, 40)}…' is longer than ${MAX_DATA_KEY} characters`)
    if (Buffer.byteLength(JSON.stringify(event.data)) > MAX_JSON_BYTES)
      throw new EventError(`data: larger than ${MAX_JSON_BYTES} bytes of JSON`)
    return {
      ...sourceColumns(event, tenantId),
      timestamp: toUtc(event.timestamp),
      name: event.name,
      data: Object.fromEntries(Object.entries(event.data).map(([k, v]) => [k, String(v)])),
      ingest_key: orEmpty(event.id),
    }
  },
})

export const usageExceptionsStream = defineStream({
  name: 'usage-exceptions',
  table: 'usage_exceptions',
  timeColumn: 'timestamp',
  summary: 'Exceptions caught in a product installation',
  schema: EventSchema(
    {
      ...source,
      ...optionalSession,
      timestamp: Instant('When the exception happened'),
      type: Type.String({ ...NAME, description: 'Exception type or class' }),
      message: Type.String(TEXT),
      stackTrace: Type.Optional(Type.String(TEXT)),
    },
    'One exception.',
  ),
  toRow: (event, tenantId) => ({
    ...sourceColumns(event, tenantId),
    timestamp: toUtc(event.timestamp),
    exception_type: event.type,
    message: event.message,
    stack_trace: orEmpty(event.stackTrace),
    ingest_key: orEmpty(event.id),
  }),
})
