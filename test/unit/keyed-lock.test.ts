import { describe, expect, it } from 'vitest'
import { KeyedLock } from '../../src/modules/ingest/keyed-lock.js'

describe('KeyedLock', () => {
  it('runs the tasks of one key one after another, and of other keys alongside', async () => {
    const lock = new KeyedLock()
    const events: string[] = []
    const task = (name: string, ms: number) => async () => {
      events.push(`${name} start`)
      await new Promise((resolve) => setTimeout(resolve, ms))
      events.push(`${name} end`)
    }
    await Promise.all([
      lock.run('a', task('a1', 20)),
      lock.run('a', task('a2', 1)),
      lock.run('b', task('b1', 1)),
    ])
    expect(events.indexOf('a2 start')).toBeGreaterThan(events.indexOf('a1 end'))
    expect(events.indexOf('b1 end')).toBeLessThan(events.indexOf('a1 end'))
  })

  it('marks a quiet key, and counts the tasks started since', async () => {
    const lock = new KeyedLock()
    const mark = lock.mark('a')
    expect(mark).toBe(0)
    // A task sees itself as the only one started since the mark.
    expect(await lock.run('a', async () => lock.startedSince('a', mark!))).toBe(1)
    let release!: () => void
    const running = lock.run('a', () => new Promise<void>((resolve) => (release = resolve)))
    await new Promise((resolve) => setTimeout(resolve, 0))
    // While a task runs, reads outside the lock may miss its writes: no mark.
    expect(lock.mark('a')).toBeUndefined()
    expect(lock.mark('b')).toBe(0)
    release()
    await running
    const later = lock.mark('a')
    expect(later).toBe(2)
    await lock.run('a', async () => undefined)
    expect(await lock.run('a', async () => lock.startedSince('a', later!))).toBe(2)
  })
})
