import type { Logger } from 'pino'
import { buildServices } from '../app.js'
import type { Config } from '../config/config.js'
import { systemCaller } from '../modules/identity/caller.js'
import { httpSink, serviceSink, type IngestSink } from '../modules/ingest/sink.js'
import { findDataDirOwner } from '../store/data-dir-lock.js'
import { openOwnedStores, type Stores } from '../store/stores.js'

/** Runs `work` over stores opened (and owned) for its duration. */
export async function withStores<T>(
  config: Config,
  command: string,
  work: (stores: Stores) => Promise<T>,
): Promise<T> {
  const owned = await openOwnedStores(config, command)
  try {
    return await work(owned.stores)
  } finally {
    await owned.close()
  }
}

/**
 * Gives a bulk loader somewhere to send batches: the running server that owns the data directory
 * (over HTTP), or, when none runs, the stores opened by this process.
 */
export async function withSink<T>(
  config: Config,
  command: string,
  logger: Logger,
  work: (sink: IngestSink) => Promise<T>,
): Promise<T> {
  const owner = findDataDirOwner(config.dataDir)
  if (owner?.url) {
    if (!config.token) {
      throw new Error(
        `the server at ${owner.url} holds the data directory: set TALLY_TOKEN to an access token with the ` +
          'Ingest permission (POST /Relativity/Identity/connect/token), or stop the server',
      )
    }
    logger.info(`sending to the running server at ${owner.url}`)
    return work(httpSink(owner.url, { authorization: `Bearer ${config.token}` }))
  }
  return withStores(config, command, (stores) =>
    work(serviceSink(buildServices(config, stores).ingest, systemCaller())),
  )
}
