import { BUILT_IN_PROPERTIES } from '../properties.js'

/**
 * The three kinds of daily files and the columns of each, declared once: the CSV header, the keys
 * of getLastLines' results and its `fieldNames` all come from here.
 */

export const FILE_KINDS = ['customEvents', 'exceptions', 'rawEvents'] as const
export type FileKind = (typeof FILE_KINDS)[number]

export interface Column {
  /** The CSV header and the JSON key. */
  key: string
  /** A person's name for it (getLastLines' `fieldNames`). */
  label: string
  /** The CSV cell when it is not `csvCell` of the row's value. */
  cell?: (row: Record<string, unknown>) => string
}

const EVENT_SOURCE: readonly Column[] = [
  { key: 'timestamp', label: 'Timestamp' },
  { key: 'clientId', label: 'Client ID' },
  { key: 'sessionId', label: 'Session ID' },
]

/** The product and system metadata of the client an item was collected on: its built-in properties. */
export const CLIENT_COLUMNS: readonly Column[] = BUILT_IN_PROPERTIES.map((p) => ({
  key: p.name,
  label: p.label,
}))

export const COLUMNS: Record<FileKind, readonly Column[]> = {
  customEvents: [
    ...EVENT_SOURCE,
    { key: 'name', label: 'Event name' },
    { key: 'data', label: 'Event data' },
    ...CLIENT_COLUMNS,
  ],
  exceptions: [
    ...EVENT_SOURCE,
    { key: 'type', label: 'Exception type' },
    { key: 'message', label: 'Message' },
    { key: 'stackTrace', label: 'Stack trace' },
    ...CLIENT_COLUMNS,
  ],
  // Every stream's rows in one file: each row fills the columns of its own stream, the others stay empty.
  rawEvents: [
    { key: 'eventType', label: 'Event type' },
    { key: 'timestamp', label: 'Timestamp (a session’s start)' },
    { key: 'clientId', label: 'Client ID' },
    { key: 'sessionId', label: 'Session ID' },
    { key: 'id', label: 'Event id' },
    { key: 'endedAt', label: 'Session end' },
    { key: 'runtimeSeconds', label: 'Runtime (seconds)' },
    { key: 'category', label: 'Event category' },
    { key: 'name', label: 'Event name' },
    { key: 'value', label: 'Event value' },
    // Only custom events have data: an empty map there is `{}`, on other rows nothing.
    {
      key: 'data',
      label: 'Custom event data',
      cell: (row) => (row.eventType === 'customEvent' ? csvCell(row.data) : ''),
    },
    { key: 'exceptionType', label: 'Exception type' },
    { key: 'message', label: 'Exception message' },
    { key: 'stackTrace', label: 'Stack trace' },
  ],
}

/** The `eventType` of each stream's rows in a raw export. */
export const RAW_EVENT_TYPES = ['session', 'event', 'customEvent', 'exception'] as const

const NAME_TAGS: Record<FileKind, string> = { customEvents: '_cust', exceptions: '_exc', rawEvents: '' }

/** `12_cust_2025-01-31.zip`, `12_exc_2025-01-31.zip`, `12_2025-01-31.zip`: the original product's names. */
export const fileNameOf = (kind: FileKind, productId: number, day: string) =>
  `${productId}${NAME_TAGS[kind]}_${day}.zip`

/** Where a file lives in the file store. */
export const fileKeyOf = (tenantId: number, kind: FileKind, productId: number, day: string) =>
  `tracking-files/${tenantId}/${productId}/${kind}/${fileNameOf(kind, productId, day)}`

/** A warehouse value as a CSV cell: maps as JSON, missing values empty. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
