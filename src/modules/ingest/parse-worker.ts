import { parentPort } from 'node:worker_threads'
import { runParseJob, type ParseJob } from './parse.js'

/** A parse worker thread (ParsePool): answers each job with its ParsedChunk, or the error it threw. */
export interface ParseRequest {
  id: number
  job: ParseJob
}
export type ParseResponse =
  { id: number; parsed: ReturnType<typeof runParseJob> } | { id: number; error: string }

const port = parentPort
if (!port) throw new Error('parse-worker runs as a worker thread of ParsePool')
port.on('message', ({ id, job }: ParseRequest) => {
  let response: ParseResponse
  try {
    response = { id, parsed: runParseJob(job) }
  } catch (error) {
    response = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
  port.postMessage(response)
})
