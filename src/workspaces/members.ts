import { and, asc, eq, gt, inArray } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { projectMembers, projects, users, workspaceMembers } from '../db/schema'
import type { WorkspaceRole } from '../db/schema/common'
import { conflict, notFound } from '../errors'
import { pageLimit, paginate } from '../http/respond'
import type { Actor } from '../permissions/actor'
import { disableWebhooksOfCreator } from '../webhooks/service'
import type { Member } from './model'
import { ownerCount } from './service'

const columns = {
  userId: workspaceMembers.userId,
  role: workspaceMembers.role,
  joinedAt: workspaceMembers.createdAt,
  name: users.name,
  handle: users.handle,
  email: users.email,
  avatarUploadId: users.avatarUploadId,
}
type MemberRow = {
  userId: string
  role: WorkspaceRole
  joinedAt: Date
  name: string
  handle: string
  email: string
  avatarUploadId: string | null
}
const toMember = (r: MemberRow): Member => ({ ...r, joinedAt: r.joinedAt.toISOString() })

function findMember(db: DbOrTx, workspaceId: string, userId: string): MemberRow {
  const row = db
    .select(columns)
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .get()
  if (!row) throw notFound('Member')
  return row
}

export function listMembers(core: Core, actor: Actor, q: { limit?: number; cursor?: string }) {
  const limit = pageLimit(q, 100)
  const rows = core.db
    .select(columns)
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(and(eq(workspaceMembers.workspaceId, actor.workspace.id), q.cursor ? gt(workspaceMembers.userId, q.cursor) : undefined))
    .orderBy(asc(workspaceMembers.userId))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.userId)
  return { items: page.items.map(toMember), nextCursor: page.nextCursor }
}

const lastOwner = () => conflict('A workspace needs at least one OWNER: make someone else OWNER first.')

/**
 * Changes a member's role (workspace OWNER). The last OWNER cannot be demoted (409). Nothing is cached
 * per role: the member's keys act with the new role on their very next request.
 */
export function updateMemberRole(core: Core, actor: Actor, userId: string, role: WorkspaceRole): Member {
  return core.db.transaction((tx) => {
    const current = findMember(tx, actor.workspace.id, userId)
    if (current.role === role) return toMember(current)
    if (current.role === 'OWNER' && ownerCount(tx, actor.workspace.id) <= 1) throw lastOwner()
    tx.update(workspaceMembers)
      .set({ role })
      .where(and(eq(workspaceMembers.workspaceId, actor.workspace.id), eq(workspaceMembers.userId, userId)))
      .run()
    recordAudit(
      core,
      actor,
      {
        action: 'member.role_changed',
        workspaceId: actor.workspace.id,
        targetType: 'user',
        targetId: userId,
        meta: { from: current.role, to: role },
      },
      tx,
    )
    return toMember({ ...current, role })
  })
}

/**
 * Removes a member (workspace OWNER) and their memberships of this workspace's projects. The last
 * OWNER cannot be removed (409). Their keys pinned here stop working at once (the workspace is no
 * longer visible to them: 404), and the webhooks they created are turned off in the same transaction.
 */
export function removeMember(core: Core, actor: Actor, userId: string): void {
  core.db.transaction((tx) => {
    const current = findMember(tx, actor.workspace.id, userId)
    if (current.role === 'OWNER' && ownerCount(tx, actor.workspace.id) <= 1) throw lastOwner()
    const inWorkspace = tx.select({ id: projects.id }).from(projects).where(eq(projects.workspaceId, actor.workspace.id))
    const projectsLeft = tx
      .delete(projectMembers)
      .where(and(eq(projectMembers.userId, userId), inArray(projectMembers.projectId, inWorkspace)))
      .returning({ projectId: projectMembers.projectId })
      .all().length
    tx.delete(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, actor.workspace.id), eq(workspaceMembers.userId, userId)))
      .run()
    const reason = actor.user?.id === userId ? 'creator left the workspace' : 'creator was removed from the workspace'
    disableWebhooksOfCreator(core, actor, tx, { workspaceId: actor.workspace.id, userId, reason })
    recordAudit(
      core,
      actor,
      {
        action: 'member.removed',
        workspaceId: actor.workspace.id,
        targetType: 'user',
        targetId: userId,
        meta: { role: current.role, projectMemberships: projectsLeft },
      },
      tx,
    )
  })
}
