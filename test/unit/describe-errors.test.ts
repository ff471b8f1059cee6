import Type from 'typebox'
import { Compile } from 'typebox/compile'
import { describe, expect, it } from 'vitest'
import { describeSchemaErrors } from '../../src/schema/describe-errors.js'
import '../../src/schema/formats.js'

const Schema = Type.Object(
  {
    at: Type.String({ format: 'iso-instant' }),
    n: Type.Integer(),
    items: Type.Optional(Type.Array(Type.Object({ x: Type.String() }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
)
const check = Compile(Schema)

describe('describeSchemaErrors', () => {
  it.each([
    [{ at: '2024-01-01T00:00:00Z', n: 1 }, ''],
    [{ at: '2024-01-01T00:00:00+05:30', n: 1 }, ''],
    [{ at: '2024-01-01', n: 1 }, 'at: not an ISO-8601 instant with a time zone'],
    [{ at: '2024-13-01T00:00:00Z', n: 1 }, 'at: not an ISO-8601 instant'],
    [{ at: '2024-01-01T00:00:00Z', n: 1.5 }, 'n: must be integer'],
    [{ at: '2024-01-01T00:00:00Z' }, 'n: is required'],
    [{ at: '2024-01-01T00:00:00Z', n: 1, extra: 1 }, "unknown field 'extra'"],
    [
      { at: '2024-01-01T00:00:00Z', n: 1, items: [{ x: 'a' }, { y: 1, x: 'b' }] },
      "unknown field 'items[1].y'",
    ],
  ])('%j → %s', (value, message) => {
    const text = describeSchemaErrors(check.Errors(value))
    if (message === '') expect(text).toBe('')
    else expect(text).toContain(message)
  })

  it('prefixes the request part', () => {
    expect(describeSchemaErrors(check.Errors({ at: 'x', n: 1 }), 'body')).toMatch(/^body\.at: /)
  })
})
