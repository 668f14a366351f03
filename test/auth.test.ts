import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { passwordStats } from '../src/auth/passwords'
import { sessions, uploads, users } from '../src/db/schema'
import { sha256Hex } from '../src/lib/crypto'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'
import { auditOf } from './helpers/identity'

const GLOBAL = 'global-token-for-auth-tests-0123456789abcdef'
const t = makeTestApp({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000', SALLY_GLOBAL_API_TOKEN: GLOBAL })
afterAll(() => t.close())

let alice: Awaited<ReturnType<typeof createUser>>
beforeAll(async () => {
  alice = await createUser(t.core, { email: 'Alice@Example.com', password: 'correct horse', handle: 'alice' })
})

const login = (email: string, password: string, headers?: Record<string, string>) =>
  t.req('POST', '/auth/login', { body: { email, password }, headers })

describe('POST /auth/login', () => {
  test('email is case-insensitive; the body carries the token, the user and the session', async () => {
    const r = await login('alice@EXAMPLE.com', 'correct horse')
    expect(r.status).toBe(200)
    expect(r.body.data.user).toMatchObject({ id: alice.id, email: 'Alice@Example.com', handle: 'alice', emailVerified: true })
    expect(r.body.data.session.current).toBe(true)
    expect(r.body.data.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const me = await t.req('GET', '/auth/me', { as: r.body.data.token })
    expect(me.status).toBe(200)
    expect(me.body.data.user.id).toBe(alice.id)
    expect(me.body.data.credential).toMatchObject({ kind: 'session', keyId: null })
  })

  test('only the SHA-256 of the token is stored', async () => {
    const r = await login('alice@example.com', 'correct horse')
    const row = t.db.select().from(sessions).where(eq(sessions.id, r.body.data.session.id)).get()!
    expect(row.tokenHash).toBe(sha256Hex(r.body.data.token))
    expect(JSON.stringify(row)).not.toContain(r.body.data.token)
  })

  test('sets sally_session: httpOnly, SameSite=Lax, path /, Max-Age = session TTL, not Secure over http', async () => {
    const r = await login('alice@example.com', 'correct horse')
    const c = r.headers.get('set-cookie')!
    expect(c).toContain(`sally_session=${r.body.data.token}`)
    expect(c).toContain('HttpOnly')
    expect(c).toContain('SameSite=Lax')
    expect(c).toContain('Path=/')
    expect(c).toContain(`Max-Age=${30 * 86400}`)
    expect(c).not.toContain('Secure')
  })

  test('the cookie alone authenticates', async () => {
    const r = await login('alice@example.com', 'correct horse')
    const me = await t.req('GET', '/auth/me', { headers: { cookie: `other=1; sally_session=${r.body.data.token}` } })
    expect(me.status).toBe(200)
    expect(me.body.data.user.id).toBe(alice.id)
  })

  test('Secure over https, and with SALLY_COOKIE_SECURE=true', async () => {
    const res = await t.app.handle(
      new Request('https://localhost/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'alice@example.com', password: 'correct horse' }),
      }),
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toContain('Secure')
    const s = makeTestApp({ SALLY_COOKIE_SECURE: 'true' })
    try {
      await createUser(s.core, { email: 'sec@example.com', password: 'password123' })
      const r = await s.req('POST', '/auth/login', { body: { email: 'sec@example.com', password: 'password123' } })
      expect(r.status).toBe(200)
      expect(r.headers.get('set-cookie')).toContain('Secure')
    } finally {
      s.close()
    }
  })

  test('wrong password and unknown email: the same 401 invalid_credentials, each after one full verify', async () => {
    const before = { ...passwordStats }
    const wrong = await login('alice@example.com', 'wrong password')
    const mid = { ...passwordStats }
    const unknown = await login('nobody@example.com', 'wrong password')
    const after = { ...passwordStats }
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401)
      expect(r.body).toMatchObject({ ok: false, code: 'invalid_credentials', error: 'Invalid email or password.' })
      expect(r.headers.get('set-cookie')).toBeNull()
    }
    expect(wrong.body.error).toBe(unknown.body.error)
    // The wrong password ran a real verify; the unknown email ran one against the dummy hash.
    expect(mid.verifies - before.verifies).toBe(1)
    expect(mid.dummy - before.dummy).toBe(0)
    expect(after.verifies - mid.verifies).toBe(1)
    expect(after.dummy - mid.dummy).toBe(1)
  })

  test('a user without a password cannot log in (dummy verify, same 401)', async () => {
    await t.db.insert(users).values({ email: 'nopw@example.com', name: 'No pw', handle: 'nopw' }).run()
    const before = passwordStats.dummy
    const r = await login('nopw@example.com', '')
    expect(r.status).toBe(400) // empty password is invalid input
    const r2 = await login('nopw@example.com', 'anything')
    expect(r2.body.code).toBe('invalid_credentials')
    expect(passwordStats.dummy - before).toBe(1)
  })

  test('bad input is 400 validation_error', async () => {
    const r = await t.req('POST', '/auth/login', { body: { email: 'a@b.c' } })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
  })

  test('audit: success with the user, failure with the email domain only (never the password)', async () => {
    await login('alice@example.com', 'correct horse')
    await login('Mallory@Evil.example', 'hunter2-secret')
    const ok = auditOf(t, 'auth.login').at(-1)!
    expect(ok).toMatchObject({ actorUserId: alice.id, credential: 'session', targetId: alice.id })
    const failed = auditOf(t, 'auth.login_failed').at(-1)!
    expect(failed.actorUserId).toBeNull()
    expect(failed.meta).toEqual({ emailDomain: 'evil.example', reason: 'invalid_credentials' })
    const dump = JSON.stringify(auditOf(t, 'auth.login_failed'))
    expect(dump).not.toContain('hunter2')
    expect(dump).not.toContain('Mallory')
  })
})

describe('login rate limit (per address)', () => {
  test('X-RateLimit-* on every answer, then 429 rate_limited with Retry-After; per address', async () => {
    const s = makeTestApp({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '3', SALLY_TRUST_PROXY: 'true' })
    try {
      await createUser(s.core, { email: 'rl@example.com', password: 'password123' })
      const from = (ip: string, password = 'password123') =>
        s.req('POST', '/auth/login', { body: { email: 'rl@example.com', password }, headers: { 'x-forwarded-for': ip } })
      const r1 = await from('10.0.0.1')
      expect(r1.status).toBe(200)
      expect(r1.headers.get('x-ratelimit-limit')).toBe('3')
      expect(r1.headers.get('x-ratelimit-remaining')).toBe('2')
      expect(Number(r1.headers.get('x-ratelimit-reset'))).toBeGreaterThan(s.clock.now() / 1000)
      const r2 = await from('10.0.0.1', 'wrong')
      expect(r2.status).toBe(401)
      expect(r2.headers.get('x-ratelimit-remaining')).toBe('1')
      await from('10.0.0.1')
      const before = passwordStats.verifies
      const r4 = await from('10.0.0.1')
      expect(r4.status).toBe(429)
      expect(r4.body.code).toBe('rate_limited')
      expect(Number(r4.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(r4.headers.get('x-ratelimit-remaining')).toBe('0')
      // Refused before any password work.
      expect(passwordStats.verifies).toBe(before)
      // Another address is not affected; the window passes.
      expect((await from('10.0.0.2')).status).toBe(200)
      s.clock.advance(60_000)
      expect((await from('10.0.0.1')).status).toBe(200)
    } finally {
      s.close()
    }
  })
})

describe('email verification required', () => {
  test('SALLY_REQUIRE_EMAIL_VERIFICATION=true: an unverified account gets 403 only with the right password', async () => {
    const s = makeTestApp({ SALLY_REQUIRE_EMAIL_VERIFICATION: 'true' })
    try {
      const u = await createUser(s.core, { email: 'unv@example.com', password: 'password123' })
      s.db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, u.id)).run()
      const wrong = await s.req('POST', '/auth/login', { body: { email: 'unv@example.com', password: 'nope-nope' } })
      expect(wrong.body.code).toBe('invalid_credentials')
      const right = await s.req('POST', '/auth/login', { body: { email: 'unv@example.com', password: 'password123' } })
      expect(right.status).toBe(403)
      expect(right.body).toMatchObject({ code: 'forbidden', error: 'Email address not verified.' })
      expect(s.db.select().from(sessions).where(eq(sessions.userId, u.id)).all()).toHaveLength(0)
      s.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, u.id)).run()
      expect((await s.req('POST', '/auth/login', { body: { email: 'unv@example.com', password: 'password123' } })).status).toBe(200)
    } finally {
      s.close()
    }
  })

  test('off by default: unverified accounts log in', async () => {
    const u = await createUser(t.core, { email: 'unv2@example.com', password: 'password123' })
    t.db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, u.id)).run()
    const r = await login('unv2@example.com', 'password123')
    expect(r.status).toBe(200)
    expect(r.body.data.user.emailVerified).toBe(false)
  })
})

describe('logout and sessions', () => {
  test('logout ends the current session and clears the cookie', async () => {
    const r = await login('alice@example.com', 'correct horse')
    const token = r.body.data.token
    const out = await t.req('POST', '/auth/logout', { as: token })
    expect(out.status).toBe(200)
    const c = out.headers.get('set-cookie')!
    expect(c).toContain('sally_session=;')
    expect(c).toContain('Max-Age=0')
    expect(c).toContain('Path=/')
    const me = await t.req('GET', '/auth/me', { as: token })
    expect(me.status).toBe(401)
    expect(me.body.code).toBe('invalid_key')
  })

  test('logout with the cookie', async () => {
    const r = await login('alice@example.com', 'correct horse')
    const cookie = `sally_session=${r.body.data.token}`
    // A browser sends its Origin with every POST (SPEC §9: required with the cookie).
    expect((await t.req('POST', '/auth/logout', { headers: { cookie } })).status).toBe(403)
    expect((await t.req('POST', '/auth/logout', { headers: { cookie, origin: 'http://localhost' } })).status).toBe(200)
    expect((await t.req('GET', '/auth/me', { headers: { cookie } })).status).toBe(401)
  })

  test('logout with an API key is 400 (keys are revoked, not logged out); without credential 401', async () => {
    const k = await createKey(t.core, alice.id)
    const r = await t.req('POST', '/auth/logout', { as: k.key })
    expect(r.status).toBe(400)
    expect((await t.req('POST', '/auth/logout')).status).toBe(401)
  })

  test('GET /auth/sessions lists mine (current marked), not others’, not expired ones', async () => {
    const bob = await createUser(t.core)
    const bobToken = createSession(t.core, bob.id)
    // A user of its own with two sessions (other stories log alice in and out).
    const me = await createUser(t.core, { email: 'sessions@example.com', password: 'correct horse' })
    createSession(t.core, me.id)
    const a = await login('sessions@example.com', 'correct horse', { 'user-agent': 'test-agent/1.0' })
    const r = await t.req('GET', '/auth/sessions', { as: a.body.data.token })
    expect(r.status).toBe(200)
    const ids = r.body.data.map((s: any) => s.id)
    expect(ids).toContain(a.body.data.session.id)
    const current = r.body.data.filter((s: any) => s.current)
    expect(current).toHaveLength(1)
    expect(current[0]).toMatchObject({ id: a.body.data.session.id, userAgent: 'test-agent/1.0' })
    const bobSession = t.db
      .select()
      .from(sessions)
      .where(eq(sessions.tokenHash, sha256Hex(bobToken)))
      .get()!
    expect(ids).not.toContain(bobSession.id)
    expect(r.body.nextCursor).toBeNull()
    // pagination
    const p1 = await t.req('GET', '/auth/sessions?limit=1', { as: a.body.data.token })
    expect(p1.body.data).toHaveLength(1)
    expect(p1.body.nextCursor).toBe(p1.body.data[0].id)
    const p2 = await t.req('GET', `/auth/sessions?limit=1&cursor=${p1.body.nextCursor}`, { as: a.body.data.token })
    expect(p2.body.data[0].id).not.toBe(p1.body.data[0].id)
  })

  test('DELETE /auth/sessions/:id ends one of mine at once; another user’s is 404 and keeps working', async () => {
    const a1 = await login('alice@example.com', 'correct horse')
    const a2 = await login('alice@example.com', 'correct horse')
    const del = await t.req('DELETE', `/auth/sessions/${a2.body.data.session.id}`, { as: a1.body.data.token })
    expect(del.status).toBe(200)
    expect((await t.req('GET', '/auth/me', { as: a2.body.data.token })).status).toBe(401)
    expect((await t.req('GET', '/auth/me', { as: a1.body.data.token })).status).toBe(200)
    expect((await t.req('DELETE', `/auth/sessions/${a2.body.data.session.id}`, { as: a1.body.data.token })).status).toBe(404)

    const bob = await createUser(t.core)
    const bobToken = createSession(t.core, bob.id)
    const bobSession = t.db
      .select()
      .from(sessions)
      .where(eq(sessions.tokenHash, sha256Hex(bobToken)))
      .get()!
    const other = await t.req('DELETE', `/auth/sessions/${bobSession.id}`, { as: a1.body.data.token })
    expect(other.status).toBe(404)
    expect(other.body.code).toBe('not_found')
    expect((await t.req('GET', '/auth/me', { as: bobToken })).status).toBe(200)
  })

  test('deleting the current session clears the cookie', async () => {
    const a = await login('alice@example.com', 'correct horse')
    const r = await t.req('DELETE', `/auth/sessions/${a.body.data.session.id}`, { as: a.body.data.token })
    expect(r.status).toBe(200)
    expect(r.headers.get('set-cookie')).toContain('Max-Age=0')
  })

  test('sessions expire after the TTL without use (FakeClock), slide with use', async () => {
    const s = makeTestApp({ SALLY_SESSION_TTL_DAYS: '2' })
    try {
      await createUser(s.core, { email: 'ttl@example.com', password: 'password123' })
      const a = await s.req('POST', '/auth/login', { body: { email: 'ttl@example.com', password: 'password123' } })
      const b = await s.req('POST', '/auth/login', { body: { email: 'ttl@example.com', password: 'password123' } })
      expect(a.headers.get('set-cookie')).toContain(`Max-Age=${2 * 86400}`)
      s.clock.advance(86_400_000 + 1000)
      expect((await s.req('GET', '/auth/me', { as: a.body.data.token })).status).toBe(200) // slides
      s.clock.advance(86_400_000)
      expect((await s.req('GET', '/auth/me', { as: a.body.data.token })).status).toBe(200)
      const expired = await s.req('GET', '/auth/me', { as: b.body.data.token })
      expect(expired.status).toBe(401)
      expect(expired.body.code).toBe('key_expired')
    } finally {
      s.close()
    }
  })
})

describe('GET /auth/me', () => {
  let w: Awaited<ReturnType<typeof seedWorld>>
  beforeAll(async () => {
    w = await seedWorld(t.core)
  })

  test('session: user with emailVerified, memberships with roles, the credential', async () => {
    const extra = createWorkspace(t.core, { name: 'Zeta', members: [[w.users.member.id, 'OWNER']] })
    const r = await t.req('GET', '/auth/me', { as: w.tokens.member })
    expect(r.status).toBe(200)
    expect(r.body.data.kind).toBe('session')
    expect(r.body.data.user).toMatchObject({ id: w.users.member.id, emailVerified: true, platformRole: 'NONE', avatarUploadId: null })
    expect(r.body.data.memberships).toEqual([
      { workspaceId: w.wsA.id, slug: w.wsA.slug, name: 'Alpha', role: 'MEMBER', suspended: false },
      { workspaceId: extra.id, slug: extra.slug, name: 'Zeta', role: 'OWNER', suspended: false },
    ])
    expect(r.body.data.credential.expiresAt).toBeString()
  })

  test('a pinned key shows only its workspace; the credential names key id, scopes, pin, project, expiry', async () => {
    const extra = createWorkspace(t.core, { name: 'Eta', members: [[w.users.owner.id, 'OWNER']] })
    const expiresAt = new Date(t.clock.now() + 3_600_000)
    const k = await createKey(t.core, w.users.owner.id, {
      workspaceId: w.wsA.id,
      scopes: ['tasks:read', 'user:read', 'workspaces:read'],
      expiresAt,
    })
    const r = await t.req('GET', '/auth/me', { as: k.key })
    expect(r.status).toBe(200)
    expect(r.body.data.memberships.map((m: any) => m.workspaceId)).toEqual([w.wsA.id])
    expect(r.body.data.memberships.map((m: any) => m.workspaceId)).not.toContain(extra.id)
    expect(r.body.data.credential).toMatchObject({
      kind: 'api_key',
      keyId: k.id,
      scopes: ['tasks:read', 'user:read', 'workspaces:read'],
      workspaceId: w.wsA.id,
      projectId: null,
      expiresAt: expiresAt.toISOString(),
    })
  })

  test('scopes apply to the answer: a key without user:read / workspaces:read sees neither', async () => {
    const k = await createKey(t.core, w.users.owner.id, { scopes: ['tasks:read'] })
    const r = await t.req('GET', '/auth/me', { as: k.key })
    expect(r.status).toBe(200)
    expect(r.body.data.user).toBeNull()
    expect(r.body.data.memberships).toEqual([])
    expect(r.body.data.credential.scopes).toEqual(['tasks:read'])
    const all = await createKey(t.core, w.users.owner.id, { scopes: null })
    const r2 = await t.req('GET', '/auth/me', { as: all.key })
    expect(r2.body.data.user.id).toBe(w.users.owner.id)
    expect(r2.body.data.memberships.length).toBeGreaterThan(0)
  })

  test('global token: no user, no memberships', async () => {
    const r = await t.req('GET', '/auth/me', { as: GLOBAL })
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ kind: 'global', user: null, memberships: [] })
  })
})

describe('PATCH /auth/me', () => {
  test('name and handle (lowercased; unique case-insensitively: 409; pattern: 400)', async () => {
    const u = await createUser(t.core, { handle: 'carol' })
    const other = await createUser(t.core, { handle: 'taken_handle' })
    const tok = createSession(t.core, u.id)
    const r = await t.req('PATCH', '/auth/me', { as: tok, body: { name: 'Carol C', handle: 'Carol_C' } })
    expect(r.status).toBe(200)
    expect(r.body.data.user).toMatchObject({ name: 'Carol C', handle: 'carol_c' })
    const clash = await t.req('PATCH', '/auth/me', { as: tok, body: { handle: 'TAKEN_handle' } })
    expect(clash.status).toBe(409)
    expect(clash.body.code).toBe('conflict')
    for (const bad of ['a', 'has space', 'x'.repeat(33), 'dash-no']) {
      const b = await t.req('PATCH', '/auth/me', { as: tok, body: { handle: bad } })
      expect(b.status).toBe(400)
      expect(b.body.issues[0].path).toBe('handle')
    }
    expect(other.handle).toBe('taken_handle')
  })

  test('avatarUploadId must be an image upload of mine', async () => {
    const u = await createUser(t.core)
    const tok = createSession(t.core, u.id)
    const mine = `upl_${crypto.randomUUID()}`
    t.db
      .insert(uploads)
      .values({ id: mine, uploadedBy: u.id, contentType: 'image/png', size: 1, sha256: 'x', data: Buffer.from([1]) })
      .run()
    const theirs = `upl_${crypto.randomUUID()}`
    t.db
      .insert(uploads)
      .values({ id: theirs, uploadedBy: alice.id, contentType: 'image/png', size: 1, sha256: 'x', data: Buffer.from([1]) })
      .run()
    expect((await t.req('PATCH', '/auth/me', { as: tok, body: { avatarUploadId: theirs } })).status).toBe(400)
    const ok = await t.req('PATCH', '/auth/me', { as: tok, body: { avatarUploadId: mine } })
    expect(ok.status).toBe(200)
    expect(ok.body.data.user.avatarUploadId).toBe(mine)
    const cleared = await t.req('PATCH', '/auth/me', { as: tok, body: { avatarUploadId: null } })
    expect(cleared.body.data.user.avatarUploadId).toBeNull()
  })

  test('password change: needs the right current password, ends my other sessions only, keys stay', async () => {
    const u = await createUser(t.core, { email: 'dave@example.com', password: 'old-password' })
    const current = (await login('dave@example.com', 'old-password')).body.data.token
    const other = (await login('dave@example.com', 'old-password')).body.data.token
    const key = await createKey(t.core, u.id)
    const missing = await t.req('PATCH', '/auth/me', { as: current, body: { password: 'new-password' } })
    expect(missing.status).toBe(400)
    expect(missing.body.issues[0].path).toBe('currentPassword')
    const wrong = await t.req('PATCH', '/auth/me', { as: current, body: { password: 'new-password', currentPassword: 'nope' } })
    expect(wrong.status).toBe(400)
    expect(wrong.body.issues[0].path).toBe('currentPassword')
    expect((await t.req('GET', '/auth/me', { as: other })).status).toBe(200)
    const short = await t.req('PATCH', '/auth/me', { as: current, body: { password: 'short', currentPassword: 'old-password' } })
    expect(short.status).toBe(400)
    const ok = await t.req('PATCH', '/auth/me', { as: current, body: { password: 'new-password', currentPassword: 'old-password' } })
    expect(ok.status).toBe(200)
    expect((await t.req('GET', '/auth/me', { as: current })).status).toBe(200)
    expect((await t.req('GET', '/auth/me', { as: other })).status).toBe(401)
    expect((await t.req('GET', '/auth/me', { as: key.key })).status).toBe(200)
    expect((await login('dave@example.com', 'old-password')).status).toBe(401)
    expect((await login('dave@example.com', 'new-password')).status).toBe(200)
    expect(auditOf(t, 'auth.password_changed').at(-1)).toMatchObject({ targetId: u.id, meta: { sessionsEnded: 1 } })
  })

  test('from an API key: needs keys:write granted explicitly', async () => {
    const u = await createUser(t.core)
    const dflt = await createKey(t.core, u.id, { scopes: null })
    const r = await t.req('PATCH', '/auth/me', { as: dflt.key, body: { name: 'x' } })
    expect(r.status).toBe(403)
    expect(r.body).toMatchObject({ code: 'forbidden', error: 'Missing keys:write permission.' })
    const explicit = await createKey(t.core, u.id, { scopes: ['keys:write', 'user:read'] })
    const ok = await t.req('PATCH', '/auth/me', { as: explicit.key, body: { name: 'Renamed' } })
    expect(ok.status).toBe(200)
    expect(ok.body.data.user.name).toBe('Renamed')
  })

  test('the global token has no profile: 403', async () => {
    const r = await t.req('PATCH', '/auth/me', { as: GLOBAL, body: { name: 'x' } })
    expect(r.status).toBe(403)
  })
})
