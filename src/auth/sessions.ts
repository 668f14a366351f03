import { and, desc, eq, gt, lt, ne, sql } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { sessions, users } from '../db/schema'
import { AppError, notFound } from '../errors'
import { pageLimit, paginate } from '../http/respond'
import { randomToken, sha256Hex } from '../lib/crypto'
import { iso } from '../lib/db-errors'
import { type Principal, requireUser } from '../permissions/actor'
import type { LoginInput, MeUser, Session, SessionGrant } from './model'
import { checkPassword } from './passwords'

/** What the transport knows about the caller, handed to services as plain data. */
export type ClientMeta = { ip: string | null; userAgent: string | null }

type UserRow = typeof users.$inferSelect
type SessionRow = typeof sessions.$inferSelect

export const toMeUser = (u: UserRow): MeUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  handle: u.handle,
  platformRole: u.platformRole,
  avatarUploadId: u.avatarUploadId,
  emailVerified: u.emailVerifiedAt !== null,
  emailVerifiedAt: iso(u.emailVerifiedAt),
  createdAt: u.createdAt.toISOString(),
})

const toSession = (r: SessionRow, currentId: string | null): Session => ({
  id: r.id,
  current: r.id === currentId,
  ip: r.ip,
  userAgent: r.userAgent,
  createdAt: r.createdAt.toISOString(),
  lastSeenAt: r.lastSeenAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
})

export function findUserByEmail(db: DbOrTx, email: string): UserRow | undefined {
  return db.select().from(users).where(sql`lower(${users.email}) = lower(${email.trim()})`).get()
}

/** The principal of a session just issued (for audit rows written by the same request). */
export function sessionPrincipal(user: UserRow, sessionId: string, expiresAt: Date): Principal {
  return {
    user: { id: user.id, email: user.email, name: user.name, handle: user.handle, platformRole: user.platformRole },
    platformRole: user.platformRole,
    credential: { kind: 'session', id: sessionId, scopes: null, workspaceId: null, projectId: null, expiresAt, rateLimitPerHour: null },
  }
}

/**
 * Creates a session for a user inside `tx`: a 256-bit random token, of which only the SHA-256 is
 * stored (the same digest `authenticate` looks up). Returns the grant with the token, shown once.
 */
export function issueSession(core: Core, tx: DbOrTx, user: UserRow, meta: ClientMeta): SessionGrant {
  const token = randomToken(32)
  const now = core.clock.now()
  const row = tx
    .insert(sessions)
    .values({
      userId: user.id,
      tokenHash: sha256Hex(token),
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      createdAt: new Date(now),
      lastSeenAt: new Date(now),
      expiresAt: new Date(now + core.config.SALLY_SESSION_TTL_DAYS * 86_400_000),
    })
    .returning()
    .get()
  return { token, expiresAt: row.expiresAt.toISOString(), session: toSession(row, row.id), user: toMeUser(user) }
}

/** Ends a user's sessions, all or all but one. */
export function endSessions(tx: DbOrTx, userId: string, exceptId?: string | null): number {
  const where = exceptId ? and(eq(sessions.userId, userId), ne(sessions.id, exceptId)) : eq(sessions.userId, userId)
  return tx.delete(sessions).where(where).returning({ id: sessions.id }).all().length
}

const emailDomain = (email: string) => {
  const at = email.lastIndexOf('@')
  return at >= 0
    ? email
        .slice(at + 1)
        .toLowerCase()
        .slice(0, 100)
    : null
}

export const invalidCredentials = () => new AppError('invalid_credentials', 'Invalid email or password.')

/**
 * Email (case-insensitive) + password → a new session. An unknown email and a wrong password give
 * the same 401 after the same work (one full verify, against a dummy hash when there is no user).
 * With SALLY_REQUIRE_EMAIL_VERIFICATION, a right password on an unverified account is a 403 (said
 * only once the password is proven, so it reveals nothing to a guesser).
 */
export async function login(core: Core, input: LoginInput, meta: ClientMeta): Promise<SessionGrant> {
  const user = await passwordUser(core, input, meta)
  return core.db.transaction((tx) => {
    const grant = issueSession(core, tx, user, meta)
    const who = sessionPrincipal(user, grant.session.id, new Date(grant.expiresAt))
    recordAudit(core, who, { action: 'auth.login', targetType: 'user', targetId: user.id, ip: meta.ip }, tx)
    return grant
  })
}

/** The user an email and password prove, or the refusals `login` describes (audited). */
export async function passwordUser(core: Core, input: LoginInput, meta: ClientMeta): Promise<UserRow> {
  const user = findUserByEmail(core.db, input.email)
  const valid = await checkPassword(core, user?.passwordHash, input.password)
  if (!user || !valid) {
    recordAudit(core, null, {
      action: 'auth.login_failed',
      ip: meta.ip,
      meta: { emailDomain: emailDomain(input.email), reason: 'invalid_credentials' },
    })
    throw invalidCredentials()
  }
  if (core.config.SALLY_REQUIRE_EMAIL_VERIFICATION && user.emailVerifiedAt === null) {
    recordAudit(core, null, {
      action: 'auth.login_failed',
      targetType: 'user',
      targetId: user.id,
      ip: meta.ip,
      meta: { emailDomain: emailDomain(user.email), reason: 'email_not_verified' },
    })
    throw new AppError('forbidden', 'Email address not verified.')
  }
  return user
}

/** Ends the session making the request. Keys and the global token have no session to end. */
export function logout(core: Core, principal: Principal): void {
  if (principal.credential.kind !== 'session')
    throw new AppError('validation_error', 'Logout ends a session; revoke a key with DELETE /auth/api-keys/:id.', { issues: [] })
  core.db.delete(sessions).where(eq(sessions.id, principal.credential.id!)).run()
}

/** The caller's live sessions, newest first, the current one marked. */
export function listSessions(core: Core, principal: Principal, q: { limit?: number; cursor?: string }) {
  const user = requireUser(principal)
  const limit = pageLimit(q)
  const now = new Date(core.clock.now())
  const rows = core.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, user.id), gt(sessions.expiresAt, now), q.cursor ? lt(sessions.id, q.cursor) : undefined))
    .orderBy(desc(sessions.id))
    .limit(limit + 1)
    .all()
  const current = principal.credential.kind === 'session' ? principal.credential.id : null
  const page = paginate(rows, limit, (r) => r.id)
  return { items: page.items.map((r) => toSession(r, current)), nextCursor: page.nextCursor }
}

/** Ends one of the caller's sessions; anyone else's is 404. Returns whether it was the current one. */
export function revokeSession(core: Core, principal: Principal, id: string): { current: boolean } {
  const user = requireUser(principal)
  const gone = core.db
    .delete(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.userId, user.id)))
    .returning({ id: sessions.id })
    .all().length
  if (gone === 0) throw notFound('Session')
  return { current: principal.credential.kind === 'session' && principal.credential.id === id }
}
