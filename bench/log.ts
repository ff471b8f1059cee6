const started = performance.now()

/** One progress line on stderr, with the seconds since this process started: `[bench +12.3s] …`. */
export function log(message: string, who = 'bench'): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  process.stderr.write(`[${who} +${seconds}s] ${message}\n`)
}

/** Rounds for display: 1234567 → '1,234,567'; 12.345 → '12.3'. */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}
