// A fake OpenID Connect provider on a loopback port, for the sign-in tests: discovery, JWKS, an
// authorize endpoint that approves at once (redirecting with a code), and a token endpoint that checks
// the client secret, the redirect URI and the PKCE verifier and issues ID tokens signed with keys made
// here with jose. Tests choose who signs in (`user`) and may tamper with the next token (`next`).
import { createHash } from 'node:crypto'
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'

type Key = { kid: string; privateKey: CryptoKey; jwk: JWK }

async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } }
}

export type FakeUser = { sub: string; email?: string; email_verified?: boolean; name?: string; [claim: string]: unknown }

export type FakeProviderOptions = {
  clientId?: string
  clientSecret?: string
  /**
   * Microsoft's multi-tenant shape: the issuer to configure is `<origin>/common/v2.0`, discovery names
   * `<origin>/{tenantid}/v2.0`, and tokens carry `iss` `<origin>/<tid>/v2.0` with the `tid` claim.
   */
  tenant?: string
}

export async function startFakeProvider(o: FakeProviderOptions = {}) {
  const clientId = o.clientId ?? 'sally-test-client'
  const clientSecret = o.clientSecret ?? 'sally-test-secret'
  let keys: Key[] = [await makeKey('key-1')]
  const codes = new Map<string, { nonce?: string; challenge: string; redirectUri: string; user: FakeUser }>()
  const seen = { jwks: 0, discovery: 0, token: 0 }
  const state = {
    user: { sub: 'user-1', email: 'ada@corp.test', email_verified: true, name: 'Ada Corp' } as FakeUser,
    /** Claims merged into the next ID token of the token endpoint (then cleared); `undefined` values remove a claim. */
    next: null as Record<string, unknown> | null,
    /** The authorize endpoint answers `error=access_denied` instead of a code. */
    deny: false,
  }

  const server: ReturnType<typeof Bun.serve> = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: async (req) => {
      const url = new URL(req.url)
      const path = o.tenant ? url.pathname.replace(/^\/common\/v2\.0/, '') : url.pathname
      if (path === '/.well-known/openid-configuration') {
        seen.discovery++
        return Response.json({
          issuer: o.tenant ? `${origin}/{tenantid}/v2.0` : issuer,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: `${origin}/token`,
          jwks_uri: `${origin}/jwks`,
          response_types_supported: ['code'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        })
      }
      if (url.pathname === '/jwks') {
        seen.jwks++
        return Response.json({ keys: keys.map((k) => k.jwk) })
      }
      if (url.pathname === '/authorize') {
        const q = url.searchParams
        const back = new URL(q.get('redirect_uri')!)
        back.searchParams.set('state', q.get('state') ?? '')
        if (state.deny || q.get('client_id') !== clientId || q.get('code_challenge_method') !== 'S256') {
          back.searchParams.set('error', 'access_denied')
        } else {
          const code = crypto.randomUUID()
          codes.set(code, {
            nonce: q.get('nonce') ?? undefined,
            challenge: q.get('code_challenge')!,
            redirectUri: q.get('redirect_uri')!,
            user: { ...state.user },
          })
          back.searchParams.set('code', code)
        }
        return new Response(null, { status: 302, headers: { location: back.toString() } })
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        seen.token++
        const form = new URLSearchParams(await req.text())
        const grant = codes.get(form.get('code') ?? '')
        codes.delete(form.get('code') ?? '')
        const verifier = form.get('code_verifier') ?? ''
        const challenge = createHash('sha256').update(verifier).digest('base64url')
        const clientOk = form.get('client_id') === clientId && form.get('client_secret') === clientSecret
        if (!grant || !clientOk || challenge !== grant.challenge || form.get('redirect_uri') !== grant.redirectUri)
          return Response.json({ error: 'invalid_grant' }, { status: 400 })
        const extra = state.next ?? {}
        state.next = null
        const id_token = await sign({ ...grant.user, nonce: grant.nonce, ...extra })
        return Response.json({ access_token: 'unused', token_type: 'Bearer', id_token })
      }
      return new Response('not found', { status: 404 })
    },
  })
  const origin: string = `http://127.0.0.1:${server.port}`
  /** The issuer Sally is configured with. */
  const issuer = o.tenant ? `${origin}/common/v2.0` : origin

  /**
   * An ID token for the current user, signed with the current key: `iss`, `aud` = client id, `iat`
   * now, `exp` in 5 minutes, overridden by `claims` (an `undefined` value removes a claim). `key`:
   * sign with another key (a bad signature) under the current key's `kid`, or with a `kid` of choice.
   */
  async function sign(claims: Record<string, unknown> = {}, opt: { key?: Key; kid?: string } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    const tokenIssuer = o.tenant ? `${origin}/${o.tenant}/v2.0` : issuer
    const body: Record<string, unknown> = {
      ...state.user,
      iss: tokenIssuer,
      aud: clientId,
      iat: now,
      exp: now + 300,
      ...(o.tenant ? { tid: o.tenant } : {}),
      ...claims,
    }
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k]
    const key = opt.key ?? keys[0]!
    return new SignJWT(body as JWTPayload).setProtectedHeader({ alg: 'RS256', kid: opt.kid ?? keys[0]!.kid }).sign(key.privateKey)
  }

  return {
    origin,
    issuer,
    clientId,
    clientSecret,
    state,
    seen,
    sign,
    makeKey,
    /** Replaces the signing key by a new one with a new `kid` (the old one disappears from the JWKS). */
    async rotate() {
      keys = [await makeKey(`key-${keys.length + 1}-${Date.now()}`)]
    },
    /** The SALLY_OIDC_* environment of a provider named `name` pointing here. */
    env(name = 'corp', extra: Record<string, string> = {}): Record<string, string> {
      const N = name.toUpperCase()
      return {
        SALLY_OIDC_PROVIDERS: name,
        [`SALLY_OIDC_${N}_ISSUER`]: issuer,
        [`SALLY_OIDC_${N}_CLIENT_ID`]: clientId,
        [`SALLY_OIDC_${N}_CLIENT_SECRET`]: clientSecret,
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`SALLY_OIDC_${N}_${k}`, v])),
      }
    },
    stop: () => server.stop(true),
  }
}

export type FakeProvider = Awaited<ReturnType<typeof startFakeProvider>>

/** The value a response sets for cookie `name` (null when it sets none). */
export function setCookie(res: Response, name: string): string | null {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';')
    const i = pair!.indexOf('=')
    if (pair!.slice(0, i).trim() === name) return decodeURIComponent(pair!.slice(i + 1))
  }
  return null
}

/** Sends a GET to Sally with optional cookies (in-process `app.handle`, or `fetch` to a real server). */
export type Send = (url: string, cookie?: string) => Promise<Response>

/**
 * The browser flow, redirect by redirect: Sally's start URL → the provider's authorize page (which
 * approves at once) → Sally's callback with the `sally_oidc` cookie the start set. `tamper` may
 * change the callback URL (e.g. its state) before it is sent.
 */
export async function browserSignIn(send: Send, startUrl: string, o: { cookie?: string; tamper?: (url: URL) => void } = {}) {
  const start = await send(startUrl, o.cookie)
  const flowCookie = setCookie(start, 'sally_oidc')
  const toProvider = start.headers.get('location') ?? ''
  if (start.status !== 302 || !flowCookie)
    return { start, callback: null, location: toProvider, session: null, flowCookie, callbackUrl: null }
  const approved = await fetch(toProvider, { redirect: 'manual' })
  const callbackUrl = new URL(approved.headers.get('location')!)
  o.tamper?.(callbackUrl)
  const callback = await send(callbackUrl.toString(), [o.cookie, `sally_oidc=${flowCookie}`].filter(Boolean).join('; '))
  return {
    start,
    callback,
    callbackUrl,
    location: callback.headers.get('location') ?? '',
    session: setCookie(callback, 'sally_session'),
    flowCookie,
  }
}
