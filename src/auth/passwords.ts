import type { Core } from '../core'
import { AppError } from '../errors'
import { randomToken } from '../lib/crypto'
import { hashSecret, verifySecret } from '../lib/password'
import { rateLimitHeaders } from '../lib/rate-limit'

/**
 * Counts password verifications: `dummy` are the ones run against the stand-in hash for an unknown
 * email (the login-timing test asserts they happen).
 */
export const passwordStats = { verifies: 0, dummy: 0 }

/** One stand-in hash per memory cost, made once: verifying against it costs what a real verify costs. */
const dummyHashes = new Map<number, Promise<string>>()
function dummyHash(core: Pick<Core, 'config'>): Promise<string> {
  const cost = core.config.SALLY_HASH_MEMORY_KIB
  let h = dummyHashes.get(cost)
  if (!h) dummyHashes.set(cost, (h = hashSecret(core.config, randomToken(24))))
  return h
}

/** Computes the stand-in hash ahead of the first unknown-email login (so that one is not slower either). */
export function warmDummyHash(core: Pick<Core, 'config' | 'log'>): void {
  dummyHash(core).catch((e) => core.log.error('dummy hash failed', { error: String(e) }))
}

/**
 * Checks a password against a user's hash. With no hash (unknown email, or an account without a
 * password) it still runs one full verify against a dummy hash, so both failures take the same time.
 */
export async function checkPassword(core: Pick<Core, 'config'>, hash: string | null | undefined, plain: string): Promise<boolean> {
  passwordStats.verifies++
  if (!hash) {
    passwordStats.dummy++
    await verifySecret(plain, await dummyHash(core))
    return false
  }
  try {
    return await verifySecret(plain, hash)
  } catch {
    return false
  }
}

export const hashPassword = (core: Pick<Core, 'config'>, plain: string) => hashSecret(core.config, plain)

const MINUTE = 60_000

/**
 * Per-bucket limit for the public credential routes (login, reset, invites, verification):
 * SALLY_LOGIN_RATE_LIMIT_PER_MINUTE per client address. Writes the X-RateLimit-* headers into
 * `headers` and throws 429 `rate_limited` (with Retry-After) when over.
 */
export function limitPublicAuth(core: Core, route: string, ip: string | null, headers: Record<string, unknown>): void {
  const now = core.clock.now()
  const limit = core.config.SALLY_LOGIN_RATE_LIMIT_PER_MINUTE
  const r = core.limiter.hit(`${route}:${ip ?? 'unknown'}`, limit, MINUTE, now)
  const h = rateLimitHeaders(r, now)
  Object.assign(headers, h)
  if (!r.allowed) throw new AppError('rate_limited', 'Too many attempts from this address; retry later.', { headers: h })
}

/** A quiet per-key limit (e.g. mails per address): true when allowed. Never throws. */
export function quietLimit(core: Core, bucket: string, limit: number, windowMs: number): boolean {
  return core.limiter.hit(bucket, limit, windowMs, core.clock.now()).allowed
}
