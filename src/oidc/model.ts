import { z } from 'zod'
import { sessionGrant } from '../auth/model'
import { WORKSPACE_ROLES } from '../db/schema/common'
import { example } from '../http/example'

export const providerName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]{0,31}$/, 'Expected a provider name')
  .transform((s) => s.toLowerCase())

export const signInProvider = z
  .object({
    name: z.string(),
    /** Button text. */
    label: z.string(),
    /** Where the sign-in button points (under SALLY_BASE_PATH). */
    startUrl: z.string(),
  })
  .meta({ id: 'SignInProvider' })

export const providerParams = z.object({ provider: providerName })

export const startQuery = z.object({
  returnTo: z.string().max(2000).optional().describe('A path of this server to land on after signing in (anything else lands on `/`).'),
  link: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .describe('`true`: link the provider to the signed-in account (Settings) instead of signing in. Default false.'),
  invite: z
    .string()
    .max(200)
    .optional()
    .describe('An invite token (from the invite mail): signing in also accepts the invite, for the account of its address.'),
})

/** What the provider adds to the redirect back to Sally (a browser follows it; nobody calls this by hand). */
export const callbackQuery = z.object({
  code: z.string().max(4096).optional().describe('The authorization code the provider issued.'),
  state: z.string().max(200).optional().describe('The state Sally sent at the start, checked against the sign-in cookie.'),
  error: z.string().max(200).optional().describe('The provider’s error code when sign-in failed or was cancelled (e.g. `access_denied`).'),
  error_description: z.string().max(2000).optional().describe('The provider’s explanation of `error`.'),
  iss: z.string().max(2000).optional().describe('The issuer that answered (RFC 9207), when the provider sends it.'),
  session_state: z.string().max(2000).optional().describe('The provider’s session state (OpenID session management); not used.'),
})

/**
 * Seed 002: a session from a password (`provider: "local"`, `email`, `password`) or from a
 * provider's ID token (`provider: "<name>"`, `idToken`).
 */
export const sessionBody = z
  .strictObject({
    provider: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,31}$/, 'Expected "local" or a configured provider name')
      .describe("`local`, or a configured provider's name (`GET /auth/providers`), e.g. `google`."),
    email: z.string().trim().min(1).max(254).optional().describe('With `provider: "local"`: the email address of the account.'),
    password: z.string().min(1).max(1024).optional().describe('With `provider: "local"`: the password of the account.'),
    idToken: z
      .string()
      .min(10)
      .max(16_384)
      .optional()
      .describe(
        "With a provider: the ID token (JWT) the client got from it; its audience must be the provider's client id (or SALLY_OIDC_<NAME>_AUDIENCES).",
      ),
    workspaceId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('A workspace id to select: you must be a member; it comes back as `workspace`.'),
    inviteToken: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(
        "With a provider: an invite token (from the invite mail) to accept with this sign-in, for the account of the invite's address (created if there is none, even with sign-up off). Use POST /auth/accept-invite for a password.",
      ),
  })
  .superRefine((b, ctx) => {
    const local = b.provider === 'local'
    const need = local ? (['email', 'password'] as const) : (['idToken'] as const)
    const never = local ? (['idToken', 'inviteToken'] as const) : (['email', 'password'] as const)
    for (const k of need)
      if (b[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `Required with provider "${b.provider}"` })
    for (const k of never)
      if (b[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `Not allowed with provider "${b.provider}"` })
  })
export type SessionBody = z.infer<typeof sessionBody>

export const sessionAnswer = sessionGrant
  .extend({
    /** The same value as `token` (seed 002's name). */
    accessToken: z.string(),
    /** The workspace named by `workspaceId`, else null. */
    workspace: z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(WORKSPACE_ROLES) }).nullable(),
  })
  .meta({ id: 'SessionAnswer' })

export const identity = z
  .object({
    id: z.string(),
    /** The configured provider name it was linked through. */
    provider: z.string(),
    label: z.string(),
    issuer: z.string(),
    email: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'Identity' })
export type Identity = z.infer<typeof identity>

export const identityParams = z.object({ id: z.string().min(1).max(64) })

example(sessionBody, {
  provider: 'google',
  idToken: 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl',
  workspaceId: '0190a7c4-0000-7000-8000-000000000001',
})
