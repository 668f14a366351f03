import { and, eq, sql } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { uploads, users } from '../db/schema'
import { AppError, badRequest, conflict } from '../errors'
import { isUniqueViolation } from '../lib/db-errors'
import { readCache } from '../lib/read-cache'
import { credentialAllows, credentialScopes, type Principal, requireUser } from '../permissions/actor'
import type { Me, Membership, UpdateMeInput } from './model'
import { checkPassword, hashPassword, quietLimit } from './passwords'
import { endSessions, toMeUser } from './sessions'

/**
 * GET /auth/me is the hottest authenticated route: its two queries are prepared once per database
 * (building a drizzle query per request cost ~10x the query itself; see scripts/bench/auth.ts).
 */
const meStatements = new WeakMap<Core['db'], ReturnType<typeof prepareMe>>()
function prepareMe(db: Core['db'], sqlite: Core['sqlite']) {
  return {
    user: db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare(),
    // A correlated subquery rather than a JOIN: SQLite's join setup cost ~2x this whole query.
    memberships: sqlite.query<{ workspaceId: string; slug: string; name: string; role: Membership['role']; suspended: number }, [string]>(
      `SELECT w.id AS workspaceId, w.slug, w.name, w.suspended_at IS NOT NULL AS suspended,
         (SELECT role FROM workspace_members WHERE user_id = ?1 AND workspace_id = w.id) AS role
       FROM workspaces w WHERE w.id IN (SELECT workspace_id FROM workspace_members WHERE user_id = ?1)
       ORDER BY w.name, w.id`,
    ),
  }
}
function meQueries(core: Core) {
  let q = meStatements.get(core.db)
  if (!q) meStatements.set(core.db, (q = prepareMe(core.db, core.sqlite)))
  return q
}

/**
 * GET /auth/me: the user, their memberships and the credential in use. Scopes apply to what is
 * returned: a key with explicit scopes shows the user only with `user:read` and the memberships only
 * with `workspaces:read`; a pinned key shows only its workspace's membership.
 */
export function describeMe(core: Core, principal: Principal): Me {
  const c = principal.credential
  const uid = principal.user?.id
  let user: Me['user'] = null
  let memberships: Membership[] = []
  const q = meQueries(core)
  // Both reads go through caches that any database change empties (src/lib/read-cache.ts).
  if (uid && credentialAllows(c, 'user:read')) {
    user = readCache<Me['user']>(core.sqlite, 'me.user').get(uid, () => {
      const row = q.user.get({ id: uid })
      return row ? toMeUser(row) : null
    })
  }
  if (uid && credentialAllows(c, 'workspaces:read')) {
    const all = readCache<Membership[]>(core.sqlite, 'me.memberships').get(uid, () =>
      q.memberships.all(uid).map((m) => ({ ...m, suspended: Boolean(m.suspended) })),
    )
    memberships = c.workspaceId ? all.filter((m) => m.workspaceId === c.workspaceId) : all
  }
  return {
    kind: c.kind,
    user,
    memberships,
    credential: {
      kind: c.kind,
      keyId: c.kind === 'api_key' || c.kind === 'mcp_key' || c.kind === 'oauth' ? c.id : null,
      scopes: c.scopes,
      effectiveScopes: [...credentialScopes(c)],
      workspaceId: c.workspaceId,
      projectId: c.projectId,
      expiresAt: c.expiresAt?.toISOString() ?? null,
    },
  }
}

const handleTaken = () => conflict('This handle is already taken.')

/**
 * PATCH /auth/me: name, handle (unique, case-insensitive), avatar, password. A password change needs
 * the current password, is limited per user (SALLY_LOGIN_RATE_LIMIT_PER_MINUTE), and ends every other
 * session of the user (keys stay valid: revoke them separately).
 */
export async function updateMe(core: Core, principal: Principal, input: UpdateMeInput): Promise<Me> {
  const me = requireUser(principal)
  const current = core.db.select().from(users).where(eq(users.id, me.id)).get()
  if (!current) throw new AppError('invalid_key', 'Invalid or unknown token.')
  let passwordHash: string | undefined
  if (input.password !== undefined) {
    if (!quietLimit(core, `pwchange:${me.id}`, core.config.SALLY_LOGIN_RATE_LIMIT_PER_MINUTE, 60_000))
      throw new AppError('rate_limited', 'Too many password change attempts; retry in a minute.', { headers: { 'retry-after': '60' } })
    if (!(await checkPassword(core, current.passwordHash, input.currentPassword ?? '')))
      throw badRequest('Current password is incorrect.', 'currentPassword')
    passwordHash = await hashPassword(core, input.password)
  }
  if (input.avatarUploadId) {
    const upload = core.db
      .select({ contentType: uploads.contentType })
      .from(uploads)
      .where(and(eq(uploads.id, input.avatarUploadId), eq(uploads.uploadedBy, me.id)))
      .get()
    if (!upload?.contentType.startsWith('image/')) throw badRequest('No image upload of yours has this id.', 'avatarUploadId')
  }
  if (input.handle !== undefined && input.handle !== current.handle.toLowerCase()) {
    const other = core.db.select({ id: users.id }).from(users).where(sql`lower(${users.handle}) = ${input.handle}`).get()
    if (other && other.id !== me.id) throw handleTaken()
  }
  const patch: Partial<typeof users.$inferInsert> = {}
  if (input.name !== undefined) patch.name = input.name
  if (input.handle !== undefined) patch.handle = input.handle
  if (input.avatarUploadId !== undefined) patch.avatarUploadId = input.avatarUploadId
  if (passwordHash) patch.passwordHash = passwordHash
  if (Object.keys(patch).length > 0) {
    try {
      core.db.transaction((tx) => {
        tx.update(users)
          .set({ ...patch, updatedAt: new Date(core.clock.now()) })
          .where(eq(users.id, me.id))
          .run()
        if (passwordHash) {
          const keep = principal.credential.kind === 'session' ? principal.credential.id : null
          const ended = endSessions(tx, me.id, keep)
          recordAudit(
            core,
            principal,
            { action: 'auth.password_changed', targetType: 'user', targetId: me.id, meta: { sessionsEnded: ended } },
            tx,
          )
        }
      })
    } catch (e) {
      if (isUniqueViolation(e)) throw handleTaken()
      throw e
    }
  }
  return describeMe(core, principal)
}

/**
 * A free handle for a new account: the requested one (409 when taken), else one derived from the
 * name or email (a numeric suffix when taken).
 */
export function availableHandle(db: DbOrTx, requested: string | undefined, seed: string): string {
  const taken = (h: string) => !!db.select({ id: users.id }).from(users).where(sql`lower(${users.handle}) = ${h}`).get()
  if (requested) {
    if (taken(requested)) throw handleTaken()
    return requested
  }
  let base = seed
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 26)
  if (base.length < 2) base = `user${base}`
  if (!taken(base)) return base
  for (let i = 0; i < 20; i++) {
    const candidate = `${base}_${Math.floor(Math.random() * 10_000)}`
    if (!taken(candidate)) return candidate
  }
  return `${base.slice(0, 20)}_${Bun.randomUUIDv7().replace(/-/g, '').slice(-10)}`
}
