import fs from 'node:fs'
import path from 'node:path'

/** What a process holding a data directory leaves in `<dataDir>/owner.json`. */
export interface DataDirOwner {
  pid: number
  /** The HTTP address of the server, when the owner is one. */
  url?: string
  command: string
}

const OWNER_FILE = 'owner.json'

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The live process that holds the directory, if any (a file left by a crashed one is ignored). */
export function findDataDirOwner(dataDir: string): DataDirOwner | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as DataDirOwner
    return owner.pid !== process.pid && isAlive(owner.pid) ? owner : undefined
  } catch {
    return undefined
  }
}

/**
 * Claims the data directory for this process. The embedded engines must have one owner: chDB
 * would corrupt a directory two processes write to. Other commands find the owner here and talk to
 * it over HTTP instead.
 */
export function claimDataDir(
  dataDir: string,
  owner: Omit<DataDirOwner, 'pid'>,
): { update(url: string): void; release(): void } {
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, OWNER_FILE)
  let info: DataDirOwner = { pid: process.pid, ...owner }
  const write = (flag: 'w' | 'wx') => fs.writeFileSync(file, JSON.stringify(info), { flag })
  try {
    // 'wx' creates the file only if it does not exist, so two processes cannot both claim it.
    write('wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const current = findDataDirOwner(dataDir)
    if (current) {
      throw new Error(
        `the data directory ${dataDir} is in use by process ${current.pid} (tally ${current.command}` +
          `${current.url ? ` at ${current.url}` : ''}); stop it or use another TALLY_DATA_DIR`,
        { cause: error },
      )
    }
    // Left by a process that died: take it over. Two processes doing this in the same instant could
    // both succeed (one removing the other's fresh claim); start one process per directory.
    fs.rmSync(file, { force: true })
    write('wx')
  }
  return {
    update(url) {
      info = { ...info, url }
      write('w')
    },
    release() {
      if (findDataDirOwner(dataDir) === undefined) fs.rmSync(file, { force: true })
    },
  }
}
