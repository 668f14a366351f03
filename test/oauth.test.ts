import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeTestApp, type TestApp } from './helpers/app'
import { createProjectRow, createSession, createUser, createWorkspace } from './helpers/fixtures'
import { INIT } from './helpers/mcp'
import { authorizeUrl, consent, type FetchFn, form, grantTokens, pkce, registerClient, rpc, tokenRequest, toolCall } from './helpers/oauth'

// In-process: the authorization server, the consent form and /mcp/oauth, through app.handle.
const ISSUER = 'http://localhost'
const DOOR = `${ISSUER}/mcp/oauth`
const REDIRECT = 'http://127.0.0.1:9/callback'

let t: TestApp
let f: FetchFn
let session: string
let wsA: { id: string }
let wsB: { id: string }
let projectA: { id: string }
let projectB: { id: string }

beforeAll(async () => {
  t = makeTestApp()
  f = (url, init) => t.app.handle(new Request(url, init))
  const ada = await createUser(t.core, { name: 'Ada' })
  wsA = createWorkspace(t.core, { name: 'Alpha', members: [[ada.id, 'OWNER']] })
  wsB = createWorkspace(t.core, { name: 'Beta', members: [[ada.id, 'OWNER']] })
  projectA = createProjectRow(t.core, wsA.id, { name: 'Apollo' })
  projectB = createProjectRow(t.core, wsB.id, { name: 'Borealis' })
  session = createSession(t.core, ada.id)
})
afterAll(() => t.close())

const call = async (token: string, name: string, args: Record<string, unknown> = {}) => {
  const res = await rpc(f, DOOR, token, toolCall(2, name, args))
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

describe('discovery', () => {
  test('/mcp/oauth without a token: 401 pointing at the protected-resource metadata, with the scopes', async () => {
    const res = await rpc(f, DOOR, null, INIT)
    expect(res.status).toBe(401)
    const h = res.headers.get('www-authenticate')!
    expect(h).toStartWith('Bearer ')
    expect(h).toContain(`resource_metadata="${ISSUER}/.well-known/oauth-protected-resource/mcp/oauth"`)
    expect(h).toContain('scope="user:read workspaces:read')
    expect(h).not.toContain('keys:write')
  })

  test('/mcp advertises no OAuth: its 401 is a bare Bearer challenge', async () => {
    const res = await rpc(f, `${ISSUER}/mcp`, null, INIT)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
    // Nothing a client of /mcp would probe by itself (RFC 9728 path-inserted and bare) describes it.
    expect((await f(`${ISSUER}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404)
    expect((await f(`${ISSUER}/.well-known/oauth-protected-resource`)).status).toBe(404)
  })

  test('protected-resource metadata (RFC 9728) and authorization-server metadata (RFC 8414)', async () => {
    const prm = (await (await f(`${ISSUER}/.well-known/oauth-protected-resource/mcp/oauth`)).json()) as any
    expect(prm.resource).toBe(DOOR)
    expect(prm.authorization_servers).toEqual([ISSUER])
    expect(prm.bearer_methods_supported).toEqual(['header'])
    const as = (await (await f(`${ISSUER}/.well-known/oauth-authorization-server`)).json()) as any
    expect(as.issuer).toBe(ISSUER)
    expect(as.code_challenge_methods_supported).toEqual(['S256'])
    expect(as.client_id_metadata_document_supported).toBe(true)
    expect(as.registration_endpoint).toBe(`${ISSUER}/oauth/register`)
    expect(as.revocation_endpoint).toBe(`${ISSUER}/oauth/revoke`)
    expect(as.authorization_response_iss_parameter_supported).toBe(true)
    // Browser-based clients read both from another origin, after a preflight.
    const pre = await f(`${ISSUER}/.well-known/oauth-authorization-server`, {
      method: 'OPTIONS',
      headers: { origin: 'https://inspector.example', 'access-control-request-headers': 'mcp-protocol-version' },
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-headers')).toContain('mcp-protocol-version')
    expect((await f(`${ISSUER}/.well-known/oauth-protected-resource/mcp/oauth`)).headers.get('access-control-allow-origin')).toBe('*')
  })

  test('under SALLY_BASE_PATH and SALLY_PUBLIC_URL, every URL is built from them; DCR off hides registration', async () => {
    const b = makeTestApp({ SALLY_BASE_PATH: '/api', SALLY_PUBLIC_URL: 'https://tasks.example.com', SALLY_OAUTH_DCR: 'false' })
    try {
      const res = await b.req('POST', '/mcp/oauth', { body: INIT, headers: { accept: 'application/json, text/event-stream' } })
      expect(res.headers.get('www-authenticate')).toContain(
        'resource_metadata="https://tasks.example.com/api/.well-known/oauth-protected-resource/mcp/oauth"',
      )
      const prm = (await b.req('GET', '/.well-known/oauth-protected-resource/mcp/oauth')).body
      expect(prm.resource).toBe('https://tasks.example.com/api/mcp/oauth')
      const as = (await b.req('GET', '/.well-known/oauth-authorization-server')).body
      expect(as.issuer).toBe('https://tasks.example.com/api')
      expect(as.token_endpoint).toBe('https://tasks.example.com/api/oauth/token')
      expect(as.registration_endpoint).toBeUndefined()
      expect((await b.req('POST', '/oauth/register', { body: { redirect_uris: [REDIRECT] } })).status).toBe(404)
    } finally {
      b.close()
    }
  })
})

describe('authorization', () => {
  test('a visitor who is not signed in is sent to the sign-in page, coming back to the same request', async () => {
    const clientId = await registerClient(f, ISSUER, REDIRECT)
    const url = authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge: pkce().challenge, resource: DOOR })
    const res = await f(url, { redirect: 'manual' })
    expect(res.status).toBe(302)
    const to = new URL(res.headers.get('location')!, ISSUER)
    expect(to.pathname).toBe('/signin')
    expect(to.searchParams.get('returnTo')).toBe(url.slice(ISSUER.length))
  })

  test('the consent page names the client, its host, the scopes and the workspaces; script-free CSP', async () => {
    const clientId = await registerClient(f, ISSUER, REDIRECT, 'Claude <script>')
    const url = authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge: pkce().challenge, resource: DOOR, scope: 'tasks:read' })
    const res = await f(url, { headers: { cookie: `sally_session=${session}` } })
    const html = await res.text()
    expect(html).toContain('Claude &lt;script&gt;')
    expect(html).toContain('127.0.0.1:9')
    expect(html).toContain('<code>tasks:read</code>')
    expect(html).not.toContain('<code>tasks:write</code>')
    expect(html).toContain('Alpha (OWNER)')
    expect(html).toContain('All my workspaces')
    const csp = res.headers.get('content-security-policy')!
    expect(csp).not.toContain('script-src')
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("form-action 'self' http://127.0.0.1:9")
  })

  test('the consent POST needs this server’s Origin and a session', async () => {
    const clientId = await registerClient(f, ISSUER, REDIRECT)
    const params = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      resource: DOOR,
      workspace: wsA.id,
      decision: 'approve',
    }
    const cookie = `sally_session=${session}`
    const post = (headers: Record<string, string>) =>
      f(`${ISSUER}/oauth/authorize`, { ...form(params), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } })
    expect((await post({ cookie, origin: 'https://evil.example' })).status).toBe(403)
    expect((await post({ cookie })).status).toBe(403)
    expect((await post({ origin: ISSUER })).status).toBe(401)
    expect((await post({ cookie, origin: ISSUER })).status).toBe(303)
  })

  test('deny sends access_denied with state and iss (RFC 9207)', async () => {
    const clientId = await registerClient(f, ISSUER, REDIRECT)
    const url = authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge: pkce().challenge, resource: DOOR, state: 'xyz' })
    const { location } = await consent(f, url, session, { workspace: wsA.id, decision: 'deny' })
    expect(location.origin + location.pathname).toBe(REDIRECT)
    expect(location.searchParams.get('error')).toBe('access_denied')
    expect(location.searchParams.get('state')).toBe('xyz')
    expect(location.searchParams.get('iss')).toBe(ISSUER)
  })

  test('bad requests: unknown redirect URI is an error page (never a redirect); no resource, plain PKCE or an unknown scope are sent back', async () => {
    const clientId = await registerClient(f, ISSUER, REDIRECT)
    const { challenge } = pkce()
    const cookie = { cookie: `sally_session=${session}` }
    const wrong = await f(authorizeUrl(ISSUER, { clientId, redirectUri: 'http://127.0.0.1:9/other', challenge, resource: DOOR }), {
      headers: cookie,
    })
    expect(wrong.status).toBe(400)
    expect(wrong.headers.get('location')).toBeNull()
    const errorOf = async (url: string) => new URL((await f(url, { headers: cookie, redirect: 'manual' })).headers.get('location')!)
    const noResource = new URL(authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge, resource: DOOR }))
    noResource.searchParams.delete('resource')
    expect((await errorOf(noResource.toString())).searchParams.get('error')).toBe('invalid_target')
    const other = authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge, resource: 'https://elsewhere.example/mcp' })
    expect((await errorOf(other)).searchParams.get('error')).toBe('invalid_target')
    const plain = new URL(authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge, resource: DOOR }))
    plain.searchParams.set('code_challenge_method', 'plain')
    const e = await errorOf(plain.toString())
    expect(e.searchParams.get('error')).toBe('invalid_request')
    expect(e.searchParams.get('iss')).toBe(ISSUER)
    const keys = authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge, resource: DOOR, scope: 'keys:write' })
    expect((await errorOf(keys)).searchParams.get('error')).toBe('invalid_scope')
  })

  test('registration refuses redirect URIs that are neither https nor loopback', async () => {
    const res = await f(`${ISSUER}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://attacker.example/cb'] }),
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).error).toBe('invalid_redirect_uri')
  })
})

describe('tokens', () => {
  test('code exchange: PKCE checked, single use; a second use revokes what the first gave', async () => {
    const clientId = await registerClient(f, ISSUER, REDIRECT)
    const { verifier, challenge } = pkce()
    const { location } = await consent(f, authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge, resource: DOOR }), session, {
      workspace: wsA.id,
    })
    const code = location.searchParams.get('code')!
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId }
    const bad = await tokenRequest(f, ISSUER, { ...base, code_verifier: pkce().verifier })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe('invalid_grant')
    const good = await tokenRequest(f, ISSUER, { ...base, code_verifier: verifier })
    expect(good.status).toBe(200)
    expect(good.body.token_type).toBe('Bearer')
    expect(good.body.expires_in).toBe(3600)
    expect((await call(good.body.access_token, 'whoami')).status).toBe(200)
    const again = await tokenRequest(f, ISSUER, { ...base, code_verifier: verifier })
    expect(again.body.error).toBe('invalid_grant')
    expect((await call(good.body.access_token, 'whoami')).status).toBe(401)
  })

  test('an expired code is refused', async () => {
    const clientId = await registerClient(f, ISSUER, REDIRECT)
    const { verifier, challenge } = pkce()
    const { location } = await consent(f, authorizeUrl(ISSUER, { clientId, redirectUri: REDIRECT, challenge, resource: DOOR }), session, {
      workspace: wsA.id,
    })
    t.clock.advance(61_000)
    const r = await tokenRequest(f, ISSUER, {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    })
    expect(r.body.error).toBe('invalid_grant')
  })

  test('refresh tokens rotate; presenting a used one revokes the whole grant', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id })
    const refresh = (token: string) =>
      tokenRequest(f, ISSUER, { grant_type: 'refresh_token', refresh_token: token, client_id: tk.clientId })
    const r1 = await refresh(tk.refresh_token)
    expect(r1.status).toBe(200)
    expect(r1.body.refresh_token).not.toBe(tk.refresh_token)
    expect((await call(r1.body.access_token, 'whoami')).status).toBe(200)
    const reuse = await refresh(tk.refresh_token)
    expect(reuse.body.error).toBe('invalid_grant')
    expect((await call(r1.body.access_token, 'whoami')).status).toBe(401)
    expect((await refresh(r1.body.refresh_token)).body.error).toBe('invalid_grant')
  })

  test('an access token lives one hour', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id })
    expect((await call(tk.access_token, 'whoami')).status).toBe(200)
    t.clock.advance(3_600_001)
    const res = await call(tk.access_token, 'whoami')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  test('revocation (RFC 7009) stops the very next call', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id })
    expect((await call(tk.access_token, 'list_projects')).status).toBe(200)
    const res = await f(`${ISSUER}/oauth/revoke`, form({ token: tk.refresh_token, client_id: tk.clientId }))
    expect(res.status).toBe(200)
    expect((await call(tk.access_token, 'list_projects')).status).toBe(401)
  })

  test('a token is refused outside /mcp/oauth, at another audience, and in the query string', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id })
    expect((await rpc(f, `${ISSUER}/mcp`, tk.access_token, INIT)).status).toBe(401)
    expect((await t.req('GET', '/auth/me', { as: tk.access_token })).status).toBe(401)
    // The same server reached under another name is another resource: the token's audience differs.
    const other = await rpc(f, 'http://127.0.0.1/mcp/oauth', tk.access_token, INIT)
    expect(other.status).toBe(401)
    expect(other.headers.get('www-authenticate')).toContain('another resource')
    expect((await rpc(f, `${DOOR}?access_token=${tk.access_token}`, null, INIT)).status).toBe(401)
  })

  test('both initialize-era revisions are negotiated on /mcp/oauth', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id })
    for (const version of ['2025-06-18', '2025-11-25']) {
      const res = await rpc(f, DOOR, tk.access_token, { ...INIT, params: { ...INIT.params, protocolVersion: version } })
      expect(((await res.json()) as any).result.protocolVersion).toBe(version)
    }
  })

  test('a sallymcp_ key is not an access token', async () => {
    const { createKey } = await import('./helpers/fixtures')
    const owner = await createUser(t.core)
    const key = await createKey(t.core, owner.id, { kind: 'mcp' })
    expect((await rpc(f, DOOR, (key as any).key, INIT)).status).toBe(401)
  })
})

describe('what a token may do', () => {
  test('it acts in the granted workspace only: another workspace is refused', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id })
    const inA = await call(tk.access_token, 'list_projects', { workspace: wsA.id })
    expect(inA.body.result.isError).toBeFalsy()
    expect(JSON.stringify(inA.body.result.structuredContent)).toContain(projectA.id)
    const inB = await call(tk.access_token, 'list_projects', { workspace: wsB.id })
    expect(inB.body.result.isError).toBe(true)
    expect(inB.body.result.structuredContent.code).toBe('scope_violation')
  })

  test('a grant for all workspaces reaches both', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: 'all' })
    const inB = await call(tk.access_token, 'list_projects', { workspace: wsB.id })
    expect(JSON.stringify(inB.body.result.structuredContent)).toContain(projectB.id)
  })

  test('a read-only grant reads, and creating is 403 insufficient_scope naming tasks:write', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id, scope: 'workspaces:read projects:read tasks:read' })
    expect(tk.scope).toBe('workspaces:read projects:read tasks:read')
    expect((await call(tk.access_token, 'list_tasks', { projectId: projectA.id })).body.result.isError).toBeFalsy()
    const res = await call(tk.access_token, 'create_task', { projectId: projectA.id, title: 'Nope' })
    expect(res.status).toBe(403)
    const h = res.headers.get('www-authenticate')!
    expect(h).toContain('error="insufficient_scope"')
    expect(h).toContain('tasks:write')
    expect(res.body.error).toContain('tasks:write')
  })

  test('grants are listed with the MCP keys and revoked there; the next call fails', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id })
    await call(tk.access_token, 'whoami')
    const list = await t.req('GET', '/auth/mcp-grants', { as: session })
    expect(list.status).toBe(200)
    const mine = list.body.data.find((g: any) => g.clientId === tk.clientId)
    expect(mine).toMatchObject({ clientName: 'Test Agent', workspaceId: wsA.id })
    expect(mine.lastUsedAt).not.toBeNull()
    const del = await t.req('DELETE', `/auth/mcp-grants/${mine.id}`, { as: session })
    expect(del.status).toBe(200)
    expect((await call(tk.access_token, 'whoami')).status).toBe(401)
    expect((await t.req('GET', '/auth/mcp-grants', { as: session })).body.data.some((g: any) => g.id === mine.id)).toBe(false)
  })

  test('another user cannot see or revoke a grant', async () => {
    const tk = await grantTokens(f, ISSUER, session, { workspace: wsA.id })
    const mine = (await t.req('GET', '/auth/mcp-grants', { as: session })).body.data.find((g: any) => g.clientId === tk.clientId)
    const eve = createSession(t.core, (await createUser(t.core)).id)
    expect((await t.req('GET', '/auth/mcp-grants', { as: eve })).body.data).toEqual([])
    expect((await t.req('DELETE', `/auth/mcp-grants/${mine.id}`, { as: eve })).status).toBe(404)
    expect((await call(tk.access_token, 'whoami')).status).toBe(200)
  })
})
