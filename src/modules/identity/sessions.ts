import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '../../store/control/driver.js'

/** A browser session lasts a working day; signing in again starts a new one. */
export const SESSION_HOURS = 12

export interface Session {
  userId: number
  csrfToken: string
  expiresAt: Date
}

/** Only a hash of the cookie's token is stored: a copy of the table cannot sign anyone in. */
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

export async function createSession(
  db: Queryable,
  userId: number,
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url')
  const csrfToken = randomBytes(24).toString('base64url')
  const [row] = await db.query<{ expires_at: Date | string }>(
    `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
     VALUES ($1, $2, $3, now() + interval '${SESSION_HOURS} hours') RETURNING expires_at`,
    [hashToken(token), userId, csrfToken],
  )
  return { token, csrfToken, expiresAt: new Date(row!.expires_at) }
}

/** The live session a cookie's token stands for, if any (not expired, not signed out). */
export async function findSession(db: Queryable, token: string): Promise<Session | undefined> {
  const [row] = await db.query<{ user_id: number | string; csrf_token: string; expires_at: Date | string }>(
    `SELECT user_id, csrf_token, expires_at FROM sessions
     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [hashToken(token)],
  )
  return row
    ? { userId: Number(row.user_id), csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at) }
    : undefined
}

/** Ends one session, or every live session of its user; returns how many ended. */
export async function revokeSessions(db: Queryable, token: string, allOfUser: boolean): Promise<number> {
  const rows = await db.query(
    allOfUser
      ? `UPDATE sessions SET revoked_at = now()
         WHERE revoked_at IS NULL AND user_id = (SELECT user_id FROM sessions WHERE token_hash = $1) RETURNING 1`
      : 'UPDATE sessions SET revoked_at = now() WHERE revoked_at IS NULL AND token_hash = $1 RETURNING 1',
    [hashToken(token)],
  )
  return rows.length
}
