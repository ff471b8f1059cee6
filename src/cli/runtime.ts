import type { Logger } from 'pino'
import { buildServices } from '../app.js'
import type { Config } from '../config/config.js'
import { anonymousCaller } from '../http/caller.js'
import { httpSink, serviceSink, type IngestSink } from '../modules/ingest/sink.js'
import { claimDataDir, findDataDirOwner } from '../store/data-dir-lock.js'
import { closeStores, openStores, type Stores } from '../store/stores.js'

/**
 * Opens the stores for a command that works on them directly, holding the data directory so that
 * no server opens the embedded engines at the same time.
 */
export async function withStores<T>(config: Config, command: string, work: (stores: Stores) => Promise<T>): Promise<T> {
  const embedded = !config.databaseUrl || !config.clickhouseUrl
  const claim = embedded ? claimDataDir(config.dataDir, { command }) : undefined
  try {
    const stores = await openStores(config)
    try {
      return await work(stores)
    } finally {
      await closeStores(stores)
    }
  } finally {
    claim?.release()
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
    logger.info(`sending to the running server at ${owner.url}`)
    return work(httpSink(owner.url))
  }
  return withStores(config, command, (stores) =>
    work(serviceSink(buildServices(config, stores).ingest, anonymousCaller())),
  )
}
