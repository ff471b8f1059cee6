import { Command, CommanderError } from 'commander'
import os from 'node:os'
import { VERSION } from '../app.js'
import { ConfigError, loadConfig, type Config } from '../config/config.js'
import { createLogger } from '../logger.js'
import { serve, startJobRunner } from '../main.js'
import { listControlMigrations } from '../store/control/migrate.js'
import { WAREHOUSE_MIGRATIONS } from '../store/warehouse/migrate.js'
import { registerDemoCommand } from './commands/demo.js'
import { registerExportCommand, withUsageReports } from './commands/export.js'
import { registerIdentityCommands } from './commands/identity.js'
import { registerImportCommand } from './commands/import.js'
import { registerWorkerCommand } from './commands/worker.js'
import { openOwnedStores } from '../store/stores.js'
import { withSink, withStores } from './runtime.js'

/** Every command reads the same configuration (environment variables; see README). */
let cachedConfig: Config | undefined
const config = (): Config => (cachedConfig ??= loadConfig())

const program = new Command('tally')
  .description('Tally: usage, audit and license reporting server')
  .version(VERSION)
  .showHelpAfterError()

program
  .command('serve')
  .description(
    'Run the HTTP API with an in-process job worker; loads the demo data into an empty store unless TALLY_DEMO=0',
  )
  .action(async () => {
    const logger = createLogger(config())
    const server = await serve(config(), logger)
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        logger.info({ signal }, 'stopping: finishing in-flight requests')
        server.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'unclean stop')
            process.exit(1)
          },
        )
      })
    }
  })

program
  .command('migrate')
  .description(
    'Apply pending schema migrations to both stores, then exit (serve and worker also do this at start)',
  )
  .action(() =>
    // Opening the stores applies what is pending; this reports where both schemas now stand.
    withStores(config(), 'migrate', async () => {
      const control = listControlMigrations().map((m) => m.version)
      const warehouse = WAREHOUSE_MIGRATIONS.map((m) => m.version)
      process.stdout.write(
        `schemas are up to date: control at version ${Math.max(...control)}, warehouse at version ${Math.max(...warehouse)}\n`,
      )
    }),
  )

registerWorkerCommand(program, {
  async start({ concurrency }) {
    const logger = createLogger(config())
    const owned = await openOwnedStores(config(), 'worker')
    const runner = startJobRunner(owned.stores, config(), logger, concurrency)
    logger.info({ concurrency, host: os.hostname() }, 'worker started')
    return {
      async stop() {
        await runner.stop()
        await owned.close()
      },
    }
  },
})

const sinkDeps = (command: string) => ({
  withSink: <T>(work: Parameters<typeof withSink<T>>[3]) =>
    withSink(config(), command, createLogger(config()), work),
})
registerImportCommand(program, sinkDeps('import'))
registerIdentityCommands(program, {
  withDb: (work) => withStores(config(), 'identity', (stores) => work(stores.control)),
})
registerDemoCommand(program, sinkDeps('demo'))
registerExportCommand(program, { withUsageReports: (write) => withUsageReports(config(), write) })

program.exitOverride()
try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error)
  process.stderr.write(`tally: ${message}\n`)
  process.exit(1)
}
