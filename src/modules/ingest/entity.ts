import Type, { type TObject } from 'typebox'
import type { Stores } from '../../store/stores.js'

/** Reference data upserted by `PUT /ingest/v1/entities/{kind}`, keyed by its natural key. */
export interface EntityDef<Item = never> {
  kind: string
  summary: string
  schema: TObject
  /** The natural key: within one batch the last item with a key wins. */
  keyOf(item: Item): string
  /** Checks the schema cannot express; throws EventError naming the field. */
  check?(item: Item): void
  /** Inserts or updates the items (already validated, one per key). */
  upsert(stores: Stores, tenantId: number, items: Item[]): Promise<void>
}

export function defineEntity<S extends TObject>(
  def: Omit<EntityDef<Type.Static<S>>, 'schema'> & { schema: S },
): EntityDef<Type.Static<S>> {
  return def
}

/**
 * Builds a multi-row `INSERT … ON CONFLICT (key) DO UPDATE` over `columns`, with one `$n`
 * placeholder per value. Only placeholders are generated; every value is bound.
 */
export function upsertStatement(
  table: string,
  columns: readonly string[],
  conflictKey: readonly string[],
  rowCount: number,
  extraUpdate = '',
): string {
  const rows = Array.from(
    { length: rowCount },
    (_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
  )
  const updates = columns.filter((c) => !conflictKey.includes(c)).map((c) => `${c} = EXCLUDED.${c}`)
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.join(', ')} ` +
    `ON CONFLICT (${conflictKey.join(', ')}) DO UPDATE SET ${[...updates, extraUpdate].filter(Boolean).join(', ')}`
  )
}

/** Postgres caps a statement at 65,535 parameters; batches are cut to stay well below it. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}
