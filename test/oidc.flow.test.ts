// Sign in with a provider, the browser flow (SPEC §10): start → fake provider → callback → session
// cookie → returnTo, in-process, against the fake provider of test/helpers/oidc-provider.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { userIdentities, users } from '../src/db/schema'
import { makeTestApp, type TestApp } from './helpers/app'
import { createSession, createUser } from './helpers/fixtures'
import { auditOf } from './helpers/identity'
import { browserSignIn, type FakeProvider, type Send, startFakeProvider } from './helpers/oidc-provider'

let idp: FakeProvider
beforeAll(async () => {
  idp = await startFakeProvider()
})
afterAll(() => idp.stop())

function appWith(extra: Record<string, string> = {}, providerExtra: Record<string, string> = {}) {
  const t = makeTestApp({
    ...idp.env('corp', { ALLOW_SIGNUP: 'true', ...providerExtra }),
    SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    ...extra,
  })
  const send: Send = (url, cookie) => t.app.handle(new Request(url, { headers: cookie ? { cookie } : {} }))
  return { t, send }
}

const START = 'http://localhost/auth/oidc/corp/start'
const me = (t: TestApp, session: string) => t.req('GET', '/auth/me', { as: session })

describe('browser flow', () => {
  test('start → provider → callback: a new account, the session cookie, and the same-origin returnTo', async () => {
    const { t, send } = appWith()
    idp.state.user = { sub: 'new-1', email: 'new1@corp.test', email_verified: true, name: 'New One' }
    const r = await browserSignIn(send, `${START}?returnTo=${encodeURIComponent('/board/abc?x=1')}`)
    const to = new URL(r.start.headers.get('location')!)
    expect(to.origin).toBe(idp.origin)
    expect(to.searchParams.get('code_challenge_method')).toBe('S256')
    expect(to.searchParams.get('nonce')).toHaveLength(43)
    expect(to.searchParams.get('redirect_uri')).toBe('http://localhost/auth/oidc/corp/callback')
    expect(r.callback!.status).toBe(302)
    expect(r.location).toBe('/board/abc?x=1')
    const who = await me(t, r.session!)
    expect(who.status).toBe(200)
    expect(who.body.data.user.email).toBe('new1@corp.test')
    expect(who.body.data.user.emailVerified).toBe(true)
    expect(t.db.select().from(userIdentities).all()).toHaveLength(1)
    expect(auditOf(t, 'auth.login').at(-1)!.meta).toMatchObject({ method: 'oidc', provider: 'corp', created: true })
    // The second sign-in finds the linked identity: no new user.
    const again = await browserSignIn(send, START)
    expect(again.location).toBe('/')
    expect((await me(t, again.session!)).body.data.user.id).toBe(who.body.data.user.id)
    expect(t.db.select().from(users).all()).toHaveLength(1)
    t.close()
  })

  test('returnTo on another origin (or //host) lands on the root', async () => {
    const { t, send } = appWith()
    for (const evil of ['https://evil.test/x', '//evil.test/x', '/\\evil.test']) {
      const r = await browserSignIn(send, `${START}?returnTo=${encodeURIComponent(evil)}`)
      expect(r.location).toBe('/')
    }
    t.close()
  })

  test('state mismatch: a callback without the browser’s cookie, or with another state, is refused', async () => {
    const { t, send } = appWith()
    const r = await browserSignIn(send, START, { tamper: (u) => u.searchParams.set('state', 'x'.repeat(43)) })
    expect(r.location).toBe('/signin?error=state_mismatch')
    expect(r.session).toBeNull()
    // The code of an attacker's flow replayed in a victim's browser (no cookie): refused.
    const start = await send(START)
    const approved = await fetch(start.headers.get('location')!, { redirect: 'manual' })
    const cb = await send(approved.headers.get('location')!)
    expect(cb.headers.get('location')).toBe('/signin?error=state_mismatch')
    expect(auditOf(t, 'auth.login_failed').map((a) => (a.meta as { reason: string }).reason)).toContain('state_mismatch')
    t.close()
  })

  test('a callback is used once: replaying it (same state and nonce) is refused', async () => {
    const { t, send } = appWith()
    const r = await browserSignIn(send, START)
    expect(r.session).not.toBeNull()
    const replay = await send(r.callbackUrl!.toString(), `sally_oidc=${r.flowCookie}`)
    expect(replay.headers.get('location')).toBe('/signin?error=state_mismatch')
    t.close()
  })

  test('a missing or foreign nonce in the ID token is refused', async () => {
    const { t, send } = appWith()
    idp.state.next = { nonce: undefined }
    expect((await browserSignIn(send, START)).location).toBe('/signin?error=invalid_token')
    idp.state.next = { nonce: 'a-nonce-from-another-flow' }
    expect((await browserSignIn(send, START)).location).toBe('/signin?error=invalid_token')
    expect(t.db.select().from(userIdentities).all()).toHaveLength(0)
    t.close()
  })

  test('denied consent lands on the sign-in page with access_denied', async () => {
    const { t, send } = appWith()
    idp.state.deny = true
    try {
      const r = await browserSignIn(send, START)
      expect(r.location).toBe('/signin?error=access_denied')
      expect(r.session).toBeNull()
    } finally {
      idp.state.deny = false
    }
    t.close()
  })

  test('unknown provider, and the base path in every URL', async () => {
    const { t, send } = appWith({ SALLY_BASE_PATH: '/api' })
    const unknown = await send('http://localhost/api/auth/oidc/nope/start')
    expect(unknown.headers.get('location')).toBe('/api/signin?error=unknown_provider')
    const r = await browserSignIn(send, 'http://localhost/api/auth/oidc/corp/start?returnTo=/api/board')
    expect(new URL(r.start.headers.get('location')!).searchParams.get('redirect_uri')).toBe('http://localhost/api/auth/oidc/corp/callback')
    expect(r.location).toBe('/api/board')
    const providers = await t.req('GET', '/auth/providers')
    expect(providers.body.data).toEqual([{ name: 'corp', label: 'corp', startUrl: '/api/auth/oidc/corp/start' }])
    t.close()
  })

  test('linking from Settings: link=true with a session links the identity to that account', async () => {
    const { t, send } = appWith({}, { ALLOW_SIGNUP: 'false' })
    const user = await createUser(t.core, { email: 'someone@else.test' })
    const session = createSession(t.core, user.id)
    idp.state.user = { sub: 'link-1', email: 'other@corp.test', email_verified: false }
    const r = await browserSignIn(send, `${START}?link=true&returnTo=/settings`, { cookie: `sally_session=${session}` })
    expect(r.location).toBe('/settings')
    const ids = await t.req('GET', '/auth/identities', { as: session })
    expect(ids.body.data).toHaveLength(1)
    expect(ids.body.data[0]).toMatchObject({ provider: 'corp', email: 'other@corp.test' })
    // Without a session, link=true is refused.
    expect((await browserSignIn(send, `${START}?link=true`)).location).toBe('/signin?error=sign_in_first')
    t.close()
  })
})

describe('provider unreachable', () => {
  test('a provider that never answers: the start redirects with provider_unavailable within the timeout', async () => {
    const silent = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Promise<Response>(() => {}) })
    const t = makeTestApp({
      SALLY_OIDC_PROVIDERS: 'slow',
      SALLY_OIDC_SLOW_ISSUER: `http://127.0.0.1:${silent.port}`,
      SALLY_OIDC_SLOW_CLIENT_ID: 'c',
      SALLY_OIDC_SLOW_CLIENT_SECRET: 's',
      SALLY_OIDC_TIMEOUT_MS: '300',
    })
    const began = Date.now()
    const res = await t.app.handle(new Request('http://localhost/auth/oidc/slow/start'))
    expect(Date.now() - began).toBeLessThan(3000)
    expect(res.headers.get('location')).toBe('/signin?error=provider_unavailable')
    const api = await t.req('POST', '/auth/session', { body: { provider: 'slow', idToken: 'eyJhbGciOiJSUzI1NiJ9.e30.x' } })
    expect(api.status).toBe(503)
    expect(api.body.code).toBe('service_unavailable')
    expect(api.body.error).toContain('no answer within 300 ms')
    silent.stop(true)
    t.close()
  })

  test('a closed port: a clear 503 at once', async () => {
    const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const port = probe.port
    probe.stop(true)
    const t = makeTestApp({
      SALLY_OIDC_PROVIDERS: 'gone',
      SALLY_OIDC_GONE_ISSUER: `http://127.0.0.1:${port}`,
      SALLY_OIDC_GONE_CLIENT_ID: 'c',
      SALLY_OIDC_GONE_CLIENT_SECRET: 's',
    })
    const api = await t.req('POST', '/auth/session', { body: { provider: 'gone', idToken: 'eyJhbGciOiJSUzI1NiJ9.e30.x' } })
    expect(api.status).toBe(503)
    expect(api.body.error).toContain('could not connect')
    t.close()
  })
})

test('a provider-only account has no password: its identity row is its only way in', async () => {
  const { t, send } = appWith()
  idp.state.user = { sub: 'solo', email: 'solo@corp.test', email_verified: true }
  const r = await browserSignIn(send, START)
  const row = t.db.select().from(users).where(eq(users.email, 'solo@corp.test')).get()!
  expect(row.passwordHash).toBeNull()
  const ids = await t.req('GET', '/auth/identities', { as: r.session! })
  const del = await t.req('DELETE', `/auth/identities/${ids.body.data[0].id}`, { as: r.session! })
  expect(del.status).toBe(409)
  expect(del.body.code).toBe('conflict')
  expect((await t.req('GET', '/auth/identities', { as: r.session! })).body.data).toHaveLength(1)
  t.close()
})
