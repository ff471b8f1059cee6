import { ValidationError } from '../../errors.js'
import type { Stores } from '../../store/stores.js'
import { compareText } from './results.js'

/**
 * Event tracking management: the registry of every event category and name a product reports,
 * which of them are collected (an event that is not collected is dropped at ingestion from then
 * on) and which are in advanced tracking (the advanced report covers only those). A name is
 * collected, and not advanced, until someone says otherwise.
 */

export interface TrackedEvent {
  category: string
  name: string
  collected: boolean
  advanced: boolean
  /** Events of this name stored in the warehouse, over all time. */
  count: number
  /** When ingestion first and last saw it (to the minute); null when set before it was reported. */
  firstReported: string | null
  lastReported: string | null
}

/** A usage-events warehouse row, as the stream builds it. */
interface EventRow {
  product_id: number
  category: string
  name: string
}

/**
 * Registers the names in a batch of usage events and returns the rows of collected names. One
 * statement per batch: new names are added, stale report times refreshed, and the names not
 * collected read back (a name added here is collected, so it needs no reading).
 */
export async function admitCollectedEvents<Row extends EventRow>(
  stores: Stores,
  tenantId: number,
  rows: Row[],
): Promise<Row[]> {
  if (rows.length === 0) return rows
  const names = new Map<string, EventRow>()
  for (const row of rows) names.set(eventKey(row.product_id, row.category, row.name), row)
  const batch = [...names.values()]
  const notCollected = await stores.control.query<{ product_id: number; category: string; name: string }>(
    `WITH batch AS (
       SELECT * FROM unnest($2::integer[], $3::text[], $4::text[]) AS t (product_id, category, name)
     ), registered AS (
       INSERT INTO tracked_events AS t (tenant_id, product_id, category, name, first_reported, last_reported)
       SELECT $1, product_id, category, name, now(), now() FROM batch
       ON CONFLICT (tenant_id, product_id, category, name) DO UPDATE
         SET first_reported = coalesce(t.first_reported, now()), last_reported = now()
         WHERE t.last_reported IS NULL OR t.last_reported < now() - interval '1 minute'
     )
     SELECT t.product_id, t.category, t.name FROM tracked_events t
     JOIN batch USING (product_id, category, name)
     WHERE t.tenant_id = $1 AND NOT t.collected`,
    [tenantId, batch.map((e) => e.product_id), batch.map((e) => e.category), batch.map((e) => e.name)],
  )
  if (notCollected.length === 0) return rows
  const dropped = new Set(notCollected.map((e) => eventKey(Number(e.product_id), e.category, e.name)))
  return rows.filter((row) => !dropped.has(eventKey(row.product_id, row.category, row.name)))
}

const eventKey = (productId: number, category: string, name: string) =>
  JSON.stringify([productId, category, name])

/**
 * Every event the product reported or was configured with, by category and name, with its stored
 * count (names stored before the registry knew them are listed as collected and not advanced).
 */
export async function listTrackedEvents(
  stores: Stores,
  tenantId: number,
  productId: number,
): Promise<TrackedEvent[]> {
  const [registered, counts] = await Promise.all([
    stores.control.query<{
      category: string
      name: string
      collected: boolean
      advanced: boolean
      first_reported: Date | null
      last_reported: Date | null
    }>(
      `SELECT category, name, collected, advanced, first_reported, last_reported FROM tracked_events
       WHERE tenant_id = $1 AND product_id = $2`,
      [tenantId, productId],
    ),
    stores.warehouse.query<{ category: string; name: string; count: string }>({
      query: `SELECT category, name, sum(occurrences) AS count FROM usage_event_totals
              WHERE tenant_id = {tenant:UInt32} AND product_id = {product:UInt32}
              GROUP BY category, name`,
      params: { tenant: tenantId, product: productId },
      tag: 'usage-intel:event-counts',
    }),
  ])
  const events = new Map<string, TrackedEvent>()
  for (const row of registered) {
    events.set(eventKey(productId, row.category, row.name), {
      category: row.category,
      name: row.name,
      collected: row.collected,
      advanced: row.advanced,
      count: 0,
      firstReported: row.first_reported?.toISOString() ?? null,
      lastReported: row.last_reported?.toISOString() ?? null,
    })
  }
  for (const row of counts) {
    const key = eventKey(productId, row.category, row.name)
    const event = events.get(key)
    if (event) event.count = Number(row.count)
    else
      events.set(key, {
        category: row.category,
        name: row.name,
        collected: true,
        advanced: false,
        count: Number(row.count),
        firstReported: null,
        lastReported: null,
      })
  }
  return [...events.values()].sort(
    (a, b) => compareText(a.category, b.category) || compareText(a.name, b.name),
  )
}

/**
 * The events in advanced tracking, by category and name. Only the registry marks an event
 * advanced, so this reads it alone, without the stored counts.
 */
export async function listAdvancedEvents(
  stores: Stores,
  tenantId: number,
  productId: number,
): Promise<{ category: string; name: string }[]> {
  const rows = await stores.control.query<{ category: string; name: string }>(
    'SELECT category, name FROM tracked_events WHERE tenant_id = $1 AND product_id = $2 AND advanced',
    [tenantId, productId],
  )
  return rows
    .map(({ category, name }) => ({ category, name }))
    .sort((a, b) => compareText(a.category, b.category) || compareText(a.name, b.name))
}

export interface TrackingChange {
  category: string
  name: string
  collected?: boolean
  advanced?: boolean
}

/**
 * Sets which events are collected and which are advanced, all or none: an event in advanced
 * tracking must be collected, so a change that would leave one advanced but not collected is
 * refused, naming it. Names not reported yet may be set ahead of their first report.
 */
export async function setTrackedEvents(
  stores: Stores,
  tenantId: number,
  productId: number,
  changes: readonly TrackingChange[],
): Promise<void> {
  const seen = new Set<string>()
  for (const change of changes) {
    const key = eventKey(productId, change.category, change.name)
    if (seen.has(key))
      throw new ValidationError(`events: '${change.category}' / '${change.name}' is listed twice`)
    seen.add(key)
  }
  const categories = changes.map((c) => c.category)
  const names = changes.map((c) => c.name)
  await stores.control.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO tracked_events (tenant_id, product_id, category, name)
       SELECT $1, $2, category, name FROM unnest($3::text[], $4::text[]) AS c (category, name)
       ON CONFLICT DO NOTHING`,
      [tenantId, productId, categories, names],
    )
    const current = await tx.query<{ category: string; name: string; collected: boolean; advanced: boolean }>(
      `SELECT t.category, t.name, t.collected, t.advanced FROM tracked_events t
       JOIN unnest($3::text[], $4::text[]) AS c (category, name) USING (category, name)
       WHERE t.tenant_id = $1 AND t.product_id = $2 FOR UPDATE OF t`,
      [tenantId, productId, categories, names],
    )
    const states = new Map(current.map((row) => [eventKey(productId, row.category, row.name), row]))
    const next = changes.map((change) => {
      const state = states.get(eventKey(productId, change.category, change.name))!
      const collected = change.collected ?? state.collected
      const advanced = change.advanced ?? state.advanced
      if (advanced && !collected)
        throw new ValidationError(
          `events: '${change.category}' / '${change.name}' would be in advanced tracking without being collected; collect it or take it out of advanced tracking`,
        )
      return { collected, advanced }
    })
    await tx.query(
      `UPDATE tracked_events t SET collected = c.collected, advanced = c.advanced, updated_at = now()
       FROM unnest($3::text[], $4::text[], $5::boolean[], $6::boolean[]) AS c (category, name, collected, advanced)
       WHERE t.tenant_id = $1 AND t.product_id = $2 AND t.category = c.category AND t.name = c.name`,
      [tenantId, productId, categories, names, next.map((n) => n.collected), next.map((n) => n.advanced)],
    )
  })
}
