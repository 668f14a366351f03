import { eq } from 'drizzle-orm'
import { z } from 'zod'
import type { Core } from '../core'
import { oauthClients } from '../db/schema'
import { randomToken, safeEqual, sha256Hex } from '../lib/crypto'
import { fetchChecked } from '../webhooks/fetch-checked'
import { UnsafeUrlError } from '../webhooks/url-safety'
import { OAuthError } from './errors'
import { isAllowedRedirectUri } from './urls'

export type AuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic'

/** A client as the authorization server sees it, whichever way it registered. */
export type OAuthClient = {
  clientId: string
  name: string
  /** The host the user sees on the consent page: the metadata document's, or the first redirect URI's. */
  host: string
  redirectUris: string[]
  authMethod: AuthMethod
  secretHash: string | null
}

const redirectUris = z
  .array(z.string().max(2000).refine(isAllowedRedirectUri, 'redirect URIs must be https, or http on a loopback host, without a fragment'))
  .min(1)
  .max(20)

/** The fields of a client ID metadata document Sally reads (the rest is ignored). */
const metadataDocument = z.object({
  client_id: z.string(),
  client_name: z.string().trim().min(1).max(200).optional(),
  redirect_uris: redirectUris,
  token_endpoint_auth_method: z.literal('none').optional(),
})

/** RFC 7591 registration request: the fields Sally keeps; others are ignored. */
export const registrationRequest = z.object({
  redirect_uris: redirectUris,
  client_name: z.string().trim().min(1).max(200).optional(),
  token_endpoint_auth_method: z.enum(['none', 'client_secret_post', 'client_secret_basic']).optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  scope: z.string().max(1000).optional(),
})

const METADATA_MAX_BYTES = 10_000
const METADATA_TTL_MS = 10 * 60_000
const METADATA_TIMEOUT_MS = 5_000
const MAX_CACHED = 1_000

const hostOf = (url: string) => new URL(url).host

/** Whether a client_id names a metadata document (a URL) rather than a registered client. */
export const isMetadataClientId = (clientId: string) => /^https?:\/\//i.test(clientId)

/** Metadata documents fetched, per app: `clientId` → client, until its time is up. */
const cached = new WeakMap<Core, Map<string, { client: OAuthClient; until: number }>>()

/** Reads at most `max` bytes of a body; null when it is longer. */
async function readBounded(res: Response, max: number): Promise<string | null> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let n = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      n += value.byteLength
      if (n > max) return null
      chunks.push(value)
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/**
 * A client ID metadata document: the client_id is an https URL with a path; Sally fetches it
 * through the webhook SSRF guard (http and private addresses only with SALLY_WEBHOOK_ALLOW_PRIVATE),
 * follows no redirect, reads at most 10 kB, checks that it names itself and lists valid redirect
 * URIs, and caches it for ten minutes.
 */
async function metadataClient(core: Core, clientId: string): Promise<OAuthClient> {
  const now = core.clock.now()
  let cache = cached.get(core)
  if (!cache) cached.set(core, (cache = new Map()))
  const hit = cache.get(clientId)
  if (hit && hit.until > now) return hit.client
  const bad = (why: string) => new OAuthError('invalid_client', `Client ID metadata document ${clientId}: ${why}`)
  let url: URL
  try {
    url = new URL(clientId)
  } catch {
    throw bad('not a URL.')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && core.config.SALLY_WEBHOOK_ALLOW_PRIVATE))
    throw bad('must be an https URL.')
  if (url.pathname === '/' || url.hash || url.username || url.password)
    throw bad('must be a URL with a path, no fragment and no credentials.')
  let text: string | null
  try {
    const res = await fetchChecked(
      core,
      clientId,
      { method: 'GET', headers: { accept: 'application/json', 'user-agent': 'Sally-OAuth' } },
      AbortSignal.timeout(METADATA_TIMEOUT_MS),
    )
    if (res.status !== 200) {
      res.body?.cancel().catch(() => {})
      throw bad(`fetching it answered HTTP ${res.status}.`)
    }
    text = await readBounded(res, METADATA_MAX_BYTES)
  } catch (e) {
    if (e instanceof OAuthError) throw e
    if (e instanceof UnsafeUrlError) throw bad(e.message)
    throw bad('it could not be fetched.')
  }
  if (text === null) throw bad(`larger than ${METADATA_MAX_BYTES} bytes.`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw bad('not JSON.')
  }
  const doc = metadataDocument.safeParse(json)
  if (!doc.success) throw bad(`${doc.error.issues[0]!.path.join('.') || 'document'}: ${doc.error.issues[0]!.message}`)
  if (doc.data.client_id !== clientId) throw bad('its client_id is not its own URL.')
  const client: OAuthClient = {
    clientId,
    name: doc.data.client_name ?? url.host,
    host: url.host,
    redirectUris: doc.data.redirect_uris,
    authMethod: 'none',
    secretHash: null,
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!)
  cache.set(clientId, { client, until: now + METADATA_TTL_MS })
  return client
}

/** The client a `client_id` names: a metadata document URL, or a dynamically registered client. */
export async function resolveClient(core: Core, clientId: string): Promise<OAuthClient> {
  if (isMetadataClientId(clientId)) return metadataClient(core, clientId)
  const row = clientId.length <= 100 ? core.db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId)).get() : undefined
  if (!row) throw new OAuthError('invalid_client', 'Unknown client_id.', 401)
  return {
    clientId: row.clientId,
    name: row.name,
    host: hostOf(row.redirectUris[0]!),
    redirectUris: row.redirectUris,
    authMethod: row.authMethod,
    secretHash: row.secretHash,
  }
}

/**
 * Client authentication at the token and revocation endpoints: a public client names itself with
 * `client_id`; a confidential one (registered with a secret) must present it, in the body or in
 * HTTP Basic as it registered. Returns the authenticated client.
 */
export async function authenticateClient(core: Core, request: Request, body: Record<string, string | undefined>): Promise<OAuthClient> {
  let id = body.client_id
  let secret = body.client_secret
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
    const i = decoded.indexOf(':')
    if (i < 0) throw new OAuthError('invalid_client', 'Malformed Basic credentials.', 401)
    id = decodeURIComponent(decoded.slice(0, i))
    secret = decodeURIComponent(decoded.slice(i + 1))
  }
  if (!id) throw new OAuthError('invalid_request', 'client_id is required.')
  const client = await resolveClient(core, id)
  if (client.secretHash) {
    if (!secret || !safeEqual(sha256Hex(secret), client.secretHash))
      throw new OAuthError('invalid_client', 'Client authentication failed.', 401)
  }
  return client
}

/** RFC 7591: registers a client; a confidential one gets a secret, shown once. */
export function registerClient(core: Core, input: z.infer<typeof registrationRequest>) {
  const authMethod = input.token_endpoint_auth_method ?? 'none'
  if (input.grant_types?.some((g) => g !== 'authorization_code' && g !== 'refresh_token'))
    throw new OAuthError('invalid_client_metadata', 'Only the authorization_code and refresh_token grant types are supported.')
  if (input.response_types?.some((r) => r !== 'code'))
    throw new OAuthError('invalid_client_metadata', 'Only the code response type is supported.')
  const clientId = `sallyc_${randomToken(18)}`
  const secret = authMethod === 'none' ? null : `sallycs_${randomToken(32)}`
  const name = input.client_name ?? hostOf(input.redirect_uris[0]!)
  const row = core.db
    .insert(oauthClients)
    .values({ clientId, name, redirectUris: input.redirect_uris, authMethod, secretHash: secret ? sha256Hex(secret) : null })
    .returning()
    .get()
  return {
    client_id: clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(row.createdAt.getTime() / 1000),
    client_name: name,
    redirect_uris: input.redirect_uris,
    token_endpoint_auth_method: authMethod,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }
}
