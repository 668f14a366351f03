import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose'
import type { OidcProviderConfig } from '../config'
import type { Core } from '../core'
import { AppError } from '../errors'
import { badToken, OidcRefusal } from './refusal'

const unreachable = (p: OidcProviderConfig, what: string) =>
  new OidcRefusal(
    'provider_unavailable',
    'service_unavailable',
    `The identity provider ${p.label} is unavailable (${what}); try again later.`,
  )

type Discovery = {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  jwks_uri: string
  token_endpoint_auth_methods_supported?: string[]
}

/** Keys and discovery are fetched again after a day; an unknown `kid` refreshes the keys at most this often. */
const DISCOVERY_TTL_MS = 86_400_000
const JWKS_REFRESH_FLOOR_MS = 30_000
/** Signatures accepted on ID tokens: asymmetric only (a shared-secret HS256 token is never accepted). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']
/** Microsoft's multi-tenant issuer names the tenant with this placeholder; the token's `tid` fills it. */
const TENANT = '{tenantid}'

type State = {
  discovery?: { at: number; value: Promise<Discovery> }
  jwks?: { at: number; value: Promise<ReturnType<typeof createLocalJWKSet>> }
}
const states = new WeakMap<Core, Map<string, State>>()
function stateOf(core: Core, name: string): State {
  let m = states.get(core)
  if (!m) states.set(core, (m = new Map()))
  let s = m.get(name)
  if (!s) m.set(name, (s = {}))
  return s
}

/** One request to the provider, within SALLY_OIDC_TIMEOUT_MS; a failure is a clear 503, never a hang. */
export async function providerFetch(core: Core, p: OidcProviderConfig, url: string, init: RequestInit = {}): Promise<unknown> {
  const ms = core.config.SALLY_OIDC_TIMEOUT_MS
  let res: Response
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(ms) })
  } catch (e) {
    const timeout = (e as Error).name === 'TimeoutError'
    core.log.warn('identity provider unreachable', { provider: p.name, url, error: String(e) })
    throw unreachable(p, timeout ? `no answer within ${ms} ms` : 'could not connect')
  }
  const text = await res.text().catch(() => '')
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {}
  if (!res.ok || body === null || typeof body !== 'object') {
    core.log.warn('identity provider answered an error', { provider: p.name, url, status: res.status })
    const err = (body as { error?: unknown } | null)?.error
    if (res.status === 400 && typeof err === 'string') throw badToken(`the provider refused the code (${err.slice(0, 60)})`)
    throw unreachable(p, `HTTP ${res.status}`)
  }
  return body
}

function cached<T>(core: Core, slot: { at: number; value: Promise<T> } | undefined, ttl: number, load: () => Promise<T>) {
  const now = core.clock.now()
  if (slot && now - slot.at < ttl) return slot
  const fresh = { at: now, value: load() }
  return fresh
}

/** The provider's discovery document, cached; a failed fetch is not cached. */
export async function discover(core: Core, p: OidcProviderConfig): Promise<Discovery> {
  const s = stateOf(core, p.name)
  const slot = cached(core, s.discovery, DISCOVERY_TTL_MS, async () => {
    const d = (await providerFetch(core, p, `${p.issuer}/.well-known/openid-configuration`)) as Partial<Discovery>
    for (const k of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const)
      if (typeof d[k] !== 'string') throw unreachable(p, `its discovery document has no ${k}`)
    if (d.issuer !== p.issuer && !d.issuer!.includes(TENANT)) throw unreachable(p, `its discovery names the issuer ${d.issuer}`)
    return d as Discovery
  })
  s.discovery = slot
  return slot.value.catch((e) => {
    if (s.discovery === slot) s.discovery = undefined
    throw e
  })
}

async function keys(core: Core, p: OidcProviderConfig, refresh: boolean) {
  const s = stateOf(core, p.name)
  const slot = refresh
    ? { at: core.clock.now(), value: loadKeys(core, p) }
    : cached(core, s.jwks, DISCOVERY_TTL_MS, () => loadKeys(core, p))
  s.jwks = slot
  return slot.value.catch((e) => {
    if (s.jwks === slot) s.jwks = undefined
    throw e
  })
}

async function loadKeys(core: Core, p: OidcProviderConfig) {
  const d = await discover(core, p)
  const set = (await providerFetch(core, p, d.jwks_uri)) as JSONWebKeySet
  if (!Array.isArray(set.keys)) throw unreachable(p, 'its key set has no keys')
  return createLocalJWKSet(set)
}

/** The verified claims of an ID token. */
export type IdClaims = JWTPayload & {
  iss: string
  sub: string
  email?: unknown
  email_verified?: unknown
  nonce?: unknown
  name?: unknown
  tid?: unknown
}

/**
 * Verifies an ID token with jose: signature against the provider's keys (an unknown `kid` refreshes
 * them once, at most every 30 s), `iss` (Microsoft's `{tenantid}` issuer filled from the token's
 * `tid`), `aud` (the client id or SALLY_OIDC_<NAME>_AUDIENCES), `exp`, `iat`, and the `nonce` when one
 * is expected.
 */
export async function verifyIdToken(core: Core, p: OidcProviderConfig, token: string, nonce: string | null): Promise<IdClaims> {
  const d = await discover(core, p)
  const template = d.issuer.includes(TENANT) ? d.issuer : null
  const options = {
    audience: p.audiences,
    issuer: template ? undefined : d.issuer,
    algorithms: ALGORITHMS,
    currentDate: new Date(core.clock.now()),
    clockTolerance: 60,
    maxTokenAge: '1 day',
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
  }
  let claims: IdClaims
  try {
    try {
      claims = (await jwtVerify(token, await keys(core, p, false), options)).payload as IdClaims
    } catch (e) {
      const last = stateOf(core, p.name).jwks?.at ?? 0
      if (!(e instanceof errors.JWKSNoMatchingKey) || core.clock.now() - last < JWKS_REFRESH_FLOOR_MS) throw e
      claims = (await jwtVerify(token, await keys(core, p, true), options)).payload as IdClaims
    }
  } catch (e) {
    if (e instanceof AppError) throw e
    throw badToken(describeJoseError(e))
  }
  if (template) {
    const tid = typeof claims.tid === 'string' && /^[0-9a-zA-Z-]{1,64}$/.test(claims.tid) ? claims.tid : null
    if (!tid || claims.iss !== template.replace(TENANT, tid)) throw badToken('unexpected "iss" claim value (not the tenant of "tid")')
  }
  if (nonce !== null && claims.nonce !== nonce) throw badToken(claims.nonce === undefined ? 'no nonce' : 'nonce mismatch')
  return claims
}

function describeJoseError(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'expired'
  if (e instanceof errors.JWTClaimValidationFailed) return e.message
  if (e instanceof errors.JWKSNoMatchingKey) return 'signed with an unknown key'
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'bad signature'
  if (e instanceof errors.JOSEError) return e.message
  return 'malformed'
}

/** Exchanges an authorization code (with its PKCE verifier) for the provider's ID token. */
export async function exchangeCode(
  core: Core,
  p: OidcProviderConfig,
  o: { code: string; verifier: string; redirectUri: string },
): Promise<string> {
  const d = await discover(core, p)
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: o.code,
    redirect_uri: o.redirectUri,
    code_verifier: o.verifier,
  })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  if (d.token_endpoint_auth_methods_supported?.includes('client_secret_post')) {
    form.set('client_id', p.clientId)
    form.set('client_secret', p.clientSecret)
  } else {
    const enc = (v: string) => encodeURIComponent(v)
    headers.authorization = `Basic ${Buffer.from(`${enc(p.clientId)}:${enc(p.clientSecret)}`).toString('base64')}`
  }
  const body = (await providerFetch(core, p, d.token_endpoint, { method: 'POST', headers, body: form })) as { id_token?: unknown }
  if (typeof body.id_token !== 'string') throw badToken('the provider answered without an ID token')
  return body.id_token
}
