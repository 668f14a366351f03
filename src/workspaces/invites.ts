import { and, asc, eq, gt, isNull, lte, type SQL, sql } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import type { AcceptInviteInput } from '../auth/model'
import { newPassword } from '../auth/model'
import { checkPassword, hashPassword } from '../auth/passwords'
import { availableHandle } from '../auth/profile'
import { type ClientMeta, findUserByEmail, invalidCredentials, issueSession, sessionPrincipal } from '../auth/sessions'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { invites, users, workspaceMembers, workspaces } from '../db/schema'
import { badRequest, conflict, notFound } from '../errors'
import { pageLimit, paginate } from '../http/respond'
import { randomToken, sha256Hex } from '../lib/crypto'
import { iso } from '../lib/db-errors'
import { enqueueMail } from '../mail/outbox'
import { kickMailer } from '../mail/sender'
import { inviteMail } from '../mail/templates'
import { type Actor, type Principal, requireSessionForExchange } from '../permissions/actor'
import { requireInvitedAccount, requireWorkspaceActive } from '../permissions/rules'
import type { CreateInviteInput, Invite, ListInvitesQuery } from './model'

export const INVITE_TTL_MS = 7 * 86_400_000

type Row = typeof invites.$inferSelect

const statusOf = (r: Row, now: number): Invite['status'] =>
  r.acceptedAt ? 'accepted' : r.revokedAt ? 'revoked' : r.expiresAt.getTime() <= now ? 'expired' : 'pending'

const toInvite = (r: Row, now: number): Invite => ({
  id: r.id,
  workspaceId: r.workspaceId,
  email: r.email,
  role: r.role,
  status: statusOf(r, now),
  invitedBy: r.invitedBy,
  expiresAt: r.expiresAt.toISOString(),
  acceptedAt: iso(r.acceptedAt),
  revokedAt: iso(r.revokedAt),
  createdAt: r.createdAt.toISOString(),
})

const pendingWhere = (now: Date): SQL => and(isNull(invites.acceptedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now))!

/**
 * Invites someone by email with a role (workspace OWNER: members:write). The token goes only to the
 * invitee's mailbox, through the outbox in the same transaction (with no SMTP_URL the mail is written
 * to the log like every other mail); the inviter gets the invite without it, so accepting proves the
 * address. A newer invite to the same address replaces a pending one.
 */
export function createInvite(core: Core, actor: Actor, input: CreateInviteInput): Invite {
  const token = randomToken(32)
  const nowMs = core.clock.now()
  const now = new Date(nowMs)
  const created = core.db.transaction((tx) => {
    const member = tx
      .select({ id: users.id })
      .from(users)
      .innerJoin(workspaceMembers, and(eq(workspaceMembers.userId, users.id), eq(workspaceMembers.workspaceId, actor.workspace.id)))
      .where(sql`lower(${users.email}) = lower(${input.email})`)
      .get()
    if (member) throw conflict('This person is already a member of the workspace.')
    tx.update(invites)
      .set({ revokedAt: now })
      .where(and(eq(invites.workspaceId, actor.workspace.id), sql`lower(${invites.email}) = lower(${input.email})`, pendingWhere(now)))
      .run()
    const row = tx
      .insert(invites)
      .values({
        workspaceId: actor.workspace.id,
        email: input.email,
        role: input.role,
        tokenHash: sha256Hex(token),
        invitedBy: actor.user?.id ?? null,
        expiresAt: new Date(nowMs + INVITE_TTL_MS),
        createdAt: now,
      })
      .returning()
      .get()
    enqueueMail(
      core,
      tx,
      inviteMail(core, input.email, token, {
        workspaceName: actor.workspace.name,
        role: input.role,
        inviterName: actor.user?.name ?? null,
      }),
    )
    recordAudit(
      core,
      actor,
      {
        action: 'invite.created',
        workspaceId: actor.workspace.id,
        targetType: 'invite',
        targetId: row.id,
        meta: { email: input.email, role: input.role },
      },
      tx,
    )
    return row
  })
  kickMailer(core)
  return toInvite(created, nowMs)
}

export function listInvites(core: Core, actor: Actor, q: ListInvitesQuery) {
  const limit = pageLimit(q)
  const now = new Date(core.clock.now())
  const byStatus: Record<NonNullable<ListInvitesQuery['status']>, SQL> = {
    pending: pendingWhere(now),
    accepted: sql`${invites.acceptedAt} IS NOT NULL`,
    revoked: and(isNull(invites.acceptedAt), sql`${invites.revokedAt} IS NOT NULL`)!,
    expired: and(isNull(invites.acceptedAt), isNull(invites.revokedAt), lte(invites.expiresAt, now))!,
  }
  const rows = core.db
    .select()
    .from(invites)
    .where(
      and(
        eq(invites.workspaceId, actor.workspace.id),
        q.cursor ? gt(invites.id, q.cursor) : undefined,
        q.status ? byStatus[q.status] : undefined,
      ),
    )
    .orderBy(asc(invites.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.id)
  return { items: page.items.map((r) => toInvite(r, now.getTime())), nextCursor: page.nextCursor }
}

/** Revokes a pending invite (404 outside this workspace, 409 once accepted; revoking twice is harmless). */
export function revokeInvite(core: Core, actor: Actor, inviteId: string): Invite {
  return core.db.transaction((tx) => {
    const row = tx
      .select()
      .from(invites)
      .where(and(eq(invites.id, inviteId), eq(invites.workspaceId, actor.workspace.id)))
      .get()
    if (!row) throw notFound('Invite')
    if (row.acceptedAt) throw conflict('This invite has already been accepted: remove the member instead.')
    if (row.revokedAt) return toInvite(row, core.clock.now())
    const now = new Date(core.clock.now())
    const updated = tx.update(invites).set({ revokedAt: now }).where(eq(invites.id, row.id)).returning().get()!
    recordAudit(
      core,
      actor,
      { action: 'invite.revoked', workspaceId: actor.workspace.id, targetType: 'invite', targetId: row.id, meta: { email: row.email } },
      tx,
    )
    return toInvite(updated, now.getTime())
  })
}

const badInvite = () => badRequest('This invite is invalid, already used, revoked or expired.', 'token')

/** The pending invite of a token's SHA-256, or 400. */
export function pendingInviteByHash(core: Core, tx: DbOrTx, tokenHash: string): Row {
  const inv = tx.select().from(invites).where(eq(invites.tokenHash, tokenHash)).get()
  if (!inv || statusOf(inv, core.clock.now()) !== 'pending') throw badInvite()
  return inv
}

/** The pending invite of a token, or 400. */
export const pendingInvite = (core: Core, token: string): Row => pendingInviteByHash(core, core.db, sha256Hex(token))

type UserRow = typeof users.$inferSelect

/**
 * Uses an invite for `user` inside the caller's transaction: claims it (two concurrent accepts of one
 * token cannot both win), checks the workspace, adds the membership (an existing one keeps its role)
 * and records `invite.accepted`. `how` goes into the audit row (created account, provider).
 */
export function joinByInvite(core: Core, tx: DbOrTx, inv: Row, user: UserRow, meta: ClientMeta, how: Record<string, unknown>) {
  const now = new Date(core.clock.now())
  const claimed = tx
    .update(invites)
    .set({ acceptedAt: now })
    .where(and(eq(invites.id, inv.id), pendingWhere(now)))
    .returning({ id: invites.id })
    .all().length
  if (claimed === 0) throw badInvite()
  const ws = tx.select().from(workspaces).where(eq(workspaces.id, inv.workspaceId)).get()
  if (!ws) throw badInvite()
  requireWorkspaceActive(ws.suspendedAt !== null)
  tx.insert(workspaceMembers).values({ workspaceId: ws.id, userId: user.id, role: inv.role, createdAt: now }).onConflictDoNothing().run()
  const role = tx
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, ws.id), eq(workspaceMembers.userId, user.id)))
    .get()!.role
  recordAudit(
    core,
    sessionPrincipal(user, '', now),
    { action: 'invite.accepted', workspaceId: ws.id, targetType: 'invite', targetId: inv.id, ip: meta.ip, meta: { role, ...how } },
    tx,
  )
  return { workspace: { id: ws.id, slug: ws.slug, name: ws.name }, role }
}

/**
 * POST /auth/accept-invite. The invite's email decides the account:
 *  - no account with that email: one is created (name and password required; the address counts as
 *    verified, since the token was sent to it);
 *  - an account exists: the caller proves it is theirs, either by calling with a session of that
 *    user or with its current password. Logged in as someone else: 403.
 * The invite is used once; the answer carries a new session, so an API key, an MCP key or the global
 * token is refused (403) before anything else: a key is never exchanged for a session.
 * (A provider sign-in can accept an invite too: src/oidc, `start?invite=`.)
 */
export async function acceptInvite(core: Core, input: AcceptInviteInput, caller: Principal | null, meta: ClientMeta) {
  if (caller) requireSessionForExchange(caller)
  const inv = pendingInvite(core, input.token)
  const existing = findUserByEmail(core.db, inv.email)
  const callerId = caller?.user?.id ?? null
  if (caller) requireInvitedAccount(caller, existing?.id ?? null)
  let passwordHash: string | null = null
  if (existing && !callerId) {
    if (!(await checkPassword(core, existing.passwordHash, input.password ?? ''))) throw invalidCredentials()
  } else if (!existing) {
    if (!input.name) throw badRequest('A new account needs a name.', 'name')
    const pw = newPassword.safeParse(input.password ?? '')
    if (!pw.success) throw badRequest(`A new account needs a password: ${pw.error.issues[0]!.message}.`, 'password')
    passwordHash = await hashPassword(core, pw.data)
  }
  const now = new Date(core.clock.now())
  return core.db.transaction((tx) => {
    // An account made for this address since the checks above must prove itself like any other.
    if (!existing && findUserByEmail(tx, inv.email)) throw conflict('An account with this email now exists: accept the invite again.')
    let user = existing
    const created = !user
    if (!user) {
      user = tx
        .insert(users)
        .values({
          email: inv.email,
          name: input.name!,
          handle: availableHandle(tx, input.handle, input.handle ?? input.name ?? inv.email.split('@')[0]!),
          passwordHash,
          emailVerifiedAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get()
    } else if (user.emailVerifiedAt === null) {
      user = tx.update(users).set({ emailVerifiedAt: now }).where(eq(users.id, user.id)).returning().get()!
    }
    const joined = joinByInvite(core, tx, inv, user, meta, { created })
    const session = issueSession(core, tx, user, meta)
    return { ...joined, created, session }
  })
}
