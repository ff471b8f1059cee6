/**
 * The report data document's reports, declared as data: the warehouse table each reads, the
 * optional filters it takes (parameter → column), and the record fields it answers with.
 */

export type FieldKind = 'text' | 'number'

export interface ReportField {
  /** The record's JSON property. */
  name: string
  /** A column or a ClickHouse expression over the table (catalog constants, never user input). */
  sql: string
  kind: FieldKind
}

export interface ReportDef {
  /** The URL segment under /reports/v1/integration/ (or `audit`). */
  name: string
  table: string
  summary: string
  /** Optional filter parameter → the column it must equal (letter case ignored). */
  filters: Record<string, string>
  fields: ReportField[]
  /** After the time, what orders records that share an instant. */
  tiebreak: string[]
}

const text = (name: string, sql = name) => ({ name, sql, kind: 'text' as const })
const number = (name: string, sql: string) => ({ name, sql, kind: 'number' as const })

const scope = [text('folder'), text('service')]
const measure = [text('unit'), number('quantity', 'quantity'), number('credits', 'toFloat64(credits)')]

export const CREDITS_TRANSACTION: ReportDef = {
  name: 'creditsTransaction',
  table: 'credit_transactions',
  summary: 'Credit transactions: credits consumed, granted, refunded or expired',
  filters: {
    hostingType: 'hosting_type',
    productName: 'product_name',
    productCode: 'product_code',
    user: 'user',
    folder: 'folder',
    service: 'service',
    creditsAgreementId: 'credits_agreement_id',
  },
  fields: [
    text('transactionId', 'transaction_id'),
    text('transactionType', 'transaction_type'),
    number('credits', 'toFloat64(credits)'),
    text('hostingType', 'hosting_type'),
    text('productName', 'product_name'),
    text('productCode', 'product_code'),
    text('user'),
    ...scope,
    text('creditsAgreementId', 'credits_agreement_id'),
    text('description'),
  ],
  tiebreak: ['transaction_id'],
}

export const USER_USAGE: ReportDef = {
  name: 'userUsage',
  table: 'user_usage',
  summary: 'Usage of services by users, with quantities, units and credits',
  filters: { user: 'user', folder: 'folder', service: 'service' },
  fields: [text('user'), ...scope, ...measure],
  tiebreak: ['user', 'folder', 'service'],
}

export const SERVICE_USAGE: ReportDef = {
  name: 'serviceUsage',
  table: 'service_usage',
  summary: 'Usage of services not attributed to a user',
  filters: { folder: 'folder', service: 'service' },
  fields: [...scope, ...measure],
  tiebreak: ['folder', 'service'],
}

export const RESOURCE_USAGE: ReportDef = {
  name: 'resourceUsage',
  table: 'resource_usage',
  summary: 'Usage of resources by services',
  filters: { folder: 'folder', service: 'service', resourceId: 'resource_id' },
  fields: [
    ...scope,
    text('resourceId', 'resource_id'),
    text('resourceName', 'resource_name'),
    text('resourceType', 'resource_type'),
    ...measure,
  ],
  tiebreak: ['resource_id', 'folder', 'service'],
}

export const AUDIT: ReportDef = {
  name: 'audit',
  table: 'service_audits',
  summary: 'Operations users performed on services',
  filters: {
    user: 'user',
    operation: 'operation',
    folder: 'folder',
    service: 'service',
    function: 'function',
  },
  fields: [text('user'), text('operation'), ...scope, text('function'), text('target'), text('details')],
  tiebreak: ['user', 'operation'],
}

export const INTEGRATION_REPORTS: readonly ReportDef[] = [
  CREDITS_TRANSACTION,
  USER_USAGE,
  SERVICE_USAGE,
  RESOURCE_USAGE,
]
