import { z } from 'zod'
import { WORKSPACE_ROLES } from '../db/schema/common'
import { example } from '../http/example'
import { nameText } from '../http/text'

export const credentialInfo = z
  .object({
    kind: z.enum(['session', 'api_key', 'mcp_key', 'oauth', 'global']),
    keyId: z.string().nullable(),
    scopes: z.array(z.string()).nullable(),
    effectiveScopes: z.array(z.string()),
    workspaceId: z.string().nullable(),
    projectId: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .meta({ id: 'Credential' })

export const email = z.string().trim().max(254).pipe(z.email('Expected an email address'))
/** New passwords: 8 to 256 characters. */
export const newPassword = z.string().min(8, 'Use at least 8 characters').max(256)
export const handle = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_]{2,32}$/, 'Use 2 to 32 characters: a-z, 0-9 and _')
export const personName = nameText(100)
/** Tokens from mails and invites (random, url-safe). */
export const mailToken = z.string().trim().min(16).max(200)

export const meUser = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    handle: z.string(),
    platformRole: z.enum(['NONE', 'SUPERADMIN']),
    avatarUploadId: z.string().nullable(),
    emailVerified: z.boolean(),
    emailVerifiedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' })
export type MeUser = z.infer<typeof meUser>

export const membership = z
  .object({ workspaceId: z.string(), slug: z.string(), name: z.string(), role: z.enum(WORKSPACE_ROLES), suspended: z.boolean() })
  .meta({ id: 'Membership' })
export type Membership = z.infer<typeof membership>

export const me = z
  .object({
    kind: z.enum(['session', 'api_key', 'mcp_key', 'oauth', 'global']),
    /** Null for the global token, and for a key whose explicit scopes lack user:read. */
    user: meUser.nullable(),
    /** Empty for the global token and for a key whose explicit scopes lack workspaces:read; only the pinned workspace for a pinned key. */
    memberships: z.array(membership),
    credential: credentialInfo,
  })
  .meta({ id: 'Me' })
export type Me = z.infer<typeof me>

export const updateMeBody = z
  .strictObject({
    name: personName.optional(),
    handle: handle.optional(),
    /** An image you uploaded; null removes the avatar. */
    avatarUploadId: z.string().min(1).max(64).nullable().optional(),
    /** A new password; needs `currentPassword`. Ends your other sessions. */
    password: newPassword.optional(),
    currentPassword: z.string().min(1).max(1024).optional(),
  })
  .refine((b) => b.password === undefined || b.currentPassword !== undefined, {
    message: 'Changing the password needs currentPassword.',
    path: ['currentPassword'],
  })
export type UpdateMeInput = z.infer<typeof updateMeBody>

export const session = z
  .object({
    id: z.string(),
    /** True for the session making this request. */
    current: z.boolean(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'Session' })
export type Session = z.infer<typeof session>

export const sessionParams = z.object({ id: z.string().min(1).max(64) })

export const loginBody = z.strictObject({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) })
export type LoginInput = z.infer<typeof loginBody>

/** A new session: the token is shown once (also set as the sally_session cookie). */
export const sessionGrant = z
  .object({ token: z.string(), expiresAt: z.string(), session: session, user: meUser })
  .meta({ id: 'SessionGrant' })
export type SessionGrant = z.infer<typeof sessionGrant>

export const requestResetBody = z.strictObject({ email: z.string().trim().min(1).max(254) })
export const resetPasswordBody = z.strictObject({
  token: mailToken,
  password: newPassword,
  /** Also revoke every API and MCP key of the account (default true: a key someone else planted does not survive the reset). */
  revokeKeys: z.boolean().default(true),
})
export type ResetPasswordInput = z.infer<typeof resetPasswordBody>
export const verifyEmailBody = z.strictObject({ token: mailToken })
export const resendVerificationBody = z.strictObject({ email: z.string().trim().min(1).max(254).optional() })

export const registerBody = z.strictObject({
  email,
  password: newPassword,
  name: personName,
  handle: handle.optional(),
  /** Name of the personal workspace (default: "<name>'s workspace"). */
  workspaceName: nameText(100).optional(),
})
export type RegisterInput = z.infer<typeof registerBody>

export const registered = z
  .object({
    user: meUser,
    workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    /** Null when SALLY_REQUIRE_EMAIL_VERIFICATION=true: verify the address, then log in. */
    session: sessionGrant.nullable(),
  })
  .meta({ id: 'Registration' })

export const acceptInviteBody = z.strictObject({
  token: mailToken,
  /** For a new account: your name and a password (and optionally a handle). */
  name: personName.optional(),
  handle: handle.optional(),
  /** New account: the password to set. Existing account: its current password (unless you call this with a session of that user). */
  password: z.string().min(1).max(1024).optional(),
})
export type AcceptInviteInput = z.infer<typeof acceptInviteBody>

export const acceptedInvite = z
  .object({
    workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    role: z.enum(WORKSPACE_ROLES),
    /** True when the invite created the account. */
    created: z.boolean(),
    session: sessionGrant,
  })
  .meta({ id: 'AcceptedInvite' })

export const messageResult = z.object({ message: z.string() })

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(loginBody, { email: 'ada@example.com', password: 'correct horse battery staple' })
example(requestResetBody, { email: 'ada@example.com' })
example(resetPasswordBody, { token: '<token from the reset mail>', password: 'a new long passphrase', revokeKeys: true })
example(verifyEmailBody, { token: '<token from the verification mail>' })
example(resendVerificationBody, { email: 'ada@example.com' })
example(acceptInviteBody, {
  token: '<token from the invite mail>',
  name: 'Grace Hopper',
  handle: 'grace',
  password: 'correct horse battery staple',
})
example(updateMeBody, { name: 'Ada Lovelace' })
example(registerBody, { email: 'ada@example.com', password: 'correct horse battery staple', name: 'Ada Lovelace', handle: 'ada' })

/** GET /auth/config: public facts the sign-in page needs. */
export const authConfig = z.object({ signup: z.boolean(), requireEmailVerification: z.boolean() })
