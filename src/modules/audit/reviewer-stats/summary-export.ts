import { stringify } from 'csv-stringify/sync'
import { buffer } from 'node:stream/consumers'
import { inOneBatch, streamXlsx, type XlsxColumn } from '../../../formats/xlsx-stream.js'
import type { SummaryLine } from './service.js'

export const SUMMARY_EXPORT_FORMATS = ['csv', 'xlsx'] as const
export type SummaryExportFormat = (typeof SUMMARY_EXPORT_FORMATS)[number]

/** The report's columns as a printed report heads them, in the document's field order. */
const COLUMNS: { key: keyof SummaryLine; header: string }[] = [
  { key: 'FullName', header: 'Full Name' },
  { key: 'UserId', header: 'User ID' },
  { key: 'TotalUsageTime', header: 'Total Usage Time' },
  { key: 'Views', header: 'Views' },
  { key: 'DistinctViews', header: 'Distinct Views' },
  { key: 'Edits', header: 'Edits' },
  { key: 'DistinctEdits', header: 'Distinct Edits' },
  { key: 'EditsPerHour', header: 'Edits per Hour' },
  { key: 'EditsPerDay', header: 'Edits per Day' },
  { key: 'DistinctEditsPerHour', header: 'Distinct Edits per Hour' },
  { key: 'DistinctEditsPerDay', header: 'Distinct Edits per Day' },
  { key: 'MassEdits', header: 'Mass Edits' },
  { key: 'DistinctMassEdits', header: 'Distinct Mass Edits' },
  { key: 'DistinctMassEditsPerHour', header: 'Distinct Mass Edits per Hour' },
  { key: 'DistinctMassEditsPerDay', header: 'Distinct Mass Edits per Day' },
  { key: 'MassEditsPerHour', header: 'Mass Edits per Hour' },
  { key: 'MassEditsPerDay', header: 'Mass Edits per Day' },
  { key: 'Propagations', header: 'Propagations' },
  { key: 'DistinctPropagations', header: 'Distinct Propagations' },
  { key: 'DistinctMassPropagationsPerHour', header: 'Distinct Propagations per Hour' },
  { key: 'DistinctMassPropagationsPerDay', header: 'Distinct Propagations per Day' },
  { key: 'PropagationsPerHour', header: 'Propagations per Hour' },
  { key: 'PropagationsPerDay', header: 'Propagations per Day' },
]

export interface ExportedFile {
  fileName: string
  contentType: string
  body: Buffer
}

/** `H:MM:SS` as a fraction of a day, the value a spreadsheet duration cell holds. */
function usageTimeAsDays(text: string): number {
  const [hours, minutes, seconds] = text.split(':').map(Number)
  return ((hours ?? 0) * 3600 + (minutes ?? 0) * 60 + (seconds ?? 0)) / 86_400
}

function toXlsx(lines: readonly SummaryLine[]): Promise<Buffer> {
  const columns = COLUMNS.map(({ key, header }): XlsxColumn => ({
    header,
    width: key === 'FullName' ? 32 : Math.max(10, header.length + 2),
    ...(key === 'TotalUsageTime' && { format: 'duration' }),
  }))
  const cells = lines.map((line) =>
    COLUMNS.map(({ key }) => (key === 'TotalUsageTime' ? usageTimeAsDays(line.TotalUsageTime) : line[key])),
  )
  return buffer(streamXlsx([{ name: 'Reviewer Statistics', columns, rows: inOneBatch(cells) }]))
}

/** The summary report as a file a person opens or prints: a header row, then a row per reviewer. */
export async function exportSummary(
  lines: readonly SummaryLine[],
  format: SummaryExportFormat,
  workspaceId: number,
): Promise<ExportedFile> {
  const fileName = `Reviewer Statistics - Workspace ${workspaceId}.${format}`
  if (format === 'xlsx') {
    return {
      fileName,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body: await toXlsx(lines),
    }
  }
  const rows = [COLUMNS.map((c) => c.header), ...lines.map((line) => COLUMNS.map((c) => line[c.key]))]
  return { fileName, contentType: 'text/csv; charset=utf-8', body: Buffer.from(stringify(rows)) }
}
