import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createOAuthClient,
  createUser,
  updateOAuthClient,
  updateUser,
} from '../../src/modules/identity/principals.js'
import { TokenSigner } from '../../src/modules/identity/tokens.js'
import type { Stores } from '../../src/store/stores.js'
import { TEST_ADMIN_PASSWORD, TEST_CLIENT, buildTestApp, clientToken } from '../helpers/app.js'

let app: FastifyInstance
let stores: Stores
let publicOrigin: string

beforeAll(async () => {
  ;({ app, stores } = await buildTestApp({ publicOrigin: 'https://tally.example.com' }))
  publicOrigin = 'https://tally.example.com'
})

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const me = (headers: Record<string, string>) => app.inject({ url: '/auth/v1/me', headers })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** The `name=value` of a Set-Cookie header named `name`, and its attributes. */
function cookieOf(
  response: { headers: Record<string, unknown> },
  name: string,
): { value: string; attributes: string } {
  const all = [response.headers['set-cookie'] ?? []].flat() as string[]
  const line = all.find((c) => c.startsWith(`${name}=`))
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(all)}`)
  const [pair, ...attributes] = line.split('; ')
  return { value: pair!.slice(name.length + 1), attributes: attributes.join('; ') }
}

describe('POST /Relativity/Identity/connect/token', () => {
  it('issues a token for the request the usage reports document shows, usable on the next request', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/Relativity/Identity/connect/token',
      headers: FORM,
      payload: `grant_type=client_credentials&client_id=${TEST_CLIENT.id}&client_secret=${TEST_CLIENT.secret}&scope=SystemUserInfo`,
    })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    const body = response.json()
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'SystemUserInfo' })
    const whoami = await me(bearer(body.access_token))
    expect(whoami.json()).toMatchObject({
      principal: { kind: 'client', clientId: TEST_CLIENT.id, username: 'admin' },
    })
    expect(whoami.json().permissions).toContain('View Instance-wide Usage Reports')
  })

  it('accepts the client credentials as HTTP Basic', async () => {
    const basic = Buffer.from(`${TEST_CLIENT.id}:${TEST_CLIENT.secret}`).toString('base64')
    const response = await app.inject({
      method: 'POST',
      url: '/Relativity/Identity/connect/token',
      headers: { ...FORM, authorization: `Basic ${basic}` },
      payload: 'grant_type=client_credentials',
    })
    expect(response.statusCode).toBe(200)
  })

  it.each([
    ['', 400, 'invalid_request'],
    ['grant_type=password&username=a&password=b', 400, 'unsupported_grant_type'],
    ['grant_type=client_credentials&client_id=x', 400, 'invalid_request'],
    [
      `grant_type=client_credentials&client_id=${TEST_CLIENT.id}&client_secret=wrong-secret`,
      401,
      'invalid_client',
    ],
    ['grant_type=client_credentials&client_id=nobody&client_secret=whatever', 401, 'invalid_client'],
  ])('answers %j with %i %s', async (payload, status, error) => {
    const response = await app.inject({
      method: 'POST',
      url: '/Relativity/Identity/connect/token',
      headers: FORM,
      payload,
    })
    expect(response.statusCode).toBe(status)
    expect(response.json()).toEqual({ error, error_description: expect.any(String) })
  })

  it('refuses expired, tampered and foreign tokens, and tokens of a disabled client', async () => {
    const signer = await TokenSigner.load(stores.control)
    const expired = await signer.issue({ clientId: TEST_CLIENT.id, tenantId: 1 }, -1)
    expect((await me(bearer(expired.token))).json()).toMatchObject({
      error: 'unauthenticated',
      message: 'the access token has expired',
    })

    const good = await clientToken(app, TEST_CLIENT.id, TEST_CLIENT.secret)
    const [header, payload, signature] = good.split('.')
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), tid: 2 }),
    ).toString('base64url')
    for (const token of [`${header}.${forgedPayload}.${signature}`, `${good.slice(0, -2)}xx`, 'not-a-jwt']) {
      expect((await me(bearer(token))).statusCode).toBe(401)
    }

    const { client, secret } = await createOAuthClient(stores.control, 1, {
      name: 'soon disabled',
      contextUserId: 1,
    })
    const token = await clientToken(app, client.clientId, secret)
    expect((await me(bearer(token))).statusCode).toBe(200)
    await updateOAuthClient(stores.control, 1, client.id, { enabled: false })
    expect((await me(bearer(token))).json()).toMatchObject({
      message: 'the client of this token is disabled',
    })
  })

  it('rate-limits token requests per address and client', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/Relativity/Identity/connect/token',
        headers: FORM,
        payload: 'grant_type=client_credentials&client_id=hammer&client_secret=wrong',
        remoteAddress: '203.0.113.9',
      })
      statuses.push(response.statusCode)
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(10)).toEqual([429, 429])
  })
})

describe('web sessions', () => {
  async function signIn(username = 'admin', password = TEST_ADMIN_PASSWORD) {
    return app.inject({ method: 'POST', url: '/auth/v1/sign-in', payload: { username, password } })
  }

  it('signs in with an HTTP-only session cookie that every API accepts, and signs out', async () => {
    expect((await signIn('admin', 'wrong password!')).statusCode).toBe(401)
    const response = await signIn()
    expect(response.statusCode).toBe(200)
    const session = cookieOf(response, 'RelativityAuth')
    expect(session.attributes).toMatch(/HttpOnly/)
    expect(session.attributes).toMatch(/SameSite=Lax/)
    expect(session.attributes).toMatch(/Secure/)
    const cookie = `RelativityAuth=${session.value}`
    expect((await me({ cookie })).json()).toMatchObject({ principal: { kind: 'user', username: 'admin' } })

    const csrfToken = response.json().csrfToken
    const signOut = await app.inject({
      method: 'POST',
      url: '/auth/v1/sign-out',
      headers: { cookie, 'x-csrf-token': csrfToken },
    })
    expect(signOut.statusCode).toBe(204)
    expect((await me({ cookie })).json()).toMatchObject({ principal: { kind: 'anonymous' } })
  })

  it('ends the sessions of a user whose password changes', async () => {
    await createUser(stores.control, 1, { username: 'changer', password: 'changer-password-1' })
    const response = await signIn('changer', 'changer-password-1')
    const cookie = `RelativityAuth=${cookieOf(response, 'RelativityAuth').value}`
    expect((await me({ cookie })).json().principal.kind).toBe('user')
    const [user] = await stores.control.query<{ id: number }>(
      "SELECT id FROM users WHERE username = 'changer'",
    )
    await updateUser(stores.control, 1, Number(user!.id), { password: 'changer-password-2' })
    expect((await me({ cookie })).json().principal.kind).toBe('anonymous')
  })

  it('needs the CSRF token (or the public origin) on state-changing requests made with the cookie', async () => {
    const response = await signIn()
    const cookie = `RelativityAuth=${cookieOf(response, 'RelativityAuth').value}`
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/admin/v1/groups',
        headers: { cookie, ...headers },
        payload: { name: `g-${Math.random()}` },
      })
    expect((await post({})).statusCode).toBe(403)
    expect((await post({ 'x-csrf-token': 'guess' })).statusCode).toBe(403)
    expect((await post({ origin: 'https://evil.example' })).statusCode).toBe(403)
    expect((await post({ 'x-csrf-token': response.json().csrfToken })).statusCode).toBe(201)
    expect((await post({ origin: publicOrigin })).statusCode).toBe(201)
    expect((await app.inject({ url: '/admin/v1/groups', headers: { cookie } })).statusCode).toBe(200)
  })
})

describe('the usage intelligence sign-in flow', () => {
  async function requestCsrf(): Promise<string> {
    const response = await app.inject({ url: '/v3/request-csrf' })
    expect(response.statusCode).toBe(204)
    return cookieOf(response, 'RUI-Csrf').value
  }
  const authWeb = (headers: Record<string, string>, password = TEST_ADMIN_PASSWORD) =>
    app.inject({ method: 'POST', url: '/v3/auth/web', headers, payload: { username: 'admin', password } })

  it('sets RUI-Csrf and RUI-Session-Token after the CSRF handshake, from the public origin', async () => {
    const csrf = await requestCsrf()
    const response = await authWeb({ cookie: `RUI-Csrf=${csrf}`, origin: publicOrigin })
    expect(response.statusCode).toBe(200)
    const session = cookieOf(response, 'RUI-Session-Token')
    expect(session.attributes).toMatch(/HttpOnly/)
    expect(cookieOf(response, 'RUI-Csrf').value).toBe(response.json().csrfToken)
    expect((await me({ cookie: `RUI-Session-Token=${session.value}` })).json()).toMatchObject({
      principal: { username: 'admin' },
    })
  })

  it('refuses a wrong Origin, a missing or forged CSRF cookie, and wrong credentials', async () => {
    const csrf = await requestCsrf()
    expect((await authWeb({ cookie: `RUI-Csrf=${csrf}`, origin: 'https://evil.example' })).statusCode).toBe(
      403,
    )
    expect((await authWeb({ cookie: `RUI-Csrf=${csrf}` })).statusCode).toBe(403)
    const missing = await authWeb({ origin: publicOrigin })
    expect(missing.statusCode).toBe(403)
    expect(missing.json().message).toMatch(/^Cookie Missing/)
    expect((await authWeb({ cookie: 'RUI-Csrf=made.up', origin: publicOrigin })).statusCode).toBe(403)
    expect(
      (await authWeb({ cookie: `RUI-Csrf=${csrf}`, origin: publicOrigin }, 'wrong password!')).statusCode,
    ).toBe(401)
  })

  it('logs out one session, or all sessions of the user', async () => {
    const sessions: string[] = []
    for (let i = 0; i < 3; i++) {
      const response = await authWeb({ cookie: `RUI-Csrf=${await requestCsrf()}`, origin: publicOrigin })
      sessions.push(cookieOf(response, 'RUI-Session-Token').value)
    }
    const logout = (token: string, allSessions: boolean) =>
      app.inject({
        method: 'POST',
        url: '/v3/auth/logout',
        headers: { cookie: `RUI-Session-Token=${token}`, origin: publicOrigin },
        payload: { allSessions },
      })
    expect((await logout(sessions[0]!, false)).json()).toEqual({ sessionsEnded: 1 })
    expect((await me({ cookie: `RUI-Session-Token=${sessions[0]}` })).json().principal.kind).toBe('anonymous')
    expect((await me({ cookie: `RUI-Session-Token=${sessions[1]}` })).json().principal.kind).toBe('user')
    expect((await logout(sessions[1]!, true)).json().sessionsEnded).toBeGreaterThanOrEqual(2)
    expect((await me({ cookie: `RUI-Session-Token=${sessions[2]}` })).json().principal.kind).toBe('anonymous')
  })
})

describe('secrets stay out of the logs', () => {
  it('never logs a client secret, a token or a password', async () => {
    const lines: string[] = []
    const { default: pino } = await import('pino')
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) })
    const { buildApp } = await import('../../src/app.js')
    const { loadConfig } = await import('../../src/config/config.js')
    const logged = await buildApp({
      config: loadConfig({}, { dataDir: '/unused', demo: false }),
      stores,
      logger,
    })
    await createUser(stores.control, 1, { username: 'logcheck', password: 'logcheck-password-1' })
    const token = await clientToken(logged, TEST_CLIENT.id, TEST_CLIENT.secret)
    await logged.inject({ url: '/auth/v1/me', headers: bearer(token) })
    await logged.inject({
      method: 'POST',
      url: '/auth/v1/sign-in',
      payload: { username: 'logcheck', password: 'logcheck-password-1' },
    })
    await logged.close()
    const text = lines.join('\n')
    expect(lines.length).toBeGreaterThan(4)
    for (const secret of [TEST_CLIENT.secret, token, 'logcheck-password-1'])
      expect(text).not.toContain(secret)
  })
})
