import { and, asc, count, eq, gt } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import type { ProjectRole } from '../db/schema'
import { projectMembers, users, workspaceMembers } from '../db/schema'
import { badRequest, conflict, notFound } from '../errors'
import { publish } from '../events'
import { pageLimit, paginate } from '../http/respond'
import type { Actor } from '../permissions/actor'
import { projectAccess } from '../permissions/projects'
import { removalPermission } from '../permissions/rules'
import { ensureWritable } from './archived'
import type { AddMemberInput, Member } from './model'
import { eventContext } from './service'

const memberColumns = {
  userId: projectMembers.userId,
  role: projectMembers.role,
  addedAt: projectMembers.createdAt,
  name: users.name,
  handle: users.handle,
  email: users.email,
}

type MemberRow = { userId: string; role: ProjectRole; addedAt: Date; name: string; handle: string; email: string }
const toMember = (r: MemberRow): Member => ({ ...r, addedAt: r.addedAt.toISOString() })

function getMember(db: DbOrTx, projectId: string, userId: string): MemberRow | undefined {
  return db
    .select(memberColumns)
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .get()
}

export function listMembers(core: Core, actor: Actor, projectId: string, q: { limit?: number; cursor?: string }) {
  const { project } = projectAccess(core, actor, projectId, 'projects:read')
  const limit = pageLimit(q, 100)
  const rows = core.db
    .select(memberColumns)
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(and(eq(projectMembers.projectId, project.id), q.cursor ? gt(projectMembers.userId, q.cursor) : undefined))
    .orderBy(asc(projectMembers.userId))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.userId)
  return { items: page.items.map(toMember), nextCursor: page.nextCursor }
}

/**
 * Adds a workspace member to the project (project OWNER). Someone who is not a member of this
 * workspace (or does not exist) is a 400 on `userId`, the same answer for both so that nothing
 * leaks; someone already on the project is a 409 (change roles with PATCH).
 */
export function addMember(core: Core, actor: Actor, projectId: string, input: AddMemberInput): Member {
  return core.db.transaction((tx) => {
    const { project } = projectAccess(core, actor, projectId, 'projects:write')
    ensureWritable(project)
    const inWorkspace = tx
      .select({ userId: workspaceMembers.userId })
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, actor.workspace.id), eq(workspaceMembers.userId, input.userId)))
      .get()
    if (!inWorkspace) throw badRequest('userId is not a member of this workspace.', 'userId')
    if (getMember(tx, project.id, input.userId)) throw conflict('This user is already a member of the project; change the role with PATCH.')
    tx.insert(projectMembers)
      .values({ projectId: project.id, userId: input.userId, role: input.role, createdAt: new Date(core.clock.now()) })
      .run()
    const m = toMember(getMember(tx, project.id, input.userId)!)
    publish(core, tx, eventContext(core, actor), {
      type: 'member.added',
      projectId: project.id,
      userId: input.userId,
      role: input.role,
      data: { projectId: project.id, member: m },
    })
    return m
  })
}

function ownerCount(db: DbOrTx, projectId: string): number {
  return (
    db
      .select({ n: count() })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, 'OWNER')))
      .get()?.n ?? 0
  )
}

const lastOwner = () => conflict('The last OWNER of a project cannot be removed or demoted; make someone else OWNER first.')

export function updateMember(core: Core, actor: Actor, projectId: string, userId: string, role: ProjectRole): Member {
  return core.db.transaction((tx) => {
    const { project } = projectAccess(core, actor, projectId, 'projects:write')
    ensureWritable(project)
    const cur = getMember(tx, project.id, userId)
    if (!cur) throw notFound('Project member')
    if (cur.role === role) return toMember(cur)
    if (cur.role === 'OWNER' && ownerCount(tx, project.id) <= 1) throw lastOwner()
    tx.update(projectMembers)
      .set({ role })
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, userId)))
      .run()
    const m = toMember({ ...cur, role })
    const changes = { role: { from: cur.role, to: role } }
    publish(core, tx, eventContext(core, actor), {
      type: 'member.updated',
      projectId: project.id,
      userId,
      changes,
      data: { projectId: project.id, member: m, changes },
    })
    return m
  })
}

/**
 * Removes a member (project OWNER), or lets members leave: removing yourself needs to see the project
 * and, from a key, projects:write granted to the key (not the role). Never the last OWNER.
 */
export function removeMember(core: Core, actor: Actor, projectId: string, userId: string): void {
  core.db.transaction((tx) => {
    const { project } = projectAccess(core, actor, projectId, removalPermission(actor, userId, 'projects:write', 'projects:read'))
    ensureWritable(project)
    const cur = getMember(tx, project.id, userId)
    if (!cur) throw notFound('Project member')
    if (cur.role === 'OWNER' && ownerCount(tx, project.id) <= 1) throw lastOwner()
    tx.delete(projectMembers)
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, userId)))
      .run()
    publish(core, tx, eventContext(core, actor), {
      type: 'member.removed',
      projectId: project.id,
      userId,
      role: cur.role,
      data: { projectId: project.id, member: toMember(cur) },
    })
  })
}
