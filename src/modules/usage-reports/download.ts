import { stringify } from 'csv-stringify/sync'
import { Readable } from 'node:stream'
import { streamXlsx, type XlsxCell, type XlsxColumn } from '../../formats/xlsx-stream.js'
import type { Stores } from '../../store/stores.js'
import { METRICS, type Metric } from './catalog.js'
import { readAllRows, type UsageReport } from './service.js'

export const DOWNLOAD_FORMATS = ['csv', 'xlsx'] as const
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number]

export const CONTENT_TYPES: Record<DownloadFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

/** `attachment` named after the report; characters a file name cannot hold become `_`. */
export function contentDisposition(report: UsageReport, format: DownloadFormat): string {
  // eslint-disable-next-line no-control-regex
  const name = `${report.name.replace(/[\u0000-\u001f\\/:*?"<>|]/g, '_').trim() || 'Usage Report'}.${format}`
  const ascii = name.replace(/[^\x20-\x7e]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

const metricsOf = (report: UsageReport): Metric[] => report.fields.map((id) => METRICS.get(id)!)

/** The whole report as CSV: a header of metric names, then a line per row, produced as it is read. */
function csv(stores: Stores, report: UsageReport): Readable {
  const header = metricsOf(report).map((metric) => metric.name.trim())
  return Readable.from(
    (async function* () {
      yield stringify([header])
      for await (const batch of readAllRows(stores, report)) yield stringify(batch)
    })(),
  )
}

const REPORT_PERIOD = 'bd708c94-c51b-44e5-bc2d-29378fe72bf7'

/** The whole report as an XLSX workbook: one sheet, numbers as numbers, instants as date cells. */
function xlsx(stores: Stores, report: UsageReport): Readable {
  const metrics = metricsOf(report)
  const columns = metrics.map((metric): XlsxColumn => ({
    header: metric.name.trim(),
    width: Math.min(60, Math.max(12, metric.name.length + 2)),
    ...(metric.valueType === 'DateTime' && { format: metric.id === REPORT_PERIOD ? 'month' : 'date-time' }),
  }))
  const dates = metrics.map((metric) => metric.valueType === 'DateTime')
  async function* rows(): AsyncGenerator<XlsxCell[][]> {
    for await (const batch of readAllRows(stores, report)) {
      yield batch.map((cells) =>
        cells.map((cell, i) => (dates[i] && cell !== null ? new Date(`${cell}Z`) : cell)),
      )
    }
  }
  return streamXlsx([{ name: 'Usage Report', columns, rows: rows() }])
}

export function reportDownload(stores: Stores, report: UsageReport, format: DownloadFormat): Readable {
  return format === 'xlsx' ? xlsx(stores, report) : csv(stores, report)
}
