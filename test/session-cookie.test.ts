import { afterAll, beforeAll, expect, test } from 'bun:test'
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
