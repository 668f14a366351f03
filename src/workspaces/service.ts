import { and, asc, eq, gt, sql } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { users, workspaceMembers, workspaces } from '../db/schema'
import { badRequest, conflict } from '../errors'
import { pageLimit, paginate } from '../http/respond'
import { randomBase62 } from '../lib/crypto'
import { isUniqueViolation } from '../lib/db-errors'
import { type Actor, authorizePrincipal, type Principal } from '../permissions/actor'
import { actsAsOwnerEverywhere, requireMayCreateWorkspace, requireSuperadmin } from '../permissions/rules'
import type { CreateWorkspaceInput, UpdateWorkspaceInput, Workspace } from './model'
import { SLUG_RE } from './model'

type Row = typeof workspaces.$inferSelect

export const toWorkspace = (r: Row, role: Workspace['role']): Workspace => ({
  id: r.id,
  name: r.name,
  slug: r.slug,
  role,
  suspended: r.suspendedAt !== null,
  suspendedAt: r.suspendedAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
})

const slugTaken = (s: string) => conflict(`The slug "${s}" is already taken.`)

function slugFree(db: DbOrTx, s: string, exceptId?: string): boolean {
  const row = db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.slug, s)).get()
  return !row || row.id === exceptId
}

/**
 * The caller's membership role in the actor's workspace, for answers: the role they act with, except
 * for a SUPERADMIN (or the global token), who acts as OWNER everywhere but is shown their real
 * membership role, or null where they are not a member.
 */
function memberRole(db: DbOrTx, actor: Actor): Workspace['role'] {
  if (!actsAsOwnerEverywhere(actor)) return actor.workspace.role
  if (!actor.user) return null
  const row = db
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, actor.workspace.id), eq(workspaceMembers.userId, actor.user.id)))
    .get()
  return row?.role ?? null
}

/** A free slug derived from a name: "Acme Design!" → "acme-design", then "acme-design-x7k2" when taken. */
export function deriveSlug(db: DbOrTx, name: string): string {
  let base = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '')
  if (!SLUG_RE.test(base)) base = 'workspace'
  if (slugFree(db, base)) return base
  for (let i = 0; i < 10; i++) {
    const candidate = `${base}-${randomBase62(6).toLowerCase()}`
    if (SLUG_RE.test(candidate) && slugFree(db, candidate)) return candidate
  }
  return `${base.slice(0, 20)}-${Bun.randomUUIDv7().replace(/-/g, '').slice(-16)}`
}

/** Inserts a workspace and its first OWNER inside `tx`. An explicit slug that is taken is a 409. */
export function insertWorkspace(
  core: Core,
  tx: DbOrTx,
  o: { name: string; slug?: string; ownerUserId: string; createdBy: string | null },
): Row {
  const s = o.slug ?? deriveSlug(tx, o.name)
  if (!slugFree(tx, s)) throw slugTaken(s)
  const now = new Date(core.clock.now())
  const ws = tx
    .insert(workspaces)
    .values({ name: o.name, slug: s, createdBy: o.createdBy, createdAt: now, updatedAt: now })
    .returning()
    .get()
  tx.insert(workspaceMembers).values({ workspaceId: ws.id, userId: o.ownerUserId, role: 'OWNER', createdAt: now }).run()
  return ws
}

/**
 * GET /workspaces: the caller's workspaces (all of them for a SUPERADMIN or the global token; only its
 * own for a pinned key), suspended ones included and marked.
 */
export function listWorkspaces(core: Core, principal: Principal, q: { limit?: number; cursor?: string }) {
  authorizePrincipal(principal, 'workspaces:read')
  const limit = pageLimit(q)
  const uid = principal.user?.id ?? ''
  const pin = principal.credential.workspaceId
  const all = actsAsOwnerEverywhere(principal)
  const conds = [q.cursor ? gt(workspaces.id, q.cursor) : undefined, pin ? eq(workspaces.id, pin) : undefined]
  const base = core.db.select({ w: workspaces, role: workspaceMembers.role }).from(workspaces)
  const rows = (
    all
      ? base.leftJoin(workspaceMembers, and(eq(workspaceMembers.workspaceId, workspaces.id), eq(workspaceMembers.userId, uid)))
      : base.innerJoin(workspaceMembers, and(eq(workspaceMembers.workspaceId, workspaces.id), eq(workspaceMembers.userId, uid)))
  )
    .where(and(...conds))
    .orderBy(asc(workspaces.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.w.id)
  // A SUPERADMIN sees every workspace, each with their real membership role (null where not a member).
  return { items: page.items.map((r) => toWorkspace(r.w, r.role ?? null)), nextCursor: page.nextCursor }
}

/**
 * POST /workspaces: the caller becomes OWNER. A SUPERADMIN (or the global token, which must) may
 * name another owner with `ownerUserId`. Keys pinned to a workspace cannot create workspaces.
 */
export function createWorkspace(core: Core, principal: Principal, input: CreateWorkspaceInput): Workspace {
  requireMayCreateWorkspace(principal, input.ownerUserId)
  const ownerId = input.ownerUserId ? input.ownerUserId : (principal.user?.id ?? null)
  if (!ownerId) throw badRequest('The global token has no user: give ownerUserId.', 'ownerUserId')
  try {
    return core.db.transaction((tx) => {
      if (!tx.select({ id: users.id }).from(users).where(eq(users.id, ownerId)).get())
        throw badRequest('No user has this id.', 'ownerUserId')
      const ws = insertWorkspace(core, tx, {
        name: input.name,
        slug: input.slug,
        ownerUserId: ownerId,
        createdBy: principal.user?.id ?? null,
      })
      recordAudit(
        core,
        principal,
        { action: 'workspace.created', workspaceId: ws.id, targetType: 'workspace', targetId: ws.id, meta: { ownerUserId: ownerId } },
        tx,
      )
      return toWorkspace(ws, ownerId === principal.user?.id ? 'OWNER' : null)
    })
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken(input.slug ?? input.name)
    throw e
  }
}

function rowOf(db: DbOrTx, id: string): Row {
  return db.select().from(workspaces).where(eq(workspaces.id, id)).get()!
}

export function getWorkspace(core: Core, actor: Actor): Workspace {
  return toWorkspace(rowOf(core.db, actor.workspace.id), memberRole(core.db, actor))
}

/** PATCH /workspaces/:id: name and slug (unique: 409 when taken). */
export function updateWorkspace(core: Core, actor: Actor, input: UpdateWorkspaceInput): Workspace {
  try {
    return core.db.transaction((tx) => {
      const current = rowOf(tx, actor.workspace.id)
      if (input.slug !== undefined && !slugFree(tx, input.slug, current.id)) throw slugTaken(input.slug)
      const patch: Partial<Row> = {}
      if (input.name !== undefined && input.name !== current.name) patch.name = input.name
      if (input.slug !== undefined && input.slug !== current.slug) patch.slug = input.slug
      if (Object.keys(patch).length === 0) return toWorkspace(current, memberRole(tx, actor))
      const row = tx
        .update(workspaces)
        .set({ ...patch, updatedAt: new Date(core.clock.now()) })
        .where(eq(workspaces.id, current.id))
        .returning()
        .get()!
      recordAudit(
        core,
        actor,
        { action: 'workspace.updated', workspaceId: row.id, targetType: 'workspace', targetId: row.id, meta: { ...patch } },
        tx,
      )
      return toWorkspace(row, memberRole(tx, actor))
    })
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken(input.slug ?? '')
    throw e
  }
}

/**
 * POST /workspaces/:id/suspend and /reactivate: platform SUPERADMIN only (the global token included).
 * Reached through the ordinary selection with only the suspension check lifted; repeating is harmless.
 */
export function setSuspended(core: Core, actor: Actor, suspended: boolean): Workspace {
  requireSuperadmin(actor, 'suspend or reactivate a workspace')
  return core.db.transaction((tx) => {
    const current = rowOf(tx, actor.workspace.id)
    if ((current.suspendedAt !== null) === suspended) return toWorkspace(current, memberRole(tx, actor))
    const now = new Date(core.clock.now())
    const row = tx
      .update(workspaces)
      .set({ suspendedAt: suspended ? now : null, updatedAt: now })
      .where(eq(workspaces.id, current.id))
      .returning()
      .get()!
    recordAudit(
      core,
      actor,
      {
        action: suspended ? 'workspace.suspended' : 'workspace.reactivated',
        workspaceId: row.id,
        targetType: 'workspace',
        targetId: row.id,
      },
      tx,
    )
    return toWorkspace(row, memberRole(tx, actor))
  })
}

/** Number of OWNERs of a workspace (the last one cannot leave or be demoted). */
export function ownerCount(db: DbOrTx, workspaceId: string): number {
  return db
    .select({ n: sql<number>`count(*)` })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, 'OWNER')))
    .get()!.n
}
