import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/store/stores.js'
import { buildTestApp, ndjson } from '../helpers/app.js'

let app: FastifyInstance
let stores: Stores
let auth: { authorization: string }

beforeAll(async () => {
  ;({ app, stores, auth } = await buildTestApp())
})

const at = '2024-03-05T10:15:30.250Z'

/** One event per designed stream and the warehouse columns it must land in. */
const STREAM_CASES: [
  stream: string,
  table: string,
  event: Record<string, unknown>,
  row: Record<string, unknown>,
][] = [
  [
    'usage-sessions',
    'usage_sessions',
    {
      id: 's1',
      productId: 7,
      clientId: 'c-1',
      sessionId: 'sess-1',
      startedAt: at,
      endedAt: '2024-03-05T11:15:30.250Z',
    },
    { product_id: 7, client_id: 'c-1', session_id: 'sess-1', started_at: at, runtime_seconds: 3600 },
  ],
  [
    'usage-events',
    'usage_events',
    { id: 'e1', productId: 7, clientId: 'c-1', timestamp: at, category: 'Export', name: 'PDF', value: 2.5 },
    { session_id: '', category: 'Export', name: 'PDF', value: 2.5 },
  ],
  [
    'usage-custom-events',
    'usage_custom_events',
    {
      id: 'ce1',
      productId: 7,
      clientId: 'c-1',
      timestamp: at,
      name: 'Checkout',
      data: { plan: 'pro', seats: 5, trial: false },
    },
    { name: 'Checkout', data: { plan: 'pro', seats: '5', trial: 'false' } },
  ],
  [
    'usage-exceptions',
    'usage_exceptions',
    {
      id: 'x1',
      productId: 7,
      clientId: 'c-1',
      sessionId: 'sess-1',
      timestamp: at,
      type: 'NullReference',
      message: 'boom',
    },
    { exception_type: 'NullReference', message: 'boom', stack_trace: '' },
  ],
  [
    'credit-transactions',
    'credit_transactions',
    {
      id: 'ct1',
      transactionId: 'T-1',
      timestamp: at,
      transactionType: 'Consumed',
      credits: 12.5,
      hostingType: 'Cloud',
      productName: 'Product 1',
      productCode: 'Prod-001',
      user: 'test-user@example.com',
      folder: 'Folder 1',
      service: 'Service 1',
      creditsAgreementId: '0001',
    },
    {
      transaction_type: 'Consumed',
      credits: 12.5,
      hosting_type: 'Cloud',
      product_code: 'Prod-001',
      credits_agreement_id: '0001',
    },
  ],
  [
    'user-usage',
    'user_usage',
    {
      id: 'uu1',
      timestamp: at,
      user: 'a@example.com',
      folder: 'Folder 2',
      service: 'Service 2',
      quantity: 3,
      unit: 'hours',
    },
    { user: 'a@example.com', folder: 'Folder 2', quantity: 3, unit: 'hours', credits: 0 },
  ],
  [
    'service-usage',
    'service_usage',
    { id: 'su1', timestamp: at, service: 'Service 3', quantity: 10, unit: 'GB', credits: 1.25 },
    { folder: '', service: 'Service 3', quantity: 10, credits: 1.25 },
  ],
  [
    'resource-usage',
    'resource_usage',
    {
      id: 'ru1',
      timestamp: at,
      folder: 'Folder 4',
      service: 'Service 4',
      resourceId: 'RES-004',
      quantity: 1,
      unit: 'vm-hours',
    },
    { resource_id: 'RES-004', resource_name: '', unit: 'vm-hours' },
  ],
  [
    'service-audits',
    'service_audits',
    {
      id: 'sa1',
      timestamp: at,
      user: 'test-user@example.com',
      operation: 'add',
      folder: 'Folder 5',
      function: 'authm',
    },
    { operation: 'add', folder: 'Folder 5', service: '', function: 'authm' },
  ],
  [
    'sync-activity',
    'sync_activity',
    {
      id: 'sy1',
      timestamp: at,
      integrationId: 'int-1',
      sourceSystem: 'Jira',
      targetSystem: 'Azure DevOps',
      sourceProject: 'WEB',
      targetProject: 'Web Platform',
      entityType: 'Bug',
      entityId: 'WEB-12',
      outcome: 'Success',
    },
    { source_system: 'Jira', target_project: 'Web Platform', entity_type: 'Bug', outcome: 'Success' },
  ],
  [
    'user-observations',
    'user_observations',
    { id: 'uo1', timestamp: at, system: 'Jira', displayName: 'Ann Lee', interactionType: 'Mention' },
    {
      system: 'Jira',
      email: '',
      display_name: 'Ann Lee',
      interaction_type: 'Mention',
      is_service_account: false,
    },
  ],
]

describe.each(STREAM_CASES)('POST /ingest/v1/%s', (stream, table, event, row) => {
  it('stores the event in its table, once', async () => {
    for (let send = 0; send < 2; send++) {
      const response = await app.inject({
        method: 'POST',
        url: `/ingest/v1/${stream}`,
        headers: { 'content-type': 'application/x-ndjson', ...auth },
        payload: ndjson([event]),
      })
      expect(response.json()).toMatchObject({ accepted: 1, duplicates: send, rejectedCount: 0 })
    }
    const rows = await stores.warehouse.query({
      query: `SELECT * FROM ${table} WHERE ingest_key = {key:String}`,
      params: { key: event.id },
    })
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ tenant_id: 1, ...row })
  })
})

describe('designed stream checks beyond the schema', () => {
  it.each([
    [
      'usage-sessions',
      { productId: 7, clientId: 'c', sessionId: 's', startedAt: at, endedAt: '2024-03-05T09:00:00Z' },
      'endedAt: is before startedAt',
    ],
    [
      'user-observations',
      { timestamp: at, system: 'Jira', interactionType: 'Update' },
      'at least one is required',
    ],
    [
      'sync-activity',
      {
        timestamp: at,
        integrationId: 'i',
        sourceSystem: 'a',
        targetSystem: 'b',
        sourceProject: 'p',
        targetProject: 'q',
        entityType: 't',
        entityId: '1',
        outcome: 'Maybe',
      },
      'outcome',
    ],
    [
      'credit-transactions',
      { transactionId: 'T', timestamp: at, transactionType: 'Consumed', credits: -1 },
      'credits',
    ],
    [
      'credit-transactions',
      { transactionId: 'T', timestamp: at, transactionType: 'Consumed', credits: 1e16 },
      'credits: must be <= 99999999999999',
    ],
    [
      'usage-events',
      { productId: 2_147_483_648, clientId: 'c', timestamp: at, category: 'a', name: 'b' },
      'productId',
    ],
    [
      'usage-custom-events',
      { productId: 7, clientId: 'c', timestamp: at, name: 'n', data: { ['k'.repeat(300)]: 1 } },
      'longer than 256 characters',
    ],
  ])('%s rejects %j', async (stream, event, message) => {
    const response = await app.inject({
      method: 'POST',
      url: `/ingest/v1/${stream}`,
      headers: { 'content-type': 'application/x-ndjson', ...auth },
      payload: ndjson([event]),
    })
    expect(response.json()).toMatchObject({
      accepted: 0,
      rejected: [{ line: 1, error: expect.stringContaining(message) }],
    })
  })
})

async function put(kind: string, items: unknown[]) {
  const response = await app.inject({
    method: 'PUT',
    url: `/ingest/v1/entities/${kind}`,
    headers: { 'content-type': 'application/json', ...auth },
    payload: JSON.stringify(items),
  })
  expect(response.statusCode).toBe(200)
  return response.json()
}

describe('PUT /ingest/v1/entities/{kind}', () => {
  it('upserts workspaces by artifact id, the last item of a batch winning', async () => {
    const result = await put('workspaces', [
      { artifactId: 1018053, name: 'Old name', clientDomain: 'Acme Legal' },
      {
        artifactId: 1018053,
        name: 'Acme v. Widget',
        clientDomain: 'Acme Legal',
        matter: 'Acme Matter',
        createdAt: '2024-08-01T04:46:00Z',
      },
      { artifactId: 'x', name: 'bad' },
    ])
    expect(result).toMatchObject({
      accepted: 2,
      rejected: [{ line: 3, error: expect.stringContaining('artifactId') }],
    })
    await put('workspaces', [{ artifactId: 1018054, name: 'Second', clientDomain: 'Other' }])
    const rows = await stores.control.query(
      'SELECT artifact_id, name, client_domain, matter, status FROM workspaces WHERE tenant_id = 1 ORDER BY artifact_id',
    )
    expect(rows).toEqual([
      {
        artifact_id: 1018053,
        name: 'Acme v. Widget',
        client_domain: 'Acme Legal',
        matter: 'Acme Matter',
        status: 'Active',
      },
      { artifact_id: 1018054, name: 'Second', client_domain: 'Other', matter: '', status: 'Active' },
    ])
  })

  it('replaces a user’s workspace list when one is sent and keeps it when none is', async () => {
    await put('users', [
      {
        artifactId: 9,
        fullName: 'Admin, Relativity',
        email: 'admin@example.com',
        isSystemAdmin: true,
        workspaceIds: [1, 2],
      },
    ])
    await put('users', [{ artifactId: 9, fullName: 'Admin, Relativity', workspaceIds: [2, 3] }])
    await put('users', [{ artifactId: 9, fullName: 'Admin, R.' }])
    const [user] = await stores.control.query(
      'SELECT full_name, is_system_admin FROM platform_users WHERE artifact_id = 9',
    )
    expect(user).toEqual({ full_name: 'Admin, R.', is_system_admin: false })
    const access = await stores.control.query<{ workspace_id: number }>(
      'SELECT workspace_id FROM platform_user_workspaces WHERE user_id = 9 ORDER BY workspace_id',
    )
    expect(access.map((a) => Number(a.workspace_id))).toEqual([2, 3])
  })

  it('stores fields with their choices in the order given', async () => {
    await put('fields', [
      {
        artifactId: 1035357,
        workspaceId: 1018053,
        name: 'Responsiveness',
        fieldType: 'SingleChoice',
        choices: [
          { artifactId: 1035871, name: 'Responsive' },
          { artifactId: 1035850, name: 'Not Responsive' },
        ],
      },
    ])
    const choices = await stores.control.query(
      'SELECT artifact_id, name FROM field_choices WHERE field_id = 1035357 ORDER BY ordinal',
    )
    expect(choices).toEqual([
      { artifact_id: 1035871, name: 'Responsive' },
      { artifact_id: 1035850, name: 'Not Responsive' },
    ])
  })

  it('keeps the newest version of a document and of a client in the warehouse', async () => {
    await put('documents', [
      { artifactId: 1040001, workspaceId: 1018053, controlNumber: 'CTRL0000001', extractedTextBytes: 100 },
    ])
    await put('documents', [
      { artifactId: 1040001, workspaceId: 1018053, controlNumber: 'CTRL0000001', extractedTextBytes: 18342 },
    ])
    const [doc] = await stores.warehouse.query({
      query: 'SELECT extracted_text_bytes FROM documents FINAL WHERE artifact_id = 1040001',
    })
    expect(doc).toEqual({ extracted_text_bytes: '18342' })

    await put('products', [{ productId: 7, name: 'Widget Studio' }])
    await put('clients', [
      {
        productId: 7,
        clientId: 'c-1',
        productVersion: '1.0',
        country: 'DE',
        installedAt: at,
        properties: { plan: 'pro' },
      },
    ])
    await put('clients', [
      { productId: 7, clientId: 'c-1', productVersion: '1.1', country: 'DE', installedAt: at },
    ])
    const [client] = await stores.warehouse.query({
      query: "SELECT product_version, properties FROM usage_clients FINAL WHERE client_id = 'c-1'",
    })
    expect(client).toEqual({ product_version: '1.1', properties: {} })
  })

  it('stores integrations with their entity types', async () => {
    await put('integrations', [
      {
        integrationId: 'int-1',
        system1: 'Jira',
        system2: 'Azure DevOps',
        project1: 'WEB',
        project2: 'Web Platform',
        entityTypes: ['Bug', 'Story'],
        status: 'Active',
        lastUpdated: at,
      },
    ])
    const [row] = await stores.control.query(
      'SELECT entity_types, status FROM integrations WHERE integration_id = $1',
      ['int-1'],
    )
    expect(row).toEqual({ entity_types: ['Bug', 'Story'], status: 'Active' })
  })

  it.each([
    [
      'fields',
      {
        artifactId: 5,
        workspaceId: 1,
        name: 'F',
        fieldType: 'SingleChoice',
        choices: [
          { artifactId: 7, name: 'A' },
          { artifactId: 7, name: 'B' },
        ],
      },
      'choices: artifactId 7 appears more than once',
    ],
    ['workspaces', { artifactId: 5, name: 'nul\u0000name' }, 'NUL character'],
    ['products', { productId: 3_000_000_000, name: 'Too big' }, 'productId: must be <= 2147483647'],
  ])('rejects a %s item the store could not hold, keeping the batch', async (kind, item, message) => {
    const result = await put(kind, [item])
    expect(result).toMatchObject({
      accepted: 0,
      rejected: [{ line: 1, error: expect.stringContaining(message) }],
    })
  })

  it('refuses an unknown kind by name', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/ingest/v1/entities/planets',
      headers: { 'content-type': 'application/json', ...auth },
      payload: '[]',
    })
    expect(response.statusCode).toBe(404)
    expect(response.json().message).toContain("no entity kind 'planets'")
  })
})
