import Type from 'typebox'
import {
  CREDITS,
  EventSchema,
  ID_TEXT,
  Instant,
  NAME,
  TEXT,
  defineStream,
  orEmpty,
  toUtc,
} from '../stream.js'

/** Folder and service scope every report-data record (and its filters). */
const scope = {
  folder: Type.Optional(Type.String({ maxLength: 1024, description: 'Folder the usage belongs to' })),
  service: Type.Optional(Type.String({ maxLength: 1024, description: 'Service that was used' })),
}
const measure = {
  quantity: Type.Number({ description: 'How much was used, in `unit`' }),
  unit: Type.String({ ...NAME, description: 'Unit of the quantity (hours, GB, calls, …)' }),
  credits: Type.Optional(Type.Number({ ...CREDITS, description: 'Credits this usage consumed' })),
}

type Scoped = { timestamp: string; folder?: string; service?: string; id?: string }
type Measured = { quantity: number; unit: string; credits?: number }

const common = (event: Scoped, tenantId: number) => ({
  tenant_id: tenantId,
  timestamp: toUtc(event.timestamp),
  folder: orEmpty(event.folder),
  service: orEmpty(event.service),
  ingest_key: orEmpty(event.id),
})
const measured = (event: Measured) => ({
  quantity: event.quantity,
  unit: event.unit,
  credits: event.credits ?? 0,
})

export const creditTransactionsStream = defineStream({
  name: 'credit-transactions',
  table: 'credit_transactions',
  timeColumn: 'timestamp',
  summary: 'Credits consumed, granted, refunded or expired',
  schema: EventSchema(
    {
      transactionId: Type.String({ ...ID_TEXT, description: 'The transaction id in the system of record' }),
      timestamp: Instant('When the transaction happened'),
      transactionType: Type.Enum(['Consumed', 'Granted', 'Refunded', 'Expired'], {
        description: 'Consumed and Expired lower the balance; Granted and Refunded raise it',
      }),
      credits: Type.Number({
        ...CREDITS,
        description: 'Amount of credits (positive; the type gives the direction)',
      }),
      hostingType: Type.Optional(Type.String({ maxLength: 256, description: 'Cloud, OnPremises, …' })),
      productName: Type.Optional(Type.String({ maxLength: 1024 })),
      productCode: Type.Optional(Type.String({ maxLength: 256 })),
      user: Type.Optional(
        Type.String({ maxLength: 1024, description: 'User (email) who consumed the credits' }),
      ),
      ...scope,
      creditsAgreementId: Type.Optional(Type.String({ maxLength: 256 })),
      description: Type.Optional(Type.String(TEXT)),
    },
    'One credit transaction.',
  ),
  toRow: (event, tenantId) => ({
    ...common(event, tenantId),
    transaction_id: event.transactionId,
    transaction_type: event.transactionType,
    credits: event.credits,
    hosting_type: orEmpty(event.hostingType),
    product_name: orEmpty(event.productName),
    product_code: orEmpty(event.productCode),
    user: orEmpty(event.user),
    credits_agreement_id: orEmpty(event.creditsAgreementId),
    description: orEmpty(event.description),
  }),
})

export const userUsageStream = defineStream({
  name: 'user-usage',
  table: 'user_usage',
  timeColumn: 'timestamp',
  summary: 'Usage of a service by a user',
  schema: EventSchema(
    {
      timestamp: Instant('When the usage happened (or the start of its period)'),
      user: Type.String({ ...NAME, description: 'User (email)' }),
      ...scope,
      ...measure,
    },
    'One user usage record.',
  ),
  toRow: (event, tenantId) => ({ ...common(event, tenantId), user: event.user, ...measured(event) }),
})

export const serviceUsageStream = defineStream({
  name: 'service-usage',
  table: 'service_usage',
  timeColumn: 'timestamp',
  summary: 'Usage of a service, not attributed to a user',
  schema: EventSchema(
    { timestamp: Instant('When the usage happened (or the start of its period)'), ...scope, ...measure },
    'One service usage record.',
  ),
  toRow: (event, tenantId) => ({ ...common(event, tenantId), ...measured(event) }),
})

export const resourceUsageStream = defineStream({
  name: 'resource-usage',
  table: 'resource_usage',
  timeColumn: 'timestamp',
  summary: 'Usage of a resource (a VM, a storage account, a model) by a service',
  schema: EventSchema(
    {
      timestamp: Instant('When the usage happened (or the start of its period)'),
      ...scope,
      resourceId: Type.String({ ...ID_TEXT, description: 'Resource id, e.g. RES-004' }),
      resourceName: Type.Optional(Type.String({ maxLength: 1024 })),
      resourceType: Type.Optional(Type.String({ maxLength: 256 })),
      ...measure,
    },
    'One resource usage record.',
  ),
  toRow: (event, tenantId) => ({
    ...common(event, tenantId),
    resource_id: event.resourceId,
    resource_name: orEmpty(event.resourceName),
    resource_type: orEmpty(event.resourceType),
    ...measured(event),
  }),
})

export const serviceAuditsStream = defineStream({
  name: 'service-audits',
  table: 'service_audits',
  timeColumn: 'timestamp',
  summary: 'Operations users performed on services (the report data audit)',
  schema: EventSchema(
    {
      timestamp: Instant('When the operation happened'),
      user: Type.String({ ...NAME, description: 'User (email) who performed it' }),
      operation: Type.String({ ...NAME, description: 'add, update, delete, …' }),
      ...scope,
      function: Type.Optional(Type.String({ maxLength: 256, description: 'Function area, e.g. authm' })),
      target: Type.Optional(Type.String({ maxLength: 1024, description: 'What the operation acted on' })),
      details: Type.Optional(Type.String(TEXT)),
    },
    'One service audit record.',
  ),
  toRow: (event, tenantId) => ({
    ...common(event, tenantId),
    user: event.user,
    operation: event.operation,
    function: orEmpty(event.function),
    target: orEmpty(event.target),
    details: orEmpty(event.details),
  }),
})
