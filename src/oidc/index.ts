import { type Cookie, Elysia } from 'elysia'
import { z } from 'zod'
import { clientMeta, optionalPrincipal, setSessionCookie } from '../auth/http'
import { limitPublicAuth } from '../auth/passwords'
import { passwordUser, sessionPrincipal } from '../auth/sessions'
import type { Core } from '../core'
import { AppError } from '../errors'
import { isHttps, requestInfo } from '../http/context'
import { conflicts, envelope, ok } from '../http/respond'
import { sha256Hex } from '../lib/crypto'
import { refuseCrossSiteSignIn } from '../permissions/csrf'
import { authPlugin, publicRoute } from '../permissions/plugin'
import { workspaceOfPrincipal } from '../permissions/workspaces'
import { beginFlow, callbackUrl, FLOW_COOKIE, FLOW_TTL_MS, safeReturnTo, takeFlow } from './flow'
import { callbackQuery, identity, identityParams, providerParams, sessionAnswer, sessionBody, signInProvider, startQuery } from './model'
import { exchangeCode } from './provider'
import { OidcRefusal } from './refusal'
import { auditOidcFailure, listIdentities, liveInvite, providerOf, resolveIdentity, startSession, unlinkIdentity } from './service'

const tags = ['Auth']
type Cookies = Record<string, Cookie<unknown>>

const redirectDoc = (what: string) => ({ 302: { description: what } })

/** The sign-in page with an error code (`/signin?error=<code>`); the web app shows its message. */
const signInPage = (core: Core, e: unknown) => {
  const reason =
    e instanceof OidcRefusal ? e.reason : e instanceof AppError && e.code === 'rate_limited' ? 'rate_limited' : 'sign_in_failed'
  return `${core.config.SALLY_BASE_PATH}/signin?error=${reason}`
}

function setFlowCookie(core: Core, request: Request, cookie: Cookies, value: string, maxAge: number): void {
  cookie[FLOW_COOKIE]!.set({
    value,
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(core.config, request),
    path: `${core.config.SALLY_BASE_PATH}/auth/oidc`,
    maxAge,
  })
}

/** The hash of a pending invite's token for a sign-in that accepts it (not combined with linking). */
function invitedBy(core: Core, token: string, linkingUserId: string | null): string {
  if (linkingUserId)
    throw new OidcRefusal('invite_invalid', 'validation_error', 'Accept an invite by signing in, not while linking a provider.')
  return liveInvite(core, core.db, sha256Hex(token)).tokenHash
}

/** Sign-in providers (OpenID Connect, SPEC §10): the browser flow, POST /auth/session (seed 002), linked identities. */
export function oidcRoutes(core: Core) {
  const base = core.config.SALLY_BASE_PATH
  return new Elysia({ name: 'auth-oidc', prefix: '/auth' })
    .use(authPlugin(core))
    .get(
      '/providers',
      () => ok(core.config.oidcProviders.map((p) => ({ name: p.name, label: p.label, startUrl: `${base}/auth/oidc/${p.name}/start` }))),
      {
        detail: publicRoute({ tags, summary: 'The configured sign-in providers (a button each on the sign-in page)' }),
        response: { 200: envelope(z.array(signInProvider)) },
      },
    )
    .get(
      '/oidc/:provider/start',
      async ({ params, query, request, cookie, set, redirect }) => {
        try {
          const p = providerOf(core, params.provider)
          let linkingUserId: string | null = null
          if (query.link === 'true' || query.link === '1') {
            const caller = await optionalPrincipal(core, request, set.headers).catch(() => null)
            if (caller?.credential.kind !== 'session' || !caller.user)
              throw new OidcRefusal('sign_in_first', 'forbidden', 'Sign in first to link a provider to your account.')
            linkingUserId = caller.user.id
          }
          // An invite is checked now (a dead one fails before the trip to the provider) and again at the callback.
          const inviteHash = query.invite ? invitedBy(core, query.invite, linkingUserId) : null
          const flow = await beginFlow(core, p, {
            redirectUri: callbackUrl(core.config, request, p.name),
            returnTo: safeReturnTo(base, query.returnTo),
            linkingUserId,
            inviteHash,
          })
          setFlowCookie(core, request, cookie, flow.state, FLOW_TTL_MS / 1000)
          return redirect(flow.url, 302)
        } catch (e) {
          return redirect(signInPage(core, e), 302)
        }
      },
      {
        params: providerParams,
        query: startQuery,
        detail: publicRoute({
          tags,
          summary: 'Start signing in with a provider (browser)',
          description:
            'Redirects to the provider with `state`, `nonce` and PKCE S256; `state` is also set as the httpOnly `sally_oidc` cookie (10 minutes). `returnTo`: a path of this server to land on afterwards. `link=true` with a session: link the provider to this account instead. `invite=<token>`: the sign-in also accepts that invite, for the account of the invite’s address (created if there is none, even with sign-up off). Errors (unknown provider, provider unreachable, an invite no longer pending) redirect to `/signin?error=<code>`.',
          responses: redirectDoc('To the provider’s authorization page, or to `/signin?error=<code>`'),
        }),
      },
    )
    .get(
      '/oidc/:provider/callback',
      async ({ params, query, request, cookie, set, redirect }) => {
        const meta = clientMeta(request)
        const stateCookie = cookie[FLOW_COOKIE]?.value
        setFlowCookie(core, request, cookie, '', 0)
        try {
          limitPublicAuth(core, 'login', requestInfo(request).ip, set.headers)
          const p = providerOf(core, params.provider)
          const flow = takeFlow(core, p.name, query.state, typeof stateCookie === 'string' ? stateCookie : undefined)
          if (query.error)
            throw new OidcRefusal(
              query.error === 'access_denied' ? 'access_denied' : 'provider_error',
              'forbidden',
              `${p.label} refused the sign-in (${query.error}).`,
            )
          if (!query.code) throw new OidcRefusal('provider_error', 'forbidden', `${p.label} sent no authorization code.`)
          const idToken = await exchangeCode(core, p, { code: query.code, verifier: flow.verifier, redirectUri: flow.redirectUri })
          const r = await resolveIdentity(core, p, idToken, {
            nonce: flow.nonce,
            linkingUserId: flow.linkingUserId,
            inviteHash: flow.inviteHash,
            meta,
          })
          if (!flow.linkingUserId) {
            const how = { method: 'oidc', provider: p.name, created: r.created, linked: r.linked }
            const grant = startSession(core, r.user, meta, r.joined ? { ...how, workspaceId: r.joined.workspace.id } : how)
            setSessionCookie(core, request, cookie, grant.token)
          }
          return redirect(flow.returnTo, 302)
        } catch (e) {
          auditOidcFailure(core, params.provider, e, meta)
          if (!(e instanceof AppError)) core.log.error('oidc callback failed', { error: String(e) })
          return redirect(signInPage(core, e), 302)
        }
      },
      {
        params: providerParams,
        query: callbackQuery,
        detail: publicRoute({
          tags,
          summary: 'Where the provider sends the browser back (browser)',
          description:
            'Checks `state` against the `sally_oidc` cookie (once), exchanges the code with the PKCE verifier, verifies the ID token (signature, `iss`, `aud`, `exp`, `iat`, `nonce`), signs in (the `sally_session` cookie) and redirects to `returnTo`. Refusals redirect to `/signin?error=<code>`: `state_mismatch`, `access_denied`, `provider_error`, `provider_unavailable`, `invalid_token`, `email_not_verified`, `domain_not_allowed`, `signup_disabled`, `email_missing`, `identity_in_use`, `invite_invalid`, `invite_other_account`, `invite_existing_account`, `rate_limited`. Limited like login.',
          responses: redirectDoc('To `returnTo` signed in, or to `/signin?error=<code>`'),
        }),
      },
    )
    .post(
      '/session',
      async ({ body, request, set, cookie }) => {
        refuseCrossSiteSignIn(core.config, request)
        limitPublicAuth(core, 'login', requestInfo(request).ip, set.headers)
        const meta = clientMeta(request)
        let user: Awaited<ReturnType<typeof passwordUser>>
        let how: Record<string, unknown>
        if (body.provider === 'local') {
          user = await passwordUser(core, { email: body.email!, password: body.password! }, meta)
          how = { method: 'password' }
        } else {
          let p: ReturnType<typeof providerOf>
          try {
            p = providerOf(core, body.provider)
          } catch (e) {
            auditOidcFailure(core, body.provider.toLowerCase(), e, meta)
            throw e
          }
          const inviteHash = body.inviteToken ? invitedBy(core, body.inviteToken, null) : null
          const r = await resolveIdentity(core, p, body.idToken!, { nonce: null, inviteHash, meta })
          user = r.user
          how = {
            method: 'oidc',
            provider: p.name,
            created: r.created,
            linked: r.linked,
            ...(r.joined ? { joined: r.joined.workspace.id } : {}),
          }
        }
        const workspace = body.workspaceId ? workspaceOfPrincipal(core, sessionPrincipal(user, '', new Date(0)), body.workspaceId) : null
        const grant = startSession(core, user, meta, { ...how, ...(workspace ? { workspaceId: workspace.id } : {}) })
        setSessionCookie(core, request, cookie, grant.token)
        return ok({ ...grant, accessToken: grant.token, workspace })
      },
      {
        body: sessionBody,
        detail: {
          ...publicRoute({
            tags,
            summary: 'Get a session from a password or a provider’s ID token (seed 002)',
            description:
              '`{ provider: "local", email, password }` or `{ provider: "<name>", idToken }` (a configured provider, GET /auth/providers); with a provider, `inviteToken` also accepts that invite (as the browser flow’s `start?invite=`). Answers as POST /auth/login, the token also as `accessToken`; `workspaceId`, when given, must be a workspace of yours (404 otherwise) and is returned as `workspace`. The ID token is verified against the provider’s keys (`iss`, `aud` = the client id or SALLY_OIDC_<NAME>_AUDIENCES, `exp`, `iat`) and is accepted once. 401 `invalid_credentials` for a bad password or token, 403 `forbidden` when the account may not sign in this way (sign-up off, domain not allowed, an existing account with an unverified address), 404 for an unknown provider, 503 `service_unavailable` when the provider cannot be reached. Limited like login.',
          }),
        },
        response: { 200: envelope(sessionAnswer) },
      },
    )
    .get('/identities', ({ principal }) => ok(listIdentities(core, principal)), {
      principal: 'user:read',
      detail: { tags, summary: 'My linked sign-in provider identities' },
      response: { 200: envelope(z.array(identity)) },
    })
    .delete('/identities/:id', ({ principal, params, request }) => ok(unlinkIdentity(core, principal, params.id, clientMeta(request))), {
      principal: 'keys:write',
      params: identityParams,
      detail: {
        tags,
        summary: 'Unlink one of my provider identities',
        description:
          'Refused with 409 `conflict` when it is the last way to sign in (no password and no other identity). Another user’s identity is 404. From an API key this needs keys:write granted explicitly (account management).',
        ...conflicts('it is your last way to sign in'),
      },
      response: { 200: envelope(identity) },
    })
}
