import { and, eq, gt, isNull } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { users, userTokens } from '../db/schema'
import { badRequest, conflict } from '../errors'
import { revokeAllKeys } from '../keys/service'
import { randomToken, sha256Hex } from '../lib/crypto'
import { enqueueMail } from '../mail/outbox'
import { kickMailer } from '../mail/sender'
import { passwordResetMail, verificationMail } from '../mail/templates'
import type { Principal } from '../permissions/actor'
import { insertWorkspace } from '../workspaces/service'
import type { RegisterInput, ResetPasswordInput } from './model'
import { hashPassword, quietLimit } from './passwords'
import { availableHandle } from './profile'
import { type ClientMeta, endSessions, findUserByEmail, issueSession, sessionPrincipal, toMeUser } from './sessions'

export const RESET_TTL_MS = 3_600_000
export const VERIFY_TTL_MS = 48 * 3_600_000
/** Mails of one kind to one account per hour, at most (further requests answer the same, silently). */
const MAILS_PER_HOUR = 5

type Purpose = (typeof userTokens.$inferSelect)['purpose']

/** Issues a single-use token for a user inside `tx`; only its SHA-256 is stored. */
function issueUserToken(core: Core, tx: DbOrTx, userId: string, purpose: Purpose, ttlMs: number): string {
  const token = randomToken(32)
  const now = core.clock.now()
  tx.insert(userTokens)
    .values({ userId, purpose, tokenHash: sha256Hex(token), expiresAt: new Date(now + ttlMs), createdAt: new Date(now) })
    .run()
  return token
}

const badToken = () => badRequest('This token is invalid, already used or expired.', 'token')

/** The live token row (unused, unexpired) for a presented token, or a 400. */
function liveToken(core: Core, db: DbOrTx, purpose: Purpose, token: string) {
  const now = new Date(core.clock.now())
  const row = db
    .select()
    .from(userTokens)
    .where(
      and(
        eq(userTokens.tokenHash, sha256Hex(token)),
        eq(userTokens.purpose, purpose),
        isNull(userTokens.usedAt),
        gt(userTokens.expiresAt, now),
      ),
    )
    .get()
  if (!row) throw badToken()
  return row
}

/** Marks every live token of this purpose of the user used (the presented one and any older ones). */
function useTokens(core: Core, tx: DbOrTx, userId: string, purpose: Purpose): void {
  tx.update(userTokens)
    .set({ usedAt: new Date(core.clock.now()) })
    .where(and(eq(userTokens.userId, userId), eq(userTokens.purpose, purpose), isNull(userTokens.usedAt)))
    .run()
}

/**
 * POST /auth/request-password-reset. Answers the same whether or not the account exists; when it
 * does, a token (1 h, single use) is mailed through the outbox. At most 5 reset mails per account per hour.
 */
export function requestPasswordReset(core: Core, email: string, meta: ClientMeta): void {
  const user = findUserByEmail(core.db, email)
  if (!user || !quietLimit(core, `resetmail:${user.id}`, MAILS_PER_HOUR, 3_600_000)) return
  core.db.transaction((tx) => {
    const token = issueUserToken(core, tx, user.id, 'password_reset', RESET_TTL_MS)
    enqueueMail(core, tx, passwordResetMail(core, user.email, token))
    recordAudit(core, null, { action: 'auth.password_reset_requested', targetType: 'user', targetId: user.id, ip: meta.ip }, tx)
  })
  kickMailer(core)
}

/**
 * POST /auth/reset-password: sets the new password, uses the token (and any other live reset token
 * of the account), ends every session of the user, revokes every API and MCP key unless
 * `revokeKeys` is false, and counts the address as verified (the token came through it).
 */
export async function resetPassword(core: Core, input: ResetPasswordInput, meta: ClientMeta): Promise<void> {
  liveToken(core, core.db, 'password_reset', input.token)
  const passwordHash = await hashPassword(core, input.password)
  core.db.transaction((tx) => {
    const row = liveToken(core, tx, 'password_reset', input.token)
    useTokens(core, tx, row.userId, 'password_reset')
    const user = tx.select().from(users).where(eq(users.id, row.userId)).get()!
    const now = new Date(core.clock.now())
    tx.update(users)
      .set({ passwordHash, emailVerifiedAt: user.emailVerifiedAt ?? now, updatedAt: now })
      .where(eq(users.id, user.id))
      .run()
    const ended = endSessions(tx, user.id)
    const keysRevoked = input.revokeKeys ? revokeAllKeys(core, tx, user.id) : 0
    recordAudit(
      core,
      null,
      { action: 'auth.password_reset', targetType: 'user', targetId: user.id, ip: meta.ip, meta: { sessionsEnded: ended, keysRevoked } },
      tx,
    )
  })
}

/** POST /auth/verify-email: records the address as verified. */
export function verifyEmail(core: Core, token: string): { email: string } {
  return core.db.transaction((tx) => {
    const row = liveToken(core, tx, 'email_verification', token)
    useTokens(core, tx, row.userId, 'email_verification')
    const user = tx.select().from(users).where(eq(users.id, row.userId)).get()!
    if (user.emailVerifiedAt === null)
      tx.update(users)
        .set({ emailVerifiedAt: new Date(core.clock.now()) })
        .where(eq(users.id, user.id))
        .run()
    return { email: user.email }
  })
}

function queueVerification(core: Core, tx: DbOrTx, user: { id: string; email: string }): void {
  const token = issueUserToken(core, tx, user.id, 'email_verification', VERIFY_TTL_MS)
  enqueueMail(core, tx, verificationMail(core, user.email, token))
}

/**
 * POST /auth/resend-verification, for the caller's account or for an email given in the body; the
 * answer is the same either way (nothing is sent for an unknown or already verified address).
 */
export function resendVerification(core: Core, caller: Principal | null, email: string | undefined): void {
  const uid = caller?.user?.id
  if (!uid && !email) throw badRequest('Give your email, or call this while logged in.', 'email')
  const user = uid ? core.db.select().from(users).where(eq(users.id, uid)).get() : findUserByEmail(core.db, email!)
  if (!user || user.emailVerifiedAt !== null) return
  if (!quietLimit(core, `verifymail:${user.id}`, MAILS_PER_HOUR, 3_600_000)) return
  core.db.transaction((tx) => queueVerification(core, tx, user))
  kickMailer(core)
}

/**
 * POST /auth/register (only with SALLY_ALLOW_SIGNUP=true): the account, a personal workspace it
 * OWNs, a verification mail, and a session, except when verification is required before login.
 * An email already registered is a 409 (sign-up cannot hide existence and still log you in).
 */
export async function register(core: Core, input: RegisterInput, meta: ClientMeta) {
  if (findUserByEmail(core.db, input.email)) throw conflict('An account with this email already exists: log in or reset the password.')
  const passwordHash = await hashPassword(core, input.password)
  const result = core.db.transaction((tx) => {
    if (findUserByEmail(tx, input.email)) throw conflict('An account with this email already exists: log in or reset the password.')
    const now = new Date(core.clock.now())
    const user = tx
      .insert(users)
      .values({
        email: input.email,
        name: input.name,
        handle: availableHandle(tx, input.handle, input.name),
        passwordHash,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get()
    const ws = insertWorkspace(core, tx, {
      name: input.workspaceName ?? `${input.name}'s workspace`,
      ownerUserId: user.id,
      createdBy: user.id,
    })
    queueVerification(core, tx, user)
    const session = core.config.SALLY_REQUIRE_EMAIL_VERIFICATION ? null : issueSession(core, tx, user, meta)
    const who = session ? sessionPrincipal(user, session.session.id, new Date(session.expiresAt)) : null
    recordAudit(core, who, { action: 'auth.registered', workspaceId: ws.id, targetType: 'user', targetId: user.id, ip: meta.ip }, tx)
    return { user: toMeUser(user), workspace: { id: ws.id, slug: ws.slug, name: ws.name }, session }
  })
  kickMailer(core)
  return result
}
