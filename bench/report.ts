import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { formatNumber } from './log.js'
import type { PreparedData } from './prepare-data.js'
import type { Summary } from './stats.js'

/** One scenario's figures: Tally's, the baseline's, and how they compare. */
export interface ScenarioResult {
  number: number
  id: string
  title: string
  unit: 'ms' | 'events/s'
  tally: Summary
  baseline: { name: string; summary: Summary }
  /**
   * Times: baseline ÷ Tally (above 1, Tally is that many times faster). Rates: Tally ÷ baseline
   * (the share of the baseline's rate Tally reaches).
   */
  ratio: { median: number; p95: number; meaning: string }
  /** The target (stated for 100 million audits on 2 cores) and whether this run met it. */
  target: { text: string; met: boolean }
  /** Figures the table has no column for (memory, sizes), printed under it. */
  notes?: string[]
  details: Record<string, unknown>
}

export interface Machine {
  cpus: number
  cpuModel: string
  memoryGiB: number
  os: string
  node: string
  postgres: string
}

export interface BenchReport {
  startedAt: string
  seconds: number
  command: string
  options: { rows: number; quick: boolean; seed: number; baselineRuns?: number }
  machine: Machine
  data: PreparedData
  scenarios: ScenarioResult[]
}

export function describeMachine(postgresVersion: string): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown'
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)
    if (line?.[1]) cpuModel = line[1].trim()
  } catch {
    // Not Linux: os.cpus() it is.
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: postgresVersion,
  }
}

const fmt = (value: number, unit: ScenarioResult['unit']) =>
  unit === 'ms' ? formatNumber(value, value < 10 ? 2 : 1) : formatNumber(value)

/** The report as a plain-text table, for the terminal and the README. */
export function formatReport(report: BenchReport): string {
  const { data, machine } = report
  const header = [
    'scenario',
    'unit',
    'Tally median',
    'Tally p95',
    'baseline',
    'median',
    'p95',
    'ratio median',
    'ratio p95',
    'target (100 M rows)',
  ]
  const rows = [...report.scenarios]
    .sort((a, b) => a.number - b.number)
    .map((s) => [
      `${s.number}. ${s.title}`,
      s.unit,
      fmt(s.tally.median, s.unit),
      fmt(s.tally.p95, s.unit),
      s.baseline.name,
      fmt(s.baseline.summary.median, s.unit),
      fmt(s.baseline.summary.p95, s.unit),
      `${s.ratio.median.toFixed(2)}`,
      `${s.ratio.p95.toFixed(2)}`,
      `${s.target.text}: ${s.target.met ? 'met' : 'missed'}`,
    ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i !== 4 && i !== 9 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
  const ratios = [...new Set(report.scenarios.map((s) => `${s.unit}: ${s.ratio.meaning}`))]
  const notes = report.scenarios.flatMap((s) => (s.notes ?? []).map((note) => `${s.number}. ${note}`))
  const usageRows = Object.entries(data.usage.rows)
    .map(([table, n]) => `${formatNumber(n.total)} ${table}`)
    .join(', ')
  return [
    `Tally bench: ${formatNumber(data.rows)} audits (${formatNumber(data.generatedRows)} generated, ${data.copies} copies), ` +
      `workspace ${data.workspace.id} with ${formatNumber(data.workspace.rows)}; ${report.seconds.toFixed(0)} s in all`,
    `usage sources: ${formatNumber(data.usage.workspaces)} workspaces (${data.usage.generatedWorkspaces} generated), ${usageRows}`,
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.postgres}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...notes,
    ...(notes.length > 0 ? [''] : []),
    ...ratios.map((r) => `ratio, ${r}`),
    'p95 is by nearest rank (no interpolation); for rates it is the slow end (5th percentile).',
  ].join('\n')
}

export function writeReport(file: string, report: BenchReport): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
}
