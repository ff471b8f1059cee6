import { randomBytes } from 'node:crypto'
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'
import { ForbiddenError } from '../../../errors.js'
import type { Queryable } from '../../../store/control/driver.js'
import { getOrCreateSetting } from '../../identity/settings.js'
import { FILE_KINDS, type FileKind } from './columns.js'

/**
 * Download links: HS256 JWTs naming one file, signed with a key kept like the access tokens' key
 * (created once in the control plane's settings, so every node accepts every node's links), but a
 * key of its own and an audience of its own, so a link never works as a bearer token or back.
 */

const KEY_SETTING = 'file_url_signing_key'
const ISSUER = 'tally'
const AUDIENCE = 'tally-file-download'
/** Long enough to start a download from a script, short enough that a leaked link soon stops working. */
export const DOWNLOAD_URL_MINUTES = 15

export interface DownloadClaims {
  tenantId: number
  productId: number
  kind: FileKind
  day: string
}

export class DownloadSigner {
  private constructor(private readonly key: Uint8Array) {}

  static async load(db: Queryable): Promise<DownloadSigner> {
    const encoded = await getOrCreateSetting(db, KEY_SETTING, () => randomBytes(32).toString('base64url'))
    return new DownloadSigner(Buffer.from(encoded, 'base64url'))
  }

  async sign(claims: DownloadClaims, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(now.getTime() / 1000)
    const expiresAt = new Date((issuedAt + DOWNLOAD_URL_MINUTES * 60) * 1000)
    const token = await new SignJWT({
      tid: claims.tenantId,
      pid: claims.productId,
      kind: claims.kind,
      day: claims.day,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.key)
    return { token, expiresAt }
  }

  /** The file a link names; 403 for an expired, tampered or foreign link. */
  async verify(token: string): Promise<DownloadClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      })
      const { tid, pid, kind, day } = payload
      if (
        typeof tid === 'number' &&
        typeof pid === 'number' &&
        typeof day === 'string' &&
        FILE_KINDS.includes(kind as FileKind)
      )
        return { tenantId: tid, productId: pid, kind: kind as FileKind, day }
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new ForbiddenError('this download link has expired; ask getDownloadUrl for a new one')
    }
    throw new ForbiddenError('this download link is not valid')
  }
}
