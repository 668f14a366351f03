/** Per-request facts set before anything else runs, readable from every hook (including onError). */
export type RequestInfo = { requestId: string; start: number; ip: string | null }

const infos = new WeakMap<Request, RequestInfo>()

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function beginRequest(request: Request, ip: string | null): RequestInfo {
  const given = request.headers.get('x-correlation-id') ?? request.headers.get('x-request-id')
  const info: RequestInfo = {
    requestId: given && VALID_ID.test(given) ? given : crypto.randomUUID(),
    start: performance.now(),
    ip,
  }
  infos.set(request, info)
  return info
}

export function requestInfo(request: Request): RequestInfo {
  return infos.get(request) ?? beginRequest(request, null)
}

/**
 * The entry of a comma-separated X-Forwarded-* header written by the outermost of `hops` trusted
 * proxies: the `hops`-th from the right. Entries to its left came from the client and may be
 * forged. A chain shorter than `hops` holds only proxy-written entries: its left-most is taken.
 */
export function forwardedEntry(header: string | null, hops: number): string | null {
  if (!header || hops <= 0) return null
  const entries = header
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
  return entries[Math.max(0, entries.length - hops)] ?? null
}

/** Whether the client reached us over https (directly, or through a trusted proxy), or cookies are forced Secure. */
export function isHttps(config: { SALLY_COOKIE_SECURE: boolean; SALLY_TRUST_PROXY: number }, request: Request): boolean {
  if (config.SALLY_COOKIE_SECURE) return true
  if (new URL(request.url).protocol === 'https:') return true
  return forwardedEntry(request.headers.get('x-forwarded-proto'), config.SALLY_TRUST_PROXY) === 'https'
}

/** A request body's media type, lower case, without parameters ('' when none is declared). */
export function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase()
}
