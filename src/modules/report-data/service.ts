import { ForbiddenError } from '../../errors.js'
import type { Stores } from '../../store/stores.js'
import { requirePermission, type Caller } from '../identity/caller.js'
import { localeFormatter, parseOffset, requireParameters, type TextParameters } from './parameters.js'
import { auditWindow, windowOf } from './period.js'
import { AUDIT, type ReportDef } from './reports.js'
import { reportQueries, type ReadableFolders, type ReportScope } from './sql.js'

/** A result holds at most this many records (the document's limit); the response says when it cut. */
export const RECORD_LIMIT = 20_000

export interface ReportRecord {
  /** UTC, ISO 8601 with milliseconds. */
  timestamp: string
  [field: string]: string | number
}

export interface ReportResult {
  /** In time order. */
  records: ReportRecord[]
  /** Every record that matched, also those past the limit. */
  totalCount: number
  truncated: boolean
}

/**
 * The folders the caller may read report data of, or a 401/403 when none: null for every folder
 * (an instance-wide grant, or Administrator), else the folders of its folder-scoped grants.
 */
export function readableFolders(caller: Caller): ReadableFolders {
  const { instanceWide, scopes } = caller.access.scopesOf('Report Data Access')
  if (instanceWide) return null
  const folders = scopes.filter((s) => s.kind === 'folder').map((s) => s.value)
  if (folders.length === 0) requirePermission(caller, 'Report Data Access')
  return folders
}

/** A filter on a folder the caller may not read is refused rather than answered empty: a typo is not "no usage". */
function checkFolderFilter(folders: ReadableFolders, folderFilter: string | undefined): void {
  if (folders === null || folderFilter === undefined || folderFilter === '') return
  if (!folders.some((f) => f.toLowerCase() === folderFilter.toLowerCase())) {
    throw new ForbiddenError(
      `folder: you may read the report data of ${folders.map((f) => `'${f}'`).join(', ')} only`,
    )
  }
}

/** The report's records in the scope's window and folders that match every filter given, in time order. */
async function runReport(stores: Stores, report: ReportDef, scope: ReportScope): Promise<ReportResult> {
  checkFolderFilter(scope.folders, scope.filters.folder)
  const queries = reportQueries(report, scope, RECORD_LIMIT + 1)
  const rows = await stores.warehouse.query<Record<string, string | number>>(queries.records)
  const truncated = rows.length > RECORD_LIMIT
  // Counting scans every match, so it runs only when the cap actually cut the result.
  const totalCount = truncated
    ? Number((await stores.warehouse.query<{ n: string }>(queries.count))[0]?.n)
    : rows.length
  return {
    records: rows.slice(0, RECORD_LIMIT).map((row) => {
      const record: ReportRecord = { timestamp: new Date(Number(row.ms)).toISOString() }
      for (const field of report.fields) {
        record[field.name] = field.kind === 'number' ? Number(row[field.name]) : String(row[field.name])
      }
      return record
    }),
    totalCount,
    truncated,
  }
}

/** One of the POST reports: `fromDate` and `toDate` (UTC) are mandatory, the report's filters optional. */
export async function integrationReport(
  stores: Stores,
  caller: Caller,
  report: ReportDef,
  parameters: TextParameters,
): Promise<ReportResult> {
  const folders = readableFolders(caller)
  requireParameters(parameters, ['fromDate', 'toDate'], '(UTC DateTimes)')
  const window = windowOf(parameters.fromDate!, parameters.toDate!, { from: 'fromDate', to: 'toDate' })
  return runReport(stores, report, { tenantId: caller.tenantId, folders, window, filters: parameters })
}

/**
 * The audit report: `range` (and `from`/`to` with Custom) select the window; each record also gets
 * `dateTime`, its instant shifted by `offset` (UTC minus local, in minutes) and written for `locale`.
 */
export async function auditReport(
  stores: Stores,
  caller: Caller,
  parameters: TextParameters,
  nowMs: number,
): Promise<ReportResult> {
  const folders = readableFolders(caller)
  const offsetMinutes = parseOffset(parameters.offset)
  const format = localeFormatter(parameters.locale)
  const window = auditWindow(parameters, offsetMinutes, nowMs)
  const result = await runReport(stores, AUDIT, {
    tenantId: caller.tenantId,
    folders,
    window,
    filters: parameters,
  })
  return {
    ...result,
    records: result.records.map(({ timestamp, ...fields }) => ({
      timestamp,
      dateTime: format.format(Date.parse(timestamp) - offsetMinutes * 60_000),
      ...fields,
    })),
  }
}
