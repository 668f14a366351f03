import type { Core } from '../core'
import { forwardedEntry } from '../http/context'

/**
 * The public base of this server: SALLY_PUBLIC_URL when set, else the request's own origin (https
 * when a trusted proxy says so), followed by SALLY_BASE_PATH. The OAuth issuer is this URL.
 */
export function issuerOf(core: Core, request: Request): string {
  const pub = core.config.SALLY_PUBLIC_URL?.replace(/\/+$/, '')
  if (pub) return `${pub}${core.config.SALLY_BASE_PATH}`
  const url = new URL(request.url)
  const https = forwardedEntry(request.headers.get('x-forwarded-proto'), core.config.SALLY_TRUST_PROXY) === 'https'
  return `${https ? 'https:' : url.protocol}//${url.host}${core.config.SALLY_BASE_PATH}`
}

/** The protected resource (RFC 8707 audience of every token): the URL of /mcp/oauth. */
export const resourceOf = (core: Core, request: Request) => `${issuerOf(core, request)}/mcp/oauth`

/** Where the protected-resource metadata (RFC 9728) of /mcp/oauth is served (path-inserted, under the base path). */
export const resourceMetadataUrlOf = (core: Core, request: Request) =>
  `${issuerOf(core, request)}/.well-known/oauth-protected-resource/mcp/oauth`

/** https anywhere, or http on a loopback host (native apps, RFC 8252); never a fragment or credentials. */
export function isAllowedRedirectUri(raw: string): boolean {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return false
  }
  if (u.hash || u.username || u.password) return false
  if (u.protocol === 'https:') return true
  return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]')
}
