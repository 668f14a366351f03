import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { documented } from '../docs/finish'
import { requestInfo } from '../http/context'
import { envelope, listEnvelope, ok, okList, pageQuery } from '../http/respond'
import { refuseCrossSiteSignIn } from '../permissions/csrf'
import { authPlugin, publicRoute } from '../permissions/plugin'
import { clearSessionCookie, clientMeta, setSessionCookie } from './http'
import { loginBody, session, sessionGrant, sessionParams } from './model'
import { limitPublicAuth, warmDummyHash } from './passwords'
import { listSessions, login, logout, revokeSession } from './sessions'

const tags = ['Auth']

/** Login, logout and the caller's sessions. */
export function sessionRoutes(core: Core) {
  warmDummyHash(core)
  return new Elysia({ name: 'auth-sessions', prefix: '/auth' })
    .use(authPlugin(core))
    .post(
      '/login',
      async ({ body, request, set, cookie }) => {
        refuseCrossSiteSignIn(core.config, request)
        limitPublicAuth(core, 'login', requestInfo(request).ip, set.headers)
        const grant = await login(core, body, clientMeta(request))
        setSessionCookie(core, request, cookie, grant.token)
        return ok(grant)
      },
      {
        body: loginBody,
        detail: publicRoute({
          tags,
          ...documented({ rateLimited: true, errors: [401, 403] }),
          summary: 'Log in with email and password',
          description:
            'Returns a session token (also set as the httpOnly `sally_session` cookie). Wrong email and wrong password answer the same 401 `invalid_credentials`. Limited per client address (SALLY_LOGIN_RATE_LIMIT_PER_MINUTE, X-RateLimit-* headers, 429 with Retry-After). With SALLY_REQUIRE_EMAIL_VERIFICATION=true an unverified account gets 403 `forbidden`.',
        }),
        response: { 200: envelope(sessionGrant) },
      },
    )
    .post(
      '/logout',
      ({ principal, request, cookie }) => {
        logout(core, principal)
        clearSessionCookie(core, request, cookie)
        return ok({ loggedOut: true as const })
      },
      {
        principal: true,
        detail: { tags, summary: 'End the current session and clear the cookie (sessions only)' },
        response: { 200: envelope(z.object({ loggedOut: z.literal(true) })) },
      },
    )
    .get(
      '/sessions',
      ({ principal, query }) => {
        const r = listSessions(core, principal, query)
        return okList(r.items, r.nextCursor)
      },
      {
        principal: 'user:read',
        query: pageQuery,
        detail: { tags, summary: 'My live sessions, newest first (`current` marks this one)' },
        response: { 200: listEnvelope(session) },
      },
    )
    .delete(
      '/sessions/:id',
      ({ principal, params, request, cookie }) => {
        const r = revokeSession(core, principal, params.id)
        if (r.current) clearSessionCookie(core, request, cookie)
        return ok({ id: params.id, revoked: true as const })
      },
      {
        principal: 'keys:write',
        params: sessionParams,
        detail: {
          tags,
          summary: 'End one of my sessions',
          description: 'Another user’s session is 404. From an API key this needs keys:write granted explicitly (account management).',
        },
        response: { 200: envelope(z.object({ id: z.string(), revoked: z.literal(true) })) },
      },
    )
}
