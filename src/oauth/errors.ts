/** An OAuth protocol error (RFC 6749 §5.2, RFC 7591 §3.2.2): `{ error, error_description }`. */
export class OAuthError extends Error {
  override name = 'OAuthError'
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description)
  }
}

/** OAuth endpoints answer in the protocol's format, never cached (RFC 6749 §5.1). */
export function oauthJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
  })
}

/** The error answer of a token, revocation or registration request (`ok: false` as every Sally error). */
export function oauthErrorResponse(e: OAuthError): Response {
  const headers: Record<string, string> = e.status === 401 ? { 'www-authenticate': 'Basic realm="sally"' } : {}
  return oauthJson({ ok: false, error: e.error, error_description: e.description }, e.status, headers)
}
