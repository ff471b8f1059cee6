/**
 * Who is who across integrated systems: the usage manual's four-step priority order for matching
 * user observations into people (SEMANTICS.md, "Integration usage export"). Pure: the same
 * observations give the same people whatever order they come in.
 */

/** One identity as a system showed it: the distinct (system, email, username, display name). */
export interface Observation {
  system: string
  email: string
  username: string
  displayName: string
  interactionTypes: readonly string[]
  /** Last time seen in this system with these identifiers (epoch ms). */
  lastSeen: number
  serviceAccount: boolean
}

/** The rules, in priority order, as the Unique User Count sheet names them. */
export const IDENTITY_RULES = ['Usernames or Emails', 'Emails', 'Display Names', 'Usernames'] as const
export type IdentityRule = (typeof IDENTITY_RULES)[number]

export interface Person {
  /** The rule that identified the person: the step that first found them. */
  rule: IdentityRule
  observations: Observation[]
}

/** Code-unit order: the same in every locale, so sorted output never depends on the machine. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const normalized = (text: string) => text.trim().toLowerCase()
const localPartOf = (email: string) => normalized(email).split('@')[0] ?? ''

/** The step an observation is matched in: the first whose identifiers it has. */
function ruleOf(o: Observation): IdentityRule {
  const hasEmail = normalized(o.email) !== ''
  if (hasEmail && normalized(o.username) !== '') return 'Usernames or Emails'
  if (hasEmail) return 'Emails'
  if (normalized(o.displayName) !== '') return 'Display Names'
  return 'Usernames'
}

/** What steps 1, 2 and 4 compare: the username and the email's local part, ignoring case. */
const handlesOf = (o: Observation) => [normalized(o.username), localPartOf(o.email)].filter((h) => h !== '')

const observationKey = (o: Observation) =>
  [o.system, o.email, o.username, o.displayName].map(normalized).join('\u0000')

/** Sets of keys that were joined; a set's root is its smallest key, whatever the joining order. */
class DisjointSet {
  private readonly parent = new Map<string, string>()

  find(key: string): string {
    let root = key
    for (let up = this.parent.get(root); up !== undefined && up !== root; up = this.parent.get(root))
      root = up
    if (root !== key) this.parent.set(key, root)
    return root
  }

  union(a: string, b: string): void {
    const [rootA, rootB] = [this.find(a), this.find(b)]
    if (rootA < rootB) this.parent.set(rootB, rootA)
    else if (rootB < rootA) this.parent.set(rootA, rootB)
  }
}

/** People found so far, each under the key that founded them (`h:jdoe`, `e:sam@acme.com`, …). */
class PeopleByKey {
  readonly people = new Map<string, Person>()

  add(key: string, rule: IdentityRule, o: Observation): void {
    const person = this.people.get(key) ?? { rule, observations: [] }
    person.observations.push(o)
    this.people.set(key, person)
  }

  /** Maps each value `valuesOf` gives for a known observation to its person's key (smallest on a tie). */
  lookup(valuesOf: (o: Observation) => string[]): Map<string, string> {
    const found = new Map<string, string>()
    for (const [key, person] of this.people) {
      for (const value of person.observations.flatMap(valuesOf)) {
        const known = found.get(value)
        if (value !== '' && (known === undefined || key < known)) found.set(value, key)
      }
    }
    return found
  }
}

/**
 * Matches observations into people, in the manual's priority order:
 * 1. With both username and email: the same person when the username or the email's local part
 *    (case-insensitive) matches a username or local part of another such observation (transitively).
 * 2. With an email only: joins a person of step 1 whose usernames or local parts hold the email's
 *    local part; otherwise people are told apart by email.
 * 3. With no email, a display name: joins a person of steps 1-2 with that display name; otherwise
 *    people are told apart by display name.
 * 4. With a username only: joins a person of steps 1-3 with that username or local part; otherwise
 *    people are told apart by username.
 * Where a value matches several people, the one with the smallest key wins, so the result never
 * depends on the order observations arrive in. People come out by rule, then by key.
 */
export function identifyPeople(observations: readonly Observation[]): Person[] {
  const byRule = new Map<IdentityRule, Observation[]>(IDENTITY_RULES.map((rule) => [rule, []]))
  // Sorted first, so each person's observations come in one order whatever the input order.
  const inKeyOrder = [...observations].sort((a, b) => compareText(observationKey(a), observationKey(b)))
  for (const o of inKeyOrder) byRule.get(ruleOf(o))!.push(o)
  const found = new PeopleByKey()

  const joinedHandles = new DisjointSet()
  for (const o of byRule.get('Usernames or Emails')!)
    joinedHandles.union(`h:${normalized(o.username)}`, `h:${localPartOf(o.email)}`)
  for (const o of byRule.get('Usernames or Emails')!)
    found.add(joinedHandles.find(`h:${normalized(o.username)}`), 'Usernames or Emails', o)

  const stepOneHandles = found.lookup(handlesOf)
  for (const o of byRule.get('Emails')!)
    found.add(stepOneHandles.get(localPartOf(o.email)) ?? `e:${normalized(o.email)}`, 'Emails', o)

  const knownDisplayNames = found.lookup((o) => [normalized(o.displayName)])
  for (const o of byRule.get('Display Names')!) {
    const name = normalized(o.displayName)
    found.add(knownDisplayNames.get(name) ?? `d:${name}`, 'Display Names', o)
  }

  const knownHandles = found.lookup(handlesOf)
  for (const o of byRule.get('Usernames')!) {
    const username = normalized(o.username)
    found.add(knownHandles.get(username) ?? `u:${username}`, 'Usernames', o)
  }

  return [...found.people.entries()]
    .sort(
      ([keyA, a], [keyB, b]) =>
        IDENTITY_RULES.indexOf(a.rule) - IDENTITY_RULES.indexOf(b.rule) || compareText(keyA, keyB),
    )
    .map(([, person]) => person)
}

/**
 * A person's duplicates: one email seen with different usernames (letter case aside), as
 * `email: username (System, …), …` per such email; empty when there are none.
 */
export function duplicatesOf(person: Person): string[] {
  const systemsByUsernameByEmail = new Map<string, Map<string, Set<string>>>()
  for (const o of person.observations) {
    const [email, username] = [normalized(o.email), o.username.trim()]
    if (email === '' || username === '') continue
    const systemsByUsername = systemsByUsernameByEmail.get(email) ?? new Map<string, Set<string>>()
    systemsByUsername.set(username, (systemsByUsername.get(username) ?? new Set()).add(o.system))
    systemsByUsernameByEmail.set(email, systemsByUsername)
  }
  return [...systemsByUsernameByEmail.entries()]
    .filter(([, systemsByUsername]) => new Set([...systemsByUsername.keys()].map(normalized)).size > 1)
    .sort(([a], [b]) => compareText(a, b))
    .map(([email, systemsByUsername]) => {
      const usernames = [...systemsByUsername.entries()]
        .sort(([a], [b]) => compareText(a, b))
        .map(([username, systems]) => `${username} (${[...systems].sort(compareText).join(', ')})`)
      return `${email}: ${usernames.join(', ')}`
    })
}
