import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, ingestThroughApi } from '../helpers/app.js'

/**
 * Every operation of the OpenAPI document, sent odd requests by the admin (who passes every
 * permission check, so the request reaches validation and the stores): a wrong type, a value at an
 * edge, an injection attempt or a missing property in the published example, a wholly different
 * body, odd path and query values. Each must get an answer below 500: a 5xx is a bug.
 */

interface Operation {
  method: string
  path: string
  example?: unknown
  queryNames: string[]
}

interface OpenApiOperation {
  parameters?: { in: string; name: string }[]
  requestBody?: {
    content?: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }>
  }
}

/** Seeded, so a failure shows again on the next run; TALLY_FUZZ_SEED and TALLY_FUZZ_RUNS explore further. */
const SEED = Number(process.env.TALLY_FUZZ_SEED ?? 20261203)
const RUNS_PER_OPERATION = Number(process.env.TALLY_FUZZ_RUNS ?? 12)

const EDGE_VALUES = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  1e308,
  -1e308,
  '',
  ' ',
  "1'; DROP TABLE audits; --",
  '{tenant:UInt32}',
  '$1',
  '\u0000',
  '😀',
  'x'.repeat(5_000),
  '2024-02-30',
  '0000-01-01',
  '9999-12-31T23:59:59.999Z',
  '-05:00',
  'NaN',
  [],
  {},
]
const oddValue = fc.oneof(
  fc.constantFrom(...EDGE_VALUES),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), {
    maxKeys: 3,
  }),
)
const ODD_PATH_VALUES = ['-1', '0', '2147483648', '99999999999999999999', 'abc', '%27', '1.5']
const oddPathValue = fc.constantFrom('1', ...ODD_PATH_VALUES)
/** For the admin API's changes: id 1 is the admin's own user, group and client, which must stay. */
const oddPathValueBesidesTheAdmin = fc.constantFrom('424242', ...ODD_PATH_VALUES)

/** Every place in a JSON value a mutation can reach, as paths of keys and indexes. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value))
    return value.flatMap((item, i) => [[...prefix, i], ...pathsOf(item, [...prefix, i])])
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => [
      [...prefix, key],
      ...pathsOf(item, [...prefix, key]),
    ])
  return []
}

/** A copy of `value` with the thing at `path` replaced, or removed when `replacement` is undefined. */
function mutated(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>
  let parent = copy
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (replacement !== undefined) parent[last] = replacement
  else if (Array.isArray(parent)) parent.splice(Number(last), 1)
  else delete parent[last]
  return copy
}

function bodies(example: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(example)
  const whole = fc.oneof(oddValue, fc.jsonValue({ maxDepth: 2 }))
  if (paths.length === 0) return whole
  const path = fc.constantFrom(...paths)
  return fc.oneof(
    fc.tuple(path, oddValue).map(([at, value]) => mutated(example, at, value)),
    path.map((at) => mutated(example, at, undefined)),
    fc
      .tuple(fc.string({ maxLength: 8 }), oddValue)
      .map(([key, value]) =>
        example !== null && typeof example === 'object' && !Array.isArray(example)
          ? { ...example, [`unknown${key}`]: value }
          : value,
      ),
    whole,
  )
}

let app: FastifyInstance
let auth: { authorization: string }
let operations: Operation[]

beforeAll(async () => {
  ;({ app, auth } = await buildTestApp())
  // A little of everything, so the reports have rows to compute over.
  await ingestThroughApi(app, auth, { stream: 'audits' }, [
    {
      id: 'fuzz-1',
      workspaceId: 1,
      timestamp: '2024-03-01T10:00:00Z',
      action: 'Update',
      objectType: 'Document',
      artifactId: 1040001,
      artifactName: 'DOC1',
      userId: 9,
      userName: 'Admin, Relativity',
      changes: [{ fieldId: 1035357, field: 'Responsiveness', oldValue: null, newValue: 'Responsive' }],
    },
  ])
  await ingestThroughApi(app, auth, { stream: 'usage-sessions' }, [
    {
      id: 'fuzz-s1',
      productId: 1,
      clientId: 'c1',
      startedAt: '2024-03-01T10:00:00Z',
      endedAt: '2024-03-01T11:00:00Z',
    },
  ])
  const doc = (await app.inject('/openapi.json')).json() as {
    paths: Record<string, Record<string, OpenApiOperation>>
  }
  operations = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => {
      const media = operation.requestBody?.content?.['application/json']
      return {
        method: method.toUpperCase(),
        path,
        example: media?.example ?? Object.values(media?.examples ?? {})[0]?.value,
        queryNames: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      }
    }),
  )
})

describe('odd requests to every operation', () => {
  it('never get a 5xx', async () => {
    expect(operations.length).toBeGreaterThan(50)
    // Every operation is tried, and every failing one listed, not only the first.
    const failures: string[] = []
    for (const operation of operations) {
      const request = fc.record({
        pathValue:
          operation.path.startsWith('/admin/v1/') && operation.method !== 'GET'
            ? oddPathValueBesidesTheAdmin
            : oddPathValue,
        body: bodies(operation.example ?? {}),
        query: fc.dictionary(
          operation.queryNames.length > 0
            ? fc.constantFrom(...operation.queryNames)
            : fc.string({ minLength: 1, maxLength: 6 }),
          fc.oneof(
            fc.constantFrom(...EDGE_VALUES.filter((v) => typeof v === 'string')),
            fc.string({ maxLength: 8 }),
          ),
          { maxKeys: 2 },
        ),
      })
      const failure = await fc.check(
        fc.asyncProperty(request, async ({ pathValue, body, query }) => {
          const url = `${operation.path.replace(/\{[^}]+\}/g, pathValue)}?${new URLSearchParams(query as Record<string, string>)}`
          const hasBody = !['GET', 'DELETE', 'HEAD'].includes(operation.method)
          const response = await app.inject({
            method: operation.method as 'POST',
            url,
            headers: hasBody ? { ...auth, 'content-type': 'application/json' } : auth,
            ...(hasBody && { payload: JSON.stringify(body) }),
          })
          expect(
            response.statusCode,
            `${operation.method} ${url} ${hasBody ? JSON.stringify(body).slice(0, 300) : ''} → ${response.body.slice(0, 300)}`,
          ).toBeLessThan(500)
        }),
        { numRuns: RUNS_PER_OPERATION, seed: SEED, endOnFailure: true },
      )
      if (failure.failed) failures.push(String((failure.errorInstance as Error).message).split('\n')[0]!)
    }
    expect(failures).toEqual([])
    // Still signed in: had a request deleted the admin's own client, the rest would have met 401s.
    expect((await app.inject({ url: '/admin/v1/users', headers: auth })).statusCode).toBe(200)
  }, 600_000)
})
