import type { Config } from '../config'
import { AppError } from '../errors'
import { forwardedEntry, mediaType } from '../http/context'

/** Methods that change nothing: a cross-site page may trigger them, it cannot read their answers. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/**
 * The origins this server is reached at: the request's own (scheme, Host and port), its https form
 * when a trusted proxy says the client used https, and SALLY_PUBLIC_URL's.
 */
function ownOrigins(config: Pick<Config, 'SALLY_PUBLIC_URL' | 'SALLY_TRUST_PROXY'>, request: Request): string[] {
  const own = new URL(request.url)
  const origins = [own.origin]
  if (forwardedEntry(request.headers.get('x-forwarded-proto'), config.SALLY_TRUST_PROXY) === 'https') origins.push(`https://${own.host}`)
  const pub = config.SALLY_PUBLIC_URL && originOf(config.SALLY_PUBLIC_URL)
  if (pub) origins.push(pub)
  return origins
}

/**
 * SPEC §9, for a request whose credential is the session cookie (a browser sends it by itself, also
 * from a page on another port of the same host, which SameSite=Lax does not stop): a request that
 * changes state must come from this server's own pages, proven by an `Origin` of this server (or
 * SALLY_PUBLIC_URL) or by `Sec-Fetch-Site: same-origin` (headers a page cannot set), and any body
 * must be JSON (`multipart/form-data` only where the route reads uploads), which an HTML form cannot
 * send. Otherwise 403 `forbidden`. Bearer and key requests never reach this.
 */
export function refuseCrossSite(
  config: Pick<Config, 'SALLY_PUBLIC_URL' | 'SALLY_TRUST_PROXY'>,
  request: Request,
  o: { multipart?: boolean } = {},
): void {
  if (SAFE_METHODS.has(request.method)) return
  const origin = request.headers.get('origin')
  const sameOrigin =
    request.headers.get('sec-fetch-site') === 'same-origin' || (origin !== null && ownOrigins(config, request).includes(origin))
  const type = mediaType(request)
  const bodyOk = type === '' || type === 'application/json' || (o.multipart === true && type === 'multipart/form-data')
  if (!sameOrigin || !bodyOk) throw new AppError('forbidden', 'Cross-site request refused.')
}

/**
 * The routes that sign a browser in from a password or an invite (login, register, accept-invite):
 * a page on another site must not sign a visitor in to an account of its choosing (login CSRF).
 * Their body must be JSON, which an HTML form cannot send (415 otherwise), and a browser's request,
 * which carries `Origin` or `Sec-Fetch-Site`, must come from this server's own pages (403
 * otherwise). Scripts and curl send neither header and are unaffected.
 */
export function refuseCrossSiteSignIn(config: Pick<Config, 'SALLY_PUBLIC_URL' | 'SALLY_TRUST_PROXY'>, request: Request): void {
  const type = mediaType(request)
  if (type !== 'application/json') throw new AppError('unsupported_media_type', 'Send the body as application/json.')
  const origin = request.headers.get('origin')
  const site = request.headers.get('sec-fetch-site')
  const foreignOrigin = origin !== null && !ownOrigins(config, request).includes(origin)
  const foreignSite = site !== null && site !== 'same-origin' && site !== 'none'
  if (foreignOrigin || foreignSite) throw new AppError('forbidden', 'Cross-site request refused.')
}

/**
 * The OAuth consent form (`POST /oauth/authorize`), the one state-changing request a session cookie
 * may send as an HTML form: it must carry an `Origin` of this server (or SALLY_PUBLIC_URL), which
 * a page on another site cannot forge, and the form's own media type. Otherwise 403 `forbidden`.
 */
export function refuseCrossSiteForm(config: Pick<Config, 'SALLY_PUBLIC_URL' | 'SALLY_TRUST_PROXY'>, request: Request): void {
  const origin = request.headers.get('origin')
  const type = mediaType(request)
  if (origin === null || !ownOrigins(config, request).includes(origin) || type !== 'application/x-www-form-urlencoded')
    throw new AppError('forbidden', 'Cross-site request refused.')
}
