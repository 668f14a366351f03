import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { stmts, verifyStats } from '../src/auth/credentials'
import { generateKey, KEY_PREFIX } from '../src/auth/key-format'
import { randomBase62, toBase62 } from '../src/lib/crypto'
import { makeTestApp, type TestApp } from './helpers/app'
import { createKey, createSession, createUser } from './helpers/fixtures'

/** A key with a valid checksum and the given lookup id: passes the shape check, reaches the database. */
function forge(lookupId: string): string {
  const head = KEY_PREFIX.api + lookupId + randomBase62(32)
  return head + toBase62(Bun.hash.crc32(head), 6)
}
const lookupOf = (key: string) => key.slice(KEY_PREFIX.api.length, KEY_PREFIX.api.length + 16)

/** Counts reads of the key row (the only database read a key costs before the cache). */
function countKeyReads(t: TestApp) {
  const s = stmts(t.core)
  const original = s.key.get.bind(s.key)
  const counter = { reads: 0 }
  s.key.get = ((id: string) => {
    counter.reads++
    return original(id)
  }) as typeof s.key.get
  return counter
}

const me = (t: TestApp, key: string | null) => t.req('GET', '/auth/me', { as: key })

describe('per-credential limit (SALLY_API_KEY_RATE_LIMIT_PER_HOUR=3)', () => {
  const t = makeTestApp({ SALLY_API_KEY_RATE_LIMIT_PER_HOUR: '3' })
  afterAll(() => t.close())
  let owner: { id: string }
  beforeAll(async () => {
    owner = await createUser(t.core)
  })

  test('X-RateLimit-* on every key-authenticated response; the 4th request → 429 rate_limited with Retry-After; the window resets', async () => {
    const { key } = await createKey(t.core, owner.id)
    const seen: string[] = []
    let reset = 0
    for (let i = 0; i < 3; i++) {
      const r = await me(t, key)
      expect(r.status).toBe(200)
      expect(r.headers.get('x-ratelimit-limit')).toBe('3')
      seen.push(r.headers.get('x-ratelimit-remaining')!)
      reset = Number(r.headers.get('x-ratelimit-reset'))
      expect(r.headers.get('retry-after')).toBeNull()
    }
    expect(seen).toEqual(['2', '1', '0'])
    // Reset is an epoch second within the next hour.
    const nowS = Math.floor(t.clock.now() / 1000)
    expect(reset).toBeGreaterThan(nowS)
    expect(reset).toBeLessThanOrEqual(nowS + 3600)

    const limited = await me(t, key)
    expect(limited.status).toBe(429)
    expect(limited.body).toMatchObject({ ok: false, code: 'rate_limited' })
    expect(limited.headers.get('x-ratelimit-limit')).toBe('3')
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(limited.headers.get('x-ratelimit-reset')).toBe(String(reset))
    expect(Number(limited.headers.get('retry-after'))).toBe(reset - nowS)

    // Another key of the same user has its own budget.
    const other = await createKey(t.core, owner.id)
    expect((await me(t, other.key)).status).toBe(200)

    t.clock.set(reset * 1000 - 1)
    expect((await me(t, key)).status).toBe(429)
    t.clock.set(reset * 1000)
    const after = await me(t, key)
    expect(after.status).toBe(200)
    expect(after.headers.get('x-ratelimit-remaining')).toBe('2')
  })

  test("a key's own rateLimitPerHour overrides the default", async () => {
    const { key } = await createKey(t.core, owner.id, { rateLimitPerHour: 1 })
    const a = await me(t, key)
    expect(a.status).toBe(200)
    expect(a.headers.get('x-ratelimit-limit')).toBe('1')
    const b = await me(t, key)
    expect(b.status).toBe(429)
    expect(b.body.code).toBe('rate_limited')
    const roomy = await createKey(t.core, owner.id, { rateLimitPerHour: 10 })
    for (let i = 0; i < 5; i++) expect((await me(t, roomy.key)).status).toBe(200)
  })

  test('rateLimitPerHour set through the API is applied', async () => {
    const s = createSession(t.core, owner.id)
    const created = await t.req('POST', '/auth/api-keys', { as: s, body: { name: 'slow', rateLimitPerHour: 2 } })
    expect(created.status).toBe(201)
    const key = created.body.data.key
    expect((await me(t, key)).headers.get('x-ratelimit-limit')).toBe('2')
    expect((await me(t, key)).status).toBe(200)
    expect((await me(t, key)).status).toBe(429)
  })

  test('sessions carry the headers too, with the session limit', async () => {
    const s = createSession(t.core, owner.id)
    const r = await me(t, s)
    expect(r.status).toBe(200)
    expect(r.headers.get('x-ratelimit-limit')).toBe(String(t.config.SALLY_SESSION_RATE_LIMIT_PER_HOUR))
  })
})

describe('failed authentication per IP (SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE=3)', () => {
  // In-process requests have no socket: every request counts against the address "unknown".
  const t = makeTestApp({ SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: '3' })
  afterAll(() => t.close())

  test('after 3 failures: 429 with Retry-After for failures; valid cached keys and sessions keep working; no slow hash for new keys; resets after a minute', async () => {
    const u = await createUser(t.core)
    const warm = await createKey(t.core, u.id)
    const cold = await createKey(t.core, u.id)
    const session = createSession(t.core, u.id)
    expect((await me(t, warm.key)).status).toBe(200) // verified once, now cached

    const bad = `${generateKey('api').key.slice(0, -1)}0`
    for (let i = 0; i < 3; i++) {
      const r = await me(t, 'not-a-real-session-token')
      expect(r.status).toBe(401)
    }
    const blocked = await me(t, bad)
    expect(blocked.status).toBe(429)
    expect(blocked.body.code).toBe('rate_limited')
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(blocked.headers.get('x-ratelimit-limit')).toBe('3')
    expect(blocked.headers.get('x-ratelimit-remaining')).toBe('0')

    // A flood of bad keys from a shared address does not lock out valid, cheaply checked credentials.
    expect((await me(t, warm.key)).status).toBe(200)
    expect((await me(t, session)).status).toBe(200)
    // A valid key that would need the slow hash waits until the window ends: refused before hashing.
    const before = verifyStats.slowVerifies
    const coldTry = await me(t, cold.key)
    expect(coldTry.status).toBe(429)
    expect(verifyStats.slowVerifies).toBe(before)
    // Missing credentials are not failures and keep their 401.
    expect((await me(t, null)).body.code).toBe('missing_key')

    t.clock.advance(60_000)
    expect((await me(t, bad)).status).toBe(401)
    expect((await me(t, cold.key)).status).toBe(200)
  })
})

describe('garbage and unknown keys never run the slow hash', () => {
  const t = makeTestApp({ SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: '100000' })
  afterAll(() => t.close())

  test('bad checksum: 401 invalid_key with no database read and no hash', async () => {
    const reads = countKeyReads(t)
    const before = verifyStats.slowVerifies
    const good = generateKey('api').key
    const garbage = [
      good.slice(0, -1) + (good.endsWith('a') ? 'b' : 'a'), // checksum off by one character
      good.slice(0, 20) + (good[20] === 'x' ? 'y' : 'x') + good.slice(21), // body changed
      `atpm_${'A'.repeat(54)}`,
      'atpm_short',
      `sallymcp_${'0'.repeat(54)}`,
      `atpm_${good.slice(5, -1)}!`,
    ]
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => me(t, garbage[i % garbage.length]!)))
    for (const r of rs) expect({ status: r.status, code: r.body.code }).toEqual({ status: 401, code: 'invalid_key' })
    expect(reads.reads).toBe(0)
    expect(verifyStats.slowVerifies).toBe(before)
  })

  test('valid checksum, unknown lookup id: one indexed read each, no hash', async () => {
    const reads = countKeyReads(t)
    const before = verifyStats.slowVerifies
    const rs = await Promise.all(Array.from({ length: 100 }, () => me(t, generateKey('api').key)))
    for (const r of rs) expect(r.body.code).toBe('invalid_key')
    expect(reads.reads).toBe(100)
    expect(verifyStats.slowVerifies).toBe(before)
  })

  test('known lookup id, wrong secret: hashed once per distinct key, then refused from memory', async () => {
    const u = await createUser(t.core)
    const real = await createKey(t.core, u.id)
    const forged = forge(lookupOf(real.key))
    const before = verifyStats.slowVerifies
    const rs = await Promise.all(Array.from({ length: 50 }, () => me(t, forged)))
    for (const r of rs) expect(r.body.code).toBe('invalid_key')
    for (let i = 0; i < 20; i++) expect((await me(t, forged)).body.code).toBe('invalid_key')
    expect(verifyStats.slowVerifies - before).toBe(1)
    // The real key is unaffected.
    expect((await me(t, real.key)).status).toBe(200)
  })

  test('a valid key sent by 64 concurrent first requests is verified once', async () => {
    const u = await createUser(t.core)
    const { key } = await createKey(t.core, u.id)
    const before = verifyStats.slowVerifies
    const rs = await Promise.all(Array.from({ length: 64 }, () => me(t, key)))
    for (const r of rs) expect(r.status).toBe(200)
    expect(verifyStats.slowVerifies - before).toBe(1)
  })

  test('a revoked key replayed is not re-hashed on every request', async () => {
    const u = await createUser(t.core)
    const k = await createKey(t.core, u.id)
    const s = createSession(t.core, u.id)
    expect((await t.req('DELETE', `/auth/api-keys/${k.id}`, { as: s })).status).toBe(200)
    const before = verifyStats.slowVerifies
    for (let i = 0; i < 10; i++) expect((await me(t, k.key)).body.code).toBe('key_revoked')
    expect(verifyStats.slowVerifies - before).toBe(1)
  })
})

describe('distinct forged keys for a known lookup id are bounded by the per-IP failure limit', () => {
  const t = makeTestApp({ SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: '5' })
  afterAll(() => t.close())

  test('at most the limit of slow hashes per minute from one address', async () => {
    const u = await createUser(t.core)
    const real = await createKey(t.core, u.id)
    const before = verifyStats.slowVerifies
    const codes: string[] = []
    for (let i = 0; i < 40; i++) codes.push((await me(t, forge(lookupOf(real.key)))).body.code)
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('invalid_key'))
    expect(new Set(codes.slice(5))).toEqual(new Set(['rate_limited']))
    expect(verifyStats.slowVerifies - before).toBe(5)
  })
})
