import type { integrationsEntity } from '../modules/ingest/entities/integration.js'
import type { syncActivityStream, userObservationsStream } from '../modules/ingest/streams/integration.js'
import type { EventOf, ItemOf } from './shapes.js'
import { INTERACTION_TYPES } from '../modules/ingest/streams/integration.js'
import { DAY, type DemoContext, iso, spread } from './context.js'
import { type Random, weightedTable } from './random.js'
import { FIRST_NAMES, LAST_NAMES } from './vocabulary.js'

/**
 * Integrations between work-tracking systems, the entities they sync, and the users seen in each
 * system. Users are observed with the identifiers their system exposes, so every identity rule of
 * the integration usage export (SEMANTICS.md) is exercised, and some people have the same e-mail
 * but different usernames in different systems (the export's duplicates).
 */

interface SystemSpec {
  entityTypes: readonly string[]
  projects: readonly string[]
  entityId: (rng: Random, project: string) => string
}

const SYSTEMS: Record<string, SystemSpec> = {
  Jira: {
    entityTypes: ['Bug', 'Story', 'Epic', 'Task'],
    projects: ['PLAT', 'MOBILE', 'WEB', 'OPS', 'DATA'],
    entityId: (rng, p) => `${p}-${rng.int(1, 9999)}`,
  },
  'Azure DevOps': {
    entityTypes: ['Bug', 'User Story', 'Feature', 'Task'],
    projects: ['Platform', 'Mobile App', 'Web Portal', 'Operations'],
    entityId: (rng) => String(rng.int(1000, 99_999)),
  },
  ServiceNow: {
    entityTypes: ['Incident', 'Problem', 'Change Request'],
    projects: ['IT Service Desk', 'Change Management'],
    entityId: (rng) => `INC${String(rng.int(1, 9_999_999)).padStart(7, '0')}`,
  },
  Salesforce: {
    entityTypes: ['Case', 'Opportunity', 'Account'],
    projects: ['Support Cloud', 'Sales Cloud'],
    entityId: (rng) => `500${rng.hex(12)}`,
  },
}
const PAIRS: readonly (readonly [string, string])[] = [
  ['Jira', 'Azure DevOps'],
  ['Jira', 'ServiceNow'],
  ['ServiceNow', 'Salesforce'],
  ['Azure DevOps', 'ServiceNow'],
  ['Jira', 'Salesforce'],
]
const SYSTEM_NAMES = Object.keys(SYSTEMS)
const INTERACTIONS = weightedTable(
  INTERACTION_TYPES.map((t, i) => [t, [25, 10, 20, 15, 30][i] ?? 10] as const),
)

interface DemoIntegration {
  integrationId: string
  name: string
  system1: string
  system2: string
  project1: string
  project2: string
  entityTypes: string[]
  status: 'Active' | 'Inactive'
  /** When it started syncing, and its last update (the end of syncing for an inactive one). */
  startedAt: number
  lastUpdated: number
}

export function buildIntegrations(ctx: DemoContext): DemoIntegration[] {
  const rng = ctx.rng('integrations')
  return Array.from({ length: ctx.count(12, 4) }, (_, i) => {
    const [system1, system2] = PAIRS[i % PAIRS.length] as readonly [string, string]
    const project1 = rng.pick(SYSTEMS[system1]!.projects)
    const project2 = rng.pick(SYSTEMS[system2]!.projects)
    // Every fourth integration was switched off 7-11 months ago: it shows in the yearly report only.
    const inactive = i % 4 === 3
    const lastUpdated = ctx.now - (inactive ? rng.int(200, 330) : rng.int(1, 30)) * DAY - rng.int(0, DAY - 1)
    return {
      integrationId: `INT-${String(i + 1).padStart(4, '0')}`,
      name: `${system1} ${project1} ↔ ${system2} ${project2}`,
      system1,
      system2,
      project1,
      project2,
      entityTypes: rng.sample(SYSTEMS[system1]!.entityTypes, rng.int(1, 3)),
      status: inactive ? 'Inactive' : 'Active',
      startedAt: ctx.now - rng.int(inactive ? 340 : 30, 400) * DAY,
      lastUpdated,
    }
  })
}

export const integrationItems = (
  integrations: readonly DemoIntegration[],
): ItemOf<typeof integrationsEntity>[] =>
  integrations.map(({ startedAt: _, lastUpdated, ...rest }) => ({ ...rest, lastUpdated: iso(lastUpdated) }))

const syncWindow = (ctx: DemoContext, i: DemoIntegration) => ({
  from: Math.max(i.startedAt, ctx.now - 365 * DAY),
  to: i.status === 'Active' ? ctx.now : i.lastUpdated,
})

/** Sync activity, integration by integration; each one's volume follows how long it ran. */
export function* syncActivity(
  ctx: DemoContext,
  integrations: readonly DemoIntegration[],
): Generator<EventOf<typeof syncActivityStream>> {
  const nextId = ctx.eventIds('sync-activity')
  const rng = ctx.rng('sync-activity')
  // Busier and quieter integrations, each busy in proportion to how long it ran in the year.
  const weights = integrations.map((i) => {
    const { from, to } = syncWindow(ctx, i)
    return Math.max(0, to - from) * rng.float(0.5, 1.5)
  })
  const totalWeight = weights.reduce((a, b) => a + b, 0)
  for (const [index, integration] of integrations.entries()) {
    const { from, to } = syncWindow(ctx, integration)
    const count = Math.max(1, Math.round((ctx.count(3000) * (weights[index] as number)) / totalWeight))
    for (const at of spread(rng, from, to, count)) {
      const forward = rng.chance(0.6)
      const [sourceSystem, targetSystem] = forward
        ? [integration.system1, integration.system2]
        : [integration.system2, integration.system1]
      const [sourceProject, targetProject] = forward
        ? [integration.project1, integration.project2]
        : [integration.project2, integration.project1]
      yield {
        id: nextId(),
        timestamp: iso(at),
        integrationId: integration.integrationId,
        sourceSystem,
        targetSystem,
        sourceProject,
        targetProject,
        entityType: rng.pick(integration.entityTypes),
        entityId: SYSTEMS[sourceSystem]!.entityId(rng, sourceProject),
        outcome: rng.chance(0.04) ? ('Failure' as const) : ('Success' as const),
      }
    }
  }
}

/** Which identifiers a system exposes for a person: the four identity rules of the export, in order. */
type Identity = 'usernameAndEmail' | 'emailOnly' | 'displayNameOnly' | 'usernameOnly'
const IDENTITIES = weightedTable<Identity>([
  ['usernameAndEmail', 60],
  ['emailOnly', 15],
  ['displayNameOnly', 15],
  ['usernameOnly', 10],
])

interface Person {
  displayName: string
  email: string
  /** Usernames differ between systems for some people (same e-mail: the export's duplicates). */
  usernames: Record<string, string>
  isServiceAccount: boolean
  /** A fixed identity in every system, for the people that guarantee each rule is covered. */
  identity?: Identity
}

function buildPeople(ctx: DemoContext): Person[] {
  const rng = ctx.rng('people')
  // The covering people's display names are theirs alone: a namesake seen earlier would absorb the
  // display-name person (identity rule 3), and the demo would lose that rule.
  const coveringNames = new Set<string>()
  const person = (n: number, identity?: Identity, variesUsername = rng.chance(0.1)): Person => {
    let [first, last] = [rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)]
    while (coveringNames.has(`${first} ${last}`))
      [first, last] = [rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)]
    if (identity) coveringNames.add(`${first} ${last}`)
    const local = `${first}.${last}${n}`.toLowerCase()
    const variants = [local, `${first[0]}${last}${n}`.toLowerCase(), `${last}${first[0]}${n}`.toLowerCase()]
    const usernames = Object.fromEntries(
      SYSTEM_NAMES.map((s, i) => [s, variesUsername ? (variants[i % variants.length] as string) : local]),
    )
    return {
      displayName: `${first} ${last}`,
      email: `${local}@corp.example.com`,
      usernames,
      isServiceAccount: false,
      ...(identity ? { identity } : {}),
    }
  }
  const services = ['svc-sync', 'svc-integration', 'svc-automation']
    .slice(0, ctx.count(3, 2))
    .map((name): Person => ({
      displayName: `Service Account (${name})`,
      email: `${name}@corp.example.com`,
      usernames: Object.fromEntries(SYSTEM_NAMES.map((s) => [s, name])),
      isServiceAccount: true,
      identity: 'usernameAndEmail',
    }))
  return [
    // The first five cover a duplicate and each identity rule at any scale.
    person(0, 'usernameAndEmail', true),
    person(1, 'usernameAndEmail', false),
    person(2, 'emailOnly', false),
    person(3, 'displayNameOnly', false),
    person(4, 'usernameOnly', false),
    ...services,
    ...Array.from({ length: ctx.count(150, 12) }, (_, i) => person(i + 5)),
  ]
}

function observe(ctx: DemoContext, person: Person, personIndex: number, system: string) {
  // Drawn per (person, system), so a person always shows the same identifiers in one system.
  const identity = person.identity ?? ctx.rng('identity', personIndex, system).weighted(IDENTITIES)
  const username = person.usernames[system] as string
  const displayName = person.displayName
  switch (identity) {
    case 'usernameAndEmail':
      return { email: person.email, username, displayName }
    case 'emailOnly':
      return { email: person.email }
    case 'displayNameOnly':
      return { displayName }
    case 'usernameOnly':
      return { username }
  }
}

/** Users seen across systems: first every covering person in two systems, then the crowd. */
export function* userObservations(
  ctx: DemoContext,
  integrations: readonly DemoIntegration[],
): Generator<EventOf<typeof userObservationsStream>> {
  const nextId = ctx.eventIds('user-observations')
  const rng = ctx.rng('user-observations')
  const people = buildPeople(ctx)
  const active = integrations.filter((i) => i.status === 'Active')
  const observation = (at: number, personIndex: number, integration: DemoIntegration, system: string) => {
    const person = people[personIndex] as Person
    return {
      id: nextId(),
      timestamp: iso(at),
      integrationId: integration.integrationId,
      system,
      ...observe(ctx, person, personIndex, system),
      interactionType: person.isServiceAccount ? ('Update' as const) : rng.weighted(INTERACTIONS),
      ...(person.isServiceAccount ? { isServiceAccount: true } : {}),
    }
  }
  const covering = people.filter((p) => p.identity !== undefined).length
  for (let p = 0; p < covering; p++) {
    const integration = active[p % active.length] as DemoIntegration
    const at = ctx.now - rng.int(DAY, 150 * DAY)
    yield observation(at, p, integration, integration.system1)
    yield observation(at + 60_000, p, integration, integration.system2)
  }
  for (const at of spread(rng, ctx.now - 365 * DAY, ctx.now, ctx.count(1500, 30))) {
    // Seen through an integration that was running then, or else through an active one.
    const candidate = rng.pick(integrations)
    const window = syncWindow(ctx, candidate)
    const integration = window.from <= at && at <= window.to ? candidate : rng.pick(active)
    yield observation(
      at,
      rng.int(0, people.length - 1),
      integration,
      rng.chance(0.5) ? integration.system1 : integration.system2,
    )
  }
}
