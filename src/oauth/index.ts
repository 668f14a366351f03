import { Elysia } from 'elysia'
import { z } from 'zod'
import { recordAudit } from '../audit/service'
import type { Core } from '../core'
import { AppError } from '../errors'
import { requestInfo } from '../http/context'
import { rateLimitHeaders } from '../lib/rate-limit'
import { refuseCrossSiteForm } from '../permissions/csrf'
import { OAUTH_SCOPES } from '../permissions/oauth'
import { selectWorkspace } from '../permissions/workspaces'
import { listWorkspaces } from '../workspaces/service'
import { checkAuthorizeRequest, redirectWith, sessionOf } from './authorize'
import { authenticateClient, registerClient, registrationRequest } from './clients'
import { consentPage } from './consent'
import { OAuthError, oauthErrorResponse, oauthJson } from './errors'
import { exchangeCode, issueCode, refreshTokens, revokeToken } from './store'
import { issuerOf, resourceOf } from './urls'

/**
 * The authorization server inside Sally (SPEC §11) and the metadata that points MCP clients at it.
 * These are protocol endpoints, specified by their RFCs and found through the metadata documents:
 * they answer in OAuth's formats (form bodies, `{ error, error_description }`) and are kept out of
 * the OpenAPI document (`hide`), which describes Sally's own API.
 */

const HIDE = { hide: true } as const
const HOUR = 3_600_000
const REGISTRATIONS_PER_HOUR = 20

/** Browser-based MCP clients read the metadata and call the token endpoint from another origin. */
const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version' }
const preflight = () =>
  new Response(null, {
    status: 204,
    headers: { ...CORS, 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-max-age': '86400' },
  })
const json = (body: unknown, status = 200) => oauthJson(body, status, CORS)

/** A form (or JSON) body as string fields. */
const formBody = z.record(z.string(), z.unknown()).transform((o) => {
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v
  return out
})

/** Runs a protocol handler, answering OAuth errors in OAuth's format. */
async function protocol(fn: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await fn()
  } catch (e) {
    if (e instanceof OAuthError) {
      const r = oauthErrorResponse(e)
      for (const [k, v] of Object.entries(CORS)) r.headers.set(k, v)
      return r
    }
    throw e
  }
}

export function protectedResourceMetadata(core: Core, request: Request) {
  return {
    resource: resourceOf(core, request),
    authorization_servers: [issuerOf(core, request)],
    scopes_supported: OAUTH_SCOPES,
    bearer_methods_supported: ['header'],
    resource_name: 'Sally',
  }
}

export function oauthRoutes(core: Core) {
  const base = core.config.SALLY_BASE_PATH
  const prm = ({ request }: { request: Request }) => json(protectedResourceMetadata(core, request))
  const app = new Elysia({ name: 'oauth' })
    // RFC 9728, path-inserted for /mcp/oauth only: nothing at the bare well-known path, which a
    // client of /mcp would find by itself and take as OAuth being offered there.
    .get('/.well-known/oauth-protected-resource/mcp/oauth', prm, { detail: HIDE })
    .get(
      '/.well-known/oauth-authorization-server',
      ({ request }) => {
        const issuer = issuerOf(core, request)
        const methods = ['none', 'client_secret_post', 'client_secret_basic']
        return json({
          issuer,
          authorization_endpoint: `${issuer}/oauth/authorize`,
          token_endpoint: `${issuer}/oauth/token`,
          ...(core.config.SALLY_OAUTH_DCR ? { registration_endpoint: `${issuer}/oauth/register` } : {}),
          revocation_endpoint: `${issuer}/oauth/revoke`,
          scopes_supported: OAUTH_SCOPES,
          response_types_supported: ['code'],
          response_modes_supported: ['query'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_methods_supported: methods,
          revocation_endpoint_auth_methods_supported: methods,
          code_challenge_methods_supported: ['S256'],
          client_id_metadata_document_supported: true,
          authorization_response_iss_parameter_supported: true,
        })
      },
      { detail: HIDE },
    )
    .get(
      '/oauth/authorize',
      async ({ request, query }) => {
        const checked = await checkAuthorizeRequest(core, request, query)
        if (!checked.ok) return checked.response
        const principal = await sessionOf(core, request)
        const url = new URL(request.url)
        if (!principal) {
          const returnTo = `${base}/oauth/authorize${url.search}`
          return new Response(null, {
            status: 302,
            headers: { location: `${base}/signin?returnTo=${encodeURIComponent(returnTo)}`, 'cache-control': 'no-store' },
          })
        }
        const { req } = checked
        const workspaces = listWorkspaces(core, principal, { limit: 200 }).items.filter((w) => w.role)
        return consentPage({
          action: `${base}/oauth/authorize`,
          client: { name: req.client.name, host: req.client.host },
          user: { name: principal.user!.name, email: principal.user!.email },
          scopes: req.scopes,
          workspaces: workspaces.map((w) => ({ id: w.id, name: w.name, role: String(w.role) })),
          hidden: req.params,
          redirectOrigin: new URL(req.redirectUri).origin,
        })
      },
      { detail: HIDE },
    )
    .post(
      '/oauth/authorize',
      async ({ request, body }) => {
        refuseCrossSiteForm(core.config, request)
        const principal = await sessionOf(core, request)
        if (!principal) throw new AppError('missing_key', 'Sign in first: the consent form needs your session.')
        const form = formBody.parse(body ?? {})
        const checked = await checkAuthorizeRequest(core, request, form)
        if (!checked.ok) return checked.response
        const { req } = checked
        if (form.decision !== 'approve')
          return redirectWith(
            core,
            request,
            req.redirectUri,
            req.state,
            { error: 'access_denied', error_description: 'The user denied access.' },
            303,
          )
        const choice = form.workspace ?? ''
        // One workspace the user may select (the same selection rules as every route), or all of theirs.
        const workspaceId = choice === 'all' ? null : selectWorkspace(core, principal, { id: choice || '-' }).id
        const code = issueCode(core, {
          client: req.client,
          userId: principal.user!.id,
          workspaceId,
          scopes: req.scopes,
          redirectUri: req.redirectUri,
          codeChallenge: req.codeChallenge,
          resource: req.resource,
        })
        recordAudit(core, principal, {
          action: 'oauth_grant.approved',
          workspaceId,
          targetType: 'oauth_client',
          ip: requestInfo(request).ip,
          meta: { clientId: req.client.clientId, clientName: req.client.name, scopes: req.scopes },
        })
        return redirectWith(core, request, req.redirectUri, req.state, { code }, 303)
      },
      { detail: HIDE },
    )
    .post(
      '/oauth/token',
      ({ request, body }) =>
        protocol(async () => {
          const form = formBody.parse(body ?? {})
          const client = await authenticateClient(core, request, form)
          if (form.grant_type === 'authorization_code') {
            if (!form.code) throw new OAuthError('invalid_request', 'code is required.')
            return json(
              exchangeCode(core, client, {
                code: form.code,
                redirectUri: form.redirect_uri,
                codeVerifier: form.code_verifier,
                resource: form.resource,
              }),
            )
          }
          if (form.grant_type === 'refresh_token') {
            if (!form.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required.')
            return json(refreshTokens(core, client, { refreshToken: form.refresh_token, resource: form.resource }))
          }
          throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.')
        }),
      { detail: HIDE },
    )
    .post(
      '/oauth/revoke',
      ({ request, body }) =>
        protocol(async () => {
          const form = formBody.parse(body ?? {})
          const client = await authenticateClient(core, request, form)
          if (!form.token) throw new OAuthError('invalid_request', 'token is required.')
          revokeToken(core, client, form.token)
          return json({})
        }),
      { detail: HIDE },
    )
    .options('/.well-known/oauth-protected-resource/mcp/oauth', preflight, { detail: HIDE })
    .options('/.well-known/oauth-authorization-server', preflight, { detail: HIDE })
    .options('/oauth/token', preflight, { detail: HIDE })
    .options('/oauth/revoke', preflight, { detail: HIDE })
  if (!core.config.SALLY_OAUTH_DCR) return app
  return app.options('/oauth/register', preflight, { detail: HIDE }).post(
    '/oauth/register',
    ({ request, body }) =>
      protocol(() => {
        const now = core.clock.now()
        const r = core.limiter.hit(`oauthreg:${requestInfo(request).ip ?? 'unknown'}`, REGISTRATIONS_PER_HOUR, HOUR, now)
        if (!r.allowed)
          return oauthJson(
            { ok: false, error: 'rate_limited', error_description: 'Too many client registrations from this address.' },
            429,
            {
              ...CORS,
              ...rateLimitHeaders(r, now),
            },
          )
        const parsed = registrationRequest.safeParse(body ?? {})
        if (!parsed.success) {
          const i = parsed.error.issues[0]!
          const field = i.path.join('.')
          const error = field.startsWith('redirect_uris') ? 'invalid_redirect_uri' : 'invalid_client_metadata'
          throw new OAuthError(error, `${field || 'body'}: ${i.message}`)
        }
        return json(registerClient(core, parsed.data), 201)
      }),
    { detail: HIDE },
  )
}
