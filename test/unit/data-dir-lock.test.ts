import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { claimDataDir, findDataDirOwner } from '../../src/store/data-dir-lock.js'
import { tempDir } from '../helpers/stores.js'

describe('claimDataDir', () => {
  it('records this process as owner and releases the claim', () => {
    const dir = tempDir()
    const claim = claimDataDir(dir, { command: 'serve' })
    claim.update('http://127.0.0.1:9999')
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'owner.json'), 'utf8'))).toEqual({
      pid: process.pid,
      command: 'serve',
      url: 'http://127.0.0.1:9999',
    })
    claim.release()
    expect(fs.existsSync(path.join(dir, 'owner.json'))).toBe(false)
  })

  it('refuses a directory a live process owns and ignores one left by a dead process', async () => {
    const dir = tempDir()
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    fs.writeFileSync(
      path.join(dir, 'owner.json'),
      JSON.stringify({ pid: other.pid, command: 'serve', url: 'http://x' }),
    )
    expect(findDataDirOwner(dir)).toMatchObject({ pid: other.pid })
    expect(() => claimDataDir(dir, { command: 'import' })).toThrow(
      `in use by process ${other.pid} (tally serve at http://x)`,
    )
    other.kill('SIGKILL')
    await new Promise((resolve) => other.once('exit', resolve))
    expect(findDataDirOwner(dir)).toBeUndefined()
    claimDataDir(dir, { command: 'import' }).release()
  })
})
