import { and, asc, desc, eq, inArray, lt } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { activity, newId, projects, taskAliases, tasks, users } from '../db/schema'
import { type DomainEvent, type EventContext, subscribe } from '../events'
import { pageLimit, paginate } from '../http/respond'
import { perDatabase } from '../lib/prepared'
import type { Actor } from '../permissions/actor'
import { projectAccess, visibleProjectIds } from '../permissions/projects'
import type { ActivityItem } from './model'

type Changes = Record<string, { from: unknown; to: unknown }>

export type ActivityEntry = {
  projectId: string
  action: string
  taskId?: string | null
  changes?: Changes | null
  meta?: Record<string, unknown> | null
}

export const STATUS_NAMES_SQL = 'SELECT id, name FROM statuses WHERE id IN (?, ?)'
/** The activity writes every event runs, prepared once per database (src/lib/prepared.ts). */
export const activityStatements = perDatabase((core: Pick<Core, 'sqlite'>) => ({
  insert: core.sqlite.query<unknown, [string, string, string, string | null, string | null, string, string | null, string | null, number]>(
    `INSERT INTO activity (id, workspace_id, project_id, task_id, actor_user_id, action, changes, meta, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  /** The names of a move's two statuses. */
  statusNames: core.sqlite.query<{ id: string; name: string }, [string, string]>(STATUS_NAMES_SQL),
}))

/**
 * Writes one activity row in the caller's transaction (which runs on `core.sqlite`, the connection
 * these statements are prepared on); `changes` and `meta` are stored as JSON, as drizzle's json columns.
 */
export function recordActivity(core: Pick<Core, 'sqlite'>, ctx: EventContext, e: ActivityEntry): void {
  const json = (v: Record<string, unknown> | null | undefined) => (v && Object.keys(v).length ? JSON.stringify(v) : null)
  activityStatements(core).insert.run(
    newId(),
    ctx.workspaceId,
    e.projectId,
    e.taskId ?? null,
    ctx.actorUserId,
    e.action,
    json(e.changes),
    json(e.meta),
    ctx.at,
  )
}

/** The task's human id and title at the time of the event (kept in meta: the task may be deleted later). */
function taskMeta(tx: DbOrTx, taskId: string, data: Record<string, unknown>): Record<string, unknown> {
  // The event carries the task as just read in this transaction (create, update, move): no second read.
  if (typeof data.humanId === 'string' && typeof data.title === 'string' && data.id === taskId)
    return { taskKey: data.humanId, ...(data.title ? { taskTitle: data.title } : {}) }
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

function statusNames(core: Pick<Core, 'sqlite'>, from: string, to: string): Map<string, string> {
  return new Map(
    activityStatements(core)
      .statusNames.all(from, to)
      .map((s) => [s.id, s.name]),
  )
}

/** The activity subscriber: turns domain events into feed rows, inside the publishing transaction. */
export function activitySubscriber(core: Core, tx: DbOrTx, ctx: EventContext, ev: DomainEvent): void {
  switch (ev.type) {
    case 'project.created': {
      const p = (ev.data.project ?? {}) as { name?: string; key?: string }
      recordActivity(core, ctx, { projectId: ev.projectId, action: 'project.created', meta: { name: p.name, key: p.key } })
      return
    }
    case 'project.updated':
      recordActivity(core, ctx, { projectId: ev.projectId, action: ev.type, changes: ev.changes })
      return
    case 'project.archived':
    case 'project.unarchived': {
      const archived = ev.type === 'project.archived'
      recordActivity(core, ctx, { projectId: ev.projectId, action: ev.type, changes: { archived: { from: !archived, to: archived } } })
      return
    }
    case 'member.added':
      if (!ev.projectId) return // workspace memberships are not project activity
      recordActivity(core, ctx, { projectId: ev.projectId, action: 'member.added', meta: { userId: ev.userId, role: ev.role } })
      return
    case 'member.updated':
      recordActivity(core, ctx, { projectId: ev.projectId, action: ev.type, changes: ev.changes, meta: { userId: ev.userId } })
      return
    case 'member.removed':
      recordActivity(core, ctx, { projectId: ev.projectId, action: ev.type, meta: { userId: ev.userId, role: ev.role } })
      return
    case 'status.created':
      recordActivity(core, ctx, { projectId: ev.projectId, action: ev.type, meta: { statusId: ev.statusId, name: ev.name } })
      return
    case 'status.updated':
      recordActivity(core, ctx, { projectId: ev.projectId, action: ev.type, changes: ev.changes, meta: { statusId: ev.statusId } })
      return
    case 'status.deleted':
      recordActivity(core, ctx, {
        projectId: ev.projectId,
        action: ev.type,
        meta: { statusId: ev.statusId, name: ev.name, movedTasks: ev.movedTasks, movedTo: ev.movedTo },
      })
      return
    case 'task.created':
      recordActivity(core, ctx, {
        projectId: ev.projectId,
        taskId: ev.taskId,
        action: 'task.created',
        meta: taskMeta(tx, ev.taskId, ev.data),
      })
      return
    case 'task.updated':
      recordActivity(core, ctx, {
        projectId: ev.projectId,
        taskId: ev.taskId,
        action: 'task.updated',
        changes: ev.changes,
        meta: taskMeta(tx, ev.taskId, ev.data),
      })
      return
    case 'task.moved': {
      const names = statusNames(core, ev.fromStatusId, ev.toStatusId)
      const changes: Changes = {}
      if (ev.fromStatusId !== ev.toStatusId) changes.statusId = { from: ev.fromStatusId, to: ev.toStatusId }
      if (ev.fromProjectId !== ev.projectId) changes.projectId = { from: ev.fromProjectId, to: ev.projectId }
      const meta = {
        ...taskMeta(tx, ev.taskId, ev.data),
        fromStatus: names.get(ev.fromStatusId) ?? null,
        toStatus: names.get(ev.toStatusId) ?? null,
      }
      recordActivity(core, ctx, { projectId: ev.projectId, taskId: ev.taskId, action: 'task.moved', changes, meta })
      // The project it left sees it leave.
      if (ev.fromProjectId !== ev.projectId)
        recordActivity(core, ctx, { projectId: ev.fromProjectId, taskId: ev.taskId, action: 'task.moved', changes, meta })
      return
    }
    case 'task.deleted':
      recordActivity(core, ctx, {
        projectId: ev.projectId,
        taskId: ev.taskId,
        action: 'task.deleted',
        meta: taskMeta(tx, ev.taskId, ev.data),
      })
      return
    case 'comment.created':
      recordActivity(core, ctx, {
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
  taskProjectId: string | null
  taskProjectKey: string | null
}

/** The project's feed, newest first; the cursor is the last id seen (ids are time-ordered). */
export function listActivity(core: Core, actor: Actor, projectId: string, q: { limit?: number; cursor?: string }) {
  const { project } = projectAccess(core, actor, projectId, 'projects:read')
  const limit = pageLimit(q)
  const rows: Row[] = core.db
    .select({
      a: activity,
      actorName: users.name,
      actorHandle: users.handle,
      taskNumber: tasks.number,
      taskProjectId: tasks.projectId,
      taskProjectKey: projects.key,
    })
    .from(activity)
    .leftJoin(users, eq(users.id, activity.actorUserId))
    .leftJoin(tasks, eq(tasks.id, activity.taskId))
    .leftJoin(projects, eq(projects.id, tasks.projectId))
    .where(and(eq(activity.projectId, project.id), q.cursor ? lt(activity.id, q.cursor) : undefined))
    .orderBy(desc(activity.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.a.id)
  const redact = redactor(core, actor, project, page.items)
  return { items: page.items.map((r) => redact(toActivity(r), r)), nextCursor: page.nextCursor }
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

const idOf = (v: unknown) => (typeof v === 'string' ? v : null)

/**
 * What a page of the feed may show of other projects: a task that moved between this project and one
 * the caller cannot see (visibleProjectIds) shows that side's project, status id and status name as
 * null, and the task by its human id in this project (the alias its stint here left, task_aliases),
 * never by its key in the hidden project.
 */
function redactor(core: Core, actor: Actor, project: { id: string; key: string }, rows: Row[]) {
  const others = new Set<string>()
  for (const r of rows) {
    const moved = r.a.changes?.projectId
    for (const id of [idOf(moved?.from), idOf(moved?.to), r.taskProjectId]) if (id && id !== project.id) others.add(id)
  }
  const visible = visibleProjectIds(core.db, actor, [...others])
  const hidden = (v: unknown) => {
    const id = idOf(v)
    return id !== null && id !== project.id && !visible.has(id)
  }
  const taskIds = [...new Set(rows.map((r) => r.a.taskId).filter((id): id is string => id !== null))]
  // Each stint of a task here ended with an alias, written just before the row of its move out: that
  // row's human id here is the last alias up to it; any other row's, the first alias at or after it.
  const aliases = taskIds.length
    ? core.db
        .select({ taskId: taskAliases.taskId, number: taskAliases.number, at: taskAliases.createdAt })
        .from(taskAliases)
        .where(and(eq(taskAliases.projectId, project.id), inArray(taskAliases.taskId, taskIds)))
        .orderBy(asc(taskAliases.createdAt))
        .all()
    : []
  const keyHere = (r: Row, movedOut: boolean) => {
    const mine = aliases.filter((x) => x.taskId === r.a.taskId)
    const at = r.a.createdAt.getTime()
    const alias = movedOut ? mine.findLast((x) => x.at.getTime() <= at) : mine.find((x) => x.at.getTime() >= at)
    return alias ? `${project.key}-${alias.number}` : null
  }
  return (item: ActivityItem, r: Row): ActivityItem => {
    const moved = r.a.changes?.projectId
    const fromHidden = hidden(moved?.from)
    const toHidden = hidden(moved?.to)
    const taskHidden = r.taskProjectId !== null && hidden(r.taskProjectId)
    if (!fromHidden && !toHidden && !taskHidden) return item
    const changes = { ...item.changes }
    const meta = { ...item.meta }
    for (const [side, status] of [
      ['from', 'fromStatus'],
      ['to', 'toStatus'],
    ] as const) {
      if (!(side === 'from' ? fromHidden : toHidden)) continue
      changes.projectId = { ...changes.projectId!, [side]: null }
      if (changes.statusId) changes.statusId = { ...changes.statusId, [side]: null }
      meta[status] = null
    }
    const movedOut = idOf(moved?.from) === project.id && idOf(moved?.to) !== project.id
    // The key stored on a move out of here is the one in the target project.
    if (toHidden) meta.taskKey = keyHere(r, movedOut)
    const taskKey = taskHidden ? (keyHere(r, movedOut) ?? idOf(meta.taskKey)) : item.taskKey
    return { ...item, changes: item.changes && changes, meta: item.meta && meta, taskKey }
  }
}
