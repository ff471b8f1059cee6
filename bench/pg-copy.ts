import { once } from 'node:events'
import type pg from 'pg'

/**
 * `COPY … FROM STDIN` with the `pg` driver alone (no pg-copy-streams dependency): a submittable
 * query that streams the chunks of `source` as CopyData messages once the server asks for them.
 * Each chunk must hold whole lines of PostgreSQL's text COPY format.
 */
class CopyFromStdin {
  callback?: (error: Error | null) => void
  private failure: Error | undefined
  rowCount = 0

  constructor(
    readonly text: string,
    private readonly source: AsyncIterable<Buffer | string>,
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text)
  }

  handleCopyInResponse(connection: PgConnection): void {
    void this.pump(connection)
  }

  private async pump(connection: PgConnection): Promise<void> {
    try {
      for await (const chunk of this.source) {
        // After a server-side error the backend drops CopyData; stop reading the source.
        if (this.failure) return
        connection.sendCopyFromChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
        // Backpressure: wait for the socket rather than buffer the whole table in memory.
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain')
      }
      connection.endCopyFrom()
    } catch (error) {
      this.failure = error as Error
      connection.sendCopyFail(`the COPY source failed: ${(error as Error).message}`)
    }
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /COPY (\d+)/.exec(message.text ?? '')
    if (match) this.rowCount = Number(match[1])
  }

  handleError(error: Error): void {
    this.failure ??= error
  }

  handleReadyForQuery(): void {
    this.callback?.(this.failure ?? null)
  }

  // Messages a COPY FROM never receives, present because the driver may call any handler.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** The part of pg's internal Connection the COPY protocol needs. */
interface PgConnection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
  sendCopyFail(message: string): void
  stream: NodeJS.WritableStream & { writableNeedDrain: boolean }
}

/** Runs `copyStatement` (a `COPY … FROM STDIN`), feeding it `source`; resolves to the rows copied. */
export function copyFromStdin(
  client: pg.Client | pg.PoolClient,
  copyStatement: string,
  source: AsyncIterable<Buffer | string>,
): Promise<number> {
  const copy = new CopyFromStdin(copyStatement, source)
  return new Promise((resolve, reject) => {
    copy.callback = (error) => (error ? reject(error) : resolve(copy.rowCount))
    ;(client as unknown as { query(submittable: CopyFromStdin): void }).query(copy)
  })
}
