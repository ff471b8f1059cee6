import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors.js'
import { bootstrapIdentity } from '../../src/modules/identity/bootstrap.js'
import type { Grant } from '../../src/modules/identity/permissions.js'
import {
  addGroupMember,
  authenticateOAuthClient,
  authenticateUser,
  createGroup,
  createOAuthClient,
  createUser,
  deleteGroup,
  deleteOAuthClient,
  deleteUser,
  findOAuthClient,
  getGroup,
  getOAuthClient,
  getUser,
  grantPermission,
  grantsOfUser,
  listGrants,
  listGroupMembers,
  listGroups,
  listOAuthClients,
  listUsers,
  removeGroupMember,
  revokeGrant,
  rotateOAuthClientSecret,
  updateOAuthClient,
  updateUser,
  type User,
} from '../../src/modules/identity/principals.js'
import type { ControlDb } from '../../src/store/control/driver.js'
import { CONTROL_BACKENDS } from '../helpers/stores.js'

const PASSWORD = 'a-long-enough-password'
const grant = (permission: string, scopeKind = 'instance', scopeValue = ''): Grant =>
  ({ permission, scopeKind, scopeValue }) as Grant

/** Every test makes its own principals; a counter keeps their names apart. */
let serial = 0
const unique = (prefix: string) => `${prefix}-${++serial}`

describe.each(CONTROL_BACKENDS)('identity store on $name', ({ open }) => {
  let db: ControlDb
  const newUser = (tenantId = 1, extra: Partial<Parameters<typeof createUser>[2]> = {}) =>
    createUser(db, tenantId, { username: unique('user'), password: PASSWORD, ...extra })

  beforeAll(async () => {
    db = await open()
    await db.query("INSERT INTO tenants (id, name) VALUES (2, 't2'), (3, 't3')")
  })
  afterAll(() => db.close())

  describe('users', () => {
    it('creates a user with defaults and never exposes the hash', async () => {
      const user = await createUser(db, 1, { username: 'Alice.Smith@corp', password: PASSWORD })
      expect(Object.keys(user).sort()).toEqual(
        [
          'createdAt',
          'disabled',
          'email',
          'fullName',
          'id',
          'isSystemAdmin',
          'tenantId',
          'updatedAt',
          'username',
        ].sort(),
      )
      expect(user).toMatchObject({
        tenantId: 1,
        username: 'Alice.Smith@corp',
        email: '',
        fullName: '',
        isSystemAdmin: false,
        disabled: false,
      })
      expect(user.id).toEqual(expect.any(Number))
      expect(user.createdAt).toBeInstanceOf(Date)
      expect(await getUser(db, 1, user.id)).toEqual(user)
    })

    it('keeps the optional fields', async () => {
      const user = await newUser(1, { email: 'bob@example.com', fullName: 'Bob Jones', isSystemAdmin: true })
      expect(user).toMatchObject({ email: 'bob@example.com', fullName: 'Bob Jones', isSystemAdmin: true })
    })

    it('treats usernames as unique ignoring case, per tenant', async () => {
      await createUser(db, 1, { username: 'carol', password: PASSWORD })
      const duplicate = createUser(db, 1, { username: 'CAROL', password: PASSWORD })
      await expect(duplicate).rejects.toBeInstanceOf(ConflictError)
      await expect(duplicate).rejects.toThrow("a user named 'CAROL' already exists")
      expect((await createUser(db, 2, { username: 'Carol', password: PASSWORD })).tenantId).toBe(2)
    })

    it.each([
      ['an empty username', { username: '' }, 'username'],
      ['a username with a space', { username: 'a b' }, 'username'],
      ['a username with a slash', { username: 'a/b' }, 'username'],
      ['a username of 129 characters', { username: 'u'.repeat(129) }, 'username'],
      ['a password of 11 characters', { password: 'p'.repeat(11) }, 'password'],
      ['an e-mail address without @', { email: 'nobody' }, 'email'],
      ['a full name of 201 characters', { fullName: 'n'.repeat(201) }, 'fullName'],
    ])('refuses %s, naming the field', async (_, input, field) => {
      const error = await createUser(db, 1, { username: unique('v'), password: PASSWORD, ...input }).catch(
        (e) => e,
      )
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.message).toMatch(new RegExp(`^${field}`))
      expect(error.details).toEqual({ path: field })
    })

    it('accepts a 128-character username and a 12-character password', async () => {
      const username = `${'x'.repeat(100)}${serial++}`.padEnd(128, 'y')
      expect((await createUser(db, 1, { username, password: 'p'.repeat(12) })).username).toBe(username)
    })

    it('finds users of its own tenant only', async () => {
      const other = await newUser(2)
      await expect(getUser(db, 1, other.id)).rejects.toThrow(new NotFoundError(`user ${other.id}`).message)
      await expect(getUser(db, 1, 99_999_999)).rejects.toBeInstanceOf(NotFoundError)
    })

    it('lists users in id order, keyset-paged', async () => {
      const made = [await newUser(3), await newUser(3), await newUser(3)]
      const first = await listUsers(db, 3, { limit: 2 })
      expect(first.map((u) => u.id)).toEqual(made.slice(0, 2).map((u) => u.id))
      const second = await listUsers(db, 3, { limit: 2, afterId: first.at(-1)!.id })
      expect(second).toEqual([made[2]])
      expect(await listUsers(db, 3, { limit: 2, afterId: made[2]!.id })).toEqual([])
      await expect(listUsers(db, 3, { limit: 0 })).rejects.toBeInstanceOf(ValidationError)
    })

    it('updates the given fields and leaves the others', async () => {
      const user = await newUser(1, { email: 'd@example.com' })
      const updated = await updateUser(db, 1, user.id, { fullName: 'Dana', isSystemAdmin: true })
      expect(updated).toMatchObject({
        email: 'd@example.com',
        fullName: 'Dana',
        isSystemAdmin: true,
        disabled: false,
      })
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime())
      expect(await updateUser(db, 1, user.id, {})).toEqual(updated)
      await expect(updateUser(db, 1, user.id, { email: 'bad' })).rejects.toBeInstanceOf(ValidationError)
      await expect(updateUser(db, 1, 99_999_999, { fullName: 'x' })).rejects.toBeInstanceOf(NotFoundError)
      await expect(updateUser(db, 2, user.id, { fullName: 'x' })).rejects.toBeInstanceOf(NotFoundError)
    })

    it('authenticates the right password, ignoring the case of the username', async () => {
      const user = await createUser(db, 1, { username: 'Erin', password: PASSWORD })
      expect(await authenticateUser(db, 1, 'erin', PASSWORD)).toEqual(user)
      expect(await authenticateUser(db, 1, 'ERIN', PASSWORD)).toEqual(user)
      expect(await authenticateUser(db, 1, 'erin', `${PASSWORD}!`)).toBeUndefined()
      expect(await authenticateUser(db, 1, 'nobody-at-all', PASSWORD)).toBeUndefined()
      expect(await authenticateUser(db, 2, 'erin', PASSWORD)).toBeUndefined()
    })

    it('spends the time of a verification on an unknown username too', async () => {
      const user = await newUser()
      const time = async (username: string) => {
        const started = performance.now()
        await authenticateUser(db, 1, username, 'wrong password here')
        return performance.now() - started
      }
      await time(user.username)
      const unknown: number[] = []
      for (let i = 0; i < 3; i++) unknown.push(await time('no-such-user'))
      // A floor, not a comparison with the known user (which load makes flaky): an Argon2id
      // verification takes several ms on any core, a skipped one well under a millisecond.
      expect(Math.min(...unknown)).toBeGreaterThan(2)
    })

    it('refuses a disabled user until enabled again', async () => {
      const user = await newUser()
      await updateUser(db, 1, user.id, { disabled: true })
      expect(await authenticateUser(db, 1, user.username, PASSWORD)).toBeUndefined()
      await updateUser(db, 1, user.id, { disabled: false })
      expect(await authenticateUser(db, 1, user.username, PASSWORD)).toMatchObject({ id: user.id })
    })

    it('changes the password: the old one stops working', async () => {
      const user = await newUser()
      await updateUser(db, 1, user.id, { password: 'the-new-password-1' })
      expect(await authenticateUser(db, 1, user.username, PASSWORD)).toBeUndefined()
      expect(await authenticateUser(db, 1, user.username, 'the-new-password-1')).toMatchObject({
        id: user.id,
      })
      await expect(updateUser(db, 1, user.id, { password: 'short' })).rejects.toThrow(/^password/)
    })

    it('stores passwords only as Argon2id hashes', async () => {
      const password = 'plain-text-canary-password-7'
      const user = await newUser(1, { password })
      await updateUser(db, 1, user.id, { password: `${password}-2` })
      const [row] = await db.query<{ text: string; password_hash: string }>(
        'SELECT row_to_json(u)::text AS text, password_hash FROM users u WHERE id = $1',
        [user.id],
      )
      expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      expect(row!.text).not.toContain(password)
    })

    it('deletes a user with their memberships', async () => {
      const user = await newUser()
      const group = await createGroup(db, 1, unique('group'))
      await addGroupMember(db, 1, group.id, user.id)
      await expect(deleteUser(db, 2, user.id)).rejects.toBeInstanceOf(NotFoundError)
      await deleteUser(db, 1, user.id)
      await expect(getUser(db, 1, user.id)).rejects.toBeInstanceOf(NotFoundError)
      expect(await listGroupMembers(db, 1, group.id)).toEqual([])
      await expect(deleteUser(db, 1, user.id)).rejects.toBeInstanceOf(NotFoundError)
    })

    it('refuses to delete a user an OAuth client acts as, naming the client', async () => {
      const user = await newUser()
      const { client } = await createOAuthClient(db, 1, { name: 'Nightly export', contextUserId: user.id })
      const refused = deleteUser(db, 1, user.id)
      await expect(refused).rejects.toBeInstanceOf(ConflictError)
      await expect(refused).rejects.toThrow(`'Nightly export' (client id ${client.clientId})`)
      await deleteOAuthClient(db, 1, client.id)
      await deleteUser(db, 1, user.id)
    })
  })

  describe('groups', () => {
    it('creates, lists, gets and deletes groups', async () => {
      const group = await createGroup(db, 1, 'Reviewers of Matter 7')
      expect(group).toEqual({
        id: expect.any(Number),
        tenantId: 1,
        name: 'Reviewers of Matter 7',
        createdAt: expect.any(Date),
      })
      expect(await getGroup(db, 1, group.id)).toEqual(group)
      expect(await listGroups(db, 1)).toContainEqual(group)
      expect(await listGroups(db, 2)).not.toContainEqual(group)
      await deleteGroup(db, 1, group.id)
      await expect(getGroup(db, 1, group.id)).rejects.toThrow(`group ${group.id} was not found`)
      await expect(deleteGroup(db, 1, group.id)).rejects.toBeInstanceOf(NotFoundError)
    })

    it('treats group names as unique ignoring case', async () => {
      await createGroup(db, 1, 'Auditors')
      await expect(createGroup(db, 1, 'AUDITORS')).rejects.toThrow(
        new ConflictError("a group named 'AUDITORS' already exists (group names ignore case)"),
      )
      expect((await createGroup(db, 2, 'Auditors')).tenantId).toBe(2)
    })

    it.each([[''], ['   '], ['n'.repeat(201)], ['tab\there']])('refuses the name %j', async (name) => {
      await expect(createGroup(db, 1, name)).rejects.toThrow(/^name must be 1 to 200 characters/)
    })

    it('adds members idempotently, lists and removes them', async () => {
      const group = await createGroup(db, 1, unique('group'))
      const [a, b] = [await newUser(), await newUser()]
      await addGroupMember(db, 1, group.id, b.id)
      await addGroupMember(db, 1, group.id, a.id)
      await addGroupMember(db, 1, group.id, a.id)
      expect(await listGroupMembers(db, 1, group.id)).toEqual([a, b])
      await removeGroupMember(db, 1, group.id, a.id)
      await removeGroupMember(db, 1, group.id, a.id)
      expect(await listGroupMembers(db, 1, group.id)).toEqual([b])
      await expect(addGroupMember(db, 1, 99_999_999, a.id)).rejects.toThrow('group 99999999 was not found')
      await expect(addGroupMember(db, 1, group.id, 99_999_999)).rejects.toThrow('user 99999999 was not found')
    })

    it('keeps tenants apart: a group of tenant 1 cannot get a user of tenant 2, nor the other way round', async () => {
      const group1 = await createGroup(db, 1, unique('group'))
      const group2 = await createGroup(db, 2, unique('group'))
      const user1 = await newUser(1)
      const user2 = await newUser(2)
      await expect(addGroupMember(db, 1, group1.id, user2.id)).rejects.toThrow(
        `user ${user2.id} was not found`,
      )
      await expect(addGroupMember(db, 2, group2.id, user1.id)).rejects.toBeInstanceOf(NotFoundError)
      await expect(addGroupMember(db, 1, group2.id, user1.id)).rejects.toThrow(
        `group ${group2.id} was not found`,
      )
      await expect(addGroupMember(db, 2, group1.id, user2.id)).rejects.toBeInstanceOf(NotFoundError)
      await expect(listGroupMembers(db, 2, group1.id)).rejects.toBeInstanceOf(NotFoundError)
      await expect(grantPermission(db, 2, group1.id, grant('Ingest'))).rejects.toBeInstanceOf(NotFoundError)
      await expect(listGrants(db, 2, group1.id)).rejects.toBeInstanceOf(NotFoundError)
      await expect(deleteGroup(db, 2, group1.id)).rejects.toBeInstanceOf(NotFoundError)
      expect(await listGroupMembers(db, 1, group1.id)).toEqual([])
    })

    it.each([
      [
        'an unknown permission',
        grant('Do Everything'),
        "unknown permission 'Do Everything'; the permissions are: Administrator, Manage Users,",
      ],
      [
        'a scope the permission does not allow',
        grant('Ingest', 'workspace', '1018053'),
        "'Ingest' cannot be granted at scope 'workspace'; allowed scopes: instance",
      ],
      [
        'a folder scope for Workspace Access',
        grant('Workspace Access', 'folder', '7'),
        'allowed scopes: instance, client_domain, workspace',
      ],
      [
        'an unknown scope kind',
        grant('Workspace Access', 'planet', 'x'),
        "cannot be granted at scope 'planet'",
      ],
      [
        'an empty scope value for a workspace',
        grant('Workspace Access', 'workspace', ''),
        'a workspace grant needs a scopeValue',
      ],
      [
        'a blank scope value for a client domain',
        grant('Workspace Access', 'client_domain', ' '),
        'a client_domain grant needs a scopeValue',
      ],
      [
        'a scope value for an instance grant',
        grant('Ingest', 'instance', '5'),
        "an instance-wide grant takes no scopeValue (got '5')",
      ],
      [
        'a workspace id that is not a number',
        grant('Workspace Access', 'workspace', 'ws-1'),
        'must be a workspace artifact id',
      ],
      [
        'a workspace id with a leading zero',
        grant('Workspace Access', 'workspace', '01018053'),
        'must be a workspace artifact id',
      ],
    ])('refuses a grant with %s', async (_, bad, message) => {
      const group = await createGroup(db, 1, unique('group'))
      const error = await grantPermission(db, 1, group.id, bad).catch((e) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.message).toContain(message)
      expect(await listGrants(db, 1, group.id)).toEqual([])
    })

    it('grants idempotently, lists and revokes', async () => {
      const group = await createGroup(db, 1, unique('group'))
      const ws = await grantPermission(db, 1, group.id, grant('Workspace Access', 'workspace', '1018053'))
      expect(ws).toEqual({
        id: expect.any(Number),
        groupId: group.id,
        permission: 'Workspace Access',
        scopeKind: 'workspace',
        scopeValue: '1018053',
        createdAt: expect.any(Date),
      })
      expect(
        await grantPermission(db, 1, group.id, grant('Workspace Access', 'workspace', '1018053')),
      ).toEqual(ws)
      const domain = await grantPermission(
        db,
        1,
        group.id,
        grant('Workspace Access', 'client_domain', 'Acme Legal'),
      )
      const ui = await grantPermission(
        db,
        1,
        group.id,
        grant('Usage Intelligence Access', 'product', 'analytics'),
      )
      const report = await grantPermission(db, 1, group.id, grant('Report Data Access', 'folder', '42'))
      expect(await listGrants(db, 1, group.id)).toEqual([ws, domain, ui, report])
      await revokeGrant(db, 1, group.id, domain.id)
      expect(await listGrants(db, 1, group.id)).toEqual([ws, ui, report])
      await expect(revokeGrant(db, 1, group.id, domain.id)).rejects.toBeInstanceOf(NotFoundError)
      const other = await createGroup(db, 1, unique('group'))
      await expect(revokeGrant(db, 1, other.id, ws.id)).rejects.toBeInstanceOf(NotFoundError)
    })

    it('collects the grants of a user through all their groups, once each', async () => {
      const user = await newUser()
      const [reviewers, loaders, unrelated] = [
        await createGroup(db, 1, unique('group')),
        await createGroup(db, 1, unique('group')),
        await createGroup(db, 1, unique('group')),
      ]
      await grantPermission(db, 1, reviewers.id, grant('Workspace Access', 'workspace', '1018053'))
      await grantPermission(db, 1, reviewers.id, grant('View Reviewer Statistics', 'client_domain', 'Acme'))
      await grantPermission(db, 1, loaders.id, grant('Ingest'))
      await grantPermission(db, 1, loaders.id, grant('Workspace Access', 'workspace', '1018053'))
      await grantPermission(db, 1, unrelated.id, grant('Administrator'))
      expect(await grantsOfUser(db, user.id)).toEqual([])
      await addGroupMember(db, 1, reviewers.id, user.id)
      await addGroupMember(db, 1, loaders.id, user.id)
      const grants = await grantsOfUser(db, user.id)
      expect(grants).toHaveLength(3)
      expect(grants).toEqual(
        expect.arrayContaining([
          grant('Workspace Access', 'workspace', '1018053'),
          grant('View Reviewer Statistics', 'client_domain', 'Acme'),
          grant('Ingest'),
        ]),
      )
      await removeGroupMember(db, 1, loaders.id, user.id)
      expect(await grantsOfUser(db, user.id)).toHaveLength(2)
    })

    it('deletes a group with its grants and memberships', async () => {
      const user = await newUser()
      const group = await createGroup(db, 1, unique('group'))
      await addGroupMember(db, 1, group.id, user.id)
      await grantPermission(db, 1, group.id, grant('Ingest'))
      await deleteGroup(db, 1, group.id)
      expect(await grantsOfUser(db, user.id)).toEqual([])
      expect(await db.query('SELECT 1 FROM grants WHERE group_id = $1', [group.id])).toEqual([])
      expect(await getUser(db, 1, user.id)).toEqual(user)
    })
  })

  describe('OAuth clients', () => {
    let owner: User
    beforeAll(async () => {
      owner = await newUser()
    })

    it('creates a client with a random id and secret, the secret returned once', async () => {
      const { client, secret } = await createOAuthClient(db, 1, {
        name: unique('client'),
        contextUserId: owner.id,
      })
      expect(client).toMatchObject({
        tenantId: 1,
        enabled: true,
        contextUserId: owner.id,
        tokenLifetimeMinutes: 60,
      })
      expect(Object.keys(client)).not.toContain('secretHash')
      expect(client.clientId).toMatch(/^[0-9a-f]{32}$/)
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(await getOAuthClient(db, 1, client.id)).toEqual(client)
      expect(await findOAuthClient(db, client.clientId)).toEqual(client)
      expect(await listOAuthClients(db, 1)).toContainEqual(client)
    })

    it('takes a chosen client id, secret and lifetime', async () => {
      const { client, secret } = await createOAuthClient(db, 1, {
        name: unique('client'),
        contextUserId: owner.id,
        clientId: 'chosen-client-id',
        secret: 'a-chosen-secret-of-some-length',
        tokenLifetimeMinutes: 1440,
      })
      expect(client).toMatchObject({ clientId: 'chosen-client-id', tokenLifetimeMinutes: 1440 })
      expect(secret).toBe('a-chosen-secret-of-some-length')
      expect(await authenticateOAuthClient(db, 'chosen-client-id', secret)).toEqual(client)
    })

    it('never stores the secret in plain text', async () => {
      const chosen = 'canary-secret-value-0123456789'
      const { client } = await createOAuthClient(db, 1, {
        name: unique('client'),
        contextUserId: owner.id,
        secret: chosen,
      })
      const rotated = await rotateOAuthClientSecret(db, 1, client.id)
      for (const secret of [chosen, rotated.secret]) {
        for (const table of ['oauth_clients', 'users']) {
          const rows = await db.query<{ text: string }>(`SELECT row_to_json(t)::text AS text FROM ${table} t`)
          expect(rows.some((r) => r.text.includes(secret))).toBe(false)
        }
      }
      const [row] = await db.query<{ secret_hash: string }>(
        'SELECT secret_hash FROM oauth_clients WHERE id = $1',
        [client.id],
      )
      expect(row!.secret_hash).toMatch(/^\$argon2id\$/)
    })

    it('refuses duplicate names (ignoring case) and client ids, naming them', async () => {
      const name = unique('Client')
      await createOAuthClient(db, 1, { name, contextUserId: owner.id, clientId: 'dup-client-id' })
      await expect(
        createOAuthClient(db, 1, { name: name.toUpperCase(), contextUserId: owner.id }),
      ).rejects.toThrow(
        new ConflictError(
          `an OAuth client named '${name.toUpperCase()}' already exists (client names ignore case)`,
        ),
      )
      const other = await newUser(2)
      await expect(
        createOAuthClient(db, 2, {
          name: unique('client'),
          contextUserId: other.id,
          clientId: 'dup-client-id',
        }),
      ).rejects.toThrow("an OAuth client with the client id 'dup-client-id' already exists")
      const second = await createOAuthClient(db, 1, { name: unique('client'), contextUserId: owner.id })
      await expect(updateOAuthClient(db, 1, second.client.id, { name })).rejects.toBeInstanceOf(ConflictError)
    })

    it.each([
      [{ tokenLifetimeMinutes: 0 }, 'tokenLifetimeMinutes'],
      [{ tokenLifetimeMinutes: 1441 }, 'tokenLifetimeMinutes'],
      [{ tokenLifetimeMinutes: 1.5 }, 'tokenLifetimeMinutes'],
      [{ name: '' }, 'name'],
      [{ clientId: 'has space' }, 'clientId'],
      [{ clientId: '' }, 'clientId'],
      [{ secret: 'too-short' }, 'secret'],
    ])('refuses %j, naming the field', async (input, field) => {
      const error = await createOAuthClient(db, 1, {
        name: unique('client'),
        contextUserId: owner.id,
        ...input,
      }).catch((e) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.details).toEqual({ path: field })
    })

    it('needs a context user of its own tenant', async () => {
      const stranger = await newUser(2)
      for (const contextUserId of [stranger.id, 99_999_999]) {
        const error = await createOAuthClient(db, 1, { name: unique('client'), contextUserId }).catch(
          (e) => e,
        )
        expect(error).toBeInstanceOf(ValidationError)
        expect(error.message).toBe(`contextUserId: there is no user ${contextUserId}`)
      }
      const { client } = await createOAuthClient(db, 1, { name: unique('client'), contextUserId: owner.id })
      await expect(
        updateOAuthClient(db, 1, client.id, { contextUserId: stranger.id }),
      ).rejects.toBeInstanceOf(ValidationError)
    })

    it('authenticates the right secret only, of an enabled client, in any tenant', async () => {
      const user2 = await newUser(2)
      const { client, secret } = await createOAuthClient(db, 2, {
        name: unique('client'),
        contextUserId: user2.id,
      })
      expect(await authenticateOAuthClient(db, client.clientId, secret)).toEqual(client)
      expect((await authenticateOAuthClient(db, client.clientId, secret))?.tenantId).toBe(2)
      expect(await authenticateOAuthClient(db, client.clientId, `${secret}x`)).toBeUndefined()
      expect(await authenticateOAuthClient(db, 'no-such-client', secret)).toBeUndefined()
      await updateOAuthClient(db, 2, client.id, { enabled: false })
      expect(await authenticateOAuthClient(db, client.clientId, secret)).toBeUndefined()
      expect(await findOAuthClient(db, client.clientId)).toMatchObject({ enabled: false })
      await updateOAuthClient(db, 2, client.id, { enabled: true })
      expect(await authenticateOAuthClient(db, client.clientId, secret)).toMatchObject({ enabled: true })
    })

    it('updates the given fields, within its tenant', async () => {
      const { client } = await createOAuthClient(db, 1, { name: unique('client'), contextUserId: owner.id })
      const other = await newUser()
      const name = unique('renamed')
      const updated = await updateOAuthClient(db, 1, client.id, {
        name,
        tokenLifetimeMinutes: 5,
        contextUserId: other.id,
      })
      expect(updated).toMatchObject({ name, tokenLifetimeMinutes: 5, contextUserId: other.id, enabled: true })
      expect(await updateOAuthClient(db, 1, client.id, {})).toEqual(updated)
      await expect(
        updateOAuthClient(db, 1, client.id, { tokenLifetimeMinutes: 2000 }),
      ).rejects.toBeInstanceOf(ValidationError)
      await expect(updateOAuthClient(db, 2, client.id, { enabled: false })).rejects.toThrow(
        `OAuth client ${client.id} was not found`,
      )
      await expect(getOAuthClient(db, 2, client.id)).rejects.toBeInstanceOf(NotFoundError)
      expect(await listOAuthClients(db, 2)).not.toContainEqual(expect.objectContaining({ id: client.id }))
    })

    it('rotates the secret: the old one stops working', async () => {
      const { client, secret } = await createOAuthClient(db, 1, {
        name: unique('client'),
        contextUserId: owner.id,
      })
      const rotated = await rotateOAuthClientSecret(db, 1, client.id)
      expect(rotated.secret).not.toBe(secret)
      expect(rotated.client).toMatchObject({ id: client.id, clientId: client.clientId })
      expect(await authenticateOAuthClient(db, client.clientId, secret)).toBeUndefined()
      expect(await authenticateOAuthClient(db, client.clientId, rotated.secret)).toMatchObject({
        id: client.id,
      })
      await expect(rotateOAuthClientSecret(db, 2, client.id)).rejects.toBeInstanceOf(NotFoundError)
    })

    it('deletes a client within its tenant', async () => {
      const { client, secret } = await createOAuthClient(db, 1, {
        name: unique('client'),
        contextUserId: owner.id,
      })
      await expect(deleteOAuthClient(db, 2, client.id)).rejects.toBeInstanceOf(NotFoundError)
      await deleteOAuthClient(db, 1, client.id)
      expect(await findOAuthClient(db, client.clientId)).toBeUndefined()
      expect(await authenticateOAuthClient(db, client.clientId, secret)).toBeUndefined()
      await expect(deleteOAuthClient(db, 1, client.id)).rejects.toBeInstanceOf(NotFoundError)
    })
  })
})

describe.each(CONTROL_BACKENDS)('bootstrapIdentity on $name', ({ open }) => {
  const CLIENT = {
    bootstrapClientId: 'bootstrap-client',
    bootstrapClientSecret: 'bootstrap-secret-0123456789',
  }
  const counts = async (db: ControlDb) =>
    (
      await db.query(`SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM groups)::int AS groups,
        (SELECT count(*) FROM grants)::int AS grants, (SELECT count(*) FROM group_members)::int AS members,
        (SELECT count(*) FROM oauth_clients)::int AS clients`)
    )[0]
  let given: ControlDb
  let generated: ControlDb
  beforeAll(async () => {
    given = await open()
    generated = await open()
  })
  afterAll(async () => {
    await given.close()
    await generated.close()
  })

  it('refuses a short admin password and leaves nothing behind', async () => {
    await expect(bootstrapIdentity(given, { adminPassword: 'short-pw', ...CLIENT })).rejects.toThrow(
      /TALLY_ADMIN_PASSWORD/,
    )
    expect(await counts(given)).toEqual({ users: 0, groups: 0, grants: 0, members: 0, clients: 0 })
  })

  it('creates the admin, the Administrators group with its grants, and the bootstrap client', async () => {
    expect(await bootstrapIdentity(given, { adminPassword: PASSWORD, ...CLIENT })).toEqual({})
    const admin = await authenticateUser(given, 1, 'admin', PASSWORD)
    expect(admin).toMatchObject({
      username: 'admin',
      fullName: 'Administrator',
      isSystemAdmin: true,
      disabled: false,
    })
    const [group] = await listGroups(given, 1)
    expect(group).toMatchObject({ name: 'Administrators' })
    expect(await listGroupMembers(given, 1, group!.id)).toEqual([admin])
    expect(
      (await listGrants(given, 1, group!.id)).map(({ permission, scopeKind, scopeValue }) => ({
        permission,
        scopeKind,
        scopeValue,
      })),
    ).toEqual([grant('Administrator'), grant('View Instance-wide Usage Reports')])
    const client = await authenticateOAuthClient(
      given,
      CLIENT.bootstrapClientId,
      CLIENT.bootstrapClientSecret,
    )
    expect(client).toMatchObject({
      tenantId: 1,
      name: 'Bootstrap client',
      clientId: 'bootstrap-client',
      contextUserId: admin!.id,
    })
    expect(await counts(given)).toEqual({ users: 1, groups: 1, grants: 2, members: 1, clients: 1 })
  })

  it('changes nothing on a second run', async () => {
    const before = await given.query('SELECT id, password_hash, updated_at FROM users')
    expect(await bootstrapIdentity(given, { adminPassword: 'another-admin-password', ...CLIENT })).toEqual({})
    expect(await bootstrapIdentity(given, {})).toEqual({})
    expect(await counts(given)).toEqual({ users: 1, groups: 1, grants: 2, members: 1, clients: 1 })
    expect(await given.query('SELECT id, password_hash, updated_at FROM users')).toEqual(before)
    expect(await authenticateUser(given, 1, 'admin', PASSWORD)).toBeDefined()
  })

  it('generates an admin password that signs in, and creates no client without both settings', async () => {
    const { generatedAdminPassword } = await bootstrapIdentity(generated, {
      bootstrapClientId: 'only-the-id',
    })
    expect(generatedAdminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/)
    expect(await authenticateUser(generated, 1, 'admin', generatedAdminPassword!)).toMatchObject({
      username: 'admin',
    })
    expect(await counts(generated)).toEqual({ users: 1, groups: 1, grants: 2, members: 1, clients: 0 })
    expect(
      await bootstrapIdentity(generated, { bootstrapClientSecret: CLIENT.bootstrapClientSecret }),
    ).toEqual({})
    expect(await counts(generated)).toEqual({ users: 1, groups: 1, grants: 2, members: 1, clients: 0 })
  })

  it('adds the bootstrap client to an installation that has its admin already', async () => {
    expect(await bootstrapIdentity(generated, CLIENT)).toEqual({})
    const client = await findOAuthClient(generated, CLIENT.bootstrapClientId)
    expect(client).toMatchObject({ name: 'Bootstrap client' })
    expect((await getUser(generated, 1, client!.contextUserId)).username).toBe('admin')
    // A new bootstrap client id later: a second client, under a name of its own.
    expect(
      await bootstrapIdentity(generated, { ...CLIENT, bootstrapClientId: 'bootstrap-client-2' }),
    ).toEqual({})
    expect((await listOAuthClients(generated, 1)).map((c) => c.name)).toEqual([
      'Bootstrap client',
      'Bootstrap client bootstrap-client-2',
    ])
    expect(await bootstrapIdentity(generated, CLIENT)).toEqual({})
    expect(await counts(generated)).toMatchObject({ users: 1, clients: 2 })
  })
})
