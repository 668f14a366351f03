import { and, asc, count, eq } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import { availableHandle } from '../auth/profile'
import { type ClientMeta, findUserByEmail, issueSession, sessionPrincipal } from '../auth/sessions'
import type { OidcProviderConfig } from '../config'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { userIdentities, users } from '../db/schema'
import { AppError, notFound } from '../errors'
import { sha256Hex } from '../lib/crypto'
import { iso } from '../lib/db-errors'
import { type Principal, requireUser } from '../permissions/actor'
import { decideAccount, requireAnotherSignInMethod } from '../permissions/oidc'
import { joinByInvite, pendingInviteByHash } from '../workspaces/invites'
import { insertWorkspace } from '../workspaces/service'
import type { Identity } from './model'
import { type IdClaims, verifyIdToken } from './provider'
import { OidcRefusal, refused } from './refusal'

type UserRow = typeof users.$inferSelect

/** The configured provider of this name, or 404 (`unknown_provider` on the sign-in page). */
export function providerOf(core: Core, name: string): OidcProviderConfig {
  const p = core.config.oidcProviders.find((x) => x.name === name.toLowerCase())
  if (!p) throw new OidcRefusal('unknown_provider', 'not_found', `No sign-in provider is named ${name.slice(0, 40)}.`)
  return p
}

const emailDomain = (email: string | null) =>
  email
    ? email
        .slice(email.lastIndexOf('@') + 1)
        .toLowerCase()
        .slice(0, 100)
    : null

const audited = new WeakSet<object>()

/** Audit row of a refused provider sign-in (never the token, only the provider, the reason and the domain); once per error. */
export function auditOidcFailure(core: Core, provider: string, e: unknown, meta: ClientMeta, email: string | null = null): void {
  if (typeof e === 'object' && e !== null) {
    if (audited.has(e)) return
    audited.add(e)
  }
  const reason = e instanceof OidcRefusal ? e.reason : e instanceof AppError ? e.code : 'internal'
  recordAudit(core, null, {
    action: 'auth.login_failed',
    ip: meta.ip,
    meta: { method: 'oidc', provider, reason, emailDomain: emailDomain(email) },
  })
}

/**
 * ID tokens already exchanged for a session, until they expire: the same token is never exchanged
 * twice (an intercepted token cannot be replayed). Bounded; per app.
 */
const usedTokens = new WeakMap<Core, Map<string, number>>()
const MAX_USED = 50_000
function claimToken(core: Core, token: string, exp: number): void {
  let m = usedTokens.get(core)
  if (!m) usedTokens.set(core, (m = new Map()))
  const now = core.clock.now()
  const digest = sha256Hex(token)
  const until = m.get(digest)
  if (until !== undefined && until > now) throw new OidcRefusal('invalid_token', 'invalid_credentials', 'ID token refused: already used.')
  if (m.size >= MAX_USED) for (const [k, t] of m) if (t <= now || m.size >= MAX_USED) m.delete(k)
  m.set(digest, exp * 1000 + 60_000)
}

/** The pending invite a sign-in accepts, or the `invite_invalid` refusal (used, revoked or expired meanwhile). */
export function liveInvite(core: Core, tx: DbOrTx, hash: string) {
  try {
    return pendingInviteByHash(core, tx, hash)
  } catch {
    throw new OidcRefusal('invite_invalid', 'validation_error', 'This invite is invalid, already used, revoked or expired.')
  }
}

export type OidcSignIn = {
  user: UserRow
  /** The account was created by this sign-in. */
  created: boolean
  /** The identity was linked by this sign-in. */
  linked: boolean
  claims: IdClaims
  /** The invite the sign-in accepted: its workspace and the role held there. */
  joined: ReturnType<typeof joinByInvite> | null
}

/**
 * Verifies an ID token and resolves its account (src/permissions/oidc.ts decideAccount): the linked
 * user, a user it links to, or a new user with a personal workspace. `nonce`: the one the browser
 * flow sent (null for `POST /auth/session`). `linkingUserId`: the signed-in user linking a provider.
 * `inviteHash`: the invite this sign-in accepts (the account of its address; src/permissions/oidc.ts).
 */
export async function resolveIdentity(
  core: Core,
  p: OidcProviderConfig,
  token: string,
  o: { nonce: string | null; linkingUserId?: string | null; inviteHash?: string | null; meta: ClientMeta },
): Promise<OidcSignIn> {
  let email: string | null = null
  try {
    const claims = await verifyIdToken(core, p, token, o.nonce)
    claimToken(core, token, claims.exp ?? 0)
    email = typeof claims.email === 'string' && claims.email.includes('@') ? claims.email.trim().slice(0, 254) : null
    const emailVerified = claims.email_verified === true
    return core.db.transaction((tx) => {
      const identity = tx
        .select()
        .from(userIdentities)
        .where(and(eq(userIdentities.issuer, claims.iss), eq(userIdentities.subject, claims.sub)))
        .get()
      const emailUser = email ? findUserByEmail(tx, email) : undefined
      const invite = o.inviteHash ? liveInvite(core, tx, o.inviteHash) : null
      const decision = decideAccount({
        invite: invite ? { email: invite.email, userId: findUserByEmail(tx, invite.email)?.id ?? null } : null,
        provider: p,
        email,
        emailVerified,
        identityUserId: identity?.userId ?? null,
        emailUserId: emailUser?.id ?? null,
        linkingUserId: o.linkingUserId ?? null,
      })
      const now = new Date(core.clock.now())
      // An invited account's address is the invite's, proven by its token.
      const newEmail = invite ? invite.email : email!
      if (core.config.SALLY_REQUIRE_EMAIL_VERIFICATION && decision.kind === 'create' && !emailVerified && !invite)
        throw refused('email_not_verified', `${p.label} does not confirm this address, and this server signs in verified addresses only.`)
      let user: UserRow
      if (decision.kind === 'create') {
        const name = (typeof claims.name === 'string' && claims.name.trim().slice(0, 100)) || newEmail.split('@')[0]!
        user = tx
          .insert(users)
          .values({
            email: newEmail,
            name,
            handle: availableHandle(tx, undefined, name),
            passwordHash: null,
            emailVerifiedAt: emailVerified || invite ? now : null,
            createdAt: now,
            updatedAt: now,
          })
          .returning()
          .get()
        // An invited person joins the invite's workspace instead of getting a personal one (as with POST /auth/accept-invite).
        if (!invite) insertWorkspace(core, tx, { name: `${name}'s workspace`, ownerUserId: user.id, createdBy: user.id })
      } else {
        user = tx.select().from(users).where(eq(users.id, decision.userId)).get()!
        // Linked because the provider vouches for the address (or the invite's token proves it): it counts as verified.
        if ((decision.kind === 'link' || invite) && !o.linkingUserId && user.emailVerifiedAt === null)
          user = tx.update(users).set({ emailVerifiedAt: now }).where(eq(users.id, user.id)).returning().get()!
      }
      if (core.config.SALLY_REQUIRE_EMAIL_VERIFICATION && user.emailVerifiedAt === null)
        throw refused('email_not_verified', 'Email address not verified.')
      if (identity) tx.update(userIdentities).set({ lastUsedAt: now, email }).where(eq(userIdentities.id, identity.id)).run()
      else
        tx.insert(userIdentities)
          .values({ userId: user.id, provider: p.name, issuer: claims.iss, subject: claims.sub, email, createdAt: now, lastUsedAt: now })
          .run()
      if (!identity)
        recordAudit(
          core,
          null,
          {
            action: 'auth.identity_linked',
            targetType: 'user',
            targetId: user.id,
            ip: o.meta.ip,
            meta: { provider: p.name, created: decision.kind === 'create' },
          },
          tx,
        )
      const joined = invite
        ? joinByInvite(core, tx, invite, user, o.meta, { created: decision.kind === 'create', method: 'oidc', provider: p.name })
        : null
      return { user, created: decision.kind === 'create', linked: !identity, claims, joined }
    })
  } catch (e) {
    auditOidcFailure(core, p.name, e, o.meta, email)
    throw e
  }
}

/** Issues the session of a user who proved themselves (password or provider), with its audit row. */
export function startSession(core: Core, user: UserRow, meta: ClientMeta, how: Record<string, unknown>) {
  return core.db.transaction((tx) => {
    const grant = issueSession(core, tx, user, meta)
    const who = sessionPrincipal(user, grant.session.id, new Date(grant.expiresAt))
    recordAudit(core, who, { action: 'auth.login', targetType: 'user', targetId: user.id, ip: meta.ip, meta: how }, tx)
    return grant
  })
}

const toIdentity = (core: Core, r: typeof userIdentities.$inferSelect): Identity => ({
  id: r.id,
  provider: r.provider,
  label: core.config.oidcProviders.find((p) => p.name === r.provider)?.label ?? r.provider,
  issuer: r.issuer,
  email: r.email,
  createdAt: r.createdAt.toISOString(),
  lastUsedAt: iso(r.lastUsedAt),
})

/** GET /auth/identities: the caller's linked provider identities, oldest first. */
export function listIdentities(core: Core, principal: Principal): Identity[] {
  const user = requireUser(principal)
  return core.db
    .select()
    .from(userIdentities)
    .where(eq(userIdentities.userId, user.id))
    .orderBy(asc(userIdentities.id))
    .all()
    .map((r) => toIdentity(core, r))
}

/** DELETE /auth/identities/:id: unlinks one of the caller's identities, unless it is their last way to sign in. */
export function unlinkIdentity(core: Core, principal: Principal, id: string, meta: ClientMeta): Identity {
  const me = requireUser(principal)
  return core.db.transaction((tx) => {
    const row = tx
      .select()
      .from(userIdentities)
      .where(and(eq(userIdentities.id, id), eq(userIdentities.userId, me.id)))
      .get()
    if (!row) throw notFound('Identity')
    const user = tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, me.id)).get()!
    const n = tx.select({ n: count() }).from(userIdentities).where(eq(userIdentities.userId, me.id)).get()!.n
    requireAnotherSignInMethod(user.passwordHash !== null, n)
    tx.delete(userIdentities).where(eq(userIdentities.id, row.id)).run()
    recordAudit(
      core,
      principal,
      { action: 'auth.identity_unlinked', targetType: 'user', targetId: me.id, ip: meta.ip, meta: { provider: row.provider } },
      tx,
    )
    return toIdentity(core, row)
  })
}
