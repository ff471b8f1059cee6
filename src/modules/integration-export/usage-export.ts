import { ZipArchive } from 'archiver'
import type { Readable } from 'node:stream'
import { streamXlsx } from '../../formats/xlsx-stream.js'
import type { Stores } from '../../store/stores.js'
import { requirePermission, type Caller } from '../identity/caller.js'
import { usageReportSheets } from './sheets.js'
import { lastMonths, readUsageData } from './usage-data.js'

/**
 * The integration usage export of the usage report manual: `Usage Reports.zip` with a workbook for
 * the last 6 months and one for the last year, each with the manual's six sheets.
 */

export const ZIP_NAME = 'Usage Reports.zip'
export const WORKBOOKS = [
  { fileName: 'Usage Report (Last 6 Months).xlsx', months: 6 },
  { fileName: 'Usage Report (Last 1 Year).xlsx', months: 12 },
] as const

/** The manual's prerequisites: the Administrator role and Read permission for Server Management. */
export function requireUsageExportAccess(caller: Caller): void {
  requirePermission(caller, 'Administrator')
  requirePermission(caller, 'Server Management Read')
}

/**
 * `Usage Reports.zip` as of `now`, streamed. Both windows are read before the first byte, so a
 * failing query is an error response rather than a truncated file; memory holds the windows'
 * aggregates and people (see usage-data.ts), never raw events.
 */
export async function usageReportsZip(stores: Stores, caller: Caller, now: Date): Promise<Readable> {
  requireUsageExportAccess(caller)
  const workbooks = []
  for (const { fileName, months } of WORKBOOKS) {
    const data = await readUsageData(stores, caller.tenantId, lastMonths(now, months))
    workbooks.push({ fileName, sheets: usageReportSheets(data) })
  }
  const zip = new ZipArchive()
  for (const { fileName, sheets } of workbooks) {
    // A workbook is a ZIP already: stored as it is rather than compressed again.
    zip.append(streamXlsx(sheets), { name: fileName, store: true })
  }
  void zip.finalize().catch((error: unknown) => zip.destroy(error as Error))
  return zip
}
