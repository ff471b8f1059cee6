import type { TObject, TSchema } from 'typebox'

/**
 * Turns a CSV record (header → cell text) into an event of the given schema: numbers and booleans
 * are converted by the field's declared type, objects and arrays are JSON in their cell, and an
 * empty cell leaves the field out. Anything that does not convert is passed through as text so the
 * schema check rejects it with the field's name.
 */
export function csvRecordToEvent(record: Record<string, string>, schema: TObject): Record<string, unknown> {
  const event: Record<string, unknown> = {}
  for (const [column, cell] of Object.entries(record)) {
    if (cell === '') continue
    const field = schema.properties[column] as TSchema | undefined
    event[column] = field ? convertCell(cell, field) : cell
  }
  return event
}

function convertCell(cell: string, field: TSchema): unknown {
  const types = declaredTypes(field)
  if (types.has('string')) return cell
  if ((types.has('integer') || types.has('number')) && cell.trim() !== '' && !Number.isNaN(Number(cell))) {
    return Number(cell)
  }
  if (types.has('boolean') && /^(true|false)$/i.test(cell)) return cell.toLowerCase() === 'true'
  if (types.has('object') || types.has('array')) {
    try {
      return JSON.parse(cell)
    } catch {
      return cell
    }
  }
  return cell
}

/** The JSON types a schema admits (looking through unions and enums). */
function declaredTypes(schema: TSchema): Set<string> {
  const s = schema as { type?: string | string[]; anyOf?: TSchema[]; enum?: unknown[] }
  const types = new Set<string>([s.type ?? []].flat())
  for (const option of s.anyOf ?? []) for (const t of declaredTypes(option)) types.add(t)
  if (s.enum) for (const value of s.enum) types.add(typeof value)
  return types
}
