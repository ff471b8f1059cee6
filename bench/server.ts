import { spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** A `tally serve` process of the checkout, on a data directory of its own, and a token for it. */
export interface TallyServer {
  url: string
  pid: number
  /** Bearer token headers for JSON requests. */
  headers: Record<string, string>
  /**
   * Resolves once the process has used under 10 % of a CPU for a whole second (background merges
   * done), or after `timeoutMs`; at once where /proc is missing. Returns the seconds waited.
   */
  waitUntilIdle(timeoutMs?: number): Promise<number>
  /** The process's resident memory now and its peak since start or the last reset; undefined off Linux. */
  memory(): Memory | undefined
  /** Starts a new peak from the current resident memory; false where the kernel does not allow it. */
  resetPeakMemory(): boolean
  stop(): Promise<void>
}

/** From /proc/<pid>/status: VmRSS and VmHWM (the "high water mark" of VmRSS), in bytes. */
export interface Memory {
  rssBytes: number
  peakBytes: number
}

export interface StartServerOptions {
  /** The repository root: the server runs from source there (`node --import tsx src/cli/index.ts`). */
  root: string
  dataDir: string
  /** When set, the server writes a V8 CPU profile there on exit (`--cpu-prof`). */
  profileDir?: string
}

const STARTUP_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 60_000

/** Settings a caller's environment must not leak in: they would point the server at other stores. */
const DROPPED_ENV = [
  'TALLY_DATABASE_URL',
  'TALLY_CLICKHOUSE_URL',
  'TALLY_CLICKHOUSE_CLUSTER',
  'TALLY_CLICKHOUSE_DATABASE',
  'TALLY_TOKEN',
  'TALLY_INGEST_MAX_EVENTS',
  'TALLY_INGEST_MAX_BODY_BYTES',
]

const running = new Set<ChildProcess>()
// A benchmark stopped by an error or Ctrl-C must not leave a server holding the port and directory.
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')))

export async function startServer(options: StartServerOptions): Promise<TallyServer> {
  // A client of its own per start: a kept data directory already holds the clients of earlier ones.
  const clientId = `tally-bench-${crypto.randomBytes(4).toString('hex')}`
  const clientSecret = crypto.randomBytes(24).toString('hex')
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of DROPPED_ENV) delete env[name]
  Object.assign(env, {
    TALLY_DATA_DIR: options.dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    TALLY_DEMO: '0',
    // The usage report scenarios run as jobs of the in-process worker, as `tally serve` runs them.
    TALLY_WORKER: '1',
    TALLY_LOG_LEVEL: 'warn',
    TALLY_ADMIN_PASSWORD: crypto.randomBytes(16).toString('hex'),
    TALLY_BOOTSTRAP_CLIENT_ID: clientId,
    TALLY_BOOTSTRAP_CLIENT_SECRET: clientSecret,
  })
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/cli/index.ts', 'serve'], {
    cwd: options.root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  running.add(child)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  void exited.then(() => running.delete(child))
  try {
    const url = await waitForUrl(child, path.join(options.dataDir, 'owner.json'))
    const token = await fetchToken(url, clientId, clientSecret)
    return {
      url,
      pid: child.pid as number,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      waitUntilIdle: (timeoutMs = 120_000) => waitUntilIdle(child.pid as number, timeoutMs),
      memory: () => memoryOf(child.pid as number),
      resetPeakMemory: () => resetPeak(child.pid as number),
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return
        // SIGTERM: a graceful stop, which also lets --cpu-prof write its profile.
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
}

/** The server publishes its address in `<dataDir>/owner.json` once it listens. */
async function waitForUrl(child: ChildProcess, ownerFile: string): Promise<string> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with code ${child.exitCode} while starting`)
    try {
      const owner = JSON.parse(fs.readFileSync(ownerFile, 'utf8')) as { pid?: number; url?: string }
      if (owner.pid === child.pid && owner.url) return owner.url
    } catch {
      // Not written yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the server did not start within ${STARTUP_TIMEOUT_MS / 1000} s`)
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; undefined off Linux. */
function cpuSeconds(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the name; in clock ticks (100 Hz).
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

function memoryOf(pid: number): Memory | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
    const memory = { rssBytes: kib('VmRSS') * 1024, peakBytes: kib('VmHWM') * 1024 }
    return Number.isFinite(memory.rssBytes) && Number.isFinite(memory.peakBytes) ? memory : undefined
  } catch {
    return undefined
  }
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0 and later, own processes). */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

async function waitUntilIdle(pid: number, timeoutMs: number): Promise<number> {
  const started = Date.now()
  let before = cpuSeconds(pid)
  while (before !== undefined && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const after = cpuSeconds(pid)
    if (after === undefined || after - before < 0.1) break
    before = after
  }
  return (Date.now() - started) / 1000
}

async function fetchToken(url: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${url}/Relativity/Identity/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: 'SystemUserInfo',
    }).toString(),
  })
  if (!response.ok)
    throw new Error(`the token endpoint answered ${response.status}: ${await response.text()}`)
  const { access_token: token } = (await response.json()) as { access_token: string }
  return token
}
