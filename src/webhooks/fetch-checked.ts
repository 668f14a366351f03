import { checkServerIdentity } from 'node:tls'
import type { Core } from '../core'
import { assertPublicTarget, parseWebhookUrl, resolveTarget, transportOf } from './url-safety'

/** Errors where nothing reached the server, so the next address of the host may be tried. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ConnectionRefused',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'FailedToOpenSocket',
  'ConnectionClosed',
])
const isConnectError = (e: unknown) => CONNECT_ERRORS.has(String((e as { code?: unknown })?.code))

/**
 * One outgoing request through the SSRF guard (webhook deliveries, OAuth client ID metadata
 * documents). The host is resolved and checked now and the request is sent to the checked address
 * itself (Host header and TLS server name keep the original name), so a DNS answer cannot change
 * between the check and the connection. Redirects are never followed. Throws UnsafeUrlError for a
 * refused target.
 */
export async function fetchChecked(
  core: Core,
  rawUrl: string,
  init: RequestInit & { headers: Record<string, string> },
  signal: AbortSignal,
) {
  const target = parseWebhookUrl(rawUrl)
  assertPublicTarget(core, target, [])
  const addresses = await resolveTarget(core, target, signal)
  assertPublicTarget(core, target, addresses)
  const headers = { ...init.headers, host: target.url.host }
  const ca = transportOf(core).ca
  const tls: BunFetchRequestInitTLS | undefined =
    target.url.protocol !== 'https:'
      ? undefined
      : target.isIp
        ? ca
          ? { ca }
          : undefined
        : { ...(ca ? { ca } : {}), serverName: target.host, checkServerIdentity: (_h, cert) => checkServerIdentity(target.host, cert) }
  const tries = Math.min(addresses.length, 3)
  for (const [i, ip] of addresses.slice(0, 3).entries()) {
    const connect = new URL(target.url)
    connect.hostname = ip.includes(':') ? `[${ip}]` : ip
    try {
      return await fetch(connect, { ...init, headers, redirect: 'manual', signal, ...(tls ? { tls } : {}) })
    } catch (e) {
      if (signal.aborted || !isConnectError(e) || i === tries - 1) throw e
    }
  }
  throw new Error('no address to connect to')
}
