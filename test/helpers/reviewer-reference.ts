/**
 * The reviewer statistics of SEMANTICS.md in plain TypeScript, written for clarity, not speed:
 * the property tests compare what ClickHouse computes with this on random histories. It shares no
 * code with src/modules/audit/reviewer-stats beyond the action ids.
 */

export const VIEW = 1
export const UPDATE = 3
export const MASS_EDIT = 4
export const PROPAGATION = 6
export const DOCUMENT = 10

export interface RefChange {
  fieldId?: number
  field: string
  oldValue: string | null
  newValue: string | null
}

export interface RefAudit {
  userId: number
  userName: string
  at: number
  actionId: number
  objectTypeId: number
  artifactId: number
  changes: RefChange[]
}

/** A zone as the reference reads local time: an IANA name (through Intl) or fixed minutes east of UTC. */
export type RefZone = { iana: string } | { offsetMinutes: number }

export interface RefScope {
  fromMs: number
  toMs: number
  days: number
  zone: RefZone
  include: number[]
  exclude: number[]
  admins: Set<number>
  nonAdmin: boolean
}

export interface RefChoiceField {
  id: number
  name: string
  type: 'SingleChoice' | 'MultipleChoice' | 'YesNo'
  choices: { id: number; name: string }[]
}

function userAllowed(scope: RefScope, userId: number): boolean {
  if (scope.include.length > 0 && !scope.include.includes(userId)) return false
  if (scope.exclude.includes(userId)) return false
  return !(scope.nonAdmin && scope.admins.has(userId))
}

/** The audits a statistic reads: documents, in the period, of allowed users, with one of the actions. */
export function selected(audits: RefAudit[], scope: RefScope, actions: number[]): RefAudit[] {
  return audits.filter(
    (a) =>
      a.objectTypeId === DOCUMENT &&
      a.at >= scope.fromMs &&
      a.at < scope.toMs &&
      actions.includes(a.actionId) &&
      userAllowed(scope, a.userId),
  )
}

/** Users listed: active ones plus the included, minus the excluded (and admins with nonAdmin), by id. */
export function listedUsers(scope: RefScope, active: number[]): number[] {
  const users = new Set([...active, ...scope.include])
  return [...users]
    .filter((u) => !scope.exclude.includes(u) && !(scope.nonAdmin && scope.admins.has(u)))
    .sort((a, b) => a - b)
}

function byUser(audits: RefAudit[]): Map<number, RefAudit[]> {
  const map = new Map<number, RefAudit[]>()
  for (const a of audits) map.set(a.userId, [...(map.get(a.userId) ?? []), a])
  return map
}

export function actionCounts(audits: RefAudit[], scope: RefScope, actions: number[]) {
  const result = new Map<number, Map<number, { count: number; docs: number }>>()
  for (const [user, own] of byUser(selected(audits, scope, actions))) {
    const perAction = new Map<number, { count: number; docs: number }>()
    for (const action of actions) {
      const mine = own.filter((a) => a.actionId === action)
      if (mine.length)
        perAction.set(action, { count: mine.length, docs: new Set(mine.map((a) => a.artifactId)).size })
    }
    result.set(user, perAction)
  }
  return result
}

/** Usage seconds per user, walking the sessions one by one. */
export function usageSeconds(
  audits: RefAudit[],
  scope: RefScope,
  sessionActions: number[],
  thresholdSeconds: number,
): Map<number, number> {
  const result = new Map<number, number>()
  for (const [user, own] of byUser(selected(audits, scope, sessionActions))) {
    const times = own.map((a) => a.at).sort((x, y) => x - y)
    let total = 0
    let sessionStart = times[0]!
    let previous = times[0]!
    for (const t of times.slice(1)) {
      if (t - previous > thresholdSeconds * 1000) {
        total += previous - sessionStart
        sessionStart = t
      }
      previous = t
    }
    total += previous - sessionStart
    result.set(user, Math.floor(total / 1000))
  }
  return result
}

/** Local calendar date and hour of an instant. */
export function localDateHour(at: number, zone: RefZone): { date: string; hour: number } {
  if ('offsetMinutes' in zone) {
    const local = new Date(at + zone.offsetMinutes * 60_000)
    return { date: local.toISOString().slice(0, 10), hour: local.getUTCHours() }
  }
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone.iana,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at)
  const part = (type: string) => parts.find((p) => p.type === type)!.value
  return { date: `${part('year')}-${part('month')}-${part('day')}`, hour: Number(part('hour')) }
}

/** Local wall-clock time of an instant, as milliseconds of a UTC calendar (whole seconds). */
function localWallClock(at: number, zone: RefZone): number {
  const seconds = Math.floor(at / 1000) * 1000
  if ('offsetMinutes' in zone) return seconds + zone.offsetMinutes * 60_000
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone.iana,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(seconds)
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value)
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'))
}

/**
 * The instant a local wall-clock time names: the earliest one showing it; a time the zone skips
 * is read with the offset before the change (the smaller of the offsets around it, sampled hourly).
 */
function instantOfWallClock(wall: number, zone: RefZone): number {
  const offsets = new Set<number>()
  for (let t = wall - 36 * 3_600_000; t <= wall + 36 * 3_600_000; t += 3_600_000) {
    offsets.add(localWallClock(t, zone) - t)
  }
  const showing = [...offsets].map((o) => wall - o).filter((t) => localWallClock(t, zone) === wall)
  return showing.length > 0 ? Math.min(...showing) : wall - Math.min(...offsets)
}

/**
 * A reporting period from its texts (a date, or a date and time without offset) in the zone: a
 * date-only end covers its day, an end with a time includes that instant; `days` counts the local
 * calendar days from the first instant to the last.
 */
export function period(
  start: string,
  end: string,
  zone: RefZone,
): { fromMs: number; toMs: number; days: number } {
  const wall = (text: string) => Date.parse(`${text}${text.length === 10 ? 'T00:00:00' : ''}Z`)
  const fromMs = instantOfWallClock(wall(start), zone)
  const toMs =
    end.length === 10
      ? instantOfWallClock(wall(end) + 86_400_000, zone)
      : instantOfWallClock(wall(end), zone) + 1
  const day = (at: number) => Math.floor(localWallClock(at, zone) / 86_400_000)
  return { fromMs, toMs, days: day(toMs - 1) - day(fromMs) + 1 }
}

export function hourBuckets(audits: RefAudit[], scope: RefScope, actions: number[]): Map<number, number[]> {
  const result = new Map<number, number[]>()
  for (const [user, own] of byUser(selected(audits, scope, actions))) {
    const pairs = new Set<string>()
    const hours = new Array<number>(24).fill(0)
    for (const a of own) {
      const { date, hour } = localDateHour(a.at, scope.zone)
      const key = `${date} ${hour} ${a.artifactId} ${a.actionId}`
      if (pairs.has(key)) continue
      pairs.add(key)
      hours[hour]! += 1
    }
    result.set(user, hours)
  }
  return result
}

export function textBytes(
  audits: RefAudit[],
  scope: RefScope,
  sizes: Map<number, number>,
): Map<number, number> {
  const result = new Map<number, number>()
  for (const [user, own] of byUser(selected(audits, scope, [VIEW, UPDATE]))) {
    const docs = new Set(own.map((a) => a.artifactId))
    result.set(
      user,
      [...docs].reduce((sum, doc) => sum + (sizes.get(doc) ?? 0), 0),
    )
  }
  return result
}

/** The choices a value names: names or ids (any case), `;`-separated for multiple choice, Yes/No words. */
function choicesOf(field: RefChoiceField, value: string | null): Set<number> {
  if (value === null) return new Set()
  const words = field.type === 'MultipleChoice' ? value.split(';') : [value]
  const found = new Set<number>()
  for (const raw of words) {
    const word = raw.trim().toLowerCase()
    if (field.type === 'YesNo') {
      if (['yes', 'true', '1'].includes(word)) found.add(1)
      if (['no', 'false', '0'].includes(word)) found.add(0)
      continue
    }
    const choice = field.choices.find((c) => c.name.toLowerCase() === word || String(c.id) === word)
    if (choice) found.add(choice.id)
  }
  return found
}

export interface RefChoiceResult {
  fields: { fieldId: number; counts: Map<number, number>; unset: number }[]
  docs: number
  unset: number
}

export function reviewerChoices(
  audits: RefAudit[],
  scope: RefScope,
  fields: RefChoiceField[],
): Map<number, RefChoiceResult> {
  const result = new Map<number, RefChoiceResult>()
  for (const [user, own] of byUser(selected(audits, scope, [UPDATE, MASS_EDIT, PROPAGATION]))) {
    const docs = new Set<number>()
    const perField = fields.map((field) => {
      const counts = new Map<number, number>()
      let unset = 0
      for (const a of own) {
        for (const change of a.changes) {
          const matches = change.fieldId
            ? change.fieldId === field.id
            : change.field.toLowerCase() === field.name.toLowerCase()
          if (!matches) continue
          const before = choicesOf(field, change.oldValue)
          const after = choicesOf(field, change.newValue)
          for (const c of after) {
            if (before.has(c)) continue
            counts.set(c, (counts.get(c) ?? 0) + 1)
            docs.add(a.artifactId)
          }
          for (const c of before) if (!after.has(c)) unset++
        }
      }
      return { fieldId: field.id, counts, unset }
    })
    result.set(user, { fields: perField, docs: docs.size, unset: perField.reduce((s, f) => s + f.unset, 0) })
  }
  return result
}

/** Exact half-up rounding of numerator / denominator to 2 decimals, through integers. */
export function exactRate(numerator: number, denominator: number): number {
  if (denominator === 0) return 0
  const n = BigInt(numerator) * 100n
  const d = BigInt(denominator)
  return Number((2n * n + d) / (2n * d)) / 100
}

export function summary(
  audits: RefAudit[],
  scope: RefScope,
  sessionActions: number[],
  thresholdSeconds: number,
  fullNames: Map<number, string>,
) {
  const usage = usageSeconds(audits, scope, sessionActions, thresholdSeconds)
  const reviewed = selected(audits, scope, [
    ...new Set([VIEW, UPDATE, MASS_EDIT, PROPAGATION, ...sessionActions]),
  ])
  const mine = byUser(reviewed)
  return listedUsers(scope, [...mine.keys()])
    .map((userId) => {
      const own = mine.get(userId) ?? []
      const of = (action: number) => own.filter((a) => a.actionId === action)
      const distinct = (action: number) => new Set(of(action).map((a) => a.artifactId)).size
      const seconds = usage.get(userId) ?? 0
      const perHour = (n: number) => exactRate(n * 3600, seconds)
      const perDay = (n: number) => exactRate(n, scope.days)
      const latest = [...own].sort((a, b) => b.at - a.at)[0]
      const edits = of(UPDATE).length
      const massEdits = of(MASS_EDIT).length
      const propagations = of(PROPAGATION).length
      const h = Math.floor(seconds / 3600)
      const m = Math.floor((seconds % 3600) / 60)
      const s = seconds % 60
      return {
        FullName: fullNames.get(userId) ?? latest?.userName ?? '',
        UserId: userId,
        TotalUsageTime: `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`,
        Views: of(VIEW).length,
        DistinctViews: distinct(VIEW),
        Edits: edits,
        DistinctEdits: distinct(UPDATE),
        EditsPerHour: perHour(edits),
        EditsPerDay: perDay(edits),
        DistinctEditsPerHour: perHour(distinct(UPDATE)),
        DistinctEditsPerDay: perDay(distinct(UPDATE)),
        MassEdits: massEdits,
        DistinctMassEdits: distinct(MASS_EDIT),
        DistinctMassEditsPerHour: perHour(distinct(MASS_EDIT)),
        DistinctMassEditsPerDay: perDay(distinct(MASS_EDIT)),
        MassEditsPerHour: perHour(massEdits),
        MassEditsPerDay: perDay(massEdits),
        Propagations: propagations,
        DistinctPropagations: distinct(PROPAGATION),
        DistinctMassPropagationsPerHour: perHour(distinct(PROPAGATION)),
        DistinctMassPropagationsPerDay: perDay(distinct(PROPAGATION)),
        PropagationsPerHour: perHour(propagations),
        PropagationsPerDay: perDay(propagations),
      }
    })
    .sort((a, b) => (a.FullName < b.FullName ? -1 : a.FullName > b.FullName ? 1 : a.UserId - b.UserId))
}
