import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import {
  CONDITION_LIMITS,
  ConditionError,
  compileCondition,
  compileConditionText,
  evaluateCondition,
  parseCondition,
  type AuditEvalRow,
} from '../../src/modules/audit/conditions/index.js'
import { parseInstant } from '../../src/modules/audit/conditions/values.js'
import { AUDIT_FIELDS, findAuditField, findAuditFieldByArtifactId } from '../../src/modules/audit/fields.js'

const compile = (text: string, paramPrefix = 'c') =>
  compileConditionText(text, { label: 'condition', paramPrefix })
const errorOf = (text: string, label: 'condition' | 'rowCondition' = 'condition'): unknown => {
  try {
    compileConditionText(text, { label, paramPrefix: 'c' })
  } catch (error) {
    return error
  }
  return undefined
}

/** Every condition the audit document shows, verbatim. */
const DOCUMENT_EXAMPLES = [
  "(('Artifact ID' == 1003663))",
  "(('Audit ID' == 393901))",
  "(('Timestamp' >= 2017-11-01T00:00:00.00Z AND 'Timestamp' <= 2017-11-23T23:59:00.00Z))\nAND (('Object Type' == CHOICE 1048471))\nAND (('Action' IN CHOICE [1048406, 1048444]))",
  "(('Execution Time (ms)' > 1000))",
  "(('Timestamp' >= 2017-11-01T00:00:00.00Z AND 'Timestamp' <= 2017-11-23T23:59:00.00Z))",
  "((('Audit ID' LIKE ['1409579'])))",
  "(('User Name' == CHOICE 1039872))",
  '',
]

describe('the audit field catalog', () => {
  it('finds fields by name (any case, trimmed) and by ArtifactID, all ids distinct', () => {
    expect(findAuditField('  execution time (MS) ')?.sql).toBe('execution_time_ms')
    expect(findAuditField('Object ArtifactID')?.sql).toBe('artifact_id')
    expect(findAuditField('Nope')).toBeUndefined()
    expect(findAuditFieldByArtifactId(1007)?.name).toBe('Timestamp')
    expect(new Set(AUDIT_FIELDS.map((f) => f.artifactId)).size).toBe(AUDIT_FIELDS.length)
    expect(AUDIT_FIELDS.filter((f) => f.sortable).map((f) => f.name)).toEqual([
      'Timestamp',
      'Execution Time (ms)',
    ])
    expect(AUDIT_FIELDS.filter((f) => f.pivotable).map((f) => f.name)).toEqual([
      'Object Type',
      'Action',
      'Timestamp',
      'User Name',
    ])
  })
})

describe('document examples', () => {
  it.each(DOCUMENT_EXAMPLES.filter((t) => t !== ''))('parses and compiles %s', (text) => {
    const compiled = compile(text)
    expect(compiled?.sql).toMatch(/\S/)
  })

  it('treats empty and blank conditions as no filter', () => {
    expect(parseCondition('')).toBeUndefined()
    expect(parseCondition(' \n\t ')).toBeUndefined()
    expect(compileConditionText(null, { label: 'rowCondition', paramPrefix: 'r' })).toBeUndefined()
    expect(evaluateCondition(undefined, row())).toBe(true)
  })

  it.each([
    ["(('Artifact ID' == 1003663))", 'artifact_id = {c0:Int64}', { c0: 1003663n }],
    ["(('Audit ID' == 393901))", 'audit_id = {c0:UInt64}', { c0: 393901n }],
    ["(('Execution Time (ms)' > 1000))", 'execution_time_ms > {c0:UInt32}', { c0: 1000n }],
    ["(('User Name' == CHOICE 1039872))", 'user_id = {c0:Int64}', { c0: 1039872n }],
    [
      "((('Audit ID' LIKE ['1409579'])))",
      'position(lowerUTF8(toString(audit_id)), lowerUTF8({c0:String})) > 0',
      { c0: '1409579' },
    ],
    [
      DOCUMENT_EXAMPLES[2]!,
      // Action ids are UInt16: 1048406 and 1048444 name no action, so that part folds to false.
      "and(timestamp >= parseDateTime64BestEffort({c0:String}, 3, 'UTC'), timestamp <= parseDateTime64BestEffort({c1:String}, 3, 'UTC'), object_type_id = {c2:UInt32}, false)",
      { c0: '2017-11-01T00:00:00.000Z', c1: '2017-11-23T23:59:00.000Z', c2: 1048471n },
    ],
  ])('golden SQL for %s', (text, sql, params) => {
    expect(compile(text)).toEqual({ sql, params })
  })
})

describe('golden SQL by field kind', () => {
  it.each([
    [
      "'Action' IN CHOICE [3, 9] OR 'Object Type' <> CHOICE 10",
      'or(action_id IN {c0:Array(UInt16)}, not(object_type_id = {c1:UInt32}))',
      { c0: [3n, 9n], c1: 10n },
    ],
    ["'action' == 'Update - Mass Edit'", 'action_id IN {c0:Array(UInt16)}', { c0: [4n] }],
    [
      "'Object Name' LIKE ['50%', 'a_b']",
      'arrayExists(n -> position(lowerUTF8(artifact_name), n) > 0, arrayMap(n -> lowerUTF8(n), {c0:Array(String)}))',
      { c0: ['50%', 'a_b'] },
    ],
    ["'Field' == 'Name'", 'arrayExists(x -> x = {c0:String}, change_fields)', { c0: 'Name' }],
    [
      "NOT 'Old Value' STARTSWITH 'ab'",
      'not(arrayExists(x -> x IS NOT NULL AND startsWith(lowerUTF8(assumeNotNull(x)), lowerUTF8({c0:String})), change_old_values))',
      { c0: 'ab' },
    ],
    [
      "'New Value' ISSET AND 'Details' ENDSWITH '}'",
      'and(notEmpty(change_new_values), endsWith(lowerUTF8(details), lowerUTF8({c0:String})))',
      { c0: '}' },
    ],
    [
      "'Timestamp' IN [2024-05-05, '2024-05-06T10:00:00+02:00']",
      "has(arrayMap(t -> parseDateTime64BestEffort(t, 3, 'UTC'), {c0:Array(String)}), timestamp)",
      { c0: ['2024-05-05T00:00:00.000Z', '2024-05-06T08:00:00.000Z'] },
    ],
    [
      "'Artifact ID' > 3.5 AND 'User ID' <= -2.5 AND 'Execution Time (ms)' >= -1",
      'and(artifact_id > {c0:Int64}, user_id <= {c1:Int64}, true)',
      { c0: 3n, c1: -3n },
    ],
    [
      "'Audit ID' IN [1, '2', 18446744073709551615, -1, 2.5]",
      'audit_id IN {c0:Array(UInt64)}',
      { c0: [1n, 2n, 18446744073709551615n] },
    ],
    [
      "'User Name' <> 'O''Brien' OR 'User Name' ISSET",
      'or(not(user_name = {c0:String}), notEmpty(user_name))',
      { c0: "O'Brien" },
    ],
  ])('%s', (text, sql, params) => {
    expect(compile(text)).toEqual({ sql, params })
  })

  it('names parameters with the prefix, so two conditions can share a statement', () => {
    const node = parseCondition("'Object Name' == 'a' AND 'Details' == 'b'", 'rowCondition')!
    expect(compileCondition(node, { paramPrefix: 'row_', label: 'rowCondition' }).params).toEqual({
      row_0: 'a',
      row_1: 'b',
    })
    expect(() => compileCondition(node, { paramPrefix: '1; DROP' })).toThrow(/bad parameter prefix/)
  })
})

describe('invalid conditions', () => {
  const deep = (n: number) => `${'('.repeat(n)}'Audit ID' ISSET${')'.repeat(n)}`
  it.each([
    [
      "(('Audit ID' == 1)",
      "condition: expected ')' to close the '(' at position 1 at position 19 (found the end of the condition)",
    ],
    [
      "'Audit ID' == 1)",
      "condition: expected AND, OR or the end of the condition at position 16 (found ')')",
    ],
    ['()', "condition: expected a quoted field name, '(' or NOT at position 2 (found ')')"],
    [
      "'Foo' == 1",
      "condition: unknown field 'Foo' at position 1; the fields are 'Audit ID', 'Artifact ID', 'Object ArtifactID', 'Object Name', 'Object Type', 'Action', 'Timestamp', 'User Name', 'User ID', 'Execution Time (ms)', 'Details', 'Field', 'Old Value', 'New Value'",
    ],
    ["(('Execution Time (ms)' >= ))", "condition: expected a value after '>=' at position 28 (found ')')"],
    [
      "'Audit ID' = 1",
      "condition: expected an operator (==, <>, >, >=, <, <=, IN, LIKE, STARTSWITH, ENDSWITH or ISSET) after 'Audit ID' at position 12 (found '=')",
    ],
    [
      "'Audit ID' != 1",
      "condition: expected an operator (==, <>, >, >=, <, <=, IN, LIKE, STARTSWITH, ENDSWITH or ISSET) after 'Audit ID' at position 12 (found '!=')",
    ],
    ["'Object Name' == 'abc", 'condition: unterminated quoted text starting at position 18'],
    [
      "'Object Name' == 'a' 'b'",
      "condition: expected AND, OR or the end of the condition at position 22 (found 'b')",
    ],
    [
      "'Object Name' == 'a' AND",
      "condition: expected a quoted field name, '(' or NOT at position 25 (found the end of the condition)",
    ],
    [
      "'Object Name' == CHOICE 5",
      "condition: 'Object Name' == CHOICE 5: CHOICE values apply only to the choice fields Object Type, Action and User Name",
    ],
    ["'Action' > CHOICE 5", "condition: 'Action' > CHOICE 5: CHOICE compares only with ==, <> and IN CHOICE"],
    [
      "'Action' == 3",
      "condition: 'Action' == 3: 'Action' is a choice field; compare it with CHOICE n or a quoted name",
    ],
    [
      "'Action' IN CHOICE [1.5]",
      "condition: expected a choice id (a whole number) at position 21 (found '1.5')",
    ],
    ["'Action' IN CHOICE []", "condition: expected a choice id (a whole number) at position 21 (found ']')"],
    [
      "'Artifact ID' IN VIEW 1039633",
      "condition: 'Artifact ID' IN VIEW 1039633: saved views are not supported; list the ids with IN [..]",
    ],
    [
      "'Artifact ID' == 'abc'",
      "condition: 'Artifact ID' == 'abc': 'Artifact ID' is a number field; compare it with a number",
    ],
    [
      "'Audit ID' == 'abc'",
      "condition: 'Audit ID' == 'abc': 'Audit ID' is a number field; compare it with a number (quoted or not)",
    ],
    [
      "'Object Name' > 'a'",
      "condition: 'Object Name' > 'a': ordering operators (>, >=, <, <=) apply only to numbers and Timestamp",
    ],
    [
      "'Object Name' == 5",
      "condition: 'Object Name' == 5: 'Object Name' is a text field; compare it with quoted text",
    ],
    [
      "'Timestamp' >= 'yesterday'",
      "condition: 'Timestamp' >= 'yesterday': 'Timestamp' compares with an instant such as 2017-11-01T00:00:00Z (found 'yesterday')",
    ],
    [
      "'Timestamp' >= 2017-13-01T00:00:00Z",
      "condition: 'Timestamp' >= 2017-13-01T00:00:00Z: 2017-13-01T00:00:00Z is not a valid instant",
    ],
    [
      "'Timestamp' LIKE '2017'",
      "condition: 'Timestamp' LIKE '2017': LIKE applies only to text; compare 'Timestamp' with an instant such as 2017-11-01T00:00:00Z",
    ],
    [
      "'Timestamp' == 1000",
      "condition: 'Timestamp' == 1000: 'Timestamp' compares with an instant such as 2017-11-01T00:00:00Z (found 1000)",
    ],
    ["'Object Name' IN 'a'", "condition: expected '[', CHOICE or VIEW after 'IN' at position 18 (found 'a')"],
    ["'Object Name' IN [ 'a' 'b' ]", "condition: expected ',' or ']' in the list at position 24 (found 'b')"],
    ["'Object Name' IN ['a',]", "condition: expected a value after ',' at position 23 (found ']')"],
    ["'Object Name' == 'a' # 1", "condition: unexpected character '#' at position 22"],
    ["'Object Name' == 'a'\u0000", "condition: unexpected character 'U+0000' at position 21"],
    [
      'NOT',
      "condition: expected a quoted field name, '(' or NOT at position 4 (found the end of the condition)",
    ],
    [deep(CONDITION_LIMITS.maxDepth + 1), 'condition: nested deeper than 200 levels at position 201'],
    [
      `NOT `.repeat(CONDITION_LIMITS.maxDepth + 1) + "'Audit ID' ISSET",
      'condition: nested deeper than 200 levels at position 801',
    ],
  ])('%s', (text, message) => {
    const error = errorOf(text)
    expect(error).toBeInstanceOf(ConditionError)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).httpStatus).toBe(400)
    expect((error as Error).message).toBe(message)
  })

  it('prefixes messages with the property the condition came from', () => {
    expect((errorOf('(', 'rowCondition') as Error).message).toBe(
      "rowCondition: expected a quoted field name, '(' or NOT at position 2 (found the end of the condition)",
    )
  })

  it('bounds length, depth, list items and comparisons, and accepts everything up to the bounds', () => {
    expect(compile(deep(CONDITION_LIMITS.maxDepth))?.sql).toBe('true')
    const items = (n: number) => `'Audit ID' IN [${Array.from({ length: n }, (_, i) => i).join(',')}]`
    expect(compile(items(CONDITION_LIMITS.maxListItems))?.params.c0).toHaveLength(
      CONDITION_LIMITS.maxListItems,
    )
    expect((errorOf(items(CONDITION_LIMITS.maxListItems + 1)) as Error).message).toBe(
      'condition: more than 10000 items in the list starting at position 15',
    )
    const many = (n: number) => Array.from({ length: n }, () => "'Details' ISSET").join(' OR ')
    expect(compile(many(CONDITION_LIMITS.maxComparisons))).toBeDefined()
    expect((errorOf(many(CONDITION_LIMITS.maxComparisons + 1)) as Error).message).toBe(
      'condition: more than 500 comparisons, counting the one at position 9501',
    )
    expect((errorOf(`'Details' == '${'x'.repeat(CONDITION_LIMITS.maxBytes)}'`) as Error).message).toBe(
      'condition: longer than 65536 bytes',
    )
  })
})

describe('injection attempts', () => {
  // Each attempt beside a twin with harmless values: the SQL must be the same text, so no value
  // reached it, and the values must arrive intact in params.
  it.each([
    ["'Object Name' == ' OR 1=1 --'", "'Object Name' == 'v'"],
    ["'Object Name' == ''' OR 1=1 --'", "'Object Name' == 'v'"],
    ["'Object Name' LIKE ['\\', '\\''', '%', '_']", "'Object Name' LIKE ['v', 'v', 'v', 'v']"],
    ["'Details' == '{c0:String}' OR 'Details' == '{c1:Int64}'", "'Details' == 'v' OR 'Details' == 'v'"],
    ["'User Name' IN ['x'') OR 1=1 OR (''', 'DROP TABLE audits']", "'User Name' IN ['v', 'v']"],
    ["'Old Value' ENDSWITH '; SELECT * FROM system.users; --'", "'Old Value' ENDSWITH 'v'"],
    ["'Field' STARTSWITH '\n\t\r\u0000'", "'Field' STARTSWITH 'v'"],
    ["'Audit ID' LIKE ['1'' UNION SELECT 1 --']", "'Audit ID' LIKE ['v']"],
    ["'Object Name' IN ['a'] AND 'Action' == ') OR (1=1'", "'Object Name' IN ['v'] AND 'Action' == 'v'"],
  ])('keeps the values of %s in params only', (attempt, twin) => {
    const compiled = compile(attempt)!
    expect(compiled.sql).toBe(compile(twin)!.sql)
    const values = Object.values(compiled.params).flat()
    for (const value of values)
      if (typeof value === 'string') expect(attempt.replaceAll("''", "'")).toContain(value)
  })

  it.each([
    "'Object Name'' OR 1=1 --' == 'a'",
    "'audit_id) OR (1' == 1",
    "'Audit ID' == 1; DROP TABLE audits",
    "'Audit ID' == 1 -- comment",
    "'Audit ID' == 1 /* x */",
    "'Audit ID' == {c0:String}",
    "'Audit ID' == 1 UNION SELECT 1",
    '\'Object Name\' == "a"',
  ])('rejects %s as a bad condition', (text) => {
    expect(errorOf(text)).toBeInstanceOf(ConditionError)
  })
})

describe('the evaluator', () => {
  it.each([
    ["'Artifact ID' > 3.5", { artifact_id: 4 }, true],
    ["'Artifact ID' > 3.5", { artifact_id: 3 }, false],
    ["'Artifact ID' == 3.0", { artifact_id: 3 }, true],
    ["'Audit ID' == '18446744073709551615'", { audit_id: '18446744073709551615' }, true],
    ["'Action' LIKE 'REVERT'", { action_id: 59 }, true],
    ["'Action' <> 'View'", { action_id: 999 }, true],
    ["'Old Value' <> 'a'", { change_old_values: [null, 'b'] }, true],
    ["'Old Value' ISSET", { change_old_values: [null] }, true],
    ["'Old Value' LIKE ''", { change_old_values: [null] }, false],
    ["'Object Name' LIKE '%'", { artifact_name: '100% done' }, true],
    ["'Object Name' LIKE '%'", { artifact_name: 'plain' }, false],
    ["'Timestamp' == 2024-05-05T12:00:00.0009+01:00", { timestamp: '2024-05-05T11:00:00.000Z' }, true],
  ] as const)('%s on %j is %s', (text, changes, expected) => {
    expect(evaluateCondition(parseCondition(text), row(changes))).toBe(expected)
  })

  it('parses instants strictly', () => {
    expect(parseInstant('2017-11-01')).toBe(Date.UTC(2017, 10, 1))
    expect(parseInstant('0099-01-01T00:00Z')).toBe(new Date('0099-01-01T00:00:00Z').getTime())
    expect(parseInstant('2019-02-29')).toBeUndefined()
    expect(parseInstant('2019-01-01T24:00Z')).toBeUndefined()
  })
})

function row(changes: Partial<AuditEvalRow> = {}): AuditEvalRow {
  return {
    audit_id: '1',
    timestamp: new Date('2024-01-01T00:00:00Z'),
    action_id: 3,
    object_type_id: 10,
    artifact_id: 1,
    artifact_name: 'doc',
    user_id: 9,
    user_name: 'ann',
    execution_time_ms: 5,
    details: '',
    change_fields: [],
    change_old_values: [],
    change_new_values: [],
    ...changes,
  }
}
