import { Elysia } from 'elysia'
import type { Core } from '../core'
import { type Documented, documented } from '../docs/finish'
import { requestInfo } from '../http/context'
import { conflicts, envelope, ok } from '../http/respond'
import { refuseCrossSiteSignIn } from '../permissions/csrf'
import { publicRoute } from '../permissions/plugin'
import { acceptInvite } from '../workspaces/invites'
import { clientMeta, optionalPrincipal, setSessionCookie } from './http'
import {
  acceptedInvite,
  acceptInviteBody,
  authConfig,
  messageResult,
  registerBody,
  registered,
  requestResetBody,
  resendVerificationBody,
  resetPasswordBody,
  verifyEmailBody,
} from './model'
import { limitPublicAuth } from './passwords'
import { register, requestPasswordReset, resendVerification, resetPassword, verifyEmail } from './recovery'

const tags = ['Auth']
// Every route here is limited per client address (limitPublicAuth): 429 with Retry-After.
const publicDoc = (summary: string, description?: string, errors: Documented['errors'] = []) =>
  publicRoute({ tags, summary, description, ...documented({ rateLimited: true, errors }) })

/**
 * Public account routes: password reset, email verification, invite acceptance and (with
 * SALLY_ALLOW_SIGNUP=true) registration. Each is limited per client address like login.
 */
export function accountRoutes(core: Core) {
  const app = new Elysia({ name: 'auth-account', prefix: '/auth' })
    .post(
      '/request-password-reset',
      ({ body, request, set }) => {
        limitPublicAuth(core, 'reset-request', requestInfo(request).ip, set.headers)
        requestPasswordReset(core, body.email, clientMeta(request))
        return ok({ message: 'If an account exists for this address, a reset token has been sent to it.' })
      },
      {
        body: requestResetBody,
        detail: publicDoc(
          'Mail a password reset token',
          'Same answer whether or not the account exists. The token is valid for 1 hour, once.',
        ),
        response: { 200: envelope(messageResult) },
      },
    )
    .post(
      '/reset-password',
      async ({ body, request, set }) => {
        limitPublicAuth(core, 'reset', requestInfo(request).ip, set.headers)
        await resetPassword(core, body, clientMeta(request))
        return ok({
          message: body.revokeKeys
            ? 'Password changed; every session was ended and every API and MCP key revoked. Log in with the new password.'
            : 'Password changed; every session was ended (API and MCP keys kept). Log in with the new password.',
        })
      },
      {
        body: resetPasswordBody,
        detail: publicDoc(
          'Set a new password with a reset token',
          'Ends all sessions of the user and, unless `revokeKeys` is false, revokes all their API and MCP keys (default true: a key planted by someone who had access does not survive the reset). 400 `validation_error` for an unknown, used or expired token.',
        ),
        response: { 200: envelope(messageResult) },
      },
    )
    .post(
      '/verify-email',
      ({ body, request, set }) => {
        limitPublicAuth(core, 'verify', requestInfo(request).ip, set.headers)
        verifyEmail(core, body.token)
        return ok({ message: 'Email address verified.' })
      },
      { body: verifyEmailBody, detail: publicDoc('Confirm an email address with its token'), response: { 200: envelope(messageResult) } },
    )
    .post(
      '/resend-verification',
      async ({ body, request, set }) => {
        limitPublicAuth(core, 'resend', requestInfo(request).ip, set.headers)
        const caller = await optionalPrincipal(core, request, set.headers)
        resendVerification(core, caller, body.email)
        return ok({ message: 'If this account exists and is not verified yet, a verification token has been sent.' })
      },
      {
        body: resendVerificationBody,
        // A credential that is sent is checked: a bad one is 401.
        detail: publicDoc('Mail a new verification token', 'For the logged-in caller, or for `email`. Same answer either way.', [401]),
        response: { 200: envelope(messageResult) },
      },
    )
    .post(
      '/accept-invite',
      async ({ body, request, set, cookie }) => {
        refuseCrossSiteSignIn(core.config, request)
        limitPublicAuth(core, 'accept-invite', requestInfo(request).ip, set.headers)
        const caller = await optionalPrincipal(core, request, set.headers)
        const r = await acceptInvite(core, body, caller, clientMeta(request))
        setSessionCookie(core, request, cookie, r.session.token)
        return ok(r)
      },
      {
        body: acceptInviteBody,
        detail: {
          ...publicDoc(
            'Accept a workspace invite',
            'No account for the invited email: creates it (name and password required). An account exists: send its password, or call with a session of that account. Returns a new session, so an API key, an MCP key or the global token is refused (403 `forbidden`): a key is never exchanged for a session.',
            [401, 403],
          ),
          ...conflicts('an account with the invited email was created meanwhile (accept again)'),
        },
        response: { 200: envelope(acceptedInvite) },
      },
    )
    .get(
      '/config',
      () => ok({ signup: core.config.SALLY_ALLOW_SIGNUP, requireEmailVerification: core.config.SALLY_REQUIRE_EMAIL_VERIFICATION }),
      {
        detail: publicDoc(
          'What the sign-in page needs to know',
          '`signup`: whether `POST /auth/register` is open (SALLY_ALLOW_SIGNUP); `requireEmailVerification`: whether login waits for a verified address.',
        ),
        response: { 200: envelope(authConfig) },
      },
    )
  if (!core.config.SALLY_ALLOW_SIGNUP) return app
  return app.post(
    '/register',
    async ({ body, request, set, cookie }) => {
      refuseCrossSiteSignIn(core.config, request)
      limitPublicAuth(core, 'register', requestInfo(request).ip, set.headers)
      const r = await register(core, body, clientMeta(request))
      if (r.session) setSessionCookie(core, request, cookie, r.session.token)
      set.status = 201
      return ok(r)
    },
    {
      body: registerBody,
      detail: {
        ...publicDoc(
          'Create an account and a personal workspace (SALLY_ALLOW_SIGNUP=true only)',
          'Sends a verification mail. The session is null when SALLY_REQUIRE_EMAIL_VERIFICATION=true. 409 when the email is registered.',
        ),
        ...conflicts('an account with this email already exists'),
      },
      response: { 201: envelope(registered) },
    },
  )
}
