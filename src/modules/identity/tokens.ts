import { randomBytes, randomUUID } from 'node:crypto'
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'
import type { Queryable } from '../../store/control/driver.js'
import { UnauthenticatedError } from './caller.js'
import { getOrCreateSetting } from './settings.js'

const ISSUER = 'tally'
const AUDIENCE = 'tally-api'

/** What an access token says: which OAuth2 client of which tenant it was issued to. */
export interface AccessTokenClaims {
  clientId: string
  tenantId: number
}

/**
 * Signs and checks bearer tokens (HS256 JWTs). The key is created once and kept in the control
 * plane, so every API node accepts every node's tokens.
 */
export class TokenSigner {
  private constructor(private readonly key: Uint8Array) {}

  static async load(db: Queryable): Promise<TokenSigner> {
    const encoded = await getOrCreateSetting(db, 'jwt_signing_key', () =>
      randomBytes(32).toString('base64url'),
    )
    return new TokenSigner(Buffer.from(encoded, 'base64url'))
  }

  async issue(
    claims: AccessTokenClaims,
    lifetimeMinutes: number,
  ): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = lifetimeMinutes * 60
    const token = await new SignJWT({ tid: claims.tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.clientId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${expiresIn}s`)
      .sign(this.key)
    return { token, expiresIn }
  }

  /** The token's claims; 401 for an expired, tampered or foreign token. */
  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      })
      if (typeof payload.sub !== 'string' || typeof payload.tid !== 'number')
        throw new UnauthenticatedError('invalid token')
      return { clientId: payload.sub, tenantId: payload.tid }
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw error
      if (error instanceof joseErrors.JWTExpired)
        throw new UnauthenticatedError('the access token has expired')
      throw new UnauthenticatedError('invalid access token')
    }
  }
}
