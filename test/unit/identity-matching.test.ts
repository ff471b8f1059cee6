import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  IDENTITY_RULES,
  duplicatesOf,
  identifyPeople,
  type Observation,
  type Person,
} from '../../src/modules/integration-export/identity.js'

const seen = (
  system: string,
  ids: { email?: string; username?: string; displayName?: string },
): Observation => ({
  system,
  email: ids.email ?? '',
  username: ids.username ?? '',
  displayName: ids.displayName ?? '',
  interactionTypes: ['Update'],
  lastSeen: 0,
  serviceAccount: false,
})

const label = (o: Observation) => [o.system, o.email, o.username, o.displayName].join('/')

/** People as their rule and sorted observation labels, in identifyPeople's order. */
const described = (people: Person[]) =>
  people.map((p) => ({ rule: p.rule, observations: p.observations.map(label).sort() }))

describe('identity matching, rule 1: username and email both present', () => {
  it('joins on a username or email local part met again, in any letter case, transitively', () => {
    expect(
      described(
        identifyPeople([
          seen('Jira', { email: 'Jane.Doe@acme.com', username: 'jdoe' }),
          // Its username is Jira's local part.
          seen('GitHub', { email: 'jane@home.net', username: 'JANE.DOE' }),
          // Its local part is Jira's username.
          seen('ServiceNow', { email: 'jdoe@acme.com', username: 'jane.s' }),
          // Its local part is ServiceNow's username: joined through ServiceNow.
          seen('Salesforce', { email: 'Jane.S@other.org', username: 'js-1' }),
          seen('Salesforce', { email: 'sam@acme.com', username: 'sam' }),
        ]),
      ),
    ).toEqual([
      {
        rule: 'Usernames or Emails',
        observations: [
          'GitHub/jane@home.net/JANE.DOE/',
          'Jira/Jane.Doe@acme.com/jdoe/',
          'Salesforce/Jane.S@other.org/js-1/',
          'ServiceNow/jdoe@acme.com/jane.s/',
        ],
      },
      { rule: 'Usernames or Emails', observations: ['Salesforce/sam@acme.com/sam/'] },
    ])
  })

  it('ignores outer spaces and does not join on the domain or the display name', () => {
    const people = identifyPeople([
      seen('Jira', { email: ' jane@acme.com ', username: 'jdoe', displayName: 'Jane' }),
      seen('GitHub', { email: 'JANE@other.org', username: ' JDOE ' }),
      seen('ServiceNow', { email: 'sam@acme.com', username: 'sam', displayName: 'Jane' }),
    ])
    expect(people.map((p) => p.observations.length)).toEqual([2, 1])
  })
})

describe('identity matching, rule 2: email only', () => {
  it('joins a rule-1 person on the local part, else tells people apart by the whole email', () => {
    expect(
      described(
        identifyPeople([
          seen('Jira', { email: 'jane.doe@acme.com', username: 'jdoe' }),
          seen('Salesforce', { email: 'JDOE@other.org' }),
          seen('Salesforce', { email: 'sam@acme.com' }),
          seen('Azure DevOps', { email: 'Sam@acme.com', displayName: 'Sam' }),
          // Same local part, another domain, no rule-1 person to join: someone else.
          seen('Azure DevOps', { email: 'sam@other.org' }),
        ]),
      ),
    ).toEqual([
      {
        rule: 'Usernames or Emails',
        observations: ['Jira/jane.doe@acme.com/jdoe/', 'Salesforce/JDOE@other.org//'],
      },
      { rule: 'Emails', observations: ['Azure DevOps/Sam@acme.com//Sam', 'Salesforce/sam@acme.com//'] },
      { rule: 'Emails', observations: ['Azure DevOps/sam@other.org//'] },
    ])
  })
})

describe('identity matching, rule 3: display name without email', () => {
  it('joins a person of rules 1-2 with that display name, else tells people apart by display name', () => {
    expect(
      described(
        identifyPeople([
          seen('Jira', { email: 'jane.doe@acme.com', username: 'jdoe', displayName: 'Jane Doe' }),
          seen('Jira', { email: 'sam@acme.com', displayName: 'Sam Stone' }),
          seen('ServiceNow', { displayName: ' jane doe', username: 'x123' }),
          seen('ServiceNow', { displayName: 'SAM STONE' }),
          seen('ServiceNow', { displayName: 'Bob Stone' }),
          seen('GitHub', { displayName: 'bob stone' }),
        ]),
      ),
    ).toEqual([
      {
        rule: 'Usernames or Emails',
        observations: ['Jira/jane.doe@acme.com/jdoe/Jane Doe', 'ServiceNow//x123/ jane doe'],
      },
      { rule: 'Emails', observations: ['Jira/sam@acme.com//Sam Stone', 'ServiceNow///SAM STONE'] },
      { rule: 'Display Names', observations: ['GitHub///bob stone', 'ServiceNow///Bob Stone'] },
    ])
  })
})

describe('identity matching, rule 4: username only', () => {
  it('joins a person of rules 1-3 on a username or local part, else tells people apart by username', () => {
    expect(
      described(
        identifyPeople([
          seen('Jira', { email: 'jane.doe@acme.com', username: 'jdoe' }),
          seen('Jira', { displayName: 'Bob Stone', username: 'bstone' }),
          seen('GitHub', { username: 'JDoe' }),
          seen('GitHub', { username: 'jane.doe' }),
          seen('GitHub', { username: 'BStone' }),
          seen('GitHub', { username: 'octocat' }),
          seen('Azure DevOps', { username: 'Octocat' }),
        ]),
      ),
    ).toEqual([
      {
        rule: 'Usernames or Emails',
        observations: ['GitHub//JDoe/', 'GitHub//jane.doe/', 'Jira/jane.doe@acme.com/jdoe/'],
      },
      { rule: 'Display Names', observations: ['GitHub//BStone/', 'Jira//bstone/Bob Stone'] },
      { rule: 'Usernames', observations: ['Azure DevOps//Octocat/', 'GitHub//octocat/'] },
    ])
  })

  it('joins an email-only person whose local part is the username, as rule 1 compares them', () => {
    const people = identifyPeople([
      seen('Jira', { email: 'sam@acme.com' }),
      seen('GitHub', { username: 'SAM' }),
    ])
    expect(described(people)).toEqual([
      { rule: 'Emails', observations: ['GitHub//SAM/', 'Jira/sam@acme.com//'] },
    ])
  })
})

describe('duplicates', () => {
  it('lists an email seen with different usernames, with the systems of each', () => {
    const [person] = identifyPeople([
      seen('Jira', { email: 'jane.doe@acme.com', username: 'jdoe' }),
      seen('GitHub', { email: 'Jane.Doe@acme.com', username: 'janed' }),
      seen('Azure DevOps', { email: 'jane.doe@acme.com', username: 'jdoe' }),
    ])
    expect(duplicatesOf(person!)).toEqual(['jane.doe@acme.com: janed (GitHub), jdoe (Azure DevOps, Jira)'])
  })

  it('are not usernames differing only in letter case, nor different emails', () => {
    const [sameUsername] = identifyPeople([
      seen('Jira', { email: 'a@b.c', username: 'a' }),
      seen('GitHub', { email: 'A@B.C', username: 'A' }),
    ])
    expect(duplicatesOf(sameUsername!)).toEqual([])
    const [twoEmails] = identifyPeople([
      seen('Jira', { email: 'jane@acme.com', username: 'jdoe' }),
      seen('GitHub', { email: 'jdoe@home.net', username: 'janed' }),
    ])
    expect(twoEmails!.observations).toHaveLength(2)
    expect(duplicatesOf(twoEmails!)).toEqual([])
  })
})

describe('identity matching, properties', () => {
  const part = fc.constantFrom('', 'jane', 'Jane', 'jdoe', 'sam', 'bob.s', 'x')
  const observation = fc
    .record({
      system: fc.constantFrom('Jira', 'GitHub', 'ServiceNow'),
      email: fc.oneof(
        fc.constant(''),
        fc.tuple(part, fc.constantFrom('acme.com', 'home.net')).map(([l, d]) => (l ? `${l}@${d}` : '')),
      ),
      username: part,
      displayName: fc.constantFrom('', 'Jane Doe', 'jane doe', 'Sam Stone'),
    })
    .filter((o) => o.email !== '' || o.username !== '' || o.displayName !== '')
    .map((ids) => seen(ids.system, ids))
  const observations = fc.array(observation, { maxLength: 16 })
  const settings = { seed: 20_261_122, numRuns: 400 }

  it('does not depend on the order observations arrive in', () => {
    fc.assert(
      fc.property(observations, fc.func(fc.integer()), (items, order) => {
        const shuffled = items
          .map((o, i) => ({ o, k: order(i) }))
          .sort((a, b) => a.k - b.k)
          .map(({ o }) => o)
        const people = identifyPeople(items)
        const again = identifyPeople(shuffled)
        expect(described(again)).toEqual(described(people))
        expect(again.map(duplicatesOf)).toEqual(people.map(duplicatesOf))
      }),
      settings,
    )
  })

  it('puts every observation in exactly one person, people ordered by rule', () => {
    fc.assert(
      fc.property(observations, (items) => {
        const people = identifyPeople(items)
        expect(people.flatMap((p) => p.observations.map(label)).sort()).toEqual(items.map(label).sort())
        const ranks = people.map((p) => IDENTITY_RULES.indexOf(p.rule))
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b))
      }),
      settings,
    )
  })

  it('founds a person by rule 1 exactly when one of its observations has both username and email', () => {
    fc.assert(
      fc.property(observations, (items) => {
        for (const person of identifyPeople(items)) {
          const hasBoth = person.observations.some((o) => o.email !== '' && o.username !== '')
          expect(person.rule === 'Usernames or Emails').toBe(hasBoth)
        }
      }),
      settings,
    )
  })
})
