import { randomUUID } from 'node:crypto'
import type { Dirent } from 'node:fs'
import fs, { type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js'
import type { FileStore, StoredFile } from './file-store.js'

// Temporary files sit beside their target (so rename stays on one file system, hence atomic) and
// carry this prefix, which keys may not use, so listings can skip them.
const TEMP_PREFIX = '.tally-tmp-'
const MAX_KEY_LENGTH = 1024

/** Why `key` is not a valid file key, or undefined when it is. */
function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key === '') return 'it is empty'
  if (key.length > MAX_KEY_LENGTH) return `it is longer than ${MAX_KEY_LENGTH} characters`
  if (key.includes('\0')) return 'it contains a NUL character'
  if (key.includes('\\')) return 'it contains a backslash; use / between segments'
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) return 'it is an absolute path'
  for (const segment of key.split('/')) {
    if (segment === '') return 'it has an empty segment'
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`
    if (segment.startsWith(TEMP_PREFIX)) return `a segment starts with the reserved "${TEMP_PREFIX}"`
  }
  return undefined
}

function assertValidKey(key: string): void {
  const problem = keyProblem(key)
  if (problem) throw new ValidationError(`Invalid file key ${JSON.stringify(key)}: ${problem}`, { key })
}

const isErrno = (error: unknown, ...codes: string[]): boolean =>
  error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '')

/** Files under a root directory on the local disk; keys map to relative paths. */
export class LocalFileStore implements FileStore {
  private readonly root: string

  constructor(root: string) {
    this.root = path.resolve(root)
  }

  private pathOf(key: string): string {
    assertValidKey(key)
    return path.join(this.root, ...key.split('/'))
  }

  /** Writes to a temporary file, fsyncs it, then renames it over the target: all or nothing. */
  async write(key: string, body: Readable | Buffer | string): Promise<StoredFile> {
    const target = this.pathOf(key)
    const dir = path.dirname(target)
    try {
      await fs.mkdir(dir, { recursive: true })
    } catch (error) {
      if (isErrno(error, 'ENOTDIR', 'EEXIST'))
        throw new ConflictError(`File key "${key}" runs through an existing file`)
      throw error
    }
    const temp = path.join(dir, `${TEMP_PREFIX}${path.basename(target)}-${randomUUID()}`)
    const handle = await fs.open(temp, 'wx')
    try {
      try {
        // fs.writeFile takes strings, buffers and streams alike; a stream's error rejects it.
        await fs.writeFile(handle, body)
        // Without the fsync a crash after the rename could leave the new name on empty blocks.
        await handle.sync()
      } finally {
        await handle.close()
      }
      await fs.rename(temp, target)
    } catch (error) {
      await fs.rm(temp, { force: true })
      if (isErrno(error, 'EISDIR', 'ENOTEMPTY', 'EEXIST'))
        throw new ConflictError(`File key "${key}" is a folder`)
      throw error
    }
    await syncDirectory(dir)
    const stats = await fs.stat(target)
    return { key, size: stats.size, modifiedAt: stats.mtime }
  }

  async read(key: string): Promise<Readable> {
    const file = this.pathOf(key)
    let handle: FileHandle
    try {
      handle = await fs.open(file, 'r')
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) throw new NotFoundError(`File "${key}"`)
      throw error
    }
    // An open handle keeps reading the file it opened even if a write renames a new one over it.
    if (!(await handle.stat()).isFile()) {
      await handle.close()
      throw new NotFoundError(`File "${key}"`)
    }
    return handle.createReadStream()
  }

  async stat(key: string): Promise<StoredFile | undefined> {
    const file = this.pathOf(key)
    try {
      const stats = await fs.stat(file)
      return stats.isFile() ? { key, size: stats.size, modifiedAt: stats.mtime } : undefined
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined
      throw error
    }
  }

  /** `prefix` is a plain string prefix of keys (`reports/1/` or `reports/1/abc`); '' lists all. */
  async list(prefix: string): Promise<StoredFile[]> {
    if (/[\0\\]/.test(prefix) || prefix.startsWith('/') || /^[A-Za-z]:/.test(prefix)) {
      throw new ValidationError(`Invalid file key prefix ${JSON.stringify(prefix)}`, { prefix })
    }
    // Only the complete segments choose the folder to walk (so they must be a valid key); the
    // last, partial one only filters names.
    const cut = prefix.lastIndexOf('/')
    const folderKey = cut < 0 ? '' : prefix.slice(0, cut)
    if (folderKey !== '') assertValidKey(folderKey)
    const found: StoredFile[] = []
    await this.walk(folderKey, prefix, found)
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  private async walk(folderKey: string, prefix: string, found: StoredFile[]): Promise<void> {
    const folder = folderKey === '' ? this.root : path.join(this.root, ...folderKey.split('/'))
    let entries: Dirent[]
    try {
      entries = await fs.readdir(folder, { withFileTypes: true })
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return
      throw error
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue
      const key = folderKey === '' ? entry.name : `${folderKey}/${entry.name}`
      if (entry.isDirectory()) {
        // Descend only where keys below can still start with the prefix.
        if (prefix.startsWith(`${key}/`) || key.startsWith(prefix)) await this.walk(key, prefix, found)
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const stats = await fs.stat(path.join(folder, entry.name)).catch(() => undefined)
        // A file deleted between readdir and stat is simply not listed.
        if (stats) found.push({ key, size: stats.size, modifiedAt: stats.mtime })
      }
    }
  }

  async delete(key: string): Promise<void> {
    // Empty parent folders stay: removing them could race with a concurrent write into them.
    try {
      await fs.unlink(this.pathOf(key))
    } catch (error) {
      // Missing, or a folder rather than a file: either way there is no file at this key.
      if (!isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM')) throw error
    }
  }
}

/** Makes the rename itself durable; platforms that cannot open a folder for fsync skip it. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await fs.open(dir, 'r')
    await handle.sync()
  } catch (error) {
    if (!isErrno(error, 'EISDIR', 'EPERM', 'EINVAL', 'EBADF')) throw error
  } finally {
    await handle?.close()
  }
}
