import formbody from '@fastify/formbody'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { AppError, ForbiddenError } from '../../errors.js'
import { PERMISSION_NAMES } from './permissions.js'
import {
  CSRF_HEADER,
  IdentityService,
  OAuthError,
  RUI_CSRF_COOKIE,
  RUI_SESSION_COOKIE,
  SESSION_COOKIE,
  type SignedIn,
} from './service.js'

/** Sign-in attempts per address and account, and token requests per address and client, a minute. */
const ATTEMPTS_PER_MINUTE = 10

const Credentials = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
)

const SignedInUser = Type.Object({
  user: Type.Object({
    id: Type.Integer(),
    username: Type.String(),
    fullName: Type.String(),
    email: Type.String(),
    isSystemAdmin: Type.Boolean(),
  }),
  csrfToken: Type.String({
    description: `Send it back in the ${CSRF_HEADER} header on state-changing requests`,
  }),
  expiresAt: Type.String({ format: 'date-time' }),
})

/** Route config limiting attempts per address and the account or client the body names. */
const limitAttempts = (field: 'username' | 'client_id') => ({
  rateLimit: {
    max: ATTEMPTS_PER_MINUTE,
    timeWindow: '1 minute',
    keyGenerator: (request: FastifyRequest) => {
      const id = (request.body as Record<string, unknown> | undefined)?.[field]
      return `${request.ip}|${typeof id === 'string' ? id.toLowerCase() : ''}`
    },
  },
})

export interface IdentityRouteOptions {
  identity: IdentityService
  secureCookies: boolean
}

/** The token endpoint, web sign-in, and the usage intelligence CSRF and session flow. */
export async function identityRoutes(
  instance: FastifyInstance,
  options: IdentityRouteOptions,
): Promise<void> {
  const { identity, secureCookies } = options
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  const cookie = { path: '/', sameSite: 'lax' as const, secure: secureCookies }

  const setSession = (reply: FastifyReply, name: string, signedIn: SignedIn) =>
    reply.setCookie(name, signedIn.token, { ...cookie, httpOnly: true, expires: signedIn.expiresAt })
  const view = (signedIn: SignedIn) => ({
    user: {
      id: signedIn.user.id,
      username: signedIn.user.username,
      fullName: signedIn.user.fullName,
      email: signedIn.user.email,
      isSystemAdmin: signedIn.user.isSystemAdmin,
    },
    csrfToken: signedIn.csrfToken,
    expiresAt: signedIn.expiresAt.toISOString(),
  })

  await app.register(async (tokenScope) => {
    await tokenScope.register(formbody)
    tokenScope.setErrorHandler((error, request, reply) => {
      // RFC 6749 §5.2 error bodies, whatever went wrong with the request.
      if (error instanceof OAuthError) {
        if (error.httpStatus === 401) reply.header('www-authenticate', 'Basic realm="tally"')
        return reply
          .status(error.httpStatus)
          .header('cache-control', 'no-store')
          .send({ error: error.oauthCode, error_description: error.message })
      }
      if (error instanceof AppError && error.expose) {
        const code = error.httpStatus === 401 ? 'invalid_client' : 'invalid_request'
        return reply.status(error.httpStatus).send({ error: code, error_description: error.message })
      }
      const status = (error as { statusCode?: number }).statusCode ?? 500
      if (status >= 500) {
        request.log.error({ err: error }, 'token endpoint failed')
        return reply.status(500).send({ error: 'server_error', error_description: 'Internal server error' })
      }
      return reply
        .status(status)
        .send({ error: 'invalid_request', error_description: (error as Error).message })
    })
    tokenScope.post(
      '/Relativity/Identity/connect/token',
      {
        config: limitAttempts('client_id'),
        schema: {
          tags: ['identity'],
          summary: 'OAuth2 client credentials: an access token for an OAuth2 client',
          consumes: ['application/x-www-form-urlencoded'],
          body: Type.Object({
            grant_type: Type.Optional(Type.String({ description: 'client_credentials' })),
            client_id: Type.Optional(Type.String()),
            client_secret: Type.Optional(Type.String()),
            scope: Type.Optional(Type.String({ description: 'Accepted and echoed, e.g. SystemUserInfo' })),
          }),
          response: {
            200: Type.Object({
              access_token: Type.String(),
              token_type: Type.Literal('Bearer'),
              expires_in: Type.Integer({ description: 'Seconds until the token expires' }),
              scope: Type.Optional(Type.String()),
            }),
          },
        },
      },
      async (request, reply) => {
        const body = { ...(request.body ?? {}), ...basicCredentials(request.headers.authorization) }
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
        return identity.issueToken(body)
      },
    )
  })

  app.post(
    '/auth/v1/sign-in',
    {
      config: limitAttempts('username'),
      schema: {
        tags: ['identity'],
        summary: `Sign in: sets the ${SESSION_COOKIE} session cookie`,
        body: Credentials,
        response: { 200: SignedInUser },
      },
    },
    async (request, reply) => {
      const signedIn = await identity.signIn(
        request.caller.tenantId,
        request.body.username,
        request.body.password,
      )
      setSession(reply, SESSION_COOKIE, signedIn)
      return view(signedIn)
    },
  )

  app.post(
    '/auth/v1/sign-out',
    {
      schema: { tags: ['identity'], summary: 'Sign out: ends this session', response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE]
      if (token) await identity.signOut(token, false)
      reply.clearCookie(SESSION_COOKIE, cookie)
      return reply.status(204).send(null)
    },
  )

  app.get(
    '/auth/v1/me',
    {
      schema: {
        tags: ['identity'],
        summary: 'Who the request is authenticated as, and which permissions it holds instance-wide',
        response: {
          200: Type.Object({
            principal: Type.Object({
              kind: Type.String(),
              username: Type.Optional(Type.String()),
              clientId: Type.Optional(Type.String()),
            }),
            tenantId: Type.Integer(),
            permissions: Type.Array(Type.String()),
          }),
        },
      },
    },
    async (request) => {
      const { principal, tenantId, access } = request.caller
      return {
        principal: {
          kind: principal.kind,
          ...('username' in principal && { username: principal.username }),
          ...(principal.kind === 'client' && { clientId: principal.clientId }),
        },
        tenantId,
        permissions: PERMISSION_NAMES.filter((p) => access.has(p)),
      }
    },
  )

  // The usage intelligence flow: CSRF cookie first, then sign-in with it and the right Origin.
  app.get(
    '/v3/request-csrf',
    {
      schema: {
        tags: ['usage intelligence'],
        summary: `Sets the ${RUI_CSRF_COOKIE} cookie that /v3/auth/web requires`,
        response: { 204: Type.Null() },
      },
    },
    async (_request, reply) => {
      reply.setCookie(RUI_CSRF_COOKIE, identity.issuePreAuthCsrf(), cookie)
      return reply.status(204).send(null)
    },
  )

  app.post(
    '/v3/auth/web',
    {
      config: limitAttempts('username'),
      schema: {
        tags: ['usage intelligence'],
        summary: `Authenticate: sets the ${RUI_CSRF_COOKIE} and ${RUI_SESSION_COOKIE} cookies`,
        description: `Needs the ${RUI_CSRF_COOKIE} cookie from GET /v3/request-csrf and an Origin header equal to the server's public origin.`,
        body: Credentials,
        response: { 200: SignedInUser },
      },
    },
    async (request, reply) => {
      if (request.headers.origin !== identity.publicOrigin) {
        throw new ForbiddenError(`the Origin header must be ${identity.publicOrigin}`)
      }
      if (!identity.isValidPreAuthCsrf(request.cookies[RUI_CSRF_COOKIE])) {
        throw new ForbiddenError(
          `Cookie Missing: request GET /v3/request-csrf first and send its ${RUI_CSRF_COOKIE} cookie`,
        )
      }
      const signedIn = await identity.signIn(
        request.caller.tenantId,
        request.body.username,
        request.body.password,
      )
      setSession(reply, RUI_SESSION_COOKIE, signedIn)
      reply.setCookie(RUI_CSRF_COOKIE, signedIn.csrfToken, { ...cookie, expires: signedIn.expiresAt })
      return view(signedIn)
    },
  )

  app.post(
    '/v3/auth/logout',
    {
      schema: {
        tags: ['usage intelligence'],
        summary: 'Log out: ends this session, or every session of the user',
        body: Type.Optional(
          Type.Object(
            { allSessions: Type.Boolean({ default: false, description: 'End every session of this user' }) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: Type.Object({ sessionsEnded: Type.Integer() }) },
      },
    },
    async (request, reply) => {
      const token = request.cookies[RUI_SESSION_COOKIE]
      const sessionsEnded = token ? await identity.signOut(token, request.body?.allSessions ?? false) : 0
      reply.clearCookie(RUI_SESSION_COOKIE, cookie).clearCookie(RUI_CSRF_COOKIE, cookie)
      return { sessionsEnded }
    },
  )
}

/** RFC 6749 §2.3.1 lets a client send its id and secret as HTTP Basic credentials instead. */
function basicCredentials(authorization: string | undefined): { client_id?: string; client_secret?: string } {
  const [scheme, encoded] = (authorization ?? '').split(' ')
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return {}
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return {}
  return {
    client_id: decodeURIComponent(decoded.slice(0, colon)),
    client_secret: decodeURIComponent(decoded.slice(colon + 1)),
  }
}
