import type { SqlQuery } from '../../store/warehouse/warehouse.js'
import type { TimeWindow } from './period.js'
import type { ReportDef } from './reports.js'
import type { TextParameters } from './parameters.js'

/** The folders a caller may read: null for all of them (an instance-wide grant), else those granted. */
export type ReadableFolders = string[] | null

export interface ReportScope {
  tenantId: number
  folders: ReadableFolders
  window: TimeWindow
  /** The request's parameters; those naming one of the report's filters are applied, unless empty. */
  filters: TextParameters
}

/**
 * The statements of one report: its records in time order (at most `limit`), and the count of all
 * that match. Table, columns and expressions come from the report catalog; every value is bound.
 */
export function reportQueries(
  report: ReportDef,
  scope: ReportScope,
  limit: number,
): { records: SqlQuery; count: SqlQuery } {
  const conditions = [
    'tenant_id = {tenant:UInt32}',
    "timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC')",
    "timestamp < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')",
    // Folder names ignore letter case, as filters do.
    '({allFolders:Bool} OR has(arrayMap(f -> lowerUTF8(f), {folders:Array(String)}), lowerUTF8(folder)))',
  ]
  const params: Record<string, unknown> = {
    tenant: scope.tenantId,
    fromMs: scope.window.fromMs,
    toMs: scope.window.toMs,
    allFolders: scope.folders === null,
    folders: scope.folders ?? [],
  }
  Object.entries(report.filters).forEach(([parameter, column], i) => {
    const value = scope.filters[parameter]
    // An empty filter is a blank form field, not a search for records without a value.
    if (value === undefined || value === '') return
    conditions.push(`lowerUTF8(${column}) = lowerUTF8({filter${i}:String})`)
    params[`filter${i}`] = value
  })
  const where = conditions.join(' AND ')
  const columns = report.fields.map((f) => `${f.sql} AS \`${f.name}\``).join(', ')
  return {
    records: {
      query:
        `SELECT toUnixTimestamp64Milli(timestamp) AS ms, ${columns} FROM ${report.table} WHERE ${where} ` +
        `ORDER BY timestamp, ${report.tiebreak.join(', ')} LIMIT {limit:UInt32}`,
      params: { ...params, limit },
      tag: `report-data:${report.name}`,
    },
    count: {
      query: `SELECT count() AS n FROM ${report.table} WHERE ${where}`,
      params,
      tag: `report-data:${report.name}:count`,
    },
  }
}
