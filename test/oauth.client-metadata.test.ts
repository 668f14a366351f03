// Client ID metadata documents: the client_id is a URL whose JSON Sally fetches through the webhook
// SSRF guard, checks and caches. A loopback server plays the client's website.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createSession, createUser, createWorkspace } from './helpers/fixtures'
import { authorizeUrl, consent, type FetchFn, pkce, tokenRequest } from './helpers/oauth'

const ISSUER = 'http://localhost'
const REDIRECT = 'http://127.0.0.1:9/callback'

let site: ReturnType<typeof Bun.serve>
let hits = 0
const docs: Record<string, (url: string) => Response> = {
  '/client.json': (url) => Response.json({ client_id: url, client_name: 'Metadata Agent', redirect_uris: [REDIRECT] }),
  '/impostor.json': () => Response.json({ client_id: 'https://claude.ai/client.json', client_name: 'Claude', redirect_uris: [REDIRECT] }),
  '/huge.json': (url) => Response.json({ client_id: url, client_name: 'x'.repeat(20_000), redirect_uris: [REDIRECT] }),
  '/redirect.json': () => new Response(null, { status: 302, headers: { location: '/client.json' } }),
  '/bad-redirect.json': (url) => Response.json({ client_id: url, redirect_uris: ['http://attacker.example/cb'] }),
}
beforeAll(() => {
  site = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      hits++
      const u = new URL(req.url)
      return docs[u.pathname]?.(`http://127.0.0.1:${site.port}${u.pathname}`) ?? new Response('no', { status: 404 })
    },
  })
})
afterAll(() => site.stop(true))

const docUrl = (path: string) => `http://127.0.0.1:${site.port}${path}`

async function world(env: Record<string, string>) {
  const t = makeTestApp(env)
  const f: FetchFn = (url, init) => t.app.handle(new Request(url, init))
  const user = await createUser(t.core)
  const ws = createWorkspace(t.core, { members: [[user.id, 'OWNER']] })
  return { t, f, ws, session: createSession(t.core, user.id) }
}

const open = (f: FetchFn, session: string, clientId: string) =>
  f(authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge: pkce().challenge, resource: `${ISSUER}/mcp/oauth` }), {
    headers: { cookie: `sally_session=${session}` },
  })

describe('client ID metadata documents', () => {
  test('by default a loopback or http client_id is refused (SSRF guard), with an error page and no fetch', async () => {
    const { t, f, session } = await world({})
    try {
      const before = hits
      const res = await open(f, session, docUrl('/client.json'))
      expect(res.status).toBe(400)
      expect(await res.text()).toContain('https')
      const https = await open(f, session, `https://127.0.0.1:${site.port}/client.json`)
      expect(https.status).toBe(400)
      expect(await https.text()).toContain('public address')
      expect(hits).toBe(before)
    } finally {
      t.close()
    }
  })

  test('with private targets allowed: fetched, shown by name and host, cached, and the code exchanged for tokens', async () => {
    const { t, f, ws, session } = await world({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true' })
    try {
      const clientId = docUrl('/client.json')
      const { verifier, challenge } = pkce()
      const url = authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge, resource: `${ISSUER}/mcp/oauth` })
      const before = hits
      const { location, page } = await consent(f, url, session, { workspace: ws.id })
      expect(page).toContain('Metadata Agent')
      expect(page).toContain(`127.0.0.1:${site.port}`)
      expect(hits).toBe(before + 1) // the page and the form's POST: one fetch, then the cache
      const r = await tokenRequest(f, ISSUER, {
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        client_id: clientId,
      })
      expect(r.status).toBe(200)
      const grants = (await t.req('GET', '/auth/mcp-grants', { as: session })).body.data
      expect(grants[0]).toMatchObject({ clientId, clientName: 'Metadata Agent' })
    } finally {
      t.close()
    }
  })

  test('a document naming another client, too large, redirected, or listing a non-https redirect URI is refused', async () => {
    const { t, f, session } = await world({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true' })
    try {
      for (const [path, why] of [
        ['/impostor.json', 'its client_id is not its own URL'],
        ['/huge.json', 'larger than'],
        ['/redirect.json', 'HTTP 302'],
        ['/bad-redirect.json', 'redirect_uris'],
        ['/missing.json', 'HTTP 404'],
      ] as const) {
        const res = await open(f, session, docUrl(path))
        expect(res.status, path).toBe(400)
        expect(await res.text(), path).toContain(why)
      }
    } finally {
      t.close()
    }
  })
})
