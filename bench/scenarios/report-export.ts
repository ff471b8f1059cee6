import { workspaceReportRowCount } from '../baseline-usage.js'
import { BENCH_TENANT_ID, EXPORT_MONTHS, EXPORT_RANGE } from '../data.js'
import { formatNumber } from '../log.js'
import type { ScenarioResult } from '../report.js'
import { summarize } from '../stats.js'
import { type BenchContext, type Scenario, measure } from './scenario.js'
import { WORKSPACE_METRICS, generateReport } from './usage-reports.js'

/**
 * Scenario 7: the XLSX download of a large usage report (the Workspace report of scenario 6 over
 * 100 months: ~100 rows per workspace, 1,000,000 at 10,000 workspaces), read over HTTP by a
 * streaming reader that keeps nothing, timed from the request to the last byte. Meanwhile the
 * server's resident memory is sampled from /proc/<pid>/status, and its peak taken from VmHWM
 * (reset before each download). Beside it, the CSV download of the same report: the same rows
 * through the same path and read the same way, in the plainer format.
 */

const GIB = 2 ** 30
const MIB = 2 ** 20
const TARGET_MS = 30_000
const SAMPLE_MS = 100
/** A ZIP file ends with its end-of-central-directory record: this signature, then 18 bytes. */
const ZIP_END = Buffer.from([0x50, 0x4b, 0x05, 0x06])
const ZIP_END_BYTES = 22

interface Download {
  ms: number
  bytes: number
  /** The server's RSS just before the request. */
  rssBeforeBytes: number
  /** Its peak during the download: VmHWM after a reset, else the highest sample. */
  peakBytes: number
  peakFrom: 'VmHWM' | 'samples'
}

async function download(
  ctx: BenchContext,
  id: string,
  format: 'xlsx' | 'csv',
  rows: number,
): Promise<Download> {
  const { server } = ctx
  const before = server.memory()
  if (!before) throw new Error('the server memory cannot be read (/proc/<pid>/status)')
  const peakReset = server.resetPeakMemory()
  let sampled = before.rssBytes
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, server.memory()?.rssBytes ?? 0)
  }, SAMPLE_MS)
  try {
    const started = performance.now()
    const response = await fetch(
      `${server.url}/api/usage-reports/v1/reports/download/${id}?format=${format}`,
      {
        headers: { authorization: server.headers.authorization! },
      },
    )
    if (response.status !== 200 || !response.body)
      throw new Error(`the ${format} download answered ${response.status}: ${await response.text()}`)
    const reader = response.body.getReader()
    let bytes = 0
    let newlines = 0
    let tail = Buffer.alloc(0)
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.length
      if (format === 'csv') for (let i = value.indexOf(10); i >= 0; i = value.indexOf(10, i + 1)) newlines++
      else
        tail =
          value.length >= ZIP_END_BYTES
            ? Buffer.from(value.subarray(-ZIP_END_BYTES))
            : Buffer.concat([tail, value]).subarray(-ZIP_END_BYTES)
    }
    const ms = performance.now() - started
    // Whole files only: a line per row after the header, or a ZIP that reached its last record.
    if (format === 'csv' && newlines !== rows + 1)
      throw new Error(`the CSV download has ${newlines} lines, expected ${rows + 1}`)
    if (format === 'xlsx' && !tail.subarray(0, ZIP_END.length).equals(ZIP_END))
      throw new Error('the XLSX download does not end with a ZIP end-of-central-directory record')
    const after = server.memory()
    sampled = Math.max(sampled, after?.rssBytes ?? 0)
    const fromHwm = peakReset && after !== undefined
    return {
      ms,
      bytes,
      rssBeforeBytes: before.rssBytes,
      peakBytes: fromHwm ? Math.max(after.peakBytes, sampled) : sampled,
      peakFrom: fromHwm ? 'VmHWM' : 'samples',
    }
  } finally {
    clearInterval(sampler)
  }
}

const mib = (bytes: number) => `${formatNumber(bytes / MIB)} MiB`

/** The downloads' sizes and memory, in one line. */
function describe(format: string, runs: readonly Download[]): string {
  const peak = Math.max(...runs.map((r) => r.peakBytes))
  const rise = Math.max(...runs.map((r) => r.peakBytes - r.rssBeforeBytes))
  const before = Math.min(...runs.map((r) => r.rssBeforeBytes))
  return (
    `${format} ${formatNumber(runs[0]!.bytes / 1e6, 1)} MB: server RSS ${mib(before)} before, ` +
    `peak ${mib(peak)} (${runs[0]!.peakFrom}), rise ${mib(rise)}`
  )
}

export const reportExport: Scenario = {
  number: 7,
  id: 'report-export',
  title: `Usage report XLSX download, ${EXPORT_MONTHS} months`,
  async run(ctx): Promise<ScenarioResult> {
    const report = await generateReport(ctx, 'bench export', EXPORT_RANGE, WORKSPACE_METRICS)
    const expected = await workspaceReportRowCount(ctx.pg, { tenantId: BENCH_TENANT_ID, range: EXPORT_RANGE })
    const downloads: Record<'xlsx' | 'csv', Download[]> = { xlsx: [], csv: [] }
    // Once the new rows' merges are done, so they do not share the CPU with the downloads.
    await ctx.server.waitUntilIdle()
    for (const format of ['xlsx', 'csv'] as const) {
      await measure(`report-export: ${format.toUpperCase()}`, ctx.counts.download, async (run) => {
        const result = await download(ctx, report.id, format, expected)
        if (run >= ctx.counts.download.warmups) downloads[format].push(result)
        return result.ms
      })
    }
    const tally = summarize(downloads.xlsx.map((d) => d.ms))
    const csv = summarize(downloads.csv.map((d) => d.ms))
    const peakBytes = Math.max(...downloads.xlsx.map((d) => d.peakBytes))
    return {
      number: 7,
      id: reportExport.id,
      title: reportExport.title,
      unit: 'ms',
      tally,
      baseline: { name: 'CSV download', summary: csv },
      ratio: {
        median: csv.median / tally.median,
        p95: csv.p95 / tally.p95,
        meaning: 'CSV ÷ XLSX download time (the same rows in the plainer format)',
      },
      target: {
        text: '1 M rows: p95 < 30 s, peak < 1 GiB',
        met: tally.p95 < TARGET_MS && peakBytes < GIB,
      },
      notes: [
        `${formatNumber(expected)} rows × ${WORKSPACE_METRICS.length} columns, generated in ` +
          `${formatNumber(report.jobMs / 1000, 1)} s (job); ${describe('XLSX', downloads.xlsx)}; ${describe('CSV', downloads.csv)}`,
      ],
      details: {
        range: EXPORT_RANGE,
        rows: expected,
        generationJobMs: report.jobMs,
        generationEndToEndMs: report.endToEndMs,
        xlsxRuns: downloads.xlsx,
        csvRuns: downloads.csv,
        peakBytes,
      },
    }
  },
}
