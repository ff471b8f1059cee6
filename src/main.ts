import os from 'node:os'
import type { Logger } from 'pino'
import { buildApp, buildServices } from './app.js'
import type { Config } from './config/config.js'
import { loadDemo } from './demo/load.js'
import { systemCaller } from './modules/identity/caller.js'
import { JobRegistry } from './jobs/registry.js'
import { JobRunner } from './jobs/runner.js'
import { serviceSink } from './modules/ingest/sink.js'
import { registerUsageReportJob } from './modules/usage-reports/service.js'
import { registerTrackingFileJobs, scheduleSweep } from './modules/usage-intel/tracking-files/job.js'
import { registerOutboxDelivery } from './modules/audit/revert/webhook.js'
import { bootstrapIdentity } from './modules/identity/bootstrap.js'
import { openOwnedStores, type Stores } from './store/stores.js'

/** Job kinds every worker can run; each API family registers its handlers here as it lands. */
export function buildJobRegistry(stores: Stores): JobRegistry {
  return registerTrackingFileJobs(
    registerUsageReportJob(registerOutboxDelivery(new JobRegistry(), { stores }), stores),
    stores,
  )
}

export function startJobRunner(
  stores: Stores,
  config: Config,
  logger: Logger,
  concurrency: number,
): JobRunner {
  const runner = new JobRunner({
    db: stores.control,
    registry: buildJobRegistry(stores),
    workerId: `${os.hostname()}:${process.pid}`,
    concurrency,
    logger: logger.child({ component: 'jobs' }),
  })
  runner.start()
  // The tracking file sweep queues its own next run; a starting worker queues the first one.
  scheduleSweep(stores.control).catch((error: unknown) =>
    logger.error({ err: error }, 'could not queue the tracking file sweep'),
  )
  return runner
}

/** True when neither store holds any data yet: the first start of a new installation. */
async function isEmpty(stores: Stores): Promise<boolean> {
  const [workspaces] = await stores.control.query<{ n: number }>('SELECT count(*)::int AS n FROM workspaces')
  const [audits] = await stores.warehouse.query<{ n: string }>({ query: 'SELECT count() AS n FROM audits' })
  return workspaces?.n === 0 && Number(audits?.n) === 0
}

/**
 * `tally serve`: the HTTP API with an in-process job worker. Stops gracefully on SIGINT/SIGTERM:
 * the server stops accepting, finishes in-flight requests, then the worker and the stores close.
 */
export async function serve(config: Config, logger: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  const owned = await openOwnedStores(config, 'serve')
  const { stores } = owned
  try {
    const { generatedAdminPassword } = await bootstrapIdentity(stores.control, config)
    if (generatedAdminPassword) {
      // Printed once, to the terminal only: it is never logged or stored in clear.
      process.stderr.write(
        `\nFirst start: created the user 'admin' with the password ${generatedAdminPassword}\n` +
          'Change it after signing in (PATCH /admin/v1/users/{id}) or set TALLY_ADMIN_PASSWORD before the first start.\n\n',
      )
    }
    if (config.demo && (await isEmpty(stores))) {
      logger.info('empty store: loading the demo data set (TALLY_DEMO=0 turns this off)')
      const started = Date.now()
      const sink = serviceSink(buildServices(config, stores).ingest, systemCaller())
      await loadDemo(sink, { scale: 1, seed: 1 }, ({ stream, done }) =>
        logger.debug({ stream, done }, 'demo'),
      )
      logger.info({ ms: Date.now() - started }, 'demo data loaded')
    }
    const app = await buildApp({ config, stores, logger })
    const url = await app.listen({ port: config.port, host: config.host })
    const publicUrl = url.replace('0.0.0.0', '127.0.0.1')
    owned.publish(publicUrl)
    const runner = config.worker
      ? startJobRunner(stores, config, logger, config.workerConcurrency)
      : undefined
    logger.info({ url: publicUrl, docs: `${publicUrl}/docs` }, 'tally is serving')
    return {
      url: publicUrl,
      async stop() {
        await app.close()
        await runner?.stop()
        await owned.close()
      },
    }
  } catch (error) {
    await owned.close()
    throw error
  }
}
