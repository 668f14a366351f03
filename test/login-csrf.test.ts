// Login CSRF: a page on another site must not sign a visitor in to an account of its choosing.
// Login, register and accept-invite take JSON only, and a browser request must come from this server.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { count } from 'drizzle-orm'
import { sessions } from '../src/db/schema'
import { makeTestApp, type TestApp } from './helpers/app'
import { createUser } from './helpers/fixtures'

let t: TestApp
beforeAll(async () => {
  t = makeTestApp({ SALLY_ALLOW_SIGNUP: 'true', SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' })
  await createUser(t.core, { email: 'victim-attacker@example.com', password: 'attacker password 1' })
})
afterAll(() => t.close())

const sessionCount = () => t.db.select({ n: count() }).from(sessions).get()!.n

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await t.app.handle(new Request(`http://localhost${path}`, { method: 'POST', headers, body }))
  return { status: res.status, body: (await res.json()) as any, cookie: res.headers.get('set-cookie') }
}

const login = { email: 'victim-attacker@example.com', password: 'attacker password 1' }
const form = 'email=victim-attacker%40example.com&password=attacker+password+1'

describe('login, register and accept-invite refuse what a cross-site page can send', () => {
  // A body that is not even an object fails validation first (400); a well-formed one reaches the check (415).
  const refused: [string, string, string, Record<string, string>, number][] = [
    ['an HTML form (urlencoded)', '/auth/login', form, { 'content-type': 'application/x-www-form-urlencoded' }, 415],
    ['text/plain JSON', '/auth/login', JSON.stringify(login), { 'content-type': 'text/plain' }, 400],
    [
      'JSON from another port',
      '/auth/login',
      JSON.stringify(login),
      { 'content-type': 'application/json', origin: 'http://localhost:5000' },
      403,
    ],
    [
      'JSON marked cross-site',
      '/auth/login',
      JSON.stringify(login),
      { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      403,
    ],
    [
      'JSON marked same-site',
      '/auth/login',
      JSON.stringify(login),
      { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' },
      403,
    ],
    [
      'register from another site',
      '/auth/register',
      JSON.stringify({ email: 'new@example.com', password: 'a long password here', name: 'New' }),
      { 'content-type': 'application/json', origin: 'https://evil.example' },
      403,
    ],
    [
      'accept-invite as a form',
      '/auth/accept-invite',
      `token=${'x'.repeat(43)}&password=a+long+password+here`,
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
    ],
  ]
  for (const [what, path, body, headers, status] of refused) {
    test(`${what} → ${status}, no session, no cookie`, async () => {
      const before = sessionCount()
      const r = await post(path, body, headers)
      expect(r.status).toBe(status)
      expect(r.body.ok).toBe(false)
      expect(r.cookie).toBeNull()
      expect(sessionCount()).toBe(before)
    })
  }

  test('the app itself (same origin) and scripts (no Origin) still sign in', async () => {
    const own = await post('/auth/login', JSON.stringify(login), { 'content-type': 'application/json', origin: 'http://localhost' })
    expect(own.status).toBe(200)
    expect(own.cookie).toContain('sally_session=')
    const fetchMeta = await post('/auth/login', JSON.stringify(login), {
      'content-type': 'application/json',
      'sec-fetch-site': 'same-origin',
    })
    expect(fetchMeta.status).toBe(200)
    const script = await post('/auth/login', JSON.stringify(login), { 'content-type': 'application/json' })
    expect(script.status).toBe(200)
  })
})
