import { inOneBatch, type XlsxCell, type XlsxColumn, type XlsxSheet } from '../../formats/xlsx-stream.js'
import { IDENTITY_RULES, compareText, duplicatesOf, type Person } from './identity.js'
import type { Integration, UsageData } from './usage-data.js'

/**
 * The six sheets of a usage report workbook, in the manual's order, with exactly the columns it
 * lists. Pure: the same data gives the same sheets. The meanings are in docs/semantics.md.
 */

export const SHEET_NAMES = [
  'Summary',
  'Unique User Count',
  'Entity Type Count',
  'Integrated Project Count',
  'Synced Data Count',
  'Detailed User Report',
] as const

export function usageReportSheets(data: UsageData): XlsxSheet[] {
  return [
    summarySheet(data),
    uniqueUserCountSheet(data.people),
    entityTypeCountSheet(data),
    integratedProjectCountSheet(data),
    syncedDataCountSheet(data),
    detailedUserReportSheet(data.people),
  ]
}

/** The manual's date columns: date cells shown as `yyyy-mm-dd hh:mm:ss` (19 characters). */
const DATE_COLUMNS = new Set(['Last Synced', 'Last Updated', 'Last Seen'])
const DATE_WIDTH = 20
const [MIN_WIDTH, MAX_WIDTH] = [10, 60]

/** A sheet whose columns are as wide as their longest text, within 10-60 characters. */
function sheet(name: (typeof SHEET_NAMES)[number], headers: string[], rows: XlsxCell[][]): XlsxSheet {
  const columns = headers.map((header, i): XlsxColumn => {
    if (DATE_COLUMNS.has(header)) return { header, width: DATE_WIDTH, format: 'date-time' }
    // A loop, not Math.max(...): a sheet may hold more rows than a call takes arguments.
    const longest = rows.reduce((widest, row) => Math.max(widest, textWidth(row[i] ?? null)), header.length)
    return { header, width: Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, longest + 2)) }
  })
  return { name, columns, rows: inOneBatch(rows) }
}

const textWidth = (cell: XlsxCell) => (cell === null || cell instanceof Date ? 0 : String(cell).length)

/** Rows in the order of their text cells, left to right. */
function sortedRows(rows: XlsxCell[][]): XlsxCell[][] {
  const textOf = (row: XlsxCell[]) => row.filter((cell) => typeof cell === 'string').join('\u0000')
  return rows.sort((a, b) => compareText(textOf(a), textOf(b)))
}

const statusOf = (integrations: readonly Integration[]) =>
  integrations.some((i) => i.status === 'Active') ? 'Active' : 'Inactive'
const latest = (dates: readonly Date[]) =>
  dates.length ? new Date(Math.max(...dates.map((d) => d.getTime()))) : null
/** How the sheets name a system pair: as the integration lists its systems. */
const systemPairOf = (i: Integration) => `${i.system1} ↔ ${i.system2}`

/** The items with equal keys, together: one group per sheet row. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group) group.push(item)
    else groups.set(key, [item])
  }
  return [...groups.values()]
}

const countByRule = (people: readonly Person[]) =>
  IDENTITY_RULES.map((rule) => [rule, people.filter((p) => p.rule === rule).length] as const)

function summarySheet(data: UsageData): XlsxSheet {
  const projects = new Set(
    data.integrations.flatMap((i) => [`${i.system1}\u0000${i.project1}`, `${i.system2}\u0000${i.project2}`]),
  )
  // Fixed order: the manual's list of metrics, not sorted.
  return sheet(
    'Summary',
    ['Metric', 'Count'],
    [
      ['Total Unique Users', data.people.length],
      ...countByRule(data.people).map(([rule, count]): XlsxCell[] => [`  identified by ${rule}`, count]),
      ['Total Unique Entity Types', new Set(data.syncedEntityTypes.map((s) => s.entityType)).size],
      ['Total Unique Projects', projects.size],
      ['Total Entities Synced', data.entitiesSynced],
    ],
  )
}

/** "Usernames or Emails: 3; Emails: 1; Display Names: 0; Usernames: 0". */
const identifiersOf = (people: readonly Person[]) =>
  countByRule(people)
    .map(([rule, count]) => `${rule}: ${count}`)
    .join('; ')

function uniqueUserCountSheet(people: readonly Person[]): XlsxSheet {
  const systems = [...new Set(people.flatMap((p) => p.observations.map((o) => o.system)))]
  const rows = systems.map((system): XlsxCell[] => {
    const seenThere = people.filter((p) => p.observations.some((o) => o.system === system))
    return [system, seenThere.length, identifiersOf(seenThere)]
  })
  return sheet(
    'Unique User Count',
    ['System / Source', 'Count', 'Identifiers'],
    [...sortedRows(rows), ['All Systems', people.length, identifiersOf(people)]],
  )
}

function entityTypeCountSheet(data: UsageData): XlsxSheet {
  const integrationById = new Map(data.integrations.map((i) => [i.id, i]))
  const synced = data.syncedEntityTypes.map((s) => ({
    ...s,
    integration: integrationById.get(s.integrationId)!,
  }))
  const rows = groupBy(synced, (s) =>
    [systemPairOf(s.integration), s.endSystem, s.entityType].join('\u0000'),
  ).map((group): XlsxCell[] => {
    const { integration, endSystem, entityType } = group[0]!
    return [
      systemPairOf(integration),
      endSystem,
      entityType,
      statusOf(group.map((s) => s.integration)),
      latest(group.map((s) => s.lastSynced)),
    ]
  })
  return sheet(
    'Entity Type Count',
    ['System Pairs', 'End System', 'Entity Types', 'Status', 'Last Synced'],
    sortedRows(rows),
  )
}

function integratedProjectCountSheet(data: UsageData): XlsxSheet {
  const projectPairs = groupBy(data.integrations, (i) =>
    [i.system1, i.system2, i.project1, i.project2].join('\u0000'),
  )
  const rows = projectPairs.map((group): XlsxCell[] => {
    const first = group[0]!
    return [
      first.system1,
      first.system2,
      first.project1,
      first.project2,
      statusOf(group),
      latest(group.map((i) => i.lastUpdated)),
      latest(group.flatMap((i) => data.syncsByIntegration.get(i.id)?.lastSynced ?? [])),
    ]
  })
  return sheet(
    'Integrated Project Count',
    [
      'End System 1',
      'End System 2',
      'End System 1 Project',
      'End System 2 Project',
      'Status',
      'Last Updated',
      'Last Synced',
    ],
    sortedRows(rows),
  )
}

function syncedDataCountSheet(data: UsageData): XlsxSheet {
  const syncing = data.integrations.filter((i) => data.syncsByIntegration.has(i.id))
  const rows = groupBy(syncing, systemPairOf).map((group): XlsxCell[] => {
    const syncs = group.map((i) => data.syncsByIntegration.get(i.id)!)
    return [
      group[0]!.system1,
      group[0]!.system2,
      syncs.reduce((sum, s) => sum + s.entities, 0),
      latest(syncs.map((s) => s.lastSynced)),
    ]
  })
  return sheet(
    'Synced Data Count',
    ['End System 1', 'End System 2', 'Counts Based on System Pair', 'Last Synced'],
    sortedRows(rows),
  )
}

/** An ingested interaction type as the sheet names it: `CommentAuthor` is Comment Author. */
const interactionLabel = (type: string) => type.replace(/([a-z])([A-Z])/g, '$1 $2')

/** The distinct non-empty values, letter case aside (the first spelling kept), joined; null if none. */
function listed(values: readonly string[]): string | null {
  const byLowerCase = new Map<string, string>()
  for (const value of [...values].sort(compareText)) {
    if (value !== '' && !byLowerCase.has(value.toLowerCase())) byLowerCase.set(value.toLowerCase(), value)
  }
  return [...byLowerCase.values()].join(', ') || null
}

const utcMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`

/** `Jira (2025-06-01 10:00 UTC), ServiceNow (…)`: each system with when the person was last seen there. */
function observedIn(person: Person): string {
  const lastSeenBySystem = new Map<string, number>()
  for (const o of person.observations)
    lastSeenBySystem.set(o.system, Math.max(lastSeenBySystem.get(o.system) ?? 0, o.lastSeen))
  return [...lastSeenBySystem.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([system, lastSeen]) => `${system} (${utcMinute(lastSeen)})`)
    .join(', ')
}

function detailedUserReportSheet(people: readonly Person[]): XlsxSheet {
  // In identifyPeople's order (by identity rule): the order of the Unique User Count breakdown.
  const rows = people.map((person): XlsxCell[] => {
    const seen = person.observations
    return [
      listed(seen.map((o) => o.email.toLowerCase())),
      listed(seen.map((o) => o.username)),
      listed(seen.map((o) => o.displayName)),
      listed(seen.flatMap((o) => o.interactionTypes.map(interactionLabel))),
      observedIn(person),
      seen.some((o) => o.serviceAccount) ? 'Yes' : 'No',
      new Date(Math.max(...seen.map((o) => o.lastSeen))),
      duplicatesOf(person).join('; ') || null,
    ]
  })
  return sheet(
    'Detailed User Report',
    [
      'Email',
      'Username',
      'Display Name',
      'Interaction Types',
      'Observed In',
      'Service Account',
      'Last Seen',
      'Duplicates',
    ],
    rows,
  )
}
