import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import fs from 'node:fs'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream } from 'node:stream/web'
import type { Config } from '../../config/config.js'
import { systemCaller } from '../../modules/identity/caller.js'
import { ZIP_NAME, usageReportsZip } from '../../modules/integration-export/usage-export.js'
import { findDataDirOwner } from '../../store/data-dir-lock.js'
import { withStores } from '../runtime.js'

export interface ExportCommandDeps {
  /** Hands `write` the export as `GET /export/usage-reports` answers it (by a server, or built here). */
  withUsageReports(write: (zip: Readable) => Promise<void>): Promise<void>
}

/** `tally export usage-reports --out DIR`: `Usage Reports.zip`, as `GET /export/usage-reports` answers it. */
export function registerExportCommand(program: Command, deps: ExportCommandDeps): Command {
  const exportCommand = program.command('export').description('Write an export to a directory')
  exportCommand
    .command('usage-reports')
    .description(
      `Write ${ZIP_NAME} (the integration usage reports of the last 6 months and of the last year) ` +
        'into DIR, through the running server if one holds the data directory (TALLY_TOKEN of an ' +
        'administrator), else directly',
    )
    .requiredOption('--out <dir>', 'the directory to write into (created if missing)')
    .action(async (options: { out: string }) => {
      fs.mkdirSync(options.out, { recursive: true })
      const file = path.join(options.out, ZIP_NAME)
      // Written beside the target and renamed at the end, so a failed export leaves no partial file.
      const partial = `${file}.partial`
      const bar = new cliProgress.SingleBar(
        { format: `${ZIP_NAME}: {phase} | {kib} KiB written`, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
      bar.start(1, 0, { phase: 'reading the usage data', kib: 0 })
      let written = 0
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          written += chunk.length
          bar.update({ phase: 'writing the workbooks', kib: Math.ceil(written / 1024) })
          done(null, chunk)
        },
      })
      try {
        await deps.withUsageReports((zip) => pipeline(zip, counter, fs.createWriteStream(partial)))
        fs.renameSync(partial, file)
      } finally {
        bar.stop()
        fs.rmSync(partial, { force: true })
      }
      process.stdout.write(`wrote ${file} (${Math.ceil(written / 1024)} KiB)\n`)
    })
  return exportCommand
}

/**
 * The export from the server that holds the data directory (over HTTP, as TALLY_TOKEN's holder), or,
 * when none runs, built over the stores this process opens.
 */
export async function withUsageReports(
  config: Config,
  write: (zip: Readable) => Promise<void>,
): Promise<void> {
  const owner = findDataDirOwner(config.dataDir)
  if (!owner?.url) {
    return withStores(config, 'export', async (stores) =>
      write(await usageReportsZip(stores, systemCaller(), new Date())),
    )
  }
  if (!config.token) {
    throw new Error(
      `the server at ${owner.url} holds the data directory: set TALLY_TOKEN to an access token of an ` +
        'administrator with Server Management Read (POST /Relativity/Identity/connect/token), ' +
        'or stop the server',
    )
  }
  const response = await fetch(new URL('/export/usage-reports', owner.url), {
    headers: { authorization: `Bearer ${config.token}` },
  })
  if (!response.ok || !response.body) {
    throw new Error(`the server at ${owner.url} answered ${response.status}: ${await response.text()}`)
  }
  return write(Readable.fromWeb(response.body as ReadableStream))
}
