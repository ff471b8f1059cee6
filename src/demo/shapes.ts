import type { EntityDef } from '../modules/ingest/entity.js'
import type { StreamDef } from '../modules/ingest/stream.js'

/**
 * The ingestion shapes, taken from the stream and entity schemas themselves: every generator is
 * typed against them, so a demo item that drifts from the contract fails to compile.
 */
export type EventOf<S> = S extends StreamDef<infer Event> ? Event : never
export type ItemOf<E> = E extends EntityDef<infer Item> ? Item : never
