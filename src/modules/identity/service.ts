import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ControlDb } from '../../store/control/driver.js'
import { AppError, ForbiddenError } from '../../errors.js'
import { Access, UnauthenticatedError, type Caller } from './caller.js'
import {
  authenticateOAuthClient,
  authenticateUser,
  findOAuthClient,
  getUser,
  grantsOfUser,
  type User,
} from './principals.js'
import { createSession, findSession, revokeSessions } from './sessions.js'
import { getOrCreateSetting } from './settings.js'
import { TokenSigner } from './tokens.js'

/** The cookie the usage reports document names for web sessions. */
export const SESSION_COOKIE = 'RelativityAuth'
/** The usage intelligence document's cookies: the CSRF token and the session. */
export const RUI_CSRF_COOKIE = 'RUI-Csrf'
export const RUI_SESSION_COOKIE = 'RUI-Session-Token'
/** Where a cookie-authenticated client repeats its session's CSRF token on a state-changing request. */
export const CSRF_HEADER = 'x-csrf-token'

/** An OAuth2 error (RFC 6749 §5.2): its body is `{ error, error_description }`. */
export class OAuthError extends AppError {
  constructor(
    readonly oauthCode: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope',
    httpStatus: number,
    description: string,
  ) {
    super(oauthCode, httpStatus, description)
  }
}

export interface TokenRequest {
  grant_type?: string
  client_id?: string
  client_secret?: string
  scope?: string
}

export interface SignedIn {
  user: User
  token: string
  csrfToken: string
  expiresAt: Date
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Authentication: bearer tokens for OAuth2 clients, session cookies for people, and the CSRF
 * checks that cookies need. Authorization decisions stay with each service (requirePermission).
 */
export class IdentityService {
  private constructor(
    private readonly db: ControlDb,
    private readonly signer: TokenSigner,
    private readonly csrfKey: Buffer,
    readonly publicOrigin: string,
  ) {}

  static async create(db: ControlDb, publicOrigin: string): Promise<IdentityService> {
    const signer = await TokenSigner.load(db)
    const csrfKey = await getOrCreateSetting(db, 'csrf_key', () => randomBytes(32).toString('base64url'))
    return new IdentityService(db, signer, Buffer.from(csrfKey, 'base64url'), new URL(publicOrigin).origin)
  }

  /** The client credentials grant: `POST /Relativity/Identity/connect/token`. */
  async issueToken(
    request: TokenRequest,
  ): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope?: string }> {
    if (!request.grant_type) throw new OAuthError('invalid_request', 400, 'grant_type is required')
    if (request.grant_type !== 'client_credentials') {
      throw new OAuthError(
        'unsupported_grant_type',
        400,
        `grant_type '${request.grant_type}' is not supported; use client_credentials`,
      )
    }
    if (!request.client_id || !request.client_secret) {
      throw new OAuthError('invalid_request', 400, 'client_id and client_secret are required')
    }
    const client = await authenticateOAuthClient(this.db, request.client_id, request.client_secret)
    if (!client)
      throw new OAuthError('invalid_client', 401, 'unknown client, wrong secret, or disabled client')
    const { token, expiresIn } = await this.signer.issue(
      { clientId: client.clientId, tenantId: client.tenantId },
      client.tokenLifetimeMinutes,
    )
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      ...(request.scope && { scope: request.scope }),
    }
  }

  async signIn(tenantId: number, username: string, password: string): Promise<SignedIn> {
    const user = await authenticateUser(this.db, tenantId, username, password)
    if (!user) throw new UnauthenticatedError('wrong username or password')
    const session = await createSession(this.db, user.id)
    return { user, ...session }
  }

  async signOut(sessionToken: string, allSessions: boolean): Promise<number> {
    return revokeSessions(this.db, sessionToken, allSessions)
  }

  /**
   * Who sent a request. A bearer token wins over cookies, and a bad one is a 401 (never anonymous),
   * so a client learns its token stopped working. A session cookie that has ended counts as no
   * cookie: the browser is simply signed out.
   */
  async authenticate(authorization: string | undefined, sessionToken: string | undefined): Promise<Caller> {
    const [scheme, token] = (authorization ?? '').split(' ')
    if (scheme?.toLowerCase() === 'bearer') {
      if (!token) throw new UnauthenticatedError('send Authorization: Bearer <token>')
      const claims = await this.signer.verify(token)
      const client = await findOAuthClient(this.db, claims.clientId)
      if (!client || client.tenantId !== claims.tenantId)
        throw new UnauthenticatedError('the client of this token no longer exists')
      if (!client.enabled) throw new UnauthenticatedError('the client of this token is disabled')
      const user = await this.activeUser(client.tenantId, client.contextUserId)
      return {
        tenantId: client.tenantId,
        principal: {
          kind: 'client',
          clientId: client.clientId,
          userId: user.id,
          username: user.username,
          isSystemAdmin: user.isSystemAdmin,
        },
        access: await this.accessOf(user),
      }
    }
    const session = sessionToken === undefined ? undefined : await findSession(this.db, sessionToken)
    if (session) {
      const [row] = await this.db.query<{ tenant_id: number }>('SELECT tenant_id FROM users WHERE id = $1', [
        session.userId,
      ])
      const user = await this.activeUser(Number(row?.tenant_id), session.userId)
      return {
        tenantId: user.tenantId,
        principal: {
          kind: 'user',
          userId: user.id,
          username: user.username,
          isSystemAdmin: user.isSystemAdmin,
          sessionCsrf: session.csrfToken,
        },
        access: await this.accessOf(user),
      }
    }
    return { tenantId: 1, principal: { kind: 'anonymous' }, access: Access.none() }
  }

  /**
   * Cookies travel with every request a browser makes, so a state-changing request signed in by
   * cookie must prove it comes from Tally's own pages: the session's CSRF token in the
   * X-CSRF-Token header, or an Origin header equal to the configured public origin.
   */
  checkCsrf(
    caller: Caller,
    method: string,
    csrfHeader: string | undefined,
    origin: string | undefined,
  ): void {
    if (!UNSAFE_METHODS.has(method) || caller.principal.kind !== 'user') return
    const expected = caller.principal.sessionCsrf
    if (expected && csrfHeader && safeEqual(csrfHeader, expected)) return
    if (origin !== undefined && origin === this.publicOrigin) return
    throw new ForbiddenError(
      `a request signed in by cookie must send the session's CSRF token in the X-CSRF-Token header or come from ${this.publicOrigin}`,
    )
  }

  /** A token for `GET /v3/request-csrf`: a nonce and its MAC, so checking it needs no storage. */
  issuePreAuthCsrf(): string {
    const nonce = randomBytes(18).toString('base64url')
    return `${nonce}.${this.mac(nonce)}`
  }

  isValidPreAuthCsrf(token: string | undefined): boolean {
    const [nonce, mac] = (token ?? '').split('.')
    return Boolean(nonce && mac && safeEqual(mac, this.mac(nonce)))
  }

  private mac(nonce: string): string {
    return createHmac('sha256', this.csrfKey).update(nonce).digest('base64url')
  }

  private async activeUser(tenantId: number, userId: number): Promise<User> {
    const user = await getUser(this.db, tenantId, userId).catch(() => undefined)
    if (!user || user.disabled) throw new UnauthenticatedError('this account is disabled')
    return user
  }

  private async accessOf(user: User): Promise<Access> {
    return new Access(await grantsOfUser(this.db, user.id), user.isSystemAdmin)
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
