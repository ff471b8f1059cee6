import fc from 'fast-check'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES } from '../../src/modules/audit/catalog.js'
import {
  CONDITION_LIMITS,
  compileCondition,
  evaluateCondition,
  parseCondition,
  type AuditEvalRow,
  type ConditionNode,
} from '../../src/modules/audit/conditions/index.js'
import { AUDIT_FIELDS, type AuditField } from '../../src/modules/audit/fields.js'
import { migrateWarehouse } from '../../src/store/warehouse/migrate.js'
import { Warehouse } from '../../src/store/warehouse/warehouse.js'
import { tempDir } from '../helpers/stores.js'

/**
 * The compiler against the evaluator on real chDB: random audits, random valid conditions printed
 * to text and parsed back, and the SQL must select exactly the rows the evaluator keeps. Then random
 * and mangled text: parse + compile either works (and the engine runs it) or is a 400.
 */
const TENANT = 7301
const SEED = Number(process.env.TALLY_FC_SEED ?? 20_250_601)
const dataDir = tempDir()
let warehouse: Warehouse

// Pools shared by rows and conditions, so comparisons hit as well as miss. Letters whose case
// mapping JS and ClickHouse's lowerUTF8 agree on (no final sigma, no dotted İ).
const TEXTS = (
  "|a|A|abc|ABC|O'Brien|o'brien|100%|100% done|a_b|a%b|back\\slash|Ünïcode|ünïcode|Éé|日本語|🙂 smile|" +
  'x OR 1=1 --|{c0:String}|Name|Responsive|tab\there|line\nbreak'
).split('|')
const ALPHABET = ['a', 'B', 'é', 'Ü', '日', '🙂', "'", '%', '_', '\\', ' ', '1', '-']
const FIELD_NAMES = ['Name', 'Responsive', 'Privileged', "O'Brien", '100%', 'a_b', 'Ünïcode']
const INT64 = 2n ** 63n
const ARTIFACT_IDS = [-INT64, -5n, -1n, 0n, 1n, 3n, 4n, 1003663n, INT64 - 1n]
const USER_IDS = [-1n, 0n, 9n, 1039872n, 2n ** 53n + 1n]
const EXECUTION_TIMES = [0n, 1n, 999n, 1000n, 1001n, 2n ** 32n - 1n]
const ACTION_IDS = [...AUDIT_ACTIONS.map((a) => a.id), 77]
const OBJECT_TYPE_IDS = [...AUDIT_OBJECT_TYPES.map((t) => t.id), 999]
const INSTANTS = [
  '2016-02-29T00:00:00.000Z',
  '2017-11-01T00:00:00.000Z',
  '2017-11-23T23:59:00.000Z',
  '2019-04-16T05:00:00.000Z',
  '2020-12-31T23:59:59.999Z',
  '2024-05-05T12:34:56.789Z',
].map(Date.parse)

const text = fc.oneof(
  fc.constantFrom(...TEXTS),
  fc.array(fc.constantFrom(...ALPHABET), { maxLength: 6 }).map((a) => a.join('')),
)
const bigintFrom = (pool: bigint[]) => fc.oneof(fc.constantFrom(...pool), fc.bigInt(pool[0]!, pool.at(-1)!))
const timestamp = fc.oneof(
  fc.constantFrom(...INSTANTS),
  fc.integer({ min: Date.parse('2016-01-01'), max: Date.parse('2026-12-31') }),
)

const rowArb = fc.record({
  timestamp,
  action_id: fc.constantFrom(...ACTION_IDS),
  object_type_id: fc.constantFrom(...OBJECT_TYPE_IDS),
  artifact_id: bigintFrom(ARTIFACT_IDS),
  artifact_name: text,
  user_id: fc.constantFrom(...USER_IDS),
  user_name: text,
  execution_time_ms: bigintFrom(EXECUTION_TIMES),
  details: fc.oneof(
    fc.constant(''),
    text.map((note) => JSON.stringify({ note })),
  ),
  changes: fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.option(text), fc.option(text)), {
    maxLength: 3,
  }),
})

/** ~300 audits; ids mix small, large (near 2^64) and ones containing 1409579. */
function generateRows(): AuditEvalRow[] {
  return fc.sample(rowArb, { seed: SEED, numRuns: 300 }).map((r, i) => ({
    audit_id: String(
      i % 3 === 0 ? 2n ** 64n - 1n - BigInt(i) : i % 3 === 1 ? BigInt(1000 + i) : BigInt(`1409579${i}`),
    ),
    timestamp: new Date(r.timestamp).toISOString(),
    action_id: r.action_id,
    object_type_id: r.object_type_id,
    artifact_id: String(r.artifact_id),
    artifact_name: r.artifact_name,
    user_id: String(r.user_id),
    user_name: r.user_name,
    execution_time_ms: Number(r.execution_time_ms),
    details: r.details,
    change_fields: r.changes.map((c) => c[0]),
    change_old_values: r.changes.map((c) => c[1]),
    change_new_values: r.changes.map((c) => c[2]),
  }))
}
const ROWS = generateRows()

beforeAll(async () => {
  warehouse = await Warehouse.open({ path: path.join(dataDir, 'warehouse'), database: 'tally' })
  await migrateWarehouse(warehouse)
  await warehouse.insert(
    'audits',
    ROWS.map((r) => ({
      ...r,
      tenant_id: TENANT,
      workspace_id: 1,
      timestamp: String(r.timestamp).replace('T', ' ').replace('Z', ''),
      change_field_ids: r.change_fields.map(() => 1),
      size_bytes: 0,
      ingest_key: '',
    })),
  )
})
afterAll(() => warehouse.close())

async function selectIds(node: ConditionNode): Promise<string[]> {
  const { sql, params } = compileCondition(node, { paramPrefix: 'c' })
  const rows = await warehouse.query<{ id: string }>({
    query: `SELECT toString(audit_id) AS id FROM audits WHERE tenant_id = {tenant:UInt32} AND (${sql})`,
    params: { ...params, tenant: TENANT },
  })
  return rows.map((r) => r.id).sort()
}
const expectedIds = (node: ConditionNode) =>
  ROWS.filter((r) => evaluateCondition(node, r))
    .map((r) => String(r.audit_id))
    .sort()

// ---- the printer: random valid comparisons as text --------------------------------------------
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`
const anyCase = (word: string) =>
  fc.constantFrom(word, word.toLowerCase(), word[0] + word.slice(1).toLowerCase())
const list = (items: fc.Arbitrary<string>) =>
  fc.array(items, { minLength: 1, maxLength: 4 }).map((v) => `[${v.join(', ')}]`)
const fieldRef = (field: AuditField) =>
  fc.constantFrom(field.name, field.name.toUpperCase(), ` ${field.name.toLowerCase()} `).map(quote)
const ORDER_OPS = ['==', '<>', '>', '>=', '<', '<=']

/** A decimal near a pool value (fractions, trailing zeros, leading zeros), or far out of range. */
const numberNear = (pool: bigint[]) =>
  fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...pool),
        fc.constantFrom(-1n, 0n, 0n, 1n),
        fc.constantFrom('', '', '.0', '.5', '.50', '.001'),
      )
      .map(([v, d, fraction]) => `${v + d}${fraction}`),
    fc.constantFrom('99999999999999999999999', '-99999999999999999999999', '007'),
  )

/** An instant as the document writes it, in one of the accepted spellings. */
const instantText = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...INSTANTS),
      timestamp,
      fc.constantFrom(Date.parse('1850-01-01'), Date.parse('2350-01-01')),
    ),
    fc.constantFrom(0, 0, 1, -1, 86_400_000),
    fc.constantFrom('Z', 'z', '+05:30', '-0600', '+00:00', 'date', '.00Z', 'extra'),
    fc.boolean(),
  )
  .map(([base, delta, style, quoted]) => {
    const ms = base + delta
    const iso = new Date(ms).toISOString()
    let out = iso
    if (style === 'z') out = iso.replace('T', 't').replace('Z', 'z')
    else if (style === 'date') out = iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso
    else if (style === '.00Z') out = ms % 1000 === 0 ? iso.replace('.000Z', '.00Z') : iso
    else if (style === 'extra') out = iso.replace('Z', '4321Z')
    else if (style !== 'Z') {
      const minutes = (style[0] === '-' ? -1 : 1) * (Number(style.slice(1, 3)) * 60 + Number(style.slice(-2)))
      out = new Date(ms + minutes * 60_000).toISOString().slice(0, -1) + style
    }
    return quoted ? quote(out) : out
  })

const textOps = (value: fc.Arbitrary<string>) => [
  fc.tuple(fc.constantFrom('==', '<>'), value).map(([op, v]) => `${op} ${v}`),
  fc.tuple(anyCase('IN'), list(value)).map(([kw, l]) => `${kw} ${l}`),
  fc.tuple(anyCase('LIKE'), fc.oneof(value, list(value))).map(([kw, v]) => `${kw} ${v}`),
  fc.tuple(fc.constantFrom('STARTSWITH', 'endswith'), value).map(([kw, v]) => `${kw} ${v}`),
  anyCase('ISSET'),
]
const textValue = fc
  .oneof(
    text,
    text.map((t) => t.toUpperCase()),
    fc.constantFrom(...FIELD_NAMES),
  )
  .map(quote)

function testsFor(field: AuditField): fc.Arbitrary<string>[] {
  switch (field.kind) {
    case 'id': {
      const ids = ROWS.slice(0, 20).map((r) => BigInt(r.audit_id))
      const value = fc.oneof(
        numberNear(ids),
        numberNear(ids)
          .filter((n) => !n.startsWith('-'))
          .map(quote),
      )
      const digits = fc
        .oneof(fc.constantFrom('1409579', '999', '18446744073709551', '0'), numberNear(ids))
        .map(quote)
      return [
        fc.tuple(fc.constantFrom(...ORDER_OPS), value).map(([op, v]) => `${op} ${v}`),
        list(value).map((l) => `IN ${l}`),
        ...textOps(digits).slice(2),
      ]
    }
    case 'number': {
      const pool =
        field.sql === 'execution_time_ms'
          ? EXECUTION_TIMES
          : field.sql === 'user_id'
            ? USER_IDS
            : ARTIFACT_IDS
      const value = numberNear(pool)
      return [
        fc.tuple(fc.constantFrom(...ORDER_OPS), value).map(([op, v]) => `${op} ${v}`),
        list(value).map((l) => `IN ${l}`),
        ...textOps(fc.oneof(value, value.map(quote))).slice(2),
      ]
    }
    case 'timestamp':
      return [
        fc.tuple(fc.constantFrom(...ORDER_OPS), instantText).map(([op, v]) => `${op} ${v}`),
        list(instantText).map((l) => `IN ${l}`),
        fc.constant('ISSET'),
      ]
    case 'text':
    case 'multiText':
      return textOps(textValue)
    case 'choice': {
      const ids =
        field.sql === 'user_name'
          ? USER_IDS.map(String)
          : [...(field.sql === 'action_id' ? ACTION_IDS : OBJECT_TYPE_IDS).map(String), '1048406', '-1']
      const names = field.choices
        ? fc
            .oneof(
              fc.constantFrom(...field.choices.map((c) => c.name)),
              fc.constantFrom('update', 'Mass', 'VIEW', 'ument'),
            )
            .map(quote)
        : textValue
      return [
        fc
          .tuple(fc.constantFrom('==', '<>'), fc.constantFrom(...ids))
          .map(([op, id]) => `${op} CHOICE ${id}`),
        fc
          .array(fc.constantFrom(...ids), { minLength: 1, maxLength: 4 })
          .map((l) => `IN choice [${l.join(',')}]`),
        ...textOps(names),
      ]
    }
  }
}

const comparison = fc
  .constantFrom(...AUDIT_FIELDS)
  .chain((field) => fc.tuple(fieldRef(field), fc.oneof(...testsFor(field))).map(([f, t]) => `${f} ${t}`))

/** Valid conditions: comparisons under AND / OR / NOT, parenthesized, with keywords in any case. */
const condition: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc
      .tuple(fc.constantFrom('AND', 'and', 'OR', 'Or'), fc.array(tie('node'), { minLength: 2, maxLength: 3 }))
      .map(([op, operands]) => `(${operands.join(` ${op} `)})`),
    fc.tuple(anyCase('NOT'), tie('node')).map(([not, operand]) => `${not} ${operand}`),
    tie('node').map((n) => `(${n})`),
  ),
})).node

describe('compiled conditions select what the evaluator selects', () => {
  it('for random valid conditions over random audits', async () => {
    let selective = 0
    await fc.assert(
      fc.asyncProperty(condition, async (textCondition) => {
        const node = parseCondition(textCondition)!
        const actual = await selectIds(node)
        expect(actual).toEqual(expectedIds(node))
        if (actual.length > 0 && actual.length < ROWS.length) selective++
      }),
      { seed: SEED, numRuns: 300 },
    )
    // Many conditions must split the rows (seeds give 130-160 of 300), or the check proves little.
    expect(selective).toBeGreaterThan(100)
  })

  it('at the bounds: deepest nesting, most comparisons, longest list', async () => {
    let deep = "'Old Value' LIKE ['a', 'é']"
    for (let i = 1; i < CONDITION_LIMITS.maxDepth; i++)
      deep = `(${deep}) ${i % 2 ? 'AND' : 'OR'} 'Details' ISSET`
    deep = `(${deep})`
    const many = Array.from(
      { length: CONDITION_LIMITS.maxComparisons },
      (_, i) => `'New Value' LIKE ['${i}', 'x${i}']`,
    ).join(' OR ')
    const long = `'Audit ID' IN [${ROWS.map((r) => r.audit_id)
      .concat(Array.from({ length: 9_700 }, (_, i) => String(i)))
      .join(', ')}]`
    for (const textCondition of [deep, many, long]) {
      const node = parseCondition(textCondition)!
      expect(await selectIds(node)).toEqual(expectedIds(node))
    }
  })
})

// ---- random and mangled text ---------------------------------------------------------------------
const TOKENS = [
  '(',
  ')',
  "'",
  "''",
  '[',
  ']',
  ',',
  'AND',
  'or',
  'NOT',
  'IN',
  'CHOICE',
  'VIEW',
  'LIKE',
  'ISSET',
  'STARTSWITH',
  '==',
  '=',
  '<>',
  '>=',
  '!',
  "'Audit ID'",
  "'Timestamp'",
  "'Action'",
  "'Field'",
  '-',
  '.',
  '1e5',
  '2017-13-45T99:99Z',
  '2017-11-01T00:00:00.00Z',
  '99999999999999999999999',
  '{c0:String}',
  '--',
  ';',
  '\\',
  '\u0000',
  '%',
  '_',
]

const mangled = fc.oneof(
  // Valid conditions re-spaced outside quotes: newlines, tabs, and rarely none (may glue two words).
  fc
    .tuple(
      condition,
      fc.infiniteStream(
        fc.oneof(
          { weight: 30, arbitrary: fc.constantFrom(' ', '\n', '\t ', '   ') },
          { weight: 1, arbitrary: fc.constant('') },
        ),
      ),
    )
    .map(([base, spaces]) =>
      base
        .split("'")
        .map((part, i) => (i % 2 ? part : part.replaceAll(' ', () => spaces.next().value as string)))
        .join("'"),
    ),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 16 }).map((t) => t.join(' ')),
  fc
    .tuple(
      condition,
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.constantFrom(...TOKENS, '')), {
        minLength: 1,
        maxLength: 3,
      }),
    )
    .map(([base, edits]) =>
      edits.reduce((s, [at, cut, insert]) => {
        const i = at % (s.length + 1)
        return s.slice(0, i) + insert + s.slice(i + cut)
      }, base),
    ),
)

describe('any text', () => {
  it('compiles and runs, or is a 400 — never anything else', async () => {
    let ran = 0
    await fc.assert(
      fc.asyncProperty(mangled, async (textCondition) => {
        let node: ConditionNode | undefined
        try {
          node = parseCondition(textCondition)
          if (node) compileCondition(node, { paramPrefix: 'c' })
          for (const row of ROWS) evaluateCondition(node, row)
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError)
          expect((error as ValidationError).httpStatus).toBe(400)
          return
        }
        if (!node) return
        await selectIds(node)
        ran++
      }),
      { seed: SEED, numRuns: 600 },
    )
    expect(ran).toBeGreaterThan(50)
  })
})
