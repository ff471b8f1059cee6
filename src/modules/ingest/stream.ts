import Type, { type TObject, type TProperties, type TSchema } from 'typebox'
import type { Stores } from '../../store/stores.js'

/** A field-level problem the schema cannot express (an unknown action name, an end before a start). */
export class EventError extends Error {}

export interface StreamDef<Event = never> {
  /** The URL segment: `POST /ingest/v1/{name}`. */
  name: string
  /** The warehouse table the rows go to. */
  table: string
  /** The row column holding the event's time (ISO text): it bounds the idempotency lookup. */
  timeColumn: string
  summary: string
  schema: TObject
  /** A valid event as its warehouse row; throws EventError for what the schema cannot check. */
  toRow(event: Event, tenantId: number): Record<string, unknown>
  /** Server-assigned ids: a control-plane counter and the row column it fills. */
  assignedId?: { counter: string; column: string }
  /** The rows of a valid batch the stream's settings keep (usage events not collected are dropped). */
  admit?(
    stores: Stores,
    tenantId: number,
    rows: Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]>
}

/** Declares a stream with its event type inferred from the schema. */
export function defineStream<S extends TObject>(
  def: Omit<StreamDef<Type.Static<S>>, 'schema'> & { schema: S },
): StreamDef<Type.Static<S>> {
  return def
}

// Field limits keep one event, and so one batch, bounded; each names its purpose.
/** Ids beyond 2^53 would lose digits in JSON parsing; both stores hold them as 64-bit. */
export const ID = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }
export const POSITIVE_ID = { minimum: 1, maximum: Number.MAX_SAFE_INTEGER }
/** Product ids are Postgres `integer` in the control plane. */
export const PRODUCT_ID = { minimum: 1, maximum: 2_147_483_647 }
/** Credits are Decimal(18, 4): at most 14 digits before the point. */
export const CREDITS = { minimum: 0, maximum: 99_999_999_999_999 }
/** Free-form JSON (audit details, custom data) is capped by its serialized size. */
export const MAX_JSON_BYTES = 65_536
export const NAME = { minLength: 1, maxLength: 1024 }
export const TEXT = { maxLength: 65_536 }
export const ID_TEXT = { minLength: 1, maxLength: 256 }

export const Instant = (description: string) => Type.String({ format: 'iso-instant', description })

/** Every event may carry an idempotency key; unknown fields are rejected by name. */
export function EventSchema<P extends TProperties>(properties: P, description: string) {
  return Type.Object(
    {
      id: Type.Optional(
        Type.String({
          ...ID_TEXT,
          description: 'Idempotency key: an event with an id already stored is not stored again.',
        }),
      ),
      ...properties,
    },
    { additionalProperties: false, description },
  )
}

/** Optional text stored as '' when absent (ClickHouse columns here are not Nullable). */
export const orEmpty = (value: string | undefined): string => value ?? ''

/** An instant already in the form toISOString gives: most senders send UTC with milliseconds. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** An ISO instant as the UTC text the warehouse parses (millisecond precision). */
export const toUtc = (instant: string): string =>
  CANONICAL_UTC.test(instant) ? instant : new Date(instant).toISOString()

export type AnySchema = TSchema
