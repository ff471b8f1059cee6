import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2'
import { randomBytes } from 'node:crypto'

// `Algorithm` is an ambient const enum, which verbatimModuleSyntax cannot read at run time (the
// native module exports it as an empty object); 2 is its Argon2id member, checked by the type.
const ARGON2ID: Algorithm.Argon2id = 2

/**
 * OWASP's Argon2id baseline (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. One hash
 * takes roughly 50-100 ms on a server core, which bounds brute force without starving sign-ins.
 */
const OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 }

/**
 * The hash an unknown user or client is checked against, with the same parameters as real hashes,
 * so a wrong username costs as long as a wrong password and cannot be told apart by timing.
 * It is the hash of a random string nobody kept.
 */
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$DOWkzdxreNsHxvIqCBOO0Q$Ar8PhF3CDA718rIyrhBkhY9RoYj340aJr21sJ9u7/yQ'

/** Argon2id of a password or client secret, as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). */
export async function hashSecret(secret: string): Promise<string> {
  return hash(secret, OPTIONS)
}

/**
 * True when `secret` matches `hash`. Without a hash (unknown user or client) it still spends the
 * time of one verification and answers false. A malformed stored hash also answers false.
 */
export async function verifySecret(hash: string | undefined, secret: string): Promise<boolean> {
  try {
    const matches = await verify(hash ?? DUMMY_HASH, secret)
    return hash !== undefined && matches
  } catch {
    return false
  }
}

/** A crypto-random secret of `bytes` bytes, base64url-encoded (32 bytes: 43 characters). */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
