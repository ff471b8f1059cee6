import { type Command, InvalidArgumentError } from 'commander'

export interface WorkerCommandDeps {
  /** Opens the stores and starts a job runner; the returned stop() is graceful. */
  start: (opts: { concurrency: number }) => Promise<{ stop(): Promise<void> }>
}

const DEFAULT_CONCURRENCY = 4

function parseConcurrency(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new InvalidArgumentError('expected an integer from 1 to 256')
  return n
}

/** `tally worker`: the job worker without the HTTP server. */
export function registerWorkerCommand(program: Command, deps: WorkerCommandDeps): Command {
  return program
    .command('worker')
    .description(
      'Run the job worker alone, without the HTTP server (for scale-out: many workers and API nodes ' +
        'share one PostgreSQL and one ClickHouse). Stops gracefully on SIGINT or SIGTERM: running ' +
        'jobs finish first; a second signal exits at once.',
    )
    .option('--concurrency <n>', 'jobs this worker runs at once', parseConcurrency, DEFAULT_CONCURRENCY)
    .action(async (opts: { concurrency: number }) => {
      const worker = await deps.start({ concurrency: opts.concurrency })
      const signal = await waitForStopSignal()
      // A second signal while draining means "now": the jobs' leases expire and others re-run them.
      const forceExit = () => process.exit(130)
      process.once('SIGINT', forceExit)
      process.once('SIGTERM', forceExit)
      try {
        process.stderr.write(`Received ${signal}; stopping the worker after its running jobs finish\n`)
        await worker.stop()
      } finally {
        process.off('SIGINT', forceExit)
        process.off('SIGTERM', forceExit)
      }
    })
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    // Signal listeners do not keep Node alive; this timer does, whatever the worker itself holds open.
    const keepAlive = setInterval(() => undefined, 1 << 30)
    const onSignal = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      resolve(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}
