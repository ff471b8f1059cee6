import { Worker } from 'node:worker_threads'
import { runParseJob, type ParseJob, type ParsedChunk } from './parse.js'
import type { ParseRequest, ParseResponse } from './parse-worker.js'

/**
 * Parses, validates, converts and encodes event chunks on worker threads, so the thread serving
 * requests only reads bodies and drives the engine: per event the parse work is several times
 * what that thread has left to do (bench/README.md, "The insert path"). With no workers the jobs
 * run on the calling thread. Workers start on the first job and hold the process open only while
 * they have jobs.
 */
export class ParsePool {
  private readonly workers: PoolWorker[] = []
  private nextId = 1

  constructor(private readonly size: number) {}

  parse(job: ParseJob): Promise<ParsedChunk> {
    if (this.size === 0) return new Promise((resolve) => resolve(runParseJob(job)))
    const worker = this.leastBusy()
    const id = this.nextId++
    return new Promise<ParsedChunk>((resolve, reject) => {
      worker.jobs.set(id, { resolve, reject })
      if (worker.jobs.size === 1) worker.thread.ref()
      worker.thread.postMessage({ id, job } satisfies ParseRequest)
    })
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0)
    await Promise.all(workers.map((worker) => worker.thread.terminate()))
  }

  private leastBusy(): PoolWorker {
    if (this.workers.length < this.size && this.workers.every((worker) => worker.jobs.size > 0)) {
      return this.start()
    }
    return this.workers.reduce((best, worker) => (worker.jobs.size < best.jobs.size ? worker : best))
  }

  private start(): PoolWorker {
    const thread = startWorker()
    const worker: PoolWorker = { thread, jobs: new Map() }
    thread.unref()
    thread.on('message', ({ id, ...outcome }: ParseResponse) => {
      const job = worker.jobs.get(id)
      if (!job) return
      worker.jobs.delete(id)
      if (worker.jobs.size === 0) thread.unref()
      if ('error' in outcome) job.reject(new Error(`parse worker: ${outcome.error}`))
      else job.resolve(outcome.parsed)
    })
    // A worker that dies fails its jobs, and leaves the pool: the next job starts another.
    const fail = (error: Error) => {
      const index = this.workers.indexOf(worker)
      if (index !== -1) this.workers.splice(index, 1)
      for (const job of worker.jobs.values()) job.reject(error)
      worker.jobs.clear()
    }
    thread.on('error', fail)
    thread.on('exit', (code) => fail(new Error(`parse worker stopped (exit code ${code})`)))
    this.workers.push(worker)
    return worker
  }
}

interface PoolWorker {
  thread: Worker
  jobs: Map<number, { resolve: (parsed: ParsedChunk) => void; reject: (error: Error) => void }>
}

/**
 * From source (tests, `npm run dev`) the worker is TypeScript too: it registers tsx's loader
 * first (a worker does not take loaders from `--import` in its execArgv).
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./parse-worker.js', import.meta.url))
  const source = JSON.stringify(new URL('./parse-worker.ts', import.meta.url).href)
  return new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${source}) })`,
    { eval: true },
  )
}
