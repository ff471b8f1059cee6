import type { Stores } from '../../store/stores.js'
import { segmentTree } from './results.js'
import {
  activityRows,
  checkScope,
  clientsSubquery,
  joinClients,
  withinDays,
  type ReportScope,
} from './scope.js'

/**
 * The generic current report: the product's install base now, that is the clients active within
 * the last `activeWithinDays` days up to today (UTC), counted per segment (for pie and bar charts,
 * or maps with segmentBy country), with the global filters applied.
 */

export const DEFAULT_ACTIVE_WITHIN_DAYS = 30

export interface CurrentRequest extends Omit<ReportScope, 'startDate' | 'stopDate'> {
  activeWithinDays: number
  /** Today, UTC (`YYYY-MM-DD`): the last day of the window. */
  today: string
}

export interface CurrentResult {
  segment: string | null
  clients: number
  /** With subSegmentBy: the segment split by the second property. */
  children?: { segment: string; clients: number }[]
}

export async function currentReport(
  stores: Stores,
  request: CurrentRequest,
): Promise<{ from: string; results: CurrentResult[] }> {
  const from = new Date(Date.parse(request.today) - (request.activeWithinDays - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10)
  const scope = { ...request, startDate: from, stopDate: request.today }
  checkScope(scope)
  const clients = clientsSubquery(scope)
  const rows = await stores.warehouse.query<{ segment: string; sub_segment: string; clients: string }>({
    query: `SELECT clients.segment AS segment, clients.sub_segment AS sub_segment, count() AS clients
            FROM ${joinClients(`SELECT DISTINCT client_key FROM (${activityRows(withinDays('from', 'today'))})`, scope, clients)}
            GROUP BY segment, sub_segment`,
    params: { ...clients.params, from, today: request.today },
    tag: 'usage-intel:current',
  })
  const leaves = rows.map((row): [string, string, number] => [
    row.segment,
    row.sub_segment,
    Number(row.clients),
  ])
  const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0)
  const nested = request.subSegmentBy !== undefined
  return {
    from,
    results: segmentTree(leaves, sum, (count) => count, nested).map((node) => ({
      segment: request.segmentBy === undefined ? null : node.segment,
      clients: node.value,
      ...(node.children && {
        children: node.children.map((child) => ({ segment: child.segment, clients: child.value })),
      }),
    })),
  }
}
