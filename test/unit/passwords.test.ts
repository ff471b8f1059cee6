import { describe, expect, it } from 'vitest'
import { generateSecret, hashSecret, verifySecret } from '../../src/modules/identity/passwords.js'

/** Below what one Argon2id verification with the OWASP parameters can take. */
const MIN_VERIFICATION_MS = 2

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work()
  return performance.now() - started
}

describe('hashSecret', () => {
  it('produces an Argon2id PHC string with the OWASP parameters and a fresh salt', async () => {
    const first = await hashSecret('correct horse battery staple')
    const second = await hashSecret('correct horse battery staple')
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    expect(second).not.toBe(first)
    expect(first).not.toContain('horse')
  })
})

describe('verifySecret', () => {
  it.each([
    ['the same secret', 'correct horse battery staple', true],
    ['another secret', 'correct horse battery stapler', false],
    ['a different case', 'Correct horse battery staple', false],
    ['an empty secret', '', false],
  ])('answers %s with %s', async (_, attempt, expected) => {
    const hash = await hashSecret('correct horse battery staple')
    expect(await verifySecret(hash, attempt)).toBe(expected)
  })

  it('handles secrets beyond ASCII', async () => {
    const hash = await hashSecret('pässwörd-日本語-🔑')
    expect(await verifySecret(hash, 'pässwörd-日本語-🔑')).toBe(true)
    expect(await verifySecret(hash, 'passwort-日本語-🔑')).toBe(false)
  })

  it('answers false for a malformed stored hash instead of throwing', async () => {
    expect(await verifySecret('not a hash', 'anything')).toBe(false)
    expect(await verifySecret('', 'anything')).toBe(false)
  })

  it('answers false without a hash, after doing the work of a real verification', async () => {
    await verifySecret(undefined, 'warm-up')
    const dummy: number[] = []
    for (let i = 0; i < 3; i++) dummy.push(await timed(() => verifySecret(undefined, 'wrong secret')))
    expect(await verifySecret(undefined, 'some secret value')).toBe(false)
    // A floor, not a comparison: load can only slow the Argon2id work (19 MiB, 2 passes: several
    // ms on any core), while a skipped verification returns in well under a millisecond.
    expect(Math.min(...dummy)).toBeGreaterThan(MIN_VERIFICATION_MS)
  })
})

describe('generateSecret', () => {
  it('gives 32 random bytes as base64url by default', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => generateSecret()))
    expect(secrets.size).toBe(50)
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it.each([
    [16, 22],
    [18, 24],
    [64, 86],
  ])('gives %i bytes as %i characters', (bytes, length) => {
    expect(generateSecret(bytes)).toHaveLength(length)
  })
})
