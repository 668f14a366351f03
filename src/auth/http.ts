import type { Cookie } from 'elysia'
import type { Core } from '../core'
import { isHttps, requestInfo } from '../http/context'
import type { Principal } from '../permissions/actor'
import { authenticateRequest, SESSION_COOKIE } from '../permissions/plugin'
import type { ClientMeta } from './sessions'

/** Transport helpers shared by the auth controllers (cookies, client facts, optional credentials). */

export function clientMeta(request: Request): ClientMeta {
  return { ip: requestInfo(request).ip, userAgent: request.headers.get('user-agent') }
}

type Cookies = Record<string, Cookie<unknown>>

/** Sets the `sally_session` cookie: httpOnly, SameSite=Lax, path /, Secure behind https, as long as the session lives. */
export function setSessionCookie(core: Core, request: Request, cookie: Cookies, token: string): void {
  cookie[SESSION_COOKIE]!.set({
    value: token,
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(core.config, request),
    path: '/',
    maxAge: core.config.SALLY_SESSION_TTL_DAYS * 86_400,
  })
}

export function clearSessionCookie(core: Core, request: Request, cookie: Cookies): void {
  cookie[SESSION_COOKIE]!.set({
    value: '',
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(core.config, request),
    path: '/',
    maxAge: 0,
    expires: new Date(0),
  })
}

const hasCookie = (request: Request) => new RegExp(`(?:^|;)\\s*${SESSION_COOKIE}=`).test(request.headers.get('cookie') ?? '')

/**
 * For public routes that also accept a logged-in caller (accept-invite, resend-verification):
 * the principal when a credential is sent, null when none is. A bad Authorization/X-API-Key is
 * refused as anywhere else; a stale session cookie alone is ignored.
 */
export async function optionalPrincipal(core: Core, request: Request, headers: Record<string, unknown>): Promise<Principal | null> {
  const explicit = request.headers.has('authorization') || request.headers.has('x-api-key')
  if (!explicit && !hasCookie(request)) return null
  try {
    return await authenticateRequest(core, request, headers as Record<string, string>)
  } catch (e) {
    if (explicit) throw e
    return null
  }
}
