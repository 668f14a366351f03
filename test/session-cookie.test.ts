import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createSession, createUser } from './helpers/fixtures'

// A session slides forward with use; when it came from the cookie, the cookie's lifetime is renewed
// with it (otherwise the browser would drop a session the server still honours).
const t = makeTestApp()
const secure = makeTestApp({ SALLY_COOKIE_SECURE: 'true' })
let token: string
let secureToken: string
beforeAll(async () => {
  token = createSession(t.core, (await createUser(t.core)).id)
  secureToken = createSession(secure.core, (await createUser(secure.core)).id)
})
afterAll(() => {
  t.close()
  secure.close()
})

const cookie = (v: string) => ({ cookie: `theme=dark; sally_session=${v}` })

test('no renewal while the session has not slid', async () => {
  const r = await t.req('GET', '/auth/me', { headers: cookie(token) })
  expect(r.status).toBe(200)
  expect(r.headers.get('set-cookie')).toBeNull()
})

test('a cookie session that slid gets its cookie renewed for the full lifetime', async () => {
  t.clock.advance(2 * 60_000)
  const r = await t.req('GET', '/auth/me', { headers: cookie(token) })
  expect(r.status).toBe(200)
  const set = r.headers.get('set-cookie') ?? ''
  expect(set).toContain(`sally_session=${token}`)
  expect(set).toContain(`Max-Age=${30 * 86_400}`)
  expect(set).toContain('HttpOnly')
  expect(set).toContain('SameSite=Lax')
  expect(set).not.toContain('Secure')
  // Slid just now: the next request does not renew again.
  expect((await t.req('GET', '/auth/me', { headers: cookie(token) })).headers.get('set-cookie')).toBeNull()
})

test('a bearer session slides without a cookie being set', async () => {
  t.clock.advance(2 * 60_000)
  const r = await t.req('GET', '/auth/me', { as: token })
  expect(r.status).toBe(200)
  expect(r.headers.get('set-cookie')).toBeNull()
})

test('Secure with SALLY_COOKIE_SECURE=true', async () => {
  secure.clock.advance(2 * 60_000)
  const r = await secure.req('GET', '/auth/me', { headers: cookie(secureToken) })
  expect(r.headers.get('set-cookie')).toContain('; Secure')
})

describe('malformed Cookie headers', () => {
  // A bad percent-escape in the session cookie threw URIError from decodeURIComponent: 500 with a
  // stack in the log on every authenticated route.
  const malformed = [
    'sally_session=%E0%A4%A',
    'sally_session=%',
    'sally_session=%zz',
    'theme=dark; sally_session=%E0%A4%A; lang=fr',
    'sally_session="%E0"',
    'sally_session=%; sally_session=%',
    'sally_session=',
    'sally_session',
    '=;;==%',
    ';;;',
    'a=%E0; sally_session=%C3%28',
  ]
  // Its own app: many failed authentications from one address, and no clock moves for the tests above.
  const m = makeTestApp({ SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: '1000' })
  let mToken: string
  const errors: unknown[] = []
  afterAll(() => m.close())
  beforeAll(async () => {
    mToken = createSession(m.core, (await createUser(m.core)).id)
    const logError = m.core.log.error
    m.core.log.error = (msg, fields) => {
      errors.push({ msg, ...fields })
      logError(msg, fields)
    }
  })

  for (const header of malformed) {
    test(`${JSON.stringify(header)}: 401 on authenticated routes, ignored on public ones, never 500`, async () => {
      errors.length = 0
      for (const [method, path] of [
        ['GET', '/auth/me'],
        ['GET', '/projects'],
        ['POST', '/auth/logout'],
      ] as const) {
        const r = await m.req(method, path, { headers: { cookie: header, origin: 'http://localhost' } })
        expect(r.status).toBe(401)
        expect(['invalid_key', 'missing_key']).toContain(r.body.code)
      }
      // The same header next to a valid bearer token changes nothing.
      expect((await m.req('GET', '/auth/me', { as: mToken, headers: { cookie: header } })).status).toBe(200)
      expect((await m.req('GET', '/health', { headers: { cookie: header } })).status).toBe(200)
      // A public route that reads an optional session ignores it (400 for the bad token, not 401/500).
      const invite = await m.req('POST', '/auth/accept-invite', { headers: { cookie: header }, body: { token: 'x'.repeat(32) } })
      expect(invite.status).toBeLessThan(500)
      expect(invite.status).not.toBe(401)
      expect(errors).toEqual([])
    })
  }

  test('login with a malformed cookie still logs in and sets a fresh cookie', async () => {
    errors.length = 0
    const user = await createUser(m.core)
    const r = await m.req('POST', '/auth/login', {
      headers: { cookie: 'sally_session=%E0%A4%A' },
      body: { email: user.email, password: 'password123' },
    })
    expect(r.status).toBe(200)
    expect(r.headers.get('set-cookie')).toContain(`sally_session=${r.body.data.token}`)
    expect(errors).toEqual([])
  })
})
