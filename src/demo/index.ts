import { auditEstimate, auditEvents } from './audits.js'
import { DemoContext, type DemoOptions, resolveDemoOptions } from './context.js'
import {
  creditTransactionEstimate,
  creditTransactions,
  resourceUsage,
  serviceAudits,
  serviceUsage,
  userUsage,
} from './finance.js'
import { buildIntegrations, integrationItems, syncActivity, userObservations } from './integration.js'
import {
  buildPlatform,
  documentItems,
  documentTotal,
  fieldItems,
  userItems,
  workspaceItems,
} from './platform.js'
import {
  processingJobs,
  processingJobsEstimate,
  userLicenses,
  userLicensesEstimate,
  workspaceUsage,
  workspaceUsageEstimate,
} from './platform-usage.js'
import { PRODUCTS, clientCount } from './usage-clients.js'
import {
  clientItems,
  customEvents,
  exceptionEvents,
  productItems,
  sessionEvents,
  trackedEvents,
} from './usage.js'

export { type DemoOptions, defaultNow, DEFAULT_SEED } from './context.js'

/**
 * The deterministic demo data set, as an ordered plan: reference data first (entities the events
 * refer to), then every event stream, each as batches in the exact ingestion shapes. Nothing is
 * generated until a step's batches are iterated, and only one batch is held at a time, so the same
 * plan feeds `tally demo` at scale 1 and the benchmark at scale 100.
 */

export interface DemoStep {
  target: 'entities' | 'events'
  /** The entity kind or stream name, as the ingestion API spells it. */
  name: string
  /** Exact for entities; an estimate for event streams, whose volumes are drawn. */
  expected: number
  /** Batches of at most `batchSize` items. Iterating again regenerates identical items. */
  batches: Iterable<object[]>
}

export interface DemoPlan {
  options: DemoOptions
  steps: DemoStep[]
}

/** 20,000 events per request: large enough for bulk inserts, small enough to keep memory flat. */
export const DEFAULT_BATCH_SIZE = 20_000

export interface GenerateDemoOptions extends Partial<DemoOptions> {
  batchSize?: number
}

export function generateDemo(options: GenerateDemoOptions = {}): DemoPlan {
  const resolved = resolveDemoOptions(options)
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`)
  const ctx = new DemoContext(resolved)
  const platform = buildPlatform(ctx)
  const integrations = buildIntegrations(ctx)
  const clients = PRODUCTS.reduce((sum, p) => sum + clientCount(ctx, p), 0)

  const step = (
    target: DemoStep['target'],
    name: string,
    expected: number,
    items: () => Iterable<object>,
  ): DemoStep => ({
    target,
    name,
    expected,
    batches: batched(items, batchSize),
  })
  const entities = (name: string, items: () => object[]) => step('entities', name, items().length, items)
  // Expected volumes follow the models' averages (sessions per client, events per session, …).
  const events = (name: string, expected: number, items: () => Iterable<object>) =>
    step('events', name, expected, items)

  return {
    options: resolved,
    steps: [
      entities('workspaces', () => workspaceItems(platform)),
      entities('users', () => userItems(platform)),
      entities('fields', () => fieldItems(platform)),
      step('entities', 'documents', documentTotal(platform), () => documentItems(ctx, platform)),
      entities('products', productItems),
      step('entities', 'clients', clients, () => clientItems(ctx)),
      entities('integrations', () => integrationItems(integrations)),
      events('audits', auditEstimate(ctx), () => auditEvents(ctx, platform)),
      events('workspace-usage', workspaceUsageEstimate(ctx, platform), () => workspaceUsage(ctx, platform)),
      events('processing-jobs', processingJobsEstimate(platform), () => processingJobs(ctx, platform)),
      events('user-licenses', userLicensesEstimate(platform), () => userLicenses(ctx, platform)),
      events('usage-sessions', clients * 20, () => sessionEvents(ctx)),
      events('usage-events', clients * 20 * 2.4, () => trackedEvents(ctx)),
      events('usage-custom-events', clients * 20 * 0.25, () => customEvents(ctx)),
      events('usage-exceptions', clients * 20 * 0.07, () => exceptionEvents(ctx)),
      events('credit-transactions', creditTransactionEstimate(ctx), () => creditTransactions(ctx)),
      events('user-usage', ctx.count(2000), () => userUsage(ctx)),
      events('service-usage', ctx.count(1000), () => serviceUsage(ctx)),
      events('resource-usage', ctx.count(1200), () => resourceUsage(ctx)),
      events('service-audits', ctx.count(800), () => serviceAudits(ctx)),
      events('sync-activity', ctx.count(3000), () => syncActivity(ctx, integrations)),
      events('user-observations', ctx.count(1500, 30), () => userObservations(ctx, integrations)),
    ],
  }
}

/** Cuts a regenerable item sequence into arrays of at most `size`. */
function batched(items: () => Iterable<object>, size: number): Iterable<object[]> {
  return {
    *[Symbol.iterator]() {
      let batch: object[] = []
      for (const item of items()) {
        batch.push(item)
        if (batch.length === size) {
          yield batch
          batch = []
        }
      }
      if (batch.length > 0) yield batch
    },
  }
}
