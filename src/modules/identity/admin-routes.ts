import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { ControlDb } from '../../store/control/driver.js'
import { requirePermission } from './caller.js'
import { PERMISSIONS, PERMISSION_NAMES, SCOPE_KINDS } from './permissions.js'
import * as principals from './principals.js'
import { POSITIVE_ID } from '../ingest/stream.js'

/** Ids are PostgreSQL `bigserial`s, sent as JSON numbers: exact up to 2⁵³−1, and no further. */
const RowId = () => Type.Integer(POSITIVE_ID)
const Id = Type.Object({ id: RowId() })
const Username = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._@-]+$' })
const Password = Type.String({ minLength: 12, maxLength: 1024 })
const Name = Type.String({ minLength: 1, maxLength: 200 })
const Lifetime = Type.Integer({ minimum: 1, maximum: 1440, description: 'Access token lifetime in minutes' })

const User = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    email: Type.String(),
    fullName: Type.String(),
    isSystemAdmin: Type.Boolean(),
    disabled: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
)
const Group = Type.Object(
  { id: Type.Integer(), name: Type.String(), createdAt: Type.String({ format: 'date-time' }) },
  { $id: 'Group' },
)
const GrantBody = Type.Object(
  {
    permission: Type.Enum(PERMISSION_NAMES),
    scopeKind: Type.Enum([...SCOPE_KINDS], { default: 'instance' }),
    scopeValue: Type.String({
      maxLength: 200,
      default: '',
      description: "'' for instance; else the client domain, or the workspace, product or folder id",
    }),
  },
  { additionalProperties: false },
)
const GrantView = Type.Object(
  { id: Type.Integer(), permission: Type.String(), scopeKind: Type.String(), scopeValue: Type.String() },
  { $id: 'Grant' },
)
const Client = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    clientId: Type.String(),
    enabled: Type.Boolean(),
    contextUserId: Type.Integer(),
    tokenLifetimeMinutes: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'OAuthClient' },
)
const ClientWithSecret = Type.Object({
  client: Type.Ref('OAuthClient'),
  clientSecret: Type.String({ description: 'Shown only in this response; store it now' }),
})

const userView = (u: principals.User) => ({
  id: u.id,
  username: u.username,
  email: u.email,
  fullName: u.fullName,
  isSystemAdmin: u.isSystemAdmin,
  disabled: u.disabled,
  createdAt: u.createdAt.toISOString(),
})
const groupView = (g: principals.Group) => ({ id: g.id, name: g.name, createdAt: g.createdAt.toISOString() })
const grantView = (g: principals.GrantRecord) => ({
  id: g.id,
  permission: g.permission,
  scopeKind: g.scopeKind,
  scopeValue: g.scopeValue,
})
const clientView = (c: principals.OAuthClient) => ({
  id: c.id,
  name: c.name,
  clientId: c.clientId,
  enabled: c.enabled,
  contextUserId: c.contextUserId,
  tokenLifetimeMinutes: c.tokenLifetimeMinutes,
  createdAt: c.createdAt.toISOString(),
})

/** `/admin/v1/{users,groups,clients,permissions}`: managing who may do what. Needs Manage Users. */
export async function identityAdminRoutes(
  instance: FastifyInstance,
  options: { control: ControlDb },
): Promise<void> {
  const db = options.control
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  for (const schema of [User, Group, GrantView, Client]) app.addSchema(schema)
  app.addHook('preHandler', async (request) => requirePermission(request.caller, 'Manage Users'))
  const tags = ['admin']
  const noContent = { 204: Type.Null() }

  app.get(
    '/permissions',
    {
      schema: {
        tags,
        summary: 'The permission catalog and the scopes each may be granted at',
        response: {
          200: Type.Array(
            Type.Object({
              name: Type.String(),
              scopes: Type.Array(Type.String()),
              description: Type.String(),
            }),
          ),
        },
      },
    },
    async () =>
      PERMISSION_NAMES.map((name) => ({
        name,
        scopes: [...PERMISSIONS[name].scopes],
        description: PERMISSIONS[name].description,
      })),
  )

  app.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'List users, keyset-paged by id',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          afterId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        }),
        response: { 200: Type.Object({ users: Type.Array(Type.Ref('User')) }) },
      },
    },
    async (request) => ({
      users: (await principals.listUsers(db, request.caller.tenantId, request.query)).map(userView),
    }),
  )

  app.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a user',
        body: Type.Object(
          {
            username: Username,
            password: Password,
            email: Type.Optional(Type.String({ maxLength: 320 })),
            fullName: Type.Optional(Name),
            isSystemAdmin: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('User') },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(userView(await principals.createUser(db, request.caller.tenantId, request.body))),
  )

  app.get(
    '/users/:id',
    { schema: { tags, summary: 'One user', params: Id, response: { 200: Type.Ref('User') } } },
    async (request) => userView(await principals.getUser(db, request.caller.tenantId, request.params.id)),
  )

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Change a user (a new password, disabling, …)',
        params: Id,
        body: Type.Object(
          {
            email: Type.Optional(Type.String({ maxLength: 320 })),
            fullName: Type.Optional(Name),
            isSystemAdmin: Type.Optional(Type.Boolean()),
            disabled: Type.Optional(Type.Boolean()),
            password: Type.Optional(Password),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('User') },
      },
    },
    async (request) =>
      userView(await principals.updateUser(db, request.caller.tenantId, request.params.id, request.body)),
  )

  app.delete(
    '/users/:id',
    { schema: { tags, summary: 'Delete a user', params: Id, response: noContent } },
    async (request, reply) => {
      await principals.deleteUser(db, request.caller.tenantId, request.params.id)
      return reply.status(204).send(null)
    },
  )

  app.get(
    '/groups',
    {
      schema: {
        tags,
        summary: 'List groups',
        response: { 200: Type.Object({ groups: Type.Array(Type.Ref('Group')) }) },
      },
    },
    async (request) => ({
      groups: (await principals.listGroups(db, request.caller.tenantId)).map(groupView),
    }),
  )

  app.post(
    '/groups',
    {
      schema: {
        tags,
        summary: 'Create a group',
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 201: Type.Ref('Group') },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(groupView(await principals.createGroup(db, request.caller.tenantId, request.body.name))),
  )

  app.get(
    '/groups/:id',
    { schema: { tags, summary: 'One group', params: Id, response: { 200: Type.Ref('Group') } } },
    async (request) => groupView(await principals.getGroup(db, request.caller.tenantId, request.params.id)),
  )

  app.delete(
    '/groups/:id',
    { schema: { tags, summary: 'Delete a group', params: Id, response: noContent } },
    async (request, reply) => {
      await principals.deleteGroup(db, request.caller.tenantId, request.params.id)
      return reply.status(204).send(null)
    },
  )

  app.get(
    '/groups/:id/members',
    {
      schema: {
        tags,
        summary: "A group's members",
        params: Id,
        response: { 200: Type.Object({ users: Type.Array(Type.Ref('User')) }) },
      },
    },
    async (request) => ({
      users: (await principals.listGroupMembers(db, request.caller.tenantId, request.params.id)).map(
        userView,
      ),
    }),
  )

  const Member = Type.Object({ id: RowId(), userId: RowId() })
  app.put(
    '/groups/:id/members/:userId',
    { schema: { tags, summary: 'Add a user to a group', params: Member, response: noContent } },
    async (request, reply) => {
      await principals.addGroupMember(db, request.caller.tenantId, request.params.id, request.params.userId)
      return reply.status(204).send(null)
    },
  )
  app.delete(
    '/groups/:id/members/:userId',
    { schema: { tags, summary: 'Remove a user from a group', params: Member, response: noContent } },
    async (request, reply) => {
      await principals.removeGroupMember(
        db,
        request.caller.tenantId,
        request.params.id,
        request.params.userId,
      )
      return reply.status(204).send(null)
    },
  )

  app.get(
    '/groups/:id/grants',
    {
      schema: {
        tags,
        summary: "A group's permissions",
        params: Id,
        response: { 200: Type.Object({ grants: Type.Array(Type.Ref('Grant')) }) },
      },
    },
    async (request) => ({
      grants: (await principals.listGrants(db, request.caller.tenantId, request.params.id)).map(grantView),
    }),
  )

  app.post(
    '/groups/:id/grants',
    {
      schema: {
        tags,
        summary: 'Grant a permission to a group, instance-wide or scoped',
        params: Id,
        body: GrantBody,
        response: { 201: Type.Ref('Grant') },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          grantView(
            await principals.grantPermission(db, request.caller.tenantId, request.params.id, request.body),
          ),
        ),
  )

  const GrantId = Type.Object({ id: RowId(), grantId: RowId() })
  app.delete(
    '/groups/:id/grants/:grantId',
    { schema: { tags, summary: 'Revoke a grant', params: GrantId, response: noContent } },
    async (request, reply) => {
      await principals.revokeGrant(db, request.caller.tenantId, request.params.id, request.params.grantId)
      return reply.status(204).send(null)
    },
  )

  app.get(
    '/clients',
    {
      schema: {
        tags,
        summary: 'List OAuth2 clients',
        response: { 200: Type.Object({ clients: Type.Array(Type.Ref('OAuthClient')) }) },
      },
    },
    async (request) => ({
      clients: (await principals.listOAuthClients(db, request.caller.tenantId)).map(clientView),
    }),
  )

  app.post(
    '/clients',
    {
      schema: {
        tags,
        summary: 'Create an OAuth2 client (client credentials); the secret is shown once',
        body: Type.Object(
          {
            name: Name,
            contextUserId: RowId(),
            tokenLifetimeMinutes: Type.Optional(Lifetime),
          },
          { additionalProperties: false },
        ),
        response: { 201: ClientWithSecret },
      },
    },
    async (request, reply) => {
      const { client, secret } = await principals.createOAuthClient(db, request.caller.tenantId, request.body)
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ client: clientView(client), clientSecret: secret })
    },
  )

  app.get(
    '/clients/:id',
    {
      schema: { tags, summary: 'One OAuth2 client', params: Id, response: { 200: Type.Ref('OAuthClient') } },
    },
    async (request) =>
      clientView(await principals.getOAuthClient(db, request.caller.tenantId, request.params.id)),
  )

  app.patch(
    '/clients/:id',
    {
      schema: {
        tags,
        summary: 'Change an OAuth2 client (disable it to refuse its tokens at once)',
        params: Id,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            enabled: Type.Optional(Type.Boolean()),
            tokenLifetimeMinutes: Type.Optional(Lifetime),
            contextUserId: Type.Optional(RowId()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('OAuthClient') },
      },
    },
    async (request) =>
      clientView(
        await principals.updateOAuthClient(db, request.caller.tenantId, request.params.id, request.body),
      ),
  )

  app.post(
    '/clients/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Replace the secret; the old one stops working; the new one is shown once',
        params: Id,
        response: { 200: ClientWithSecret },
      },
    },
    async (request, reply) => {
      const { client, secret } = await principals.rotateOAuthClientSecret(
        db,
        request.caller.tenantId,
        request.params.id,
      )
      return reply
        .header('cache-control', 'no-store')
        .send({ client: clientView(client), clientSecret: secret })
    },
  )

  app.delete(
    '/clients/:id',
    { schema: { tags, summary: 'Delete an OAuth2 client', params: Id, response: noContent } },
    async (request, reply) => {
      await principals.deleteOAuthClient(db, request.caller.tenantId, request.params.id)
      return reply.status(204).send(null)
    },
  )
}
