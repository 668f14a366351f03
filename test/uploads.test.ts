import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { uploads } from '../src/db/schema'
import { sniffImageType } from '../src/uploads/service'
import { makeTestApp } from './helpers/app'
import { createKey, seedWorld } from './helpers/fixtures'

const MAX = 4096
const t = makeTestApp({ SALLY_UPLOAD_MAX_BYTES: String(MAX), SALLY_BASE_PATH: '/api' })
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})

/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9])
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([26, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(14)])
const HTML = Buffer.from('<!doctype html><html><script>alert(1)</script></html>')

const form = (bytes: Uint8Array, name: string, type: string, field = 'file') => {
  const f = new FormData()
  f.append(field, new File([bytes], name, { type }))
  return f
}
const upload = (bytes: Uint8Array, name: string, type = 'application/octet-stream', as = w.tokens.member) =>
  t.req('POST', '/uploads', { as, workspace: w.wsA.id, body: form(bytes, name, type) })

describe('POST /uploads', () => {
  test('a PNG renamed .txt (declared text/plain) is stored as image/png', async () => {
    const r = await upload(PNG, 'notes.txt', 'text/plain')
    expect(r.status).toBe(201)
    const d = r.body.data
    expect(d).toMatchObject({ contentType: 'image/png', size: PNG.length })
    expect(d.id).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(d.url).toBe(`/api/uploads/${d.id}`)
    expect(d.sha256).toBe(new Bun.CryptoHasher('sha256').update(PNG).digest('hex'))
    const row = t.db.select().from(uploads).where(eq(uploads.id, d.id)).get()!
    expect(Buffer.from(row.data).equals(PNG)).toBe(true)
    expect(row.workspaceId).toBe(w.wsA.id)
  })

  test('GIF, JPEG and WebP are recognised by their bytes', async () => {
    for (const [bytes, type] of [
      [GIF, 'image/gif'],
      [JPEG, 'image/jpeg'],
      [WEBP, 'image/webp'],
    ] as const) {
      const r = await upload(bytes, 'x.bin')
      expect({ type, status: r.status, got: r.body.data?.contentType }).toEqual({ type, status: 201, got: type })
    }
  })

  test('HTML renamed .png (declared image/png) → 415; empty file → 415', async () => {
    const r = await upload(HTML, 'cat.png', 'image/png')
    expect(r.status).toBe(415)
    expect(r.body.code).toBe('unsupported_media_type')
    expect((await upload(new Uint8Array(0), 'empty.png', 'image/png')).status).toBe(415)
  })

  test('over SALLY_UPLOAD_MAX_BYTES → 413 payload_too_large (also far over it)', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(MAX)])
    const r = await upload(big, 'big.png', 'image/png')
    expect(r.status).toBe(413)
    expect(r.body.code).toBe('payload_too_large')
    const huge = Buffer.concat([PNG, Buffer.alloc(MAX * 100)])
    expect((await upload(huge, 'huge.png', 'image/png')).status).toBe(413)
  })

  test('missing file field → 400; VIEWER → 403; MCP key → 403 scope_violation; no credential → 401', async () => {
    const noFile = await t.req('POST', '/uploads', {
      as: w.tokens.member,
      workspace: w.wsA.id,
      body: form(PNG, 'a.png', 'image/png', 'other'),
    })
    expect(noFile.status).toBe(400)
    expect((await upload(PNG, 'a.png', 'image/png', w.tokens.viewer)).status).toBe(403)
    const mcp = await createKey(t.core, w.users.member.id, { kind: 'mcp', workspaceId: w.wsA.id })
    const m = await upload(PNG, 'a.png', 'image/png', mcp.key)
    expect(m.status).toBe(403)
    expect(m.body.code).toBe('scope_violation')
    const anon = await t.req('POST', '/uploads', { body: form(PNG, 'a.png', 'image/png') })
    expect(anon.status).toBe(401)
  })
})

describe('GET /uploads/:id', () => {
  test('public, with content type, immutable caching, ETag and 304 on If-None-Match', async () => {
    const { id, sha256 } = (await upload(PNG, 'pic.txt')).body.data
    const r = await t.app.handle(new Request(`http://localhost/api/uploads/${id}`))
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('image/png')
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.headers.get('etag')).toBe(`"${sha256}"`)
    expect(Buffer.from(await r.arrayBuffer()).equals(PNG)).toBe(true)
    for (const inm of [`"${sha256}"`, `W/"${sha256}"`, `"other", "${sha256}"`, '*']) {
      const c = await t.app.handle(new Request(`http://localhost/api/uploads/${id}`, { headers: { 'if-none-match': inm } }))
      expect({ inm, status: c.status }).toEqual({ inm, status: 304 })
      expect(c.headers.get('etag')).toBe(`"${sha256}"`)
      expect(await c.text()).toBe('')
    }
    const stale = await t.app.handle(new Request(`http://localhost/api/uploads/${id}`, { headers: { 'if-none-match': '"nope"' } }))
    expect(stale.status).toBe(200)
  })

  test('unknown or malformed ids → 404', async () => {
    for (const id of ['A'.repeat(32), 'short', '..%2F..%2Fetc', 'x'.repeat(150)]) {
      const r = await t.app.handle(new Request(`http://localhost/api/uploads/${id}`))
      expect({ id, status: r.status }).toEqual({ id, status: 404 })
    }
  })
})

describe('sniffImageType', () => {
  test('magic bytes only', () => {
    expect(sniffImageType(PNG)).toBe('image/png')
    expect(sniffImageType(PNG.subarray(0, 7))).toBeNull()
    expect(sniffImageType(Buffer.from('GIF88a'))).toBeNull()
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeNull()
    expect(sniffImageType(HTML)).toBeNull()
  })
})
