import Type from 'typebox'
import { ReportScopeProperties } from '../scope.js'

/** The request and response bodies of the client profile report and its export. */

const PropertyNames = Type.Optional(
  Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
    minItems: 1,
    maxItems: 300,
    description:
      'The properties to return, named as /v3/meta/productProperties names them (custom ones as custom.<key>); default all',
  }),
)

export const ClientListBody = Type.Object(
  {
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Only this client' })),
    globalFilters: ReportScopeProperties.globalFilters,
    propertyNames: PropertyNames,
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-based; default 1' })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Default 100' })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        globalFilters: [{ property: 'edition', values: ['Professional'] }],
        propertyNames: ['productVersion', 'os', 'licenseKey'],
        pageSize: 50,
      },
      { clientId: 'c-000123' },
    ],
  },
)

const ClientRecord = Type.Object({
  clientId: Type.String(),
  installedAt: Type.String({ description: 'When the product was installed, as the client reported' }),
  propertiesUpdatedAt: Type.String({ description: 'When Tally last received the client’s properties' }),
  firstActive: Type.Union([Type.String(), Type.Null()], {
    description: 'First day with a session or event (UTC); null when it has none',
  }),
  lastActive: Type.Union([Type.String(), Type.Null()], { description: 'Last day with a session or event' }),
  properties: Type.Record(Type.String(), Type.String(), {
    description: 'Property name → value, as of the client’s newest properties; empty when it has none',
  }),
})

export const ClientListResponse = Type.Object({
  totalClients: Type.Integer({ description: 'Clients selected, over all pages' }),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  clients: Type.Array(ClientRecord, { description: 'By client id (bytes)' }),
})

export const ClientExportBody = Type.Object(
  {
    globalFilters: ReportScopeProperties.globalFilters,
    propertyNames: PropertyNames,
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Default 1000' })),
    continuationToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          'From the previous page; absent on the first. Send the same globalFilters and propertyNames with it',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { globalFilters: [{ property: 'country', values: ['US', 'CA'] }], pageSize: 5000 },
      { propertyNames: ['productVersion', 'custom.plan'] },
    ],
  },
)

export const ClientExportResponse = Type.Object({
  clients: Type.Array(ClientRecord, { description: 'The next clients by client id' }),
  continuationToken: Type.Union([Type.String(), Type.Null()], {
    description: 'Send it for the next page; null: the export is complete',
  }),
})

export type ClientRecord = Type.Static<typeof ClientRecord>
