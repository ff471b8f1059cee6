import { FORMAT_MESSAGES } from './formats.js'

/** The parts of a TypeBox (or Ajv) validation error this module reads. */
export interface SchemaError {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
}

/**
 * Turns schema errors into one message that names each offending field, e.g.
 * `timestamp: not an ISO-8601 instant …; unknown field 'colour'`. `prefix` names the request part.
 */
export function describeSchemaErrors(errors: Iterable<SchemaError>, prefix = ''): string {
  const parts = new Set<string>()
  for (const error of errors) {
    // `additionalProperties: false` reports each extra field twice; keep the named one.
    if (error.keyword === 'boolean') continue
    const at = joinPath(prefix, pointerToPath(error.instancePath))
    if (error.keyword === 'additionalProperties') {
      const extra = error.params.additionalProperties ?? error.params.additionalProperty
      for (const name of [extra].flat()) parts.add(`unknown field '${joinPath(at, String(name))}'`)
      continue
    }
    if (error.keyword === 'required') {
      const missing = error.params.requiredProperties ?? error.params.missingProperty
      for (const name of [missing].flat()) parts.add(`${joinPath(at, String(name))}: is required`)
      continue
    }
    const format = error.keyword === 'format' ? FORMAT_MESSAGES[String(error.params.format)] : undefined
    parts.add(`${at || 'body'}: ${format ?? error.message ?? error.keyword}`)
  }
  return [...parts].join('; ')
}

/** `/changes/0/fieldId` → `changes[0].fieldId` */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : joinPath(path, segment)), '')
}

function joinPath(base: string, name: string): string {
  return base && name ? `${base}.${name}` : base || name
}
