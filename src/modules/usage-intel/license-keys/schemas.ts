import Type from 'typebox'

/** The request and response bodies of the license key registry routes. */

export const KEY_STATUSES = ['active', 'blocked', 'revoked'] as const
export const KEY_FILTER_PROPERTIES = ['licenseKey', 'licenseType', 'edition', 'status', 'customer'] as const
export const KEY_SORTS = ['licenseKey', 'expiryDate', 'customer', 'createdAt', 'updatedAt'] as const
export const SORT_ORDERS = ['asc', 'desc'] as const

/** A key's own limit: the clients entity's, so that every registered key can match client data. */
export const MAX_KEY_LENGTH = 256
const TEXT = { maxLength: 256 }

const Page = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-based; default 1' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Default 100' })),
}

export const KeySearchBody = Type.Object(
  {
    search: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH, description: 'Keys containing this, any case' }),
    ),
    filters: Type.Optional(
      Type.Array(
        Type.Object(
          {
            property: Type.Enum([...KEY_FILTER_PROPERTIES]),
            values: Type.Array(Type.String({ maxLength: MAX_KEY_LENGTH }), { minItems: 1, maxItems: 1000 }),
          },
          { additionalProperties: false },
        ),
        {
          maxItems: 10,
          description: 'Keys must match every filter: the property equal to one of its values',
        },
      ),
    ),
    expiryDate: Type.Optional(
      Type.Object(
        {
          from: Type.Optional(Type.String({ format: 'iso-date', description: 'First day, included' })),
          to: Type.Optional(Type.String({ format: 'iso-date', description: 'Last day, included' })),
        },
        {
          additionalProperties: false,
          description: 'Keys expiring within these days; keys that never expire drop out',
        },
      ),
    ),
    expired: Type.Optional(
      Type.Boolean({ description: 'true: keys whose expiry date has passed (UTC); false: the others' }),
    ),
    sortBy: Type.Optional(Type.Enum([...KEY_SORTS], { description: 'Default licenseKey' })),
    sortOrder: Type.Optional(Type.Enum([...SORT_ORDERS], { description: 'Default asc' })),
    ...Page,
  },
  {
    additionalProperties: false,
    examples: [
      {
        filters: [
          { property: 'licenseType', values: ['Subscription'] },
          { property: 'status', values: ['active'] },
        ],
        expiryDate: { from: '2025-01-01', to: '2025-03-31' },
        sortBy: 'expiryDate',
        pageSize: 50,
      },
      { search: 'PRO-44' },
    ],
  },
)

const KeyRecord = Type.Object({
  licenseKey: Type.String(),
  licenseType: Type.String(),
  edition: Type.String(),
  status: Type.Enum([...KEY_STATUSES]),
  customer: Type.String(),
  expiryDate: Type.Union([Type.String(), Type.Null()], {
    description: 'The last day the key is valid; null: it never expires',
  }),
  expired: Type.Boolean({ description: 'The expiry date has passed (UTC)' }),
  notes: Type.String(),
  clients: Type.Integer({ description: 'Clients of the product running under the key now' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
})

export const KeySearchResponse = Type.Object({
  totalKeys: Type.Integer({ description: 'Keys matching, over all pages' }),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  keys: Type.Array(KeyRecord),
})

export const KeyBatchBody = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          licenseKey: Type.String({
            maxLength: 1024,
            description: `The key; 1-${MAX_KEY_LENGTH} characters, no control characters, no surrounding spaces (checked per key)`,
          }),
          licenseType: Type.Optional(Type.String({ ...TEXT, description: 'e.g. Subscription, Trial' })),
          edition: Type.Optional(Type.String(TEXT)),
          status: Type.Optional(Type.Enum([...KEY_STATUSES], { description: 'A new key: active' })),
          customer: Type.Optional(Type.String(TEXT)),
          expiryDate: Type.Optional(
            Type.Union([Type.String({ format: 'iso-date' }), Type.Null()], {
              description: 'The last day the key is valid; null: it never expires (a new key’s default)',
            }),
          ),
          notes: Type.Optional(Type.String({ maxLength: 4096 })),
        },
        { additionalProperties: false },
      ),
      {
        minItems: 1,
        maxItems: 10_000,
        description:
          'New keys are inserted (omitted fields take their defaults), known ones updated (omitted fields keep their values)',
      },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        keys: [
          {
            licenseKey: 'RD-PRO-4411-8821',
            licenseType: 'Subscription',
            edition: 'Professional',
            customer: 'Acme Legal',
            expiryDate: '2026-06-30',
          },
          { licenseKey: 'RD-ENT-0042-1177', status: 'blocked' },
        ],
      },
    ],
  },
)

export const KeyBatchResponse = Type.Object({
  inserted: Type.Integer(),
  updated: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(
    Type.Object({
      index: Type.Integer({ description: 'The item’s position in keys, from 0' }),
      licenseKey: Type.String(),
      result: Type.Enum(['inserted', 'updated', 'rejected']),
      error: Type.Optional(Type.String({ description: 'Why a rejected key was not stored' })),
    }),
    { description: 'One per item, in the order sent' },
  ),
})

export const UnregisteredBody = Type.Object(
  {
    search: KeySearchBody.properties.search,
    ...Page,
  },
  { additionalProperties: false, examples: [{ search: 'PRO', page: 1, pageSize: 100 }] },
)

export const UnregisteredResponse = Type.Object({
  totalKeys: Type.Integer({ description: 'Unregistered keys matching, over all pages' }),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  keys: Type.Array(
    Type.Object({
      licenseKey: Type.String(),
      clients: Type.Integer({ description: 'Clients running under it now' }),
    }),
    { description: 'In key order (bytes)' },
  ),
})

export type KeySearch = Type.Static<typeof KeySearchBody>
export type KeyBatchItem = Type.Static<typeof KeyBatchBody>['keys'][number]
export type KeyRecord = Type.Static<typeof KeyRecord>
export type KeyBatchResult = Type.Static<typeof KeyBatchResponse>['results'][number]
