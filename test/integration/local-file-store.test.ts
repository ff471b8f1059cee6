import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { setTimeout as delay } from 'node:timers/promises'
import { beforeEach, describe, expect, it } from 'vitest'
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors.js'
import { LocalFileStore } from '../../src/store/files/local-file-store.js'
import { tempDir } from '../helpers/stores.js'

/** A body that arrives in `chunks` pieces `gapMs` apart, like a slow export. */
function slowBody(chunk: string, chunks: number, gapMs: number, failAt?: number): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < chunks; i++) {
        if (i === failAt) throw new Error('upstream broke')
        yield Buffer.from(chunk)
        await delay(gapMs)
      }
    })(),
  )
}

/** Every file on disk under `dir`, temporary ones included. */
function filesOnDisk(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}

describe('LocalFileStore', () => {
  let root: string
  let store: LocalFileStore
  const base = tempDir()
  let n = 0
  beforeEach(() => {
    root = path.join(base, `case-${++n}`)
    store = new LocalFileStore(root)
  })

  it('writes strings, buffers and streams and reads them back', async () => {
    const a = await store.write('reports/1/a.csv', 'id,name\n1,Ann\n')
    expect(a).toMatchObject({ key: 'reports/1/a.csv', size: 14 })
    expect(a.modifiedAt).toBeInstanceOf(Date)
    await store.write('reports/1/b.bin', Buffer.from([0, 1, 2, 255]))
    await store.write('exports/big.txt', Readable.from(['x'.repeat(100_000), 'y'.repeat(100_000)]))

    expect(await text(await store.read('reports/1/a.csv'))).toBe('id,name\n1,Ann\n')
    const bytes = Buffer.concat(await (await store.read('reports/1/b.bin')).toArray())
    expect([...bytes]).toEqual([0, 1, 2, 255])
    const big = await text(await store.read('exports/big.txt'))
    expect(big.length).toBe(200_000)
    expect(big.endsWith('y')).toBe(true)
    expect(fs.readFileSync(path.join(root, 'reports', '1', 'a.csv'), 'utf8')).toBe('id,name\n1,Ann\n')
  })

  it('overwrites a file whole', async () => {
    await store.write('k.txt', 'a much longer first version')
    await store.write('k.txt', 'short')
    expect(await text(await store.read('k.txt'))).toBe('short')
    expect((await store.stat('k.txt'))?.size).toBe(5)
  })

  it('stats a file, and answers undefined for missing files and folders', async () => {
    await store.write('d/e.txt', 'hello')
    expect(await store.stat('d/e.txt')).toMatchObject({ key: 'd/e.txt', size: 5 })
    expect(await store.stat('d/missing.txt')).toBeUndefined()
    expect(await store.stat('d')).toBeUndefined()
    expect(await store.stat('d/e.txt/under-a-file')).toBeUndefined()
  })

  it('throws NotFoundError reading a missing file or a folder', async () => {
    await store.write('d/e.txt', 'hello')
    await expect(store.read('nope.txt')).rejects.toBeInstanceOf(NotFoundError)
    await expect(store.read('d')).rejects.toBeInstanceOf(NotFoundError)
    await expect(store.read('d/e.txt/x')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('lists recursively under a prefix, in key order', async () => {
    for (const key of ['r/2/b.csv', 'r/10/a.csv', 'r/1/z.csv', 'r/1/a/deep.csv', 'r1.csv', 'other/x.csv']) {
      await store.write(key, key)
    }
    const keys = async (prefix: string) => (await store.list(prefix)).map((f) => f.key)
    expect(await keys('r/')).toEqual(['r/1/a/deep.csv', 'r/1/z.csv', 'r/10/a.csv', 'r/2/b.csv'])
    expect(await keys('r/1/')).toEqual(['r/1/a/deep.csv', 'r/1/z.csv'])
    // A prefix is a string prefix, not only a folder.
    expect(await keys('r/1')).toEqual(['r/1/a/deep.csv', 'r/1/z.csv', 'r/10/a.csv'])
    expect(await keys('r')).toEqual(['r/1/a/deep.csv', 'r/1/z.csv', 'r/10/a.csv', 'r/2/b.csv', 'r1.csv'])
    expect(await keys('')).toHaveLength(6)
    expect(await keys('missing/')).toEqual([])
    const [first] = await store.list('r/1/z')
    expect(first).toMatchObject({ key: 'r/1/z.csv', size: 'r/1/z.csv'.length })
  })

  it('deletes files; deleting a missing file is not an error', async () => {
    await store.write('a/b.txt', 'x')
    await store.delete('a/b.txt')
    expect(await store.stat('a/b.txt')).toBeUndefined()
    await expect(store.delete('a/b.txt')).resolves.toBeUndefined()
    await expect(store.delete('never/was.txt')).resolves.toBeUndefined()
    expect(await store.list('a/')).toEqual([])
  })

  it('lets readers during a slow write see the old file or the new one, whole, never a part', async () => {
    const oldContent = 'old,'.repeat(1000)
    const newContent = 'new,'.repeat(25)
    await store.write('live.csv', oldContent)
    const writing = store.write('live.csv', slowBody('new,', 25, 8))
    let finished = false
    void writing.then(() => (finished = true))
    let sawOld = 0
    while (!finished) {
      const seen = await text(await store.read('live.csv'))
      expect([oldContent, newContent]).toContain(seen)
      if (seen === oldContent) sawOld++
      const [listed] = await store.list('live')
      expect([oldContent.length, newContent.length]).toContain(listed?.size)
      await delay(5)
    }
    await writing
    // The write takes about 200 ms; most reads happened while it was still streaming.
    expect(sawOld).toBeGreaterThan(3)
    expect(await text(await store.read('live.csv'))).toBe(newContent)
  })

  it('shows nothing at a new key until its slow write completes', async () => {
    const writing = store.write('fresh/new.csv', slowBody('abc', 20, 8))
    await delay(40)
    // The bytes so far are on disk, in a temporary file that the store does not expose.
    expect(filesOnDisk(root).length).toBe(1)
    await expect(store.read('fresh/new.csv')).rejects.toBeInstanceOf(NotFoundError)
    expect(await store.stat('fresh/new.csv')).toBeUndefined()
    expect(await store.list('')).toEqual([])
    await writing
    expect(await text(await store.read('fresh/new.csv'))).toBe('abc'.repeat(20))
    expect(filesOnDisk(root)).toEqual([path.join('fresh', 'new.csv')])
  })

  it('keeps the old file and leaves no temporary file when a write fails midway', async () => {
    await store.write('keep.txt', 'original')
    await expect(store.write('keep.txt', slowBody('partial', 10, 1, 5))).rejects.toThrow('upstream broke')
    expect(await text(await store.read('keep.txt'))).toBe('original')
    expect(filesOnDisk(root)).toEqual(['keep.txt'])
  })

  it('a reader that opened the old file keeps reading it whole while a write replaces it', async () => {
    await store.write('swap.txt', 'A'.repeat(300_000))
    const reader = await store.read('swap.txt')
    await store.write('swap.txt', 'B'.repeat(10))
    expect(await text(reader)).toBe('A'.repeat(300_000))
  })

  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['C:/x.txt', 'absolute'],
    ['../escape.txt', '".."'],
    ['a/../../escape.txt', '".."'],
    ['a/./b.txt', '"."'],
    ['a//b.txt', 'empty segment'],
    ['a/b/', 'empty segment'],
    ['a\\b.txt', 'backslash'],
    ['a\0b.txt', 'NUL'],
    ['a/.tally-tmp-x', 'reserved'],
  ])('rejects the bad key %j (%s) with a ValidationError naming it', async (key, why) => {
    for (const attempt of [
      () => store.write(key, 'x'),
      () => store.read(key),
      () => store.stat(key),
      () => store.delete(key),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as Error).message).toContain(JSON.stringify(key))
      expect((error as Error).message).toContain(why)
    }
    expect(fs.existsSync(path.join(base, 'escape.txt'))).toBe(false)
  })

  it('rejects list prefixes that could leave the root', async () => {
    await expect(store.list('../')).rejects.toBeInstanceOf(ValidationError)
    await expect(store.list('a/../../')).rejects.toBeInstanceOf(ValidationError)
    await expect(store.list('/etc/')).rejects.toBeInstanceOf(ValidationError)
    await expect(store.list('a\\b')).rejects.toBeInstanceOf(ValidationError)
  })

  it('refuses to write a file where a folder is, or under a file', async () => {
    await store.write('f/inner.txt', 'x')
    await expect(store.write('f', 'y')).rejects.toBeInstanceOf(ConflictError)
    await expect(store.write('f/inner.txt/deeper', 'y')).rejects.toBeInstanceOf(ConflictError)
    expect(filesOnDisk(root)).toEqual([path.join('f', 'inner.txt')])
  })
})
