import { Readable } from 'node:stream'
import type { Caller } from '../identity/caller.js'
import { AppError } from '../../errors.js'
import type { RawItem } from './body-reader.js'
import type { IngestResult, IngestService } from './service.js'

/**
 * Where bulk loaders (`tally import`, `tally demo`, the benchmark) send batches: straight to the
 * ingest service when this process owns the stores, or over HTTP to the server that does.
 * Items are objects or JSON texts (a file's lines pass through unparsed, so a broken one is
 * rejected by the server like any other); rejections number them from 1 within the batch.
 */
export interface IngestSink {
  sendEvents(stream: string, events: readonly (object | string)[]): Promise<IngestResult>
  upsertEntities(kind: string, items: readonly (object | string)[]): Promise<IngestResult>
}

const toText = (item: object | string): string => (typeof item === 'string' ? item : JSON.stringify(item))

async function* asRawItems(items: readonly (object | string)[]): AsyncGenerator<RawItem[]> {
  yield items.map((item, i) => ({ line: i + 1, text: toText(item) }))
}

export function serviceSink(service: IngestService, caller: Caller): IngestSink {
  return {
    sendEvents: (stream, events) => service.ingestEvents(caller, stream, asRawItems(events)),
    upsertEntities: (kind, items) => service.upsertEntities(caller, kind, asRawItems(items)),
  }
}

export function httpSink(baseUrl: string, headers: Record<string, string> = {}): IngestSink {
  const send = async (
    method: 'POST' | 'PUT',
    path: string,
    items: readonly (object | string)[],
  ): Promise<IngestResult> => {
    // One item a line: a text holding a newline would shift the line numbers, so it is re-encoded.
    const body = Readable.from(items.map((item) => toText(item).replace(/\r?\n/g, ' ') + '\n'))
    const response = await fetch(new URL(`/ingest/v1/${path}`, baseUrl), {
      method,
      headers: { 'content-type': 'application/x-ndjson', ...headers },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half',
    } as RequestInit)
    const payload = (await response.json()) as IngestResult & { error?: string; message?: string }
    if (!response.ok) {
      throw new AppError(
        payload.error ?? 'ingest_failed',
        response.status,
        payload.message ?? response.statusText,
      )
    }
    return payload
  }
  return {
    sendEvents: (stream, events) => send('POST', stream, events),
    upsertEntities: (kind, items) => send('PUT', `entities/${kind}`, items),
  }
}
