import { z } from 'zod'
import { authenticate } from '../auth/credentials'
import type { Core } from '../core'
import { AppError } from '../errors'
import type { Principal } from '../permissions/actor'
import type { Scope } from '../permissions/matrix'
import { requestedScopes } from '../permissions/oauth'
import { cookieValue, SESSION_COOKIE } from '../permissions/plugin'
import { type OAuthClient, resolveClient } from './clients'
import { errorPage } from './consent'
import { OAuthError } from './errors'
import { issuerOf, resourceOf } from './urls'

/** The parameters of an authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 8707), as strings. */
export const authorizeParams = z.object({
  response_type: z.string().optional(),
  client_id: z.string().max(2000).optional(),
  redirect_uri: z.string().max(2000).optional(),
  code_challenge: z.string().max(200).optional(),
  code_challenge_method: z.string().max(20).optional(),
  state: z.string().max(2000).optional(),
  scope: z.string().max(2000).optional(),
  resource: z.string().max(2000).optional(),
})
export type AuthorizeParams = z.infer<typeof authorizeParams>

export type AuthorizeRequest = {
  client: OAuthClient
  redirectUri: string
  state: string | undefined
  scopes: Scope[]
  resource: string
  codeChallenge: string
  /** The request's own parameters, to carry through the consent form. */
  params: Record<string, string>
}

/** The client's redirect URI with `params`, `state` and `iss` (RFC 9207) added. */
export function redirectWith(
  core: Core,
  request: Request,
  to: string,
  state: string | undefined,
  params: Record<string, string>,
  status = 302,
) {
  const url = new URL(to)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  if (state !== undefined) url.searchParams.set('state', state)
  url.searchParams.set('iss', issuerOf(core, request))
  return new Response(null, { status, headers: { location: url.toString(), 'cache-control': 'no-store' } })
}

/**
 * Checks an authorization request. A request naming an unknown client or a redirect URI that client
 * did not register is answered here with an error page (never redirected: RFC 6749 §4.1.2.1); any
 * other problem is sent back to the client's redirect URI as `error=`.
 */
export async function checkAuthorizeRequest(
  core: Core,
  request: Request,
  raw: unknown,
): Promise<{ ok: true; req: AuthorizeRequest } | { ok: false; response: Response }> {
  const parsed = authorizeParams.safeParse(raw ?? {})
  if (!parsed.success) return { ok: false, response: errorPage(400, 'The authorization request is malformed.') }
  const p = parsed.data
  if (!p.client_id) return { ok: false, response: errorPage(400, 'client_id is missing.') }
  let client: OAuthClient
  try {
    client = await resolveClient(core, p.client_id)
  } catch (e) {
    if (e instanceof OAuthError) return { ok: false, response: errorPage(400, e.description) }
    throw e
  }
  if (!p.redirect_uri || !client.redirectUris.includes(p.redirect_uri))
    return { ok: false, response: errorPage(400, 'redirect_uri is missing or is not one the client registered.') }
  const fail = (error: string, description: string) => ({
    ok: false as const,
    response: redirectWith(core, request, p.redirect_uri!, p.state, { error, error_description: description }),
  })
  if (p.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.')
  if (!p.code_challenge || !/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge))
    return fail('invalid_request', 'A PKCE code_challenge (S256) is required.')
  if (p.code_challenge_method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256.')
  const resource = resourceOf(core, request)
  if (!p.resource) return fail('invalid_target', `resource is required (RFC 8707): ${resource}.`)
  if (p.resource.replace(/\/$/, '') !== resource) return fail('invalid_target', `This server issues tokens for ${resource} only.`)
  const asked = requestedScopes(p.scope)
  if ('unknown' in asked) return fail('invalid_scope', `Unknown or ungrantable scope: ${asked.unknown}.`)
  const params: Record<string, string> = {}
  for (const [k, v] of Object.entries(p)) if (typeof v === 'string') params[k] = v
  return {
    ok: true,
    req: { client, redirectUri: p.redirect_uri, state: p.state, scopes: asked.scopes, resource, codeChallenge: p.code_challenge, params },
  }
}

/** The signed-in user of a browser request (the session cookie only), or null. */
export async function sessionOf(core: Core, request: Request): Promise<Principal | null> {
  const token = cookieValue(request.headers.get('cookie'), SESSION_COOKIE)
  if (!token) return null
  try {
    const p = await authenticate(core, { sessionCookie: token })
    return p.credential.kind === 'session' && p.user ? p : null
  } catch (e) {
    if (e instanceof AppError && e.status === 401) return null
    throw e
  }
}
