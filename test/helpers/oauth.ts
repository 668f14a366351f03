// OAuth client steps over any fetch (in-process `app.handle`, or real HTTP to the binary): PKCE,
// dynamic registration, the consent form driven with a session cookie, token requests.
import { expect } from 'bun:test'

export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url')
  const challenge = new Bun.CryptoHasher('sha256').update(verifier).digest('base64url')
  return { verifier, challenge }
}

export const form = (o: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(o).toString(),
})

/** RFC 7591 registration of a public client; returns its client_id. */
export async function registerClient(f: FetchFn, issuer: string, redirectUri: string, name = 'Test Agent'): Promise<string> {
  const res = await f(`${issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { client_id: string }).client_id
}

/** The authorization URL a client sends the user to. */
export function authorizeUrl(
  issuer: string,
  o: { clientId: string; redirectUri: string; challenge: string; resource: string; scope?: string; state?: string },
): string {
  const u = new URL(`${issuer}/oauth/authorize`)
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    code_challenge: o.challenge,
    code_challenge_method: 'S256',
    resource: o.resource,
    state: o.state ?? 'st4te',
    ...(o.scope !== undefined ? { scope: o.scope } : {}),
  }).toString()
  return u.toString()
}

/**
 * What a signed-in user's browser does: opens the consent page, then submits its form (Allow or
 * Deny, one workspace or `all`) with the session cookie and this server's Origin. Returns the
 * redirect the server answered with.
 */
export async function consent(
  f: FetchFn,
  url: string,
  session: string,
  o: { workspace: string; decision?: 'approve' | 'deny' },
): Promise<{ location: URL; page: string }> {
  const cookie = `sally_session=${session}`
  const pageRes = await f(url, { headers: { cookie, accept: 'text/html' } })
  const page = await pageRes.text()
  expect(pageRes.status).toBe(200)
  expect(pageRes.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  const action = /<form method="post" action="([^"]+)"/.exec(page)![1]!
  const fields: Record<string, string> = {}
  const unHtml = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = unHtml(m[2]!)
  const origin = new URL(url).origin
  const res = await f(`${origin}${action}`, {
    ...form({ ...fields, workspace: o.workspace, decision: o.decision ?? 'approve' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin },
    redirect: 'manual',
  })
  expect(res.status).toBe(303)
  return { location: new URL(res.headers.get('location')!), page }
}

export type Tokens = { access_token: string; refresh_token: string; expires_in: number; scope: string; token_type: string }

export async function tokenRequest(f: FetchFn, issuer: string, params: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await f(`${issuer}/oauth/token`, form(params))
  return { status: res.status, body: await res.json() }
}

/** Registration (DCR), consent and code exchange in one: the tokens for `workspace`. */
export async function grantTokens(
  f: FetchFn,
  issuer: string,
  session: string,
  o: { workspace: string; scope?: string; redirectUri?: string; clientId?: string },
): Promise<Tokens & { clientId: string }> {
  const redirectUri = o.redirectUri ?? 'http://127.0.0.1:9/callback'
  const clientId = o.clientId ?? (await registerClient(f, issuer, redirectUri))
  const { verifier, challenge } = pkce()
  const url = authorizeUrl(issuer, { clientId, redirectUri, challenge, resource: `${issuer}/mcp/oauth`, scope: o.scope })
  const { location } = await consent(f, url, session, { workspace: o.workspace })
  const code = location.searchParams.get('code')
  expect(code).toBeTruthy()
  const r = await tokenRequest(f, issuer, {
    grant_type: 'authorization_code',
    code: code!,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    client_id: clientId,
    resource: `${issuer}/mcp/oauth`,
  })
  expect(r.status).toBe(200)
  return { ...(r.body as Tokens), clientId }
}

/** One JSON-RPC POST to an MCP door. */
export function rpc(f: FetchFn, url: string, token: string | null, body: unknown, headers: Record<string, string> = {}) {
  return f(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  })
}

export const toolCall = (id: number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
})
