/**
 * Cross-site request forgery with the session cookie (SPEC §9). The cookie is SameSite=Lax, which
 * does not stop a *same-site* page (another port on the same host, a sibling subdomain) from
 * posting a form with it. A state-changing request authenticated by the cookie must carry a JSON
 * body (multipart only on the upload route) and an Origin of this server (or SALLY_PUBLIC_URL), or
 * Sec-Fetch-Site: same-origin. Bearer and key requests are not affected.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { invites, uploads, webhooks, workspaceMembers } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createKey, seedWorld } from './helpers/fixtures'

const SERVER = 'http://localhost:4000'
const t = makeTestApp({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true', SALLY_PUBLIC_URL: 'https://sally.example.org/app' })
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
let ownerKey: string
beforeAll(async () => {
  w = await seedWorld(t.core)
  ownerKey = (await createKey(t.core, w.users.owner.id)).key
})

type Send = { headers?: Record<string, string>; body?: string | FormData; json?: unknown; as?: 'cookie' | 'bearer' | 'key' }

/** A request as a browser (or script) would send it to the server at SERVER. */
async function send(method: string, path: string, o: Send = {}) {
  const headers = new Headers(o.headers)
  headers.set('x-workspace-id', w.wsA.id)
  const as = o.as ?? 'cookie'
  if (as === 'cookie') headers.set('cookie', `sally_session=${w.tokens.owner}`)
  if (as === 'bearer') headers.set('authorization', `Bearer ${w.tokens.owner}`)
  if (as === 'key') headers.set('x-api-key', ownerKey)
  let body = o.body
  if (o.json !== undefined) {
    body = JSON.stringify(o.json)
    headers.set('content-type', 'application/json')
  }
  if (typeof body === 'string') headers.set('content-length', String(Buffer.byteLength(body)))
  const res = await t.app.handle(new Request(`${SERVER}${path}`, { method, headers, body }))
  return { status: res.status, body: (await res.json()) as any }
}

const counts = () => ({
  webhooks: t.db.select().from(webhooks).all().length,
  invites: t.db.select().from(invites).all().length,
  members: t.db.select().from(workspaceMembers).all().length,
  uploads: t.db.select().from(uploads).all().length,
})

const hook = { url: 'http://127.0.0.1:9/steal', events: ['*'] }
const hookForm = 'url=http%3A%2F%2F127.0.0.1%3A9%2Fsteal'
const inviteJson = () => ({ email: `attacker-${crypto.randomUUID()}@evil.example`, role: 'OWNER' })
const formData = (fields: Record<string, string>) => {
  const f = new FormData()
  for (const [k, v] of Object.entries(fields)) f.set(k, v)
  return f
}

describe('refused: cookie-authenticated writes that a cross-origin page could send', () => {
  const refused: [string, string, string, Send][] = [
    ['no Origin', 'POST', '/webhooks', { json: hook }],
    ['an Origin on another port of the same host', 'POST', '/webhooks', { json: hook, headers: { origin: 'http://localhost:5000' } }],
    ['an Origin on another scheme', 'POST', '/webhooks', { json: hook, headers: { origin: 'https://localhost:4000' } }],
    ['a sibling subdomain Origin', 'POST', '/webhooks', { json: hook, headers: { origin: 'http://evil.localhost:4000' } }],
    ['Origin: null (sandboxed frame, file://)', 'POST', '/webhooks', { json: hook, headers: { origin: 'null' } }],
    ['Sec-Fetch-Site: same-site', 'POST', '/webhooks', { json: hook, headers: { 'sec-fetch-site': 'same-site' } }],
    [
      'a form body, even with the right Origin',
      'POST',
      '/webhooks',
      { body: hookForm, headers: { origin: SERVER, 'content-type': 'application/x-www-form-urlencoded' } },
    ],
    [
      'a multipart body outside the upload route, even with the right Origin',
      'POST',
      '/webhooks',
      { body: formData({ url: hook.url }), headers: { origin: SERVER } },
    ],
    [
      'an invite as OWNER with another port’s Origin',
      'POST',
      `/workspaces/${'WS'}/invites`,
      { headers: { origin: 'http://localhost:5000' } },
    ],
    ['a form invite without Origin', 'POST', `/workspaces/${'WS'}/invites`, { body: 'email=a%40evil.example&role=OWNER' }],
    ['a DELETE without Origin', 'DELETE', `/workspaces/${'WS'}/members/${'MEMBER'}`, {}],
    ['PATCH /auth/me from another port', 'PATCH', '/auth/me', { json: { name: 'pwned' }, headers: { origin: 'http://localhost:5000' } }],
    ['an upload without Origin', 'POST', '/uploads', { body: formData({ file: 'x' }) }],
    ['logout from another port', 'POST', '/auth/logout', { headers: { origin: 'http://localhost:5000' } }],
  ]
  for (const [name, method, rawPath, o] of refused) {
    test(name, async () => {
      const path = rawPath.replace('WS', w.wsA.id).replace('MEMBER', w.users.member.id)
      const opts = path.endsWith('/invites') && !o.body ? { ...o, json: inviteJson() } : o
      if (typeof opts.body === 'string' && !opts.headers?.['content-type'])
        opts.headers = { ...opts.headers, 'content-type': 'application/x-www-form-urlencoded' }
      const before = counts()
      const r = await send(method, path, opts)
      expect(r.status).toBe(403)
      expect(r.body).toMatchObject({ ok: false, code: 'forbidden', error: 'Cross-site request refused.' })
      expect(counts()).toEqual(before)
      const me = await send('GET', '/auth/me')
      expect(me.status).toBe(200)
      expect(me.body.data.user.name).not.toBe('pwned')
    })
  }
})

test('text/plain (what a no-cors fetch sends) is refused before authentication (415), nothing written', async () => {
  const before = counts()
  const r = await send('POST', '/webhooks', { body: JSON.stringify(hook), headers: { origin: SERVER, 'content-type': 'text/plain' } })
  expect(r.status).toBe(415)
  expect(counts()).toEqual(before)
})

describe('allowed', () => {
  test('cookie, JSON body and this server’s Origin', async () => {
    const before = counts()
    const r = await send('POST', '/webhooks', { json: hook, headers: { origin: SERVER } })
    expect(r.status).toBe(201)
    expect(counts().webhooks).toBe(before.webhooks + 1)
  })

  test('cookie, JSON body and SALLY_PUBLIC_URL’s origin (behind a proxy that rewrites Host)', async () => {
    const r = await send('POST', `/workspaces/${w.wsA.id}/invites`, {
      json: inviteJson(),
      headers: { origin: 'https://sally.example.org' },
    })
    expect(r.status).toBe(201)
  })

  test('cookie, JSON body and Sec-Fetch-Site: same-origin without Origin', async () => {
    const r = await send('PATCH', '/auth/me', { json: { name: 'Owner' }, headers: { 'sec-fetch-site': 'same-origin' } })
    expect(r.status).toBe(200)
  })

  test('cookie, no body, this server’s Origin (DELETE)', async () => {
    const created = await send('POST', '/webhooks', { json: hook, headers: { origin: SERVER } })
    const r = await send('DELETE', `/webhooks/${created.body.data.id}`, { headers: { origin: SERVER } })
    expect(r.status).toBe(200)
  })

  test('cookie, multipart upload to /uploads with this server’s Origin', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
    const f = new FormData()
    f.set('file', new File([png], 'a.png', { type: 'image/png' }))
    const r = await send('POST', '/uploads', { body: f, headers: { origin: SERVER } })
    expect(r.status).toBe(201)
  })

  test('cookie reads need no Origin', async () => {
    expect((await send('GET', '/webhooks')).status).toBe(200)
  })

  test('bearer session without Origin, and with a form body', async () => {
    expect((await send('POST', '/webhooks', { as: 'bearer', json: hook })).status).toBe(201)
    const form = await send('POST', '/webhooks', {
      as: 'bearer',
      body: hookForm,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(form.status).toBe(201)
  })

  test('API key without Origin', async () => {
    expect((await send('POST', '/webhooks', { as: 'key', json: hook })).status).toBe(201)
  })

  test('a bearer token wins over a cookie sent alongside it', async () => {
    const headers = new Headers({
      authorization: `Bearer ${w.tokens.owner}`,
      cookie: `sally_session=${w.tokens.owner}`,
      'x-workspace-id': w.wsA.id,
      'content-type': 'application/json',
    })
    const body = JSON.stringify(hook)
    headers.set('content-length', String(body.length))
    const res = await t.app.handle(new Request(`${SERVER}/webhooks`, { method: 'POST', headers, body }))
    expect(res.status).toBe(201)
  })
})
