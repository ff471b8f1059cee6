import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addGroupMember,
  createGroup,
  createOAuthClient,
  createUser,
  grantPermission,
  updateOAuthClient,
} from '../../src/modules/identity/principals.js'
import type { Grant } from '../../src/modules/identity/permissions.js'
import { TokenSigner } from '../../src/modules/identity/tokens.js'
import type { Stores } from '../../src/store/stores.js'
import { ENTITIES } from '../../src/modules/ingest/entities/index.js'
import { STREAMS } from '../../src/modules/ingest/streams/index.js'
import { TEST_ADMIN_PASSWORD, TEST_CLIENT, buildTestApp, clientToken, ndjson } from '../helpers/app.js'

/**
 * Every mounted route, for every kind of principal: allowed (any status but 401 and 403) or
 * refused with 401 or 403. Each API family adds its routes to ROUTES and its column expectations.
 */
type Principal =
  | 'anonymous'
  | 'clientDomainUser'
  | 'instanceWideUser'
  | 'systemAdminWithoutUsage'
  | 'admin'
  | 'ingestClient'
  | 'disabledClient'
  | 'expiredToken'
type Expect = 'allow' | 401 | 403

interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** The route as the OpenAPI document names it. */
  path: string
  /** The URL requested, when the path has parameters. */
  url?: string
  body?: () => { payload: string | object; contentType: string }
  expect: Record<Principal, Expect>
}

const PUBLIC: Record<Principal, Expect> = {
  anonymous: 'allow',
  clientDomainUser: 'allow',
  instanceWideUser: 'allow',
  systemAdminWithoutUsage: 'allow',
  admin: 'allow',
  ingestClient: 'allow',
  // A bad bearer token is refused everywhere, so a client learns at once that it stopped working.
  disabledClient: 401,
  expiredToken: 401,
}
/** Administrator (and so system administrators) or an explicit grant. */
const ADMIN_ONLY: Record<Principal, Expect> = {
  anonymous: 401,
  clientDomainUser: 403,
  instanceWideUser: 403,
  systemAdminWithoutUsage: 'allow',
  admin: 'allow',
  ingestClient: 403,
  disabledClient: 401,
  expiredToken: 401,
}
const INGEST: Record<Principal, Expect> = { ...ADMIN_ONLY, ingestClient: 'allow' }
/** Either usage reports permission (Administrator implies the client-domain one). */
const USAGE_REPORTS: Record<Principal, Expect> = {
  ...ADMIN_ONLY,
  clientDomainUser: 'allow',
  instanceWideUser: 'allow',
}
/** Usage intelligence sign-in without its CSRF cookie: refused for everyone the token lets through. */
const NEEDS_RUI_CSRF: Record<Principal, Expect> = {
  ...PUBLIC,
  anonymous: 403,
  clientDomainUser: 403,
  instanceWideUser: 403,
  systemAdminWithoutUsage: 403,
  admin: 403,
  ingestClient: 403,
}

/** A file download link: its token is the only credential, so a bad one is refused whoever sends it. */
const SIGNED_LINK: Record<Principal, Expect> = {
  ...PUBLIC,
  anonymous: 403,
  clientDomainUser: 403,
  instanceWideUser: 403,
  systemAdminWithoutUsage: 403,
  admin: 403,
  ingestClient: 403,
}

const json = (payload: object) => () => ({ payload, contentType: 'application/json' })
const ndjsonBody = (item: object) => () => ({ payload: ndjson([item]), contentType: 'application/x-ndjson' })
const form = (payload: string) => () => ({ payload, contentType: 'application/x-www-form-urlencoded' })
let unique = 0
const fresh = (prefix: string) => `${prefix}${++unique}`

const ROUTES: RouteCase[] = [
  { method: 'GET', path: '/healthz', expect: PUBLIC },
  { method: 'GET', path: '/readyz', expect: PUBLIC },
  { method: 'GET', path: '/openapi.json', expect: PUBLIC },
  { method: 'GET', path: '/auth/v1/me', expect: PUBLIC },
  {
    method: 'POST',
    path: '/Relativity/Identity/connect/token',
    body: form(
      `grant_type=client_credentials&client_id=${TEST_CLIENT.id}&client_secret=${TEST_CLIENT.secret}`,
    ),
    expect: PUBLIC,
  },
  {
    method: 'POST',
    path: '/auth/v1/sign-in',
    body: json({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    expect: PUBLIC,
  },
  { method: 'POST', path: '/auth/v1/sign-out', expect: PUBLIC },
  { method: 'GET', path: '/v3/request-csrf', expect: PUBLIC },
  {
    method: 'POST',
    path: '/v3/auth/web',
    body: json({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    expect: NEEDS_RUI_CSRF,
  },
  { method: 'POST', path: '/v3/auth/logout', body: json({ allSessions: false }), expect: PUBLIC },
  ...[...STREAMS.keys()].map((stream): RouteCase => ({
    method: 'POST',
    path: `/ingest/v1/${stream}`,
    body: ndjsonBody({}),
    expect: INGEST,
  })),
  ...[...ENTITIES.keys()].map((kind): RouteCase => ({
    method: 'PUT',
    path: `/ingest/v1/entities/${kind}`,
    body: ndjsonBody({}),
    expect: INGEST,
  })),
  {
    method: 'GET',
    path: '/Relativity.REST/api/relativity-audit/{versionNumber}/workspaces/{workspaceID}/audit-metrics',
    url: '/Relativity.REST/api/relativity-audit/v1/workspaces/1018053/audit-metrics',
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/Relativity.REST/api/relativity-audit/{versionNumber}/workspaces/{workspaceID}/audits',
    url: '/Relativity.REST/api/relativity-audit/v1/workspaces/1018053/audits',
    body: json({ request: { auditId: '1' } }),
    expect: ADMIN_ONLY,
  },
  ...(['query', 'query-slim'] as const).map((endpoint): RouteCase => ({
    method: 'POST',
    path: `/Relativity.REST/api/relativity-audit/{versionNumber}/workspaces/{workspaceID}/audits/UI/${endpoint}`,
    url: `/Relativity.REST/api/relativity-audit/v1/workspaces/1018053/audits/UI/${endpoint}`,
    body: json({ request: { fields: [] }, start: 1, length: 1 }),
    expect: ADMIN_ONLY,
  })),
  {
    method: 'POST',
    path: '/Relativity.REST/api/relativity-audit/{versionNumber}/workspaces/{workspaceID}/pivots',
    url: '/Relativity.REST/api/relativity-audit/v1/workspaces/1018053/pivots',
    body: json({ settings: { GroupBy: { Name: 'Action' } }, cancel: {}, progress: {} }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'GET',
    path: '/Relativity.REST/api/relativity-audit/{versionNumber}/workspaces/{workspaceID}/audit-fields',
    url: '/Relativity.REST/api/relativity-audit/v1/workspaces/1018053/audit-fields',
    expect: ADMIN_ONLY,
  },
  ...(['audits/revert/validate', 'audits/revert'] as const).map((endpoint): RouteCase => ({
    method: 'POST',
    path: `/Relativity.REST/api/relativity-audit/{versionNumber}/workspaces/{workspaceID}/${endpoint}`,
    url: `/Relativity.REST/api/relativity-audit/v1/workspaces/1018053/${endpoint}`,
    body: json({ workspaceId: 1018053, request: { AuditId: '1' } }),
    expect: ADMIN_ONLY,
  })),
  {
    method: 'POST',
    path: '/Relativity.REST/api/relativity-audit/{versionNumber}/workspaces/{workspaceID}/audits/mass-revert',
    url: '/Relativity.REST/api/relativity-audit/v1/workspaces/1018053/audits/mass-revert',
    body: json({ workspaceId: 1018053, request: { RevertAuditRequests: [{ AuditId: '1' }] } }),
    expect: ADMIN_ONLY,
  },
  ...(
    [
      ['document-action-counts', { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31' } }],
      ['usage-time', { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31' } }],
      ['total-reviewed-text-size', { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31' } }],
      [
        'distinct-document-actions-per-hour-of-day',
        { criteria: { StartDate: '2019-05-01', EndDate: '2019-05-31' } },
      ],
      [
        'reviewer-choices',
        { reviewerChoicesCriteria: { StartDate: '2019-05-01', EndDate: '2019-05-31', FieldIds: [1] } },
      ],
      ['summary-report', { reviewerStatsDataRequest: { startDate: '2019-05-01', endDate: '2019-05-31' } }],
      [
        'summary-report/export',
        { reviewerStatsDataRequest: { startDate: '2019-05-01', endDate: '2019-05-31' } },
      ],
    ] as const
  ).map(([endpoint, body]): RouteCase => ({
    method: 'POST',
    path: `/Relativity.REST/api/relativity-audit/{versionNumber}/workspaces/{workspaceID}/${endpoint}`,
    url: `/Relativity.REST/api/relativity-audit/v1/workspaces/1018053/${endpoint}`,
    body: json(body),
    expect: ADMIN_ONLY,
  })),
  {
    method: 'GET',
    path: '/api/usage-reports/{version}/metadata',
    url: '/api/usage-reports/v1/metadata',
    expect: USAGE_REPORTS,
  },
  {
    method: 'GET',
    path: '/api/usage-reports/{version}/reports',
    url: '/api/usage-reports/v1/reports',
    expect: USAGE_REPORTS,
  },
  {
    method: 'POST',
    path: '/api/usage-reports/{version}/reports',
    url: '/api/usage-reports/v1/reports',
    body: json({
      name: 'matrix',
      dateRange: { from: '2024-05-05', to: '2024-05-05' },
      fields: ['233c0387-a246-4b9f-80b4-772ab8d41062'],
    }),
    expect: USAGE_REPORTS,
  },
  ...(['GET', 'DELETE'] as const).map((method): RouteCase => ({
    method,
    path: '/api/usage-reports/{version}/reports/{id}',
    url: '/api/usage-reports/v1/reports/6f9619ff-8b86-d011-b42d-00c04fc964ff',
    expect: USAGE_REPORTS,
  })),
  {
    method: 'GET',
    path: '/api/usage-reports/{version}/reports/{id}/details',
    url: '/api/usage-reports/v1/reports/6f9619ff-8b86-d011-b42d-00c04fc964ff/details',
    expect: USAGE_REPORTS,
  },
  {
    method: 'GET',
    path: '/api/usage-reports/{version}/reports/download/{id}',
    url: '/api/usage-reports/v1/reports/download/6f9619ff-8b86-d011-b42d-00c04fc964ff',
    expect: USAGE_REPORTS,
  },
  ...['creditsTransaction', 'userUsage', 'serviceUsage', 'resourceUsage'].map((report): RouteCase => ({
    method: 'POST',
    path: `/reports/v1/integration/${report}`,
    expect: ADMIN_ONLY,
  })),
  { method: 'GET', path: '/reports/v1/audit', expect: ADMIN_ONLY },
  { method: 'GET', path: '/export/usage-reports', expect: ADMIN_ONLY },
  { method: 'GET', path: '/v3/meta/productProperties', expect: ADMIN_ONLY },
  {
    method: 'POST',
    path: '/v3/meta/propertyValues/{product_id}',
    url: '/v3/meta/propertyValues/1',
    body: json({ property: 'os' }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/v3/reporting/engagement/usageDistribution/{product_id}',
    url: '/v3/reporting/engagement/usageDistribution/1',
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31' }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/v3/reporting/generic/dateRange/{product_id}',
    url: '/v3/reporting/generic/dateRange/1',
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31' }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/v3/reporting/generic/current/{product_id}',
    url: '/v3/reporting/generic/current/1',
    body: json({}),
    expect: ADMIN_ONLY,
  },
  { method: 'GET', path: '/v3/event-tracking/{product_id}', url: '/v3/event-tracking/1', expect: ADMIN_ONLY },
  {
    method: 'PUT',
    path: '/v3/event-tracking/{product_id}',
    url: '/v3/event-tracking/1',
    body: json({ events: [{ category: 'Export', name: 'PDF', collected: true }] }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/v3/reporting/eventTracking/lifetime/dataTable/{product_id}',
    url: '/v3/reporting/eventTracking/lifetime/dataTable/1',
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31' }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/v3/reporting/eventTracking/basic/dataTable/{product_id}',
    url: '/v3/reporting/eventTracking/basic/dataTable/1',
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31' }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/v3/reporting/eventTracking/basic/timeline/{product_id}',
    url: '/v3/reporting/eventTracking/basic/timeline/1',
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31', events: [{ category: 'Export' }] }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/v3/reporting/eventTracking/lifetime/histogram/{product_id}',
    url: '/v3/reporting/eventTracking/lifetime/histogram/1',
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31', events: [{ category: 'Export' }] }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/v3/reporting/eventTracking/advanced/fullReport/{product_id}',
    url: '/v3/reporting/eventTracking/advanced/fullReport/1',
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31' }),
    expect: ADMIN_ONLY,
  },
  ...[
    'engagement/churnAndEngagement',
    'churn/histogram/days',
    'churn/histogram/runtime',
    'churn/histogram/sessions',
    'eventTracking/churn/lifetime/dataTable',
  ].map((report): RouteCase => ({
    method: 'POST',
    path: `/v3/reporting/${report}/{product_id}`,
    url: `/v3/reporting/${report}/1`,
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31' }),
    expect: ADMIN_ONLY,
  })),
  {
    method: 'POST',
    path: '/v3/reporting/eventTracking/churn/lifetime/histogram/{product_id}',
    url: '/v3/reporting/eventTracking/churn/lifetime/histogram/1',
    body: json({ startDate: '2024-03-01', stopDate: '2024-03-31', events: [{ category: 'Export' }] }),
    expect: ADMIN_ONLY,
  },
  ...(['', 'unregistered/'] as const).map((sub): RouteCase => ({
    method: 'POST',
    path: `/v3/license-key-registry/${sub}{product_id}`,
    url: `/v3/license-key-registry/${sub}1`,
    body: json({}),
    expect: ADMIN_ONLY,
  })),
  ...(['POST', 'PATCH'] as const).map((method): RouteCase => ({
    method,
    path: '/v3/license-key-registry/update/{product_id}',
    url: '/v3/license-key-registry/update/1',
    body: json({ keys: [{ licenseKey: 'MATRIX-KEY' }] }),
    expect: ADMIN_ONLY,
  })),
  ...['reporting', 'export/request'].map((prefix): RouteCase => ({
    method: 'POST',
    path: `/v3/${prefix}/clientPropertyList/{product_id}`,
    url: `/v3/${prefix}/clientPropertyList/1`,
    body: json({}),
    expect: ADMIN_ONLY,
  })),
  ...['customEventTracking', 'exceptionTracking'].map((prefix): RouteCase => ({
    method: 'POST',
    path: `/v3/${prefix}/getLastLines/{product_id}`,
    url: `/v3/${prefix}/getLastLines/1`,
    body: json({}),
    expect: ADMIN_ONLY,
  })),
  ...['customEventTracking', 'exceptionTracking', 'rawEvents/download'].flatMap((prefix): RouteCase[] => [
    {
      method: 'GET',
      path: `/v3/${prefix}/listFiles/{product_id}`,
      url: `/v3/${prefix}/listFiles/1`,
      expect: ADMIN_ONLY,
    },
    {
      method: 'POST',
      path: `/v3/${prefix}/getDownloadUrl/{product_id}`,
      url: `/v3/${prefix}/getDownloadUrl/1`,
      body: json({ fileName: '1_2025-01-01.zip' }),
      expect: ADMIN_ONLY,
    },
  ]),
  {
    method: 'GET',
    path: '/v3/files/download/{fileName}',
    url: '/v3/files/download/1_2025-01-01.zip?token=not-a-signed-token',
    expect: SIGNED_LINK,
  },
  { method: 'GET', path: '/admin/v1/outbox', expect: ADMIN_ONLY },
  { method: 'GET', path: '/admin/v1/settings/revert-max-audit-count', expect: ADMIN_ONLY },
  {
    method: 'PUT',
    path: '/admin/v1/settings/revert-max-audit-count',
    body: json({ value: 1000 }),
    expect: ADMIN_ONLY,
  },
  { method: 'GET', path: '/admin/v1/webhooks', expect: ADMIN_ONLY },
  {
    method: 'PUT',
    path: '/admin/v1/webhooks',
    body: json({ url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-of-length' }),
    expect: ADMIN_ONLY,
  },
  { method: 'DELETE', path: '/admin/v1/webhooks', expect: ADMIN_ONLY },
  ...(['GET', 'PUT'] as const).map((method): RouteCase => ({
    method,
    path: '/admin/v1/products/{product_id}/raw-export',
    url: '/admin/v1/products/1/raw-export',
    ...(method === 'PUT' && { body: json({ enabled: false }) }),
    expect: ADMIN_ONLY,
  })),
  {
    method: 'POST',
    path: '/admin/v1/products/{product_id}/tracking-files/build',
    url: '/admin/v1/products/1/tracking-files/build',
    body: json({ firstDay: '2025-01-01' }),
    expect: ADMIN_ONLY,
  },
  { method: 'GET', path: '/admin/v1/jobs', expect: ADMIN_ONLY },
  { method: 'GET', path: '/admin/v1/jobs/{id}', url: '/admin/v1/jobs/999999', expect: ADMIN_ONLY },
  {
    method: 'POST',
    path: '/admin/v1/jobs/{id}/cancel',
    url: '/admin/v1/jobs/999999/cancel',
    expect: ADMIN_ONLY,
  },
  { method: 'GET', path: '/admin/v1/permissions', expect: ADMIN_ONLY },
  { method: 'GET', path: '/admin/v1/users', expect: ADMIN_ONLY },
  {
    method: 'POST',
    path: '/admin/v1/users',
    body: () => json({ username: fresh('matrix-user-'), password: 'matrix-password-123' })(),
    expect: ADMIN_ONLY,
  },
  { method: 'GET', path: '/admin/v1/users/{id}', url: '/admin/v1/users/999999', expect: ADMIN_ONLY },
  {
    method: 'PATCH',
    path: '/admin/v1/users/{id}',
    url: '/admin/v1/users/999999',
    body: json({ fullName: 'X' }),
    expect: ADMIN_ONLY,
  },
  { method: 'DELETE', path: '/admin/v1/users/{id}', url: '/admin/v1/users/999999', expect: ADMIN_ONLY },
  { method: 'GET', path: '/admin/v1/groups', expect: ADMIN_ONLY },
  {
    method: 'POST',
    path: '/admin/v1/groups',
    body: () => json({ name: fresh('matrix-group-') })(),
    expect: ADMIN_ONLY,
  },
  { method: 'GET', path: '/admin/v1/groups/{id}', url: '/admin/v1/groups/999999', expect: ADMIN_ONLY },
  { method: 'DELETE', path: '/admin/v1/groups/{id}', url: '/admin/v1/groups/999999', expect: ADMIN_ONLY },
  {
    method: 'GET',
    path: '/admin/v1/groups/{id}/members',
    url: '/admin/v1/groups/999999/members',
    expect: ADMIN_ONLY,
  },
  {
    method: 'PUT',
    path: '/admin/v1/groups/{id}/members/{userId}',
    url: '/admin/v1/groups/999999/members/999999',
    expect: ADMIN_ONLY,
  },
  {
    method: 'DELETE',
    path: '/admin/v1/groups/{id}/members/{userId}',
    url: '/admin/v1/groups/999999/members/999999',
    expect: ADMIN_ONLY,
  },
  {
    method: 'GET',
    path: '/admin/v1/groups/{id}/grants',
    url: '/admin/v1/groups/999999/grants',
    expect: ADMIN_ONLY,
  },
  {
    method: 'POST',
    path: '/admin/v1/groups/{id}/grants',
    url: '/admin/v1/groups/999999/grants',
    body: json({ permission: 'Ingest' }),
    expect: ADMIN_ONLY,
  },
  {
    method: 'DELETE',
    path: '/admin/v1/groups/{id}/grants/{grantId}',
    url: '/admin/v1/groups/999999/grants/999999',
    expect: ADMIN_ONLY,
  },
  { method: 'GET', path: '/admin/v1/clients', expect: ADMIN_ONLY },
  {
    method: 'POST',
    path: '/admin/v1/clients',
    body: json({ name: 'matrix', contextUserId: 999999 }),
    expect: ADMIN_ONLY,
  },
  { method: 'GET', path: '/admin/v1/clients/{id}', url: '/admin/v1/clients/999999', expect: ADMIN_ONLY },
  {
    method: 'PATCH',
    path: '/admin/v1/clients/{id}',
    url: '/admin/v1/clients/999999',
    body: json({ name: 'X' }),
    expect: ADMIN_ONLY,
  },
  { method: 'DELETE', path: '/admin/v1/clients/{id}', url: '/admin/v1/clients/999999', expect: ADMIN_ONLY },
  {
    method: 'POST',
    path: '/admin/v1/clients/{id}/rotate-secret',
    url: '/admin/v1/clients/999999/rotate-secret',
    expect: ADMIN_ONLY,
  },
]

let app: FastifyInstance
let stores: Stores
const headersOf = {} as Record<Principal, Record<string, string>>

/** A user in a group of its own holding `grants`, signed in through an OAuth2 client of theirs. */
async function principalWith(
  name: string,
  grants: Grant[],
  isSystemAdmin = false,
): Promise<{ token: string; clientRowId: number }> {
  const user = await createUser(stores.control, 1, {
    username: name,
    password: `${name}-password-123`,
    isSystemAdmin,
  })
  const group = await createGroup(stores.control, 1, `${name} group`)
  await addGroupMember(stores.control, 1, group.id, user.id)
  for (const grant of grants) await grantPermission(stores.control, 1, group.id, grant)
  const { client, secret } = await createOAuthClient(stores.control, 1, {
    name: `${name} client`,
    contextUserId: user.id,
  })
  return { token: await clientToken(app, client.clientId, secret), clientRowId: client.id }
}

beforeAll(async () => {
  ;({ app, stores } = await buildTestApp())
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  headersOf.anonymous = {}
  headersOf.clientDomainUser = bearer(
    (
      await principalWith('domainuser', [
        { permission: 'View Client Domain Usage Reports', scopeKind: 'instance', scopeValue: '' },
        { permission: 'Workspace Access', scopeKind: 'client_domain', scopeValue: 'Acme Legal' },
      ])
    ).token,
  )
  headersOf.instanceWideUser = bearer(
    (
      await principalWith('financeuser', [
        { permission: 'View Instance-wide Usage Reports', scopeKind: 'instance', scopeValue: '' },
      ])
    ).token,
  )
  headersOf.systemAdminWithoutUsage = bearer((await principalWith('sysadmin', [], true)).token)
  headersOf.admin = bearer(await clientToken(app, TEST_CLIENT.id, TEST_CLIENT.secret))
  headersOf.ingestClient = bearer(
    (await principalWith('ingester', [{ permission: 'Ingest', scopeKind: 'instance', scopeValue: '' }]))
      .token,
  )
  const disabled = await principalWith('disabled', [
    { permission: 'Administrator', scopeKind: 'instance', scopeValue: '' },
  ])
  await updateOAuthClient(stores.control, 1, disabled.clientRowId, { enabled: false })
  headersOf.disabledClient = bearer(disabled.token)
  const signer = await TokenSigner.load(stores.control)
  headersOf.expiredToken = bearer((await signer.issue({ clientId: TEST_CLIENT.id, tenantId: 1 }, -1)).token)
})

const cases = ROUTES.flatMap((route) =>
  (Object.entries(route.expect) as [Principal, Expect][]).map(([principal, expected]) => ({
    name: `${route.method} ${route.path} as ${principal}: ${expected}`,
    route,
    principal,
    expected,
  })),
)

describe('authorization matrix', () => {
  it('covers every route of the OpenAPI document', async () => {
    const paths = (await app.inject('/openapi.json')).json().paths as Record<string, object>
    const documented = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    )
    const covered = new Set(ROUTES.map((r) => `${r.method} ${r.path}`))
    expect(documented.filter((route) => !covered.has(route))).toEqual([])
    expect(documented.length).toBeGreaterThan(40)
  })

  it.each(cases)('$name', async ({ route, principal, expected }) => {
    const body = route.body?.()
    const response = await app.inject({
      method: route.method,
      url: route.url ?? route.path,
      headers: { ...headersOf[principal], ...(body && { 'content-type': body.contentType }) },
      ...(body && { payload: body.payload }),
    })
    if (expected === 'allow') expect([401, 403]).not.toContain(response.statusCode)
    else expect(response.statusCode).toBe(expected)
  })

  it('gives system administrators every permission but View Instance-wide Usage Reports', async () => {
    const permissions = (
      await app.inject({ url: '/auth/v1/me', headers: headersOf.systemAdminWithoutUsage })
    ).json().permissions
    expect(permissions).toContain('Administrator')
    expect(permissions).toContain('View Client Domain Usage Reports')
    expect(permissions).not.toContain('View Instance-wide Usage Reports')
  })
})
