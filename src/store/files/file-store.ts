import type { Readable } from 'node:stream'

/** What a stored file looks like to its readers. */
export interface StoredFile {
  key: string
  size: number
  modifiedAt: Date
}

/**
 * Where report downloads and exports live. Keys are relative paths with `/` separators
 * (`reports/<tenant>/<id>.csv`). The local implementation writes under `<dataDir>/files`; an object
 * store can implement the same interface.
 */
export interface FileStore {
  /** Streams `body` into the file at `key`; readers never see a half-written file. */
  write(key: string, body: Readable | Buffer | string): Promise<StoredFile>
  /** A stream of the file's bytes; NotFoundError when there is no such file. */
  read(key: string): Promise<Readable>
  stat(key: string): Promise<StoredFile | undefined>
  /** Files whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<StoredFile[]>
  /** Removes the file; removing a missing file is not an error. */
  delete(key: string): Promise<void>
}
