import { ValidationError } from '../../../errors.js'
import type { Stores } from '../../../store/stores.js'
import type { Caller } from '../../identity/caller.js'
import { requireWorkspacePermission } from '../../identity/workspace-access.js'
import type { AuditField } from '../fields.js'
import { resolveField, type FieldRef } from '../query.js'
import {
  dayStartsStatement,
  namedByRows,
  pivotCellsStatement,
  type DayStartRow,
  type PivotCellRow,
} from './sql.js'
import { encodeXmlName } from './xml-name.js'

/** A pivot request as the Audit Pivot service takes it (`settings` of the document's body). */
export interface PivotRequest {
  groupBy: FieldRef
  pivotOn?: FieldRef | null
  condition?: string | null
  rowCondition?: string | null
  /** An IANA time zone name; Timestamp groups by calendar day in it. Empty: UTC. */
  timeZone?: string | null
}

/** A pivot column: its XML-name key (`_x0032_8`) and what to show for it (`Document Query`). */
export interface PivotColumn {
  key: string
  display: string
}

export interface PivotRow {
  /** The group's display value: a day's first instant (`2019-04-16T05:00:00`), an action name, … */
  value: string
  /** One count per column, in column order (empty without PivotOn). */
  counts: number[]
  grandTotal: number
}

export interface PivotTable {
  groupBy: AuditField
  pivotOn: AuditField | undefined
  columns: PivotColumn[]
  rows: PivotRow[]
}

/**
 * A pivot holds at most this many cells (rows × columns): a request past it is refused with a 400
 * rather than answered with tens of megabytes. A year by day pivoted on 200 users is 73,000.
 */
export const MAX_PIVOT_CELLS = 2_000_000

/** The zone's canonical IANA name (any letter case in, the engine's spelling out); empty is UTC. */
export function resolveTimeZone(name: string | null | undefined): string {
  const text = name?.trim() ?? ''
  if (text === '') return 'UTC'
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone
  } catch {
    throw new ValidationError(
      `settings.TimeZone: '${text}' is not a time zone; give an IANA name such as America/Chicago`,
    )
  }
}

function resolvePivotField(ref: FieldRef, where: string): AuditField {
  const field = resolveField(ref, where)
  if (!field.pivotable) {
    throw new ValidationError(
      `${where}: '${field.name}' cannot be pivoted; use Timestamp, Action, Object Type or User Name`,
    )
  }
  return field
}

/** One value of an axis: a day, an action, a user… */
interface Item {
  /** The key the SQL groups by: a date (`2019-04-16`) or a choice id. */
  key: string
  /** What the document shows: the day's first instant, or the choice's name. */
  display: string
  total: number
  /** Latest Audit ID seen with this item (names of users follow the latest audit). */
  lastId: bigint
}

type Axis = Map<string, Item>

/** The document's instants here have no milliseconds: `2019-04-16T05:00:00`. */
const formatDayStart = (ms: number) => new Date(ms).toISOString().slice(0, 19)

function addToAxis(axis: Axis, field: AuditField, key: string, n: number, lastId: bigint, name?: string) {
  let item = axis.get(key)
  if (!item) {
    const choice = field.choices?.find((c) => String(c.id) === key)
    item = { key, display: choice?.name ?? name ?? key, total: 0, lastId }
    axis.set(key, item)
  }
  item.total += n
  if (lastId >= item.lastId) {
    item.lastId = lastId
    if (name !== undefined && namedByRows(field)) item.display = name
  }
}

/**
 * Every calendar day from the first to the last day present, each with the UTC instant of its
 * local midnight. A day the zone skipped (Pacific/Apia 2011-12-30) starts no later than the day
 * before; it holds no audit and is left out.
 */
async function fillDays(
  stores: Stores,
  axis: Axis,
  timeZone: string,
  otherAxisSize: number,
): Promise<Item[]> {
  const present = [...axis.keys()].sort()
  const first = present[0]
  const last = present[present.length - 1]
  if (first === undefined || last === undefined) return []
  const days = Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000) + 1
  checkSize(days, otherAxisSize)
  const starts = await stores.warehouse.query<DayStartRow>(dayStartsStatement(first, days, timeZone))
  const items: Item[] = []
  let previous = -Infinity
  for (const row of starts) {
    const start = Number(row.start)
    const item = axis.get(row.day)
    if (start <= previous && !item) continue
    previous = start
    items.push({ key: row.day, display: formatDayStart(start), total: item?.total ?? 0, lastId: 0n })
  }
  return items
}

function checkSize(rows: number, columns: number): void {
  if (rows * Math.max(columns, 1) > MAX_PIVOT_CELLS) {
    throw new ValidationError(
      `settings: the pivot would hold ${rows} rows × ${columns} columns, more than ${MAX_PIVOT_CELLS} cells; narrow it with a Condition`,
    )
  }
}

/** Most audits first, then by name, then by id: the same order on every call. */
function byTotal(a: Item, b: Item): number {
  return (
    b.total - a.total ||
    (a.display < b.display ? -1 : a.display > b.display ? 1 : 0) ||
    Number(a.key) - Number(b.key)
  )
}

async function orderAxis(
  stores: Stores,
  field: AuditField,
  axis: Axis,
  timeZone: string,
  otherAxisSize: number,
): Promise<Item[]> {
  return field.kind === 'timestamp'
    ? fillDays(stores, axis, timeZone, otherAxisSize)
    : [...axis.values()].sort(byTotal)
}

/**
 * The Audit Pivot service: audits of a workspace counted by a group-by field (rows) and, optionally,
 * a pivot-on field (columns), filtered by Condition AND RowCondition. Days are calendar days in the
 * request time zone, every day between the first and the last present, zero-filled; other rows and
 * columns come most audits first. Column keys are the pivot item ids as XML names (SEMANTICS.md).
 */
export async function pivot(
  stores: Stores,
  caller: Caller,
  workspaceId: number,
  request: PivotRequest,
): Promise<PivotTable> {
  await requireWorkspacePermission(stores.control, caller, workspaceId)
  const groupBy = resolvePivotField(request.groupBy, 'settings.GroupBy')
  const pivotOn = request.pivotOn ? resolvePivotField(request.pivotOn, 'settings.PivotOn') : undefined
  if (pivotOn === groupBy) {
    throw new ValidationError(
      `settings.PivotOn: '${pivotOn.name}' is already the GroupBy field; pick another`,
    )
  }
  const timeZone = resolveTimeZone(request.timeZone)

  const cells = await stores.warehouse.query<PivotCellRow>(
    pivotCellsStatement({
      tenantId: caller.tenantId,
      workspaceId,
      groupBy,
      pivotOn,
      condition: request.condition,
      rowCondition: request.rowCondition,
      timeZone,
    }),
  )
  const groups: Axis = new Map()
  const items: Axis = new Map()
  for (const cell of cells) {
    const n = Number(cell.n)
    const lastId = BigInt(cell.last_id)
    addToAxis(groups, groupBy, cell.g, n, lastId, cell.g_name)
    if (pivotOn) addToAxis(items, pivotOn, cell.p, n, lastId, cell.p_name)
  }

  const columnItems = pivotOn ? await orderAxis(stores, pivotOn, items, timeZone, groups.size) : []
  const rowItems = await orderAxis(stores, groupBy, groups, timeZone, columnItems.length)
  checkSize(rowItems.length, columnItems.length)

  const columnIndex = new Map(columnItems.map((item, i) => [item.key, i]))
  const counts = new Map(rowItems.map((item) => [item.key, columnItems.map(() => 0)]))
  for (const cell of cells) {
    const row = counts.get(cell.g)
    const column = columnIndex.get(cell.p)
    if (row && column !== undefined) row[column] = (row[column] as number) + Number(cell.n)
  }
  return {
    groupBy,
    pivotOn,
    // Days are keyed by their instant (a date is no id); choices by their id.
    columns: columnItems.map((item) => ({
      key: encodeXmlName(pivotOn?.kind === 'timestamp' ? item.display : item.key),
      display: item.display,
    })),
    rows: rowItems.map((item) => ({
      value: item.display,
      counts: counts.get(item.key) ?? [],
      grandTotal: item.total,
    })),
  }
}
