import { createHash } from 'node:crypto'
import type { Config, OidcProviderConfig } from '../config'
import type { Core } from '../core'
import { isHttps } from '../http/context'
import { randomToken, safeEqual } from '../lib/crypto'
import { discover } from './provider'
import { OidcRefusal } from './refusal'

/**
 * The browser flow's pending sign-ins, kept server-side for 10 minutes and used once: the `state`
 * sent to the provider is also set in the browser as the httpOnly `sally_oidc` cookie, so a callback
 * is accepted only in the browser that started it (no login CSRF with someone else's code), and the
 * nonce and PKCE verifier never leave the server. In memory: a callback must reach the instance that
 * started the flow (sticky sessions when several instances serve one database).
 */
export type PendingFlow = {
  provider: string
  nonce: string
  verifier: string
  redirectUri: string
  returnTo: string
  /** The signed-in user linking this provider (Settings), else null. */
  linkingUserId: string | null
  /** The invite this sign-in accepts: the SHA-256 of its token (the token itself is not kept), else null. */
  inviteHash: string | null
  expiresAt: number
}

export const FLOW_COOKIE = 'sally_oidc'
export const FLOW_TTL_MS = 600_000
const MAX_PENDING = 10_000

const pending = new WeakMap<Core, Map<string, PendingFlow>>()
function flows(core: Core): Map<string, PendingFlow> {
  let m = pending.get(core)
  if (!m) pending.set(core, (m = new Map()))
  return m
}

const base64url = (b: Buffer) => b.toString('base64url')

/** Where the provider sends the browser back: SALLY_PUBLIC_URL (or this request's origin) + base path. */
export function callbackUrl(config: Config, request: Request, provider: string): string {
  const own = new URL(request.url)
  const origin =
    config.SALLY_PUBLIC_URL?.replace(/\/+$/, '') ?? `${isHttps(config, request) ? 'https' : own.protocol.slice(0, -1)}://${own.host}`
  return `${origin}${config.SALLY_BASE_PATH}/auth/oidc/${provider}/callback`
}

/** A path of this server to land on after signing in; anything else (another origin, `//host`) lands on the app's root. */
export function safeReturnTo(base: string, raw: string | undefined): string {
  const fallback = `${base}/`
  if (!raw?.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u001f]/.test(raw)) return fallback
  try {
    const u = new URL(raw, 'http://sally.invalid')
    return u.origin === 'http://sally.invalid' ? `${u.pathname}${u.search}${u.hash}` : fallback
  } catch {
    return fallback
  }
}

/** Starts a sign-in: the pending flow, and the provider's authorization URL (code flow, nonce, PKCE S256). */
export async function beginFlow(
  core: Core,
  p: OidcProviderConfig,
  o: { redirectUri: string; returnTo: string; linkingUserId: string | null; inviteHash: string | null },
): Promise<{ state: string; url: string }> {
  const d = await discover(core, p)
  const state = randomToken(32)
  const nonce = randomToken(32)
  const verifier = base64url(Buffer.from(randomToken(48)))
  const m = flows(core)
  const now = core.clock.now()
  if (m.size >= MAX_PENDING) for (const [k, f] of m) if (f.expiresAt <= now || m.size >= MAX_PENDING) m.delete(k)
  m.set(state, { provider: p.name, nonce, verifier, ...o, expiresAt: now + FLOW_TTL_MS })
  const url = new URL(d.authorization_endpoint)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', p.clientId)
  url.searchParams.set('redirect_uri', o.redirectUri)
  url.searchParams.set('scope', p.scopes)
  url.searchParams.set('state', state)
  url.searchParams.set('nonce', nonce)
  url.searchParams.set('code_challenge', base64url(createHash('sha256').update(verifier).digest()))
  url.searchParams.set('code_challenge_method', 'S256')
  return { state, url: url.toString() }
}

/**
 * Takes (once) the pending flow of a callback: `state` must equal the browser's `sally_oidc` cookie
 * and name a live flow of this provider; otherwise `state_mismatch`.
 */
export function takeFlow(core: Core, provider: string, state: string | undefined, cookie: string | undefined): PendingFlow {
  const mismatch = () =>
    new OidcRefusal('state_mismatch', 'forbidden', 'This sign-in was not started in this browser, or it expired: start again.')
  if (!state || !cookie || !safeEqual(state, cookie)) throw mismatch()
  const m = flows(core)
  const flow = m.get(state)
  m.delete(state)
  if (!flow || flow.provider !== provider || flow.expiresAt <= core.clock.now()) throw mismatch()
  return flow
}
