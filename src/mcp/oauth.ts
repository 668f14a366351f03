import { type DocumentDecoration, Elysia } from 'elysia'
import type { Core } from '../core'
import { AppError } from '../errors'
import { OAuthError } from '../oauth/errors'
import { authenticateAccessToken } from '../oauth/store'
import { resourceMetadataUrlOf, resourceOf } from '../oauth/urls'
import type { Principal } from '../permissions/actor'
import { grantLacks, OAUTH_SCOPES } from '../permissions/oauth'
import { type AuthDoc, chargeCredential } from '../permissions/plugin'
import { POST_DOC as KEY_POST_DOC, MCP_MAX_MESSAGES, methodNotAllowed, NOT_OFFERED_DOC, serveMcp } from './index'
import { TOOLS } from './tools'

/**
 * `/mcp/oauth` (SPEC §11): the same tools as `/mcp`, for OAuth access tokens issued by Sally's
 * authorization server (src/oauth). Only a token in the Authorization header, issued for this very
 * URL (RFC 8707 audience), is accepted; anything else is 401 with the discovery pointer (RFC 9728).
 */

const AUTH = { kind: 'principal' } satisfies AuthDoc

const DOC = {
  tags: ['MCP'],
  'x-sally-auth': AUTH,
  security: [{ bearer: [] }],
  description:
    'Model Context Protocol over Streamable HTTP for OAuth 2.1 clients (claude.ai and Claude Desktop connectors, ChatGPT): ' +
    'the tools of `/mcp`, for an access token (`sallyoat_…`) from `/oauth/token` sent as `Authorization: Bearer`, ' +
    'issued for this URL (RFC 8707). A 401 carries `WWW-Authenticate: Bearer resource_metadata="…/.well-known/oauth-protected-resource/mcp/oauth"`; ' +
    'a tool call needing a scope the grant lacks is 403 with `error="insufficient_scope"` naming it. The token acts as an MCP key of the granting user, ' +
    'narrowed by the granted scopes and workspace.',
} as DocumentDecoration

/** The same JSON-RPC request and answer as /mcp; its own credential and refusals. */
const POST_DOC: DocumentDecoration = {
  ...DOC,
  summary: 'MCP endpoint for OAuth access tokens (JSON-RPC over Streamable HTTP)',
  requestBody: KEY_POST_DOC.requestBody,
  responses: {
    200: KEY_POST_DOC.responses![200]!,
    202: { description: 'A notification was accepted.' },
    401: { description: 'No valid access token for this resource (WWW-Authenticate: Bearer resource_metadata=…).' },
    403: { description: 'forbidden, with WWW-Authenticate error="insufficient_scope" and the scope the grant lacks.' },
    406: KEY_POST_DOC.responses![406]!,
    413: { description: `payload_too_large: a batch of more than ${MCP_MAX_MESSAGES} JSON-RPC messages.` },
    429: { description: 'rate_limited.' },
  },
}

const quote = (s: string) => s.replace(/["\\]/g, '')

/** The challenge of a 401 or 403 (RFC 6750 §3, RFC 9728 §5.1). */
function challenge(core: Core, request: Request, o: { error?: string; description?: string; scope: string }): string {
  const parts = [
    ...(o.error ? [`error="${o.error}"`] : []),
    ...(o.description ? [`error_description="${quote(o.description)}"`] : []),
    `resource_metadata="${resourceMetadataUrlOf(core, request)}"`,
    `scope="${o.scope}"`,
  ]
  return `Bearer ${parts.join(', ')}`
}

/** The principal of the request's access token, or 401 with the discovery challenge. */
function authenticateDoor(core: Core, request: Request): Principal {
  const header = request.headers.get('authorization')
  const all = OAUTH_SCOPES.join(' ')
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
  if (!m)
    throw new AppError('missing_key', 'Authorization required: connect with OAuth (see WWW-Authenticate).', {
      headers: { 'www-authenticate': challenge(core, request, { scope: all }) },
    })
  try {
    return authenticateAccessToken(core, m[1]!, resourceOf(core, request))
  } catch (e) {
    if (!(e instanceof OAuthError)) throw e
    throw new AppError('invalid_key', e.description, {
      headers: { 'www-authenticate': challenge(core, request, { error: 'invalid_token', description: e.description, scope: all }) },
    })
  }
}

/**
 * A tool call needing a scope the grant lacks is refused before it runs, at the HTTP level, so the
 * client can ask the user for it (MCP authorization, step-up): 403 `insufficient_scope`.
 */
function refuseMissingScopes(core: Core, request: Request, principal: Principal, body: unknown): void {
  const messages = Array.isArray(body) ? body : [body]
  for (const msg of messages) {
    const m = msg as { method?: unknown; params?: { name?: unknown } } | null
    if (m?.method !== 'tools/call') continue
    const tool = TOOLS.find((t) => t.name === m.params?.name)
    const lacking = tool && grantLacks(principal, tool.permission)
    if (!lacking) continue
    const scope = [...(principal.credential.scopes ?? []), lacking].join(' ')
    throw new AppError('forbidden', `Missing ${lacking} permission: this app was not granted it.`, {
      permission: lacking,
      headers: {
        'www-authenticate': challenge(core, request, { error: 'insufficient_scope', description: `${tool.name} needs ${lacking}`, scope }),
      },
    })
  }
}

export function mcpOAuthRoutes(core: Core) {
  return new Elysia({ name: 'mcp-oauth' })
    .post(
      '/mcp/oauth',
      async ({ request, body, set }) => {
        const principal = authenticateDoor(core, request)
        const headers = set.headers as Record<string, string>
        chargeCredential(core, principal, 1, headers)
        refuseMissingScopes(core, request, principal, body)
        return serveMcp(core, principal, request, body, headers)
      },
      { detail: POST_DOC },
    )
    .get(
      '/mcp/oauth',
      ({ request }) => {
        authenticateDoor(core, request)
        return methodNotAllowed()
      },
      { detail: { ...NOT_OFFERED_DOC, ...DOC, summary: NOT_OFFERED_DOC.summary } },
    )
    .delete(
      '/mcp/oauth',
      ({ request }) => {
        authenticateDoor(core, request)
        return methodNotAllowed()
      },
      { detail: { ...NOT_OFFERED_DOC, ...DOC, summary: NOT_OFFERED_DOC.summary } },
    )
}
