import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * Summarizes a V8 CPU profile (`npm run bench -- --profile DIR` writes the server's): where the
 * main thread's time went, by package or source folder and by function, in self time.
 *
 *   npx tsx bench/profile-summary.ts DIR/CPU.….cpuprofile [--top 25]
 *
 * Self time only: async functions resume from the microtask queue, so V8's stacks do not carry
 * their callers and inclusive times would be misleading.
 */

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The package (node_modules/<name>), the repository folder (src/modules/ingest), or a V8 category. */
export function categoryOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1] as string
  if (url.startsWith('node:')) return 'node: internals'
  const source = /\/((?:src|bench)\/(?:[^/]+\/)?)[^/]*$/.exec(url)
  if (source) return (source[1] as string).replace(/\/$/, '')
  return url
}

export function summarizeProfile(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const byCategory = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame
    total += us
    const category = categoryOf(frame.url, frame.functionName)
    byCategory.set(category, (byCategory.get(category) ?? 0) + us)
    const file = frame.url.split('/').slice(-2).join('/')
    const name =
      `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim()
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
  }
  const busy = total - (byCategory.get('(idle)') ?? 0)
  const rows = (map: Map<string, number>) =>
    [...map]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, us]) =>
          `${(us / 1e6).toFixed(2).padStart(8)} s ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${name}`,
      )
  return [
    `profiled ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (idle excluded below)`,
    '',
    'self time by package or folder:',
    ...rows(byCategory),
    '',
    `top ${top} functions by self time:`,
    ...rows(byFunction),
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, flag, value] = process.argv.slice(2)
  if (!file) {
    process.stderr.write('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]\n')
    process.exit(2)
  }
  const top = flag === '--top' ? Number(value) : 25
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile
  process.stdout.write(summarizeProfile(profile, top) + '\n')
}
