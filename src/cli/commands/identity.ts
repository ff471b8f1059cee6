import { type Command, InvalidArgumentError, Option } from 'commander'
import readline from 'node:readline'
import { DEFAULT_TENANT_ID } from '../../modules/identity/caller.js'
import {
  PERMISSION_NAMES,
  SCOPE_KINDS,
  type Grant,
  type ScopeKind,
} from '../../modules/identity/permissions.js'
import * as principals from '../../modules/identity/principals.js'
import type { ControlDb } from '../../store/control/driver.js'

export interface IdentityCommandDeps {
  /** Opens the control-plane database for the duration of `work`. */
  withDb: <T>(work: (db: ControlDb) => Promise<T>) => Promise<T>
}

// The command line manages the default tenant; people, groups and clients are named, not numbered.
const TENANT = DEFAULT_TENANT_ID
const PASSWORD_HELP =
  'the password (visible in the shell history and process list: better omit it, then it is asked for ' +
  'without echo, or read from the first line of standard input when that is not a terminal)'

/** `tally users|groups|clients`: manage who may sign in and what they may do, on the stores directly. */
export function registerIdentityCommands(program: Command, deps: IdentityCommandDeps): void {
  const { withDb } = deps
  const user = async (db: ControlDb, username: string) => {
    const found = await principals.findUserByUsername(db, TENANT, username)
    if (!found) throw new Error(`there is no user '${username}'`)
    return found
  }
  const group = async (db: ControlDb, name: string) => {
    const found = await principals.findGroupByName(db, TENANT, name)
    if (!found) throw new Error(`there is no group '${name}'`)
    return found
  }
  const client = async (db: ControlDb, clientId: string) => {
    const found = await principals.findOAuthClient(db, clientId)
    if (!found || found.tenantId !== TENANT)
      throw new Error(`there is no OAuth client with the client id '${clientId}'`)
    return found
  }

  const users = program.command('users').description('Manage the people who sign in to Tally')
  users
    .command('list')
    .description('List every user')
    .action(() => withDb(async (db) => printTable(userTable(await allUsers(db)))))
  users
    .command('create <username>')
    .description('Create a user (letters, digits and . _ @ -; sign-in ignores case)')
    .option('--email <address>', 'e-mail address')
    .option('--full-name <name>', 'full name, as shown in the dashboard')
    .option(
      '--system-admin',
      'make the user a system administrator (every permission but instance-wide usage reports)',
    )
    .option('--password <password>', PASSWORD_HELP)
    .action(
      async (
        username: string,
        opts: { email?: string; fullName?: string; systemAdmin?: boolean; password?: string },
      ) => {
        const password = opts.password ?? (await askPassword(`Password for ${username}: `))
        const created = await withDb((db) =>
          principals.createUser(db, TENANT, {
            username,
            password,
            email: opts.email,
            fullName: opts.fullName,
            isSystemAdmin: opts.systemAdmin ?? false,
          }),
        )
        say(`created user '${created.username}' (id ${created.id})`)
      },
    )
  users
    .command('set-password <username>')
    .description("Set a user's password")
    .option('--password <password>', PASSWORD_HELP)
    .action(async (username: string, opts: { password?: string }) => {
      const password = opts.password ?? (await askPassword(`New password for ${username}: `))
      await withDb(async (db) =>
        principals.updateUser(db, TENANT, (await user(db, username)).id, { password }),
      )
      say(`set the password of '${username}'`)
    })
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${name} <username>`)
      .description(
        disabled
          ? 'Refuse sign-in, and the tokens of clients acting as the user, at once'
          : 'Allow a disabled user to sign in again',
      )
      .action(async (username: string) => {
        await withDb(async (db) =>
          principals.updateUser(db, TENANT, (await user(db, username)).id, { disabled }),
        )
        say(`${name}d user '${username}'`)
      })
  }
  users
    .command('delete <username>')
    .description('Delete a user (refused while an OAuth client acts as the user)')
    .action(async (username: string) => {
      await withDb(async (db) => principals.deleteUser(db, TENANT, (await user(db, username)).id))
      say(`deleted user '${username}'`)
    })

  const groups = program
    .command('groups')
    .description('Manage groups, their members and the permissions granted to them')
  groups
    .command('list')
    .description('List every group')
    .action(() =>
      withDb(async (db) => {
        const rows = (await principals.listGroups(db, TENANT)).map((g) => [
          String(g.id),
          g.name,
          g.createdAt.toISOString(),
        ])
        printTable([['ID', 'NAME', 'CREATED'], ...rows])
      }),
    )
  groups
    .command('create <name>')
    .description('Create a group')
    .action(async (name: string) => {
      const created = await withDb((db) => principals.createGroup(db, TENANT, name))
      say(`created group '${created.name}' (id ${created.id})`)
    })
  groups
    .command('delete <group>')
    .description('Delete a group with its memberships and grants')
    .action(async (name: string) => {
      await withDb(async (db) => principals.deleteGroup(db, TENANT, (await group(db, name)).id))
      say(`deleted group '${name}'`)
    })
  groups
    .command('members <group>')
    .description("List a group's members")
    .action((name: string) =>
      withDb(async (db) =>
        printTable(userTable(await principals.listGroupMembers(db, TENANT, (await group(db, name)).id))),
      ),
    )
  groups
    .command('add-member <group> <username>')
    .description('Add a user to a group (nothing changes if they are a member already)')
    .action(async (name: string, username: string) => {
      const [g, u] = await withDb(async (db) => {
        const [g, u] = [await group(db, name), await user(db, username)]
        await principals.addGroupMember(db, TENANT, g.id, u.id)
        return [g, u] as const
      })
      say(`added '${u.username}' to '${g.name}'`)
    })
  groups
    .command('remove-member <group> <username>')
    .description('Remove a user from a group')
    .action(async (name: string, username: string) => {
      const [g, u] = await withDb(async (db) => {
        const [g, u] = [await group(db, name), await user(db, username)]
        await principals.removeGroupMember(db, TENANT, g.id, u.id)
        return [g, u] as const
      })
      say(`removed '${u.username}' from '${g.name}'`)
    })
  groups
    .command('grant <group> <permission>')
    .description(
      `Grant a permission to a group. Permissions (quote those with spaces): ${PERMISSION_NAMES.join(', ')}`,
    )
    .addOption(
      scopeOption(
        `instance, or one of ${SCOPE_KINDS.slice(1).join(', ')} with a value, e.g. workspace:1018053`,
      ),
    )
    .action(async (name: string, permission: string, opts: { scope: Scope }) => {
      const grant = { permission: canonicalPermission(permission), ...opts.scope } as Grant
      await withDb(async (db) => principals.grantPermission(db, TENANT, (await group(db, name)).id, grant))
      say(`granted '${grant.permission}' at ${scopeText(grant)} to '${name}'`)
    })
  groups
    .command('revoke <group> <permission>')
    .description('Revoke a grant of a permission from a group')
    .addOption(scopeOption('the scope it was granted at, as for grant'))
    .action(async (name: string, permission: string, opts: { scope: Scope }) => {
      const wanted = { permission: canonicalPermission(permission), ...opts.scope }
      await withDb(async (db) => {
        const { id } = await group(db, name)
        const grant = (await principals.listGrants(db, TENANT, id)).find(
          (g) =>
            g.permission === wanted.permission &&
            g.scopeKind === wanted.scopeKind &&
            g.scopeValue === wanted.scopeValue,
        )
        if (!grant)
          throw new Error(`group '${name}' holds no grant of '${wanted.permission}' at ${scopeText(wanted)}`)
        await principals.revokeGrant(db, TENANT, id, grant.id)
      })
      say(`revoked '${wanted.permission}' at ${scopeText(wanted)} from '${name}'`)
    })
  groups
    .command('grants <group>')
    .description("List a group's grants")
    .action((name: string) =>
      withDb(async (db) => {
        const grants = await principals.listGrants(db, TENANT, (await group(db, name)).id)
        printTable([
          ['ID', 'PERMISSION', 'SCOPE'],
          ...grants.map((g) => [String(g.id), g.permission, scopeText(g)]),
        ])
      }),
    )

  const clients = program
    .command('clients')
    .description('Manage OAuth2 clients (client credentials grant at /Relativity/Identity/connect/token)')
  clients
    .command('list')
    .description('List every OAuth2 client')
    .action(() =>
      withDb(async (db) => {
        const rows = []
        for (const c of await principals.listOAuthClients(db, TENANT)) {
          const contextUser = (await principals.getUser(db, TENANT, c.contextUserId)).username
          rows.push([
            c.clientId,
            c.name,
            contextUser,
            `${c.tokenLifetimeMinutes} min`,
            c.enabled ? 'enabled' : 'disabled',
          ])
        }
        printTable([['CLIENT ID', 'NAME', 'CONTEXT USER', 'TOKEN LIFETIME', 'STATUS'], ...rows])
      }),
    )
  clients
    .command('create <name>')
    .description('Create a client; it acts with the permissions of its context user. Prints the secret once.')
    .requiredOption('--context-user <username>', 'the user whose permissions the client acts with')
    .option('--lifetime <minutes>', 'access token lifetime, 1 to 1440 minutes (default 60)', parseLifetime)
    .action(async (name: string, opts: { contextUser: string; lifetime?: number }) => {
      const { client: created, secret } = await withDb(async (db) =>
        principals.createOAuthClient(db, TENANT, {
          name,
          contextUserId: (await user(db, opts.contextUser)).id,
          tokenLifetimeMinutes: opts.lifetime,
        }),
      )
      say(`created OAuth client '${created.name}' acting as '${opts.contextUser}'`)
      printCredentials(created.clientId, secret)
    })
  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    clients
      .command(`${name} <client-id>`)
      .description(
        enabled
          ? 'Let a disabled client get tokens again'
          : 'Refuse new tokens and the ones already issued, at once',
      )
      .action(async (clientId: string) => {
        await withDb(async (db) =>
          principals.updateOAuthClient(db, TENANT, (await client(db, clientId)).id, { enabled }),
        )
        say(`${name}d OAuth client '${clientId}'`)
      })
  }
  clients
    .command('rotate-secret <client-id>')
    .description('Replace the secret: the old one stops working at once. Prints the new one once.')
    .action(async (clientId: string) => {
      const rotated = await withDb(async (db) =>
        principals.rotateOAuthClientSecret(db, TENANT, (await client(db, clientId)).id),
      )
      printCredentials(rotated.client.clientId, rotated.secret)
    })
  clients
    .command('delete <client-id>')
    .description('Delete a client; its tokens stop working at once')
    .action(async (clientId: string) => {
      await withDb(async (db) => principals.deleteOAuthClient(db, TENANT, (await client(db, clientId)).id))
      say(`deleted OAuth client '${clientId}'`)
    })
}

const say = (line: string) => process.stdout.write(`${line}\n`)

function printCredentials(clientId: string, secret: string): void {
  say(`client id:     ${clientId}`)
  say(`client secret: ${secret}`)
  say('The secret is shown only once: store it now (rotate-secret issues a new one).')
}

async function allUsers(db: ControlDb): Promise<principals.User[]> {
  const all: principals.User[] = []
  for (;;) {
    const page = await principals.listUsers(db, TENANT, { limit: 500, afterId: all.at(-1)?.id })
    all.push(...page)
    if (page.length < 500) return all
  }
}

function userTable(list: principals.User[]): string[][] {
  return [
    ['ID', 'USERNAME', 'FULL NAME', 'EMAIL', 'SYSTEM ADMIN', 'STATUS'],
    ...list.map((u) => [
      String(u.id),
      u.username,
      u.fullName,
      u.email,
      u.isSystemAdmin ? 'yes' : 'no',
      u.disabled ? 'disabled' : 'enabled',
    ]),
  ]
}

/** Columns padded to their widest cell, separated by two spaces. */
function printTable(rows: string[][]): void {
  if (rows.length === 1) rows.push(['(none)'])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)))
  for (const row of rows)
    say(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
}

type Scope = Pick<Grant, 'scopeKind' | 'scopeValue'>
const INSTANCE: Scope = { scopeKind: 'instance', scopeValue: '' }
const scopeOption = (help: string) =>
  new Option('--scope <kind:value>', help).argParser(parseScope).default(INSTANCE, 'instance')

/** `instance`, or `kind:value` (`workspace:1018053`, `client-domain:Acme`, `product:…`, `folder:…`). */
function parseScope(text: string): Scope {
  const colon = text.indexOf(':')
  const kind = (colon < 0 ? text : text.slice(0, colon)).toLowerCase().replace('-', '_')
  const value = colon < 0 ? '' : text.slice(colon + 1)
  if (!(SCOPE_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(
      `expected instance or kind:value with a kind of ${SCOPE_KINDS.slice(1).join(', ')}`,
    )
  }
  return { scopeKind: kind as ScopeKind, scopeValue: value }
}

const scopeText = (g: Scope) => (g.scopeKind === 'instance' ? 'instance' : `${g.scopeKind}:${g.scopeValue}`)

/** Permission names are matched ignoring case; an unknown one is refused by grantPermission with the list. */
const canonicalPermission = (name: string): string =>
  PERMISSION_NAMES.find((p) => p.toLowerCase() === name.trim().toLowerCase()) ?? name

function parseLifetime(text: string): number {
  const minutes = Number(text)
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    throw new InvalidArgumentError('expected a whole number of minutes from 1 to 1440')
  }
  return minutes
}

/**
 * A password from the terminal without echo (asked twice), or the first line of standard input
 * when it is a pipe or a file (scripts: `echo "$PW" | tally users create alice`).
 */
async function askPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = readline.createInterface({ input: process.stdin, terminal: false })
    try {
      for await (const line of lines) return line
      throw new Error('no password given: pass --password, or write it to standard input')
    } finally {
      // Nothing else reads standard input; an open pipe would otherwise keep the process waiting.
      process.stdin.destroy()
    }
  }
  const first = await readHidden(question)
  if ((await readHidden('Repeat it: ')) !== first) throw new Error('the two passwords differ')
  return first
}

function readHidden(question: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(question)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let chars: string[] = []
    const finish = (error?: Error) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (error) reject(error)
      else resolve(chars.join(''))
    }
    // Raw mode delivers keys as typed: Enter ends, Ctrl-C cancels, Backspace removes one character.
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish()
        if (char === '\u0003') return finish(new Error('cancelled'))
        if (char === '\u007f' || char === '\b') chars = chars.slice(0, -1)
        else if (char >= ' ') chars.push(char)
      }
    }
    stdin.on('data', onData)
  })
}
