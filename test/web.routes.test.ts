/**
 * The web app's pages (src/web/routes.ts) never shadow an API route (SPEC §9): no page pattern matches
 * a path of the OpenAPI document, and every page pattern is answered with the app's HTML by the server.
 * GET /auth/config tells the sign-in page whether sign-up is open.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { href, matchRoute, ROUTES } from '../src/web/routes'
import { makeTestApp } from './helpers/app'

const t = makeTestApp()
afterAll(() => t.close())
const HTML = { accept: 'text/html' }

describe('page routes', () => {
  test('no page pattern matches an API path, whatever its parameters', async () => {
    const signup = makeTestApp({ SALLY_ALLOW_SIGNUP: 'true' })
    const doc = (await signup.req('GET', '/swagger/json')).body
    signup.close()
    // An API path with `{param}` stands for any value: try the page pattern's own segments in its place.
    const apiPaths = Object.keys(doc.paths)
    const clashes: string[] = []
    for (const [name, pattern] of Object.entries(ROUTES)) {
      for (const api of apiPaths) {
        const concrete = api.replace(/\{[^}]+\}/g, 'x')
        const pageSegs = pattern.split('/')
        const apiSegs = api.split('/')
        const samePattern =
          pageSegs.length === apiSegs.length &&
          pageSegs.every((s, i) => s.startsWith(':') || /^\{.+\}$/.test(apiSegs[i]!) || s === apiSegs[i])
        if (matchRoute(pattern, concrete) || samePattern) clashes.push(`${name} ${pattern} ~ ${api}`)
      }
    }
    expect(clashes).toEqual([])
    expect(apiPaths.length).toBeGreaterThan(50)
  })

  test('every page is served as the app (deep links work on reload)', async () => {
    for (const name of Object.keys(ROUTES) as (keyof typeof ROUTES)[]) {
      const r = await t.req('GET', href(name, { ws: 'acme' }), { headers: HTML })
      expect([name, r.status, r.headers.get('content-type')]).toEqual([name, 200, 'text/html; charset=utf-8'])
    }
  })

  test('matchRoute and href agree', () => {
    expect(matchRoute(ROUTES.projects, href('projects', { ws: 'a b' }))).toEqual({ ws: 'a b' })
    expect(matchRoute(ROUTES.projects, '/w/acme/board')).toBeNull()
    expect(matchRoute(ROUTES.home, '/')).toEqual({})
  })
})

describe('GET /auth/config', () => {
  test('public: says whether sign-up is open', async () => {
    const closed = await t.req('GET', '/auth/config')
    expect(closed.status).toBe(200)
    expect(closed.body).toEqual({ ok: true, data: { signup: false, requireEmailVerification: false } })
    const open = makeTestApp({ SALLY_ALLOW_SIGNUP: 'true', SALLY_REQUIRE_EMAIL_VERIFICATION: 'true' })
    const r = await open.req('GET', '/auth/config')
    open.close()
    expect(r.body.data).toEqual({ signup: true, requireEmailVerification: true })
  })
})
