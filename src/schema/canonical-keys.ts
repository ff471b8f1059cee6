import type { TSchema } from 'typebox'

interface ObjectLike {
  type?: unknown
  properties?: Record<string, TSchema>
  items?: TSchema
  anyOf?: TSchema[]
}

/**
 * Renames an object's keys to the spelling its schema declares, ignoring letter case, at every
 * depth. The documents spell the same property differently (`rowCondition`, `RowCondition`,
 * `rowcondition`) and .NET clients send either; after this, validation sees one spelling.
 */
export function canonicalizeKeys(value: unknown, schema: TSchema): unknown {
  const s = schema as ObjectLike
  if (Array.isArray(value))
    return s.items ? value.map((item) => canonicalizeKeys(item, s.items as TSchema)) : value
  if (value === null || typeof value !== 'object') return value
  const options = s.anyOf?.find((option) => (option as ObjectLike).properties) as ObjectLike | undefined
  const properties = s.properties ?? options?.properties
  if (!properties) return value
  const byLowerName = new Map(Object.keys(properties).map((name) => [name.toLowerCase(), name]))
  const result: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const name = byLowerName.get(key.toLowerCase()) ?? key
    result[name] = name in properties ? canonicalizeKeys(item, properties[name] as TSchema) : item
  }
  return result
}
