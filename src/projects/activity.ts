import { and, desc, eq, inArray, lt } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { activity, newId, projects, statuses, tasks, users } from '../db/schema'
import { type DomainEvent, type EventContext, subscribe } from '../events'
import { pageLimit, paginate } from '../http/respond'
import type { Actor } from '../permissions/actor'
import { projectAccess } from '../permissions/projects'
import type { ActivityItem } from './model'

type Changes = Record<string, { from: unknown; to: unknown }>

export type ActivityEntry = {
  projectId: string
  action: string
  taskId?: string | null
  changes?: Changes | null
  meta?: Record<string, unknown> | null
}

/** Writes one activity row in the caller's transaction. */
export function recordActivity(tx: DbOrTx, ctx: EventContext, e: ActivityEntry): void {
  tx.insert(activity)
    .values({
      id: newId(),
      workspaceId: ctx.workspaceId,
      projectId: e.projectId,
      taskId: e.taskId ?? null,
      actorUserId: ctx.actorUserId,
      action: e.action,
      changes: e.changes && Object.keys(e.changes).length ? e.changes : null,
      meta: e.meta && Object.keys(e.meta).length ? e.meta : null,
      createdAt: new Date(ctx.at),
    })
    .run()
}

/** The task's human id and title at the time of the event (kept in meta: the task may be deleted later). */
function taskMeta(tx: DbOrTx, taskId: string, data: Record<string, unknown>): Record<string, unknown> {
  const row = tx
    .select({ number: tasks.number, title: tasks.title, key: projects.key })
    .from(tasks)
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .where(eq(tasks.id, taskId))
    .get()
  const title = row?.title ?? (typeof data.title === 'string' ? data.title : undefined)
  const key = row ? `${row.key}-${row.number}` : typeof data.key === 'string' ? data.key : undefined
  return { ...(key ? { taskKey: key } : {}), ...(title ? { taskTitle: title } : {}) }
}

function statusNames(tx: DbOrTx, ids: string[]): Map<string, string> {
  if (ids.length === 0) return new Map()
  return new Map(
    tx
      .select({ id: statuses.id, name: statuses.name })
      .from(statuses)
      .where(inArray(statuses.id, ids))
      .all()
      .map((s) => [s.id, s.name]),
  )
}

/** The activity subscriber: turns domain events into feed rows, inside the publishing transaction. */
export function activitySubscriber(_core: Core, tx: DbOrTx, ctx: EventContext, ev: DomainEvent): void {
  switch (ev.type) {
    case 'project.created': {
      const p = (ev.data.project ?? {}) as { name?: string; key?: string }
      recordActivity(tx, ctx, { projectId: ev.projectId, action: 'project.created', meta: { name: p.name, key: p.key } })
      return
    }
    case 'project.updated':
      recordActivity(tx, ctx, { projectId: ev.projectId, action: ev.type, changes: ev.changes })
      return
    case 'project.archived':
    case 'project.unarchived': {
      const archived = ev.type === 'project.archived'
      recordActivity(tx, ctx, { projectId: ev.projectId, action: ev.type, changes: { archived: { from: !archived, to: archived } } })
      return
    }
    case 'member.added':
      if (!ev.projectId) return // workspace memberships are not project activity
      recordActivity(tx, ctx, { projectId: ev.projectId, action: 'member.added', meta: { userId: ev.userId, role: ev.role } })
      return
    case 'member.updated':
      recordActivity(tx, ctx, { projectId: ev.projectId, action: ev.type, changes: ev.changes, meta: { userId: ev.userId } })
      return
    case 'member.removed':
      recordActivity(tx, ctx, { projectId: ev.projectId, action: ev.type, meta: { userId: ev.userId, role: ev.role } })
      return
    case 'status.created':
      recordActivity(tx, ctx, { projectId: ev.projectId, action: ev.type, meta: { statusId: ev.statusId, name: ev.name } })
      return
    case 'status.updated':
      recordActivity(tx, ctx, { projectId: ev.projectId, action: ev.type, changes: ev.changes, meta: { statusId: ev.statusId } })
      return
    case 'status.deleted':
      recordActivity(tx, ctx, {
        projectId: ev.projectId,
        action: ev.type,
        meta: { statusId: ev.statusId, name: ev.name, movedTasks: ev.movedTasks, movedTo: ev.movedTo },
      })
      return
    case 'task.created':
      recordActivity(tx, ctx, {
        projectId: ev.projectId,
        taskId: ev.taskId,
        action: 'task.created',
        meta: taskMeta(tx, ev.taskId, ev.data),
      })
      return
    case 'task.updated':
      recordActivity(tx, ctx, {
        projectId: ev.projectId,
        taskId: ev.taskId,
        action: 'task.updated',
        changes: ev.changes,
        meta: taskMeta(tx, ev.taskId, ev.data),
      })
      return
    case 'task.moved': {
      const names = statusNames(tx, [ev.fromStatusId, ev.toStatusId])
      const changes: Changes = {}
      if (ev.fromStatusId !== ev.toStatusId) changes.statusId = { from: ev.fromStatusId, to: ev.toStatusId }
      if (ev.fromProjectId !== ev.projectId) changes.projectId = { from: ev.fromProjectId, to: ev.projectId }
      const meta = {
        ...taskMeta(tx, ev.taskId, ev.data),
        fromStatus: names.get(ev.fromStatusId) ?? null,
        toStatus: names.get(ev.toStatusId) ?? null,
      }
      recordActivity(tx, ctx, { projectId: ev.projectId, taskId: ev.taskId, action: 'task.moved', changes, meta })
      // The project it left sees it leave.
      if (ev.fromProjectId !== ev.projectId)
        recordActivity(tx, ctx, { projectId: ev.fromProjectId, taskId: ev.taskId, action: 'task.moved', changes, meta })
      return
    }
    case 'task.deleted':
      recordActivity(tx, ctx, {
        projectId: ev.projectId,
        taskId: ev.taskId,
        action: 'task.deleted',
        meta: taskMeta(tx, ev.taskId, ev.data),
      })
      return
    case 'comment.created':
      recordActivity(tx, ctx, {
        projectId: ev.projectId,
        taskId: ev.taskId,
        action: 'comment.created',
        meta: { commentId: ev.commentId, ...taskMeta(tx, ev.taskId, ev.data) },
      })
      return
    default:
      return
  }
}

subscribe(activitySubscriber)

type Row = {
  a: typeof activity.$inferSelect
  actorName: string | null
  actorHandle: string | null
  taskNumber: number | null
  taskProjectKey: string | null
}

/** The project's feed, newest first; the cursor is the last id seen (ids are time-ordered). */
export function listActivity(core: Core, actor: Actor, projectId: string, q: { limit?: number; cursor?: string }) {
  const { project } = projectAccess(core, actor, projectId, 'projects:read')
  const limit = pageLimit(q)
  const rows: Row[] = core.db
    .select({ a: activity, actorName: users.name, actorHandle: users.handle, taskNumber: tasks.number, taskProjectKey: projects.key })
    .from(activity)
    .leftJoin(users, eq(users.id, activity.actorUserId))
    .leftJoin(tasks, eq(tasks.id, activity.taskId))
    .leftJoin(projects, eq(projects.id, tasks.projectId))
    .where(and(eq(activity.projectId, project.id), q.cursor ? lt(activity.id, q.cursor) : undefined))
    .orderBy(desc(activity.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.a.id)
  return { items: page.items.map(toActivity), nextCursor: page.nextCursor }
}

function toActivity(r: Row): ActivityItem {
  const a = r.a
  const metaKey = typeof a.meta?.taskKey === 'string' ? a.meta.taskKey : null
  return {
    id: a.id,
    action: a.action,
    actor: a.actorUserId && r.actorName !== null ? { id: a.actorUserId, name: r.actorName, handle: r.actorHandle ?? '' } : null,
    changes: a.changes ?? null,
    taskId: a.taskId,
    taskKey: r.taskNumber !== null && r.taskProjectKey ? `${r.taskProjectKey}-${r.taskNumber}` : metaKey,
    meta: a.meta ?? null,
    createdAt: a.createdAt.toISOString(),
  }
}
