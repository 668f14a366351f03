/**
 * The web app served by the API's own server (SPEC §9): the page and its hashed assets under
 * SALLY_BASE_PATH, compressed when accepted, cached for ever (assets) or revalidated (page), the
 * page's security headers, and the fallback rule: only a GET accepting text/html that matches no API
 * route gets the page; anything else unknown stays the JSON 404 envelope.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { gunzipSync } from 'node:zlib'
import { makeTestApp } from './helpers/app'

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }

for (const base of ['', '/api']) {
  describe(`web app with SALLY_BASE_PATH=${JSON.stringify(base)}`, () => {
    const t = makeTestApp({ SALLY_BASE_PATH: base })
    afterAll(() => t.close())

    test('the page: CSP without inline scripts, no framing, nosniff, no-cache, asset URLs under the base path', async () => {
      const r = await t.req('GET', '/', { headers: HTML })
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
      const csp = r.headers.get('content-security-policy')!
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain('unsafe-inline')
      expect(csp).toContain("frame-ancestors 'none'")
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(r.headers.get('cache-control')).toBe('no-cache')
      const urls = [...r.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'))
      expect(urls.length).toBeGreaterThanOrEqual(2)
      for (const u of urls) expect(u).toMatch(new RegExp(`^${base}/assets/[\\w-]+-[a-z0-9]{8}\\.(js|css)$`))
      expect(r.text).toContain(`<meta name="sally-base" content="${base}">`)
      // No inline script: every <script> has a src.
      expect(r.text.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull()
    })

    test('hashed assets: immutable, gzip or brotli when accepted, identity otherwise, 304 on a matching ETag', async () => {
      const page = await t.req('GET', '/', { headers: HTML })
      const js = page.text.match(/src="([^"]+\.js)"/)![1]!.slice(base.length)
      const plain = await t.req('GET', js)
      expect(plain.status).toBe(200)
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
      expect(plain.headers.get('content-encoding')).toBeNull()
      const url = `http://localhost${base}${js}`
      const br = await t.app.handle(new Request(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } }))
      expect(br.headers.get('content-encoding')).toBe('br')
      expect(br.headers.get('vary')).toBe('accept-encoding')
      const gz = await t.app.handle(new Request(url, { headers: { 'accept-encoding': 'gzip' } }))
      expect(gz.headers.get('content-encoding')).toBe('gzip')
      const gzBytes = new Uint8Array(await gz.arrayBuffer())
      expect(gzBytes.length).toBeLessThan(plain.text.length)
      expect(new TextDecoder().decode(gunzipSync(gzBytes))).toBe(plain.text)
      const again = await t.req('GET', js, { headers: { 'if-none-match': plain.headers.get('etag')! } })
      expect(again.status).toBe(304)
    })

    test('deep links answer the page; unknown assets and unknown API paths answer the JSON 404 envelope', async () => {
      const deep = await t.req('GET', '/w/acme/projects', { headers: HTML })
      expect(deep.status).toBe(200)
      expect(deep.headers.get('content-type')).toStartWith('text/html')
      for (const [method, path, headers] of [
        ['GET', '/w/acme/projects', {}],
        ['GET', '/no/such/route', { accept: 'application/json' }],
        ['POST', '/no/such/route', HTML],
        ['GET', '/assets/nope-12345678.js', HTML],
      ] as const) {
        const r = await t.req(method, path, { headers })
        expect([method, path, r.status, r.body.code]).toEqual([method, path, 404, 'not_found'])
        expect(r.headers.get('content-type')).toStartWith('application/json')
      }
    })

    test('API routes keep answering JSON even to a browser', async () => {
      const health = await t.req('GET', '/health', { headers: HTML })
      expect(health.body.ok).toBe(true)
      const projects = await t.req('GET', '/projects', { headers: HTML })
      expect([projects.status, projects.body.code]).toEqual([401, 'missing_key'])
    })
  })
}
