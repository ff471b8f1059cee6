import type {
  creditTransactionsStream,
  resourceUsageStream,
  serviceAuditsStream,
  serviceUsageStream,
  userUsageStream,
} from '../modules/ingest/streams/finance.js'
import type { EventOf } from './shapes.js'
import { DAY, type DemoContext, iso, spread } from './context.js'
import { type Random, weightedTable } from './random.js'
import { FIRST_NAMES, LAST_NAMES } from './vocabulary.js'

/**
 * The report data streams: credit transactions (monthly grants per agreement, consumption across
 * hosting types, products, folders and services), user, service and resource usage, and the
 * service audit trail. All spread evenly over the year before `now`.
 */

interface FinanceService {
  name: string
  productName: string
  productCode: string
  hostingType: string
  unit: string
  /** Credits one unit costs. */
  rate: number
}

const SERVICES: readonly FinanceService[] = [
  {
    name: 'Data Hub Ingest',
    productName: 'Data Hub',
    productCode: 'DH-100',
    hostingType: 'Cloud',
    unit: 'GB',
    rate: 0.8,
  },
  {
    name: 'Data Hub Storage',
    productName: 'Data Hub',
    productCode: 'DH-100',
    hostingType: 'Cloud',
    unit: 'GB-month',
    rate: 0.1,
  },
  {
    name: 'Insight Dashboards',
    productName: 'Insight Analytics',
    productCode: 'IA-200',
    hostingType: 'Cloud',
    unit: 'hours',
    rate: 1.5,
  },
  {
    name: 'Prediction Service',
    productName: 'Insight Analytics',
    productCode: 'IA-200',
    hostingType: 'Hybrid',
    unit: 'calls',
    rate: 0.01,
  },
  {
    name: 'Asset Monitor Edge',
    productName: 'Asset Monitor',
    productCode: 'AM-300',
    hostingType: 'OnPremises',
    unit: 'device-days',
    rate: 0.2,
  },
  {
    name: 'Process Simulation',
    productName: 'Process Simulation',
    productCode: 'PS-400',
    hostingType: 'Cloud',
    unit: 'vCPU hours',
    rate: 0.5,
  },
]
const FOLDERS = ['Operations', 'Engineering', 'Finance Analytics', 'Plant North', 'Plant South', 'R&D']
const AGREEMENTS = ['0001', '0002', '0003']
const RESOURCE_TYPES = ['Virtual Machine', 'Storage Account', 'Model Endpoint', 'Database'] as const
const OPERATIONS = weightedTable([
  ['add', 45],
  ['update', 40],
  ['delete', 15],
] as const)
const FUNCTIONS = ['authm', 'datam', 'usrm', 'billing', 'notify'] as const
const CONSUMPTION = weightedTable([
  ['Consumed', 96],
  ['Refunded', 3],
  ['Expired', 1],
] as const)

const yearBefore = (ctx: DemoContext) => ctx.now - 365 * DAY
const quantityOf = (rng: Random, service: FinanceService) =>
  Math.round(rng.logNormal(30 / service.rate / 10, 1) * 100) / 100
const credits = (service: FinanceService, quantity: number) =>
  Math.round(quantity * service.rate * 10_000) / 10_000

/** The people who use the services (e-mail addresses, as the report data filters take them). */
function financeUsers(ctx: DemoContext): string[] {
  const rng = ctx.rng('finance users')
  const users = new Set<string>()
  for (let n = 0; users.size < ctx.count(25, 4); n++) {
    users.add(
      `${rng.pick(FIRST_NAMES)}.${rng.pick(LAST_NAMES)}${n >= 2000 ? n : ''}@operator.example.com`.toLowerCase(),
    )
  }
  return [...users]
}

export const creditTransactionEstimate = (ctx: DemoContext) => ctx.count(1400) + 12 * AGREEMENTS.length

export function* creditTransactions(ctx: DemoContext): Generator<EventOf<typeof creditTransactionsStream>> {
  const nextId = ctx.eventIds('credit-transactions')
  const rng = ctx.rng('credit-transactions')
  const users = financeUsers(ctx)
  // Grants land on the first of each month, per agreement; consumption flows in between.
  const firstMonth = new Date(yearBefore(ctx))
  const grants = Array.from({ length: 12 }, (_, m) =>
    Date.UTC(firstMonth.getUTCFullYear(), firstMonth.getUTCMonth() + m + 1, 1),
  )
  let nextGrant = 0
  for (const at of spread(rng, yearBefore(ctx), ctx.now, ctx.count(1400))) {
    for (; nextGrant < grants.length && (grants[nextGrant] as number) <= at; nextGrant++) {
      for (const agreement of AGREEMENTS) {
        yield {
          id: nextId(),
          transactionId: `CT-${rng.hex(12).toUpperCase()}`,
          timestamp: iso(grants[nextGrant] as number),
          transactionType: 'Granted' as const,
          credits: rng.int(20, 80) * 250,
          creditsAgreementId: agreement,
          description: `Monthly credit allocation, agreement ${agreement}`,
        }
      }
    }
    const service = rng.pick(SERVICES)
    const type = rng.weighted(CONSUMPTION)
    const quantity = quantityOf(rng, service)
    yield {
      id: nextId(),
      transactionId: `CT-${rng.hex(12).toUpperCase()}`,
      timestamp: iso(at),
      transactionType: type,
      credits: credits(service, quantity),
      hostingType: service.hostingType,
      productName: service.productName,
      productCode: service.productCode,
      ...(rng.chance(0.7) ? { user: rng.pick(users) } : {}),
      folder: rng.pick(FOLDERS),
      service: service.name,
      creditsAgreementId: rng.pick(AGREEMENTS),
      description:
        type === 'Consumed'
          ? `${quantity} ${service.unit} of ${service.name}`
          : `${type} credits for ${service.name}`,
    }
  }
}

export function* userUsage(ctx: DemoContext): Generator<EventOf<typeof userUsageStream>> {
  const nextId = ctx.eventIds('user-usage')
  const rng = ctx.rng('user-usage')
  const users = financeUsers(ctx)
  for (const at of spread(rng, yearBefore(ctx), ctx.now, ctx.count(2000))) {
    const service = rng.pick(SERVICES)
    const quantity = quantityOf(rng, service)
    yield {
      id: nextId(),
      timestamp: iso(at),
      user: rng.pick(users),
      folder: rng.pick(FOLDERS),
      service: service.name,
      quantity,
      unit: service.unit,
      credits: credits(service, quantity),
    }
  }
}

export function* serviceUsage(ctx: DemoContext): Generator<EventOf<typeof serviceUsageStream>> {
  const nextId = ctx.eventIds('service-usage')
  const rng = ctx.rng('service-usage')
  for (const at of spread(rng, yearBefore(ctx), ctx.now, ctx.count(1000))) {
    const service = rng.pick(SERVICES)
    const quantity = Math.round(quantityOf(rng, service) * 1000) / 100
    yield {
      id: nextId(),
      timestamp: iso(at),
      folder: rng.pick(FOLDERS),
      service: service.name,
      quantity,
      unit: service.unit,
      credits: credits(service, quantity),
    }
  }
}

export function* resourceUsage(ctx: DemoContext): Generator<EventOf<typeof resourceUsageStream>> {
  const nextId = ctx.eventIds('resource-usage')
  const rng = ctx.rng('resource-usage')
  const resources = Array.from({ length: ctx.count(20, 4) }, (_, i) => {
    const type = rng.pick(RESOURCE_TYPES)
    return {
      id: `RES-${String(i + 1).padStart(3, '0')}`,
      type,
      name: `${type} ${rng.hex(6)}`,
      service: rng.pick(SERVICES),
      folder: rng.pick(FOLDERS),
    }
  })
  for (const at of spread(rng, yearBefore(ctx), ctx.now, ctx.count(1200))) {
    const resource = rng.pick(resources)
    const quantity = Math.round(rng.float(1, 24) * 100) / 100
    yield {
      id: nextId(),
      timestamp: iso(at),
      folder: resource.folder,
      service: resource.service.name,
      resourceId: resource.id,
      resourceName: resource.name,
      resourceType: resource.type,
      quantity,
      unit: 'hours',
      credits: credits(resource.service, quantity),
    }
  }
}

export function* serviceAudits(ctx: DemoContext): Generator<EventOf<typeof serviceAuditsStream>> {
  const nextId = ctx.eventIds('service-audits')
  const rng = ctx.rng('service-audits')
  const users = financeUsers(ctx)
  for (const at of spread(rng, yearBefore(ctx), ctx.now, ctx.count(800))) {
    const operation = rng.weighted(OPERATIONS)
    const fn = rng.pick(FUNCTIONS)
    const target =
      fn === 'authm' ? `role:${rng.pick(['Viewer', 'Contributor', 'Administrator'])}` : `${fn}/${rng.hex(8)}`
    yield {
      id: nextId(),
      timestamp: iso(at),
      user: rng.pick(users),
      operation,
      folder: rng.pick(FOLDERS),
      service: rng.pick(SERVICES).name,
      function: fn,
      target,
      details: `${operation} ${target}`,
    }
  }
}
