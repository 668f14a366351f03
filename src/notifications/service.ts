import { and, desc, eq, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { NOTIFICATION_KINDS, notificationPreferences, notifications, projects, tasks, users } from '../db/schema'
import { notFound } from '../errors'
import { cachedJson } from '../http/cached-json'
import { okList, pageLimit, paginate } from '../http/respond'
import { perShape } from '../lib/prepared'
import { type Actor, requireUser } from '../permissions/actor'
import {
  type VisibleShape,
  visibleProjects,
  visibleProjectsPrepared,
  visibleShape,
  visibleShapeKey,
  visibleValues,
} from '../permissions/projects'
import {
  DEFAULT_PREFERENCE,
  type ListNotificationsQuery,
  type Notification,
  type NotificationKind,
  type Preferences,
  type PreferencesInput,
} from './model'

const actorUser = alias(users, 'actor_user')

const columns = {
  n: notifications,
  actor: { id: actorUser.id, name: actorUser.name, handle: actorUser.handle },
  task: { id: tasks.id, number: tasks.number, title: tasks.title },
  project: { id: projects.id, name: projects.name, key: projects.key },
}

/**
 * The caller's notifications in the selected workspace, joined to what they point at. The project
 * join goes through `visibleProjects`: a notification about a project the caller can no longer see
 * (removed from it) is hidden, and a project-scoped key sees only its project's notifications.
 */
function mine(db: DbOrTx, actor: Actor, ...extra: (SQL | undefined)[]) {
  const user = requireUser(actor)
  return db
    .select(columns)
    .from(notifications)
    .innerJoin(projects, eq(projects.id, notifications.projectId))
    .leftJoin(tasks, eq(tasks.id, notifications.taskId))
    .leftJoin(actorUser, eq(actorUser.id, notifications.actorUserId))
    .where(and(eq(notifications.userId, user.id), eq(notifications.workspaceId, actor.workspace.id), visibleProjects(actor), ...extra))
}

type Row = {
  n: typeof notifications.$inferSelect
  actor: { id: string; name: string; handle: string } | null
  task: { id: string; number: number; title: string } | null
  project: { id: string; name: string; key: string } | null
}

const toNotification = (r: Row): Notification => ({
  id: r.n.id,
  kind: r.n.kind,
  text: r.n.text,
  actor: r.actor,
  task: r.task && r.project ? { id: r.task.id, humanId: `${r.project.key}-${r.task.number}`, title: r.task.title } : null,
  project: r.project ? { id: r.project.id, name: r.project.name } : null,
  commentId: r.n.commentId,
  read: r.n.readAt !== null,
  readAt: r.n.readAt?.toISOString() ?? null,
  createdAt: r.n.createdAt.toISOString(),
})

/** Newest first (ids are time-ordered), keyset-paginated; `unread=true` keeps the unread ones. */
type PageShape = VisibleShape & { unread: boolean; cursor: boolean }
/** The notifications page, prepared once per shape and database (the `mine` query with placeholders). */
const pageStatement = perShape(
  (s: PageShape) => `${visibleShapeKey(s)}|${s.unread}|${s.cursor}`,
  (core: Pick<Core, 'db' | 'sqlite'>, s: PageShape) =>
    core.db
      .select(columns)
      .from(notifications)
      .innerJoin(projects, eq(projects.id, notifications.projectId))
      .leftJoin(tasks, eq(tasks.id, notifications.taskId))
      .leftJoin(actorUser, eq(actorUser.id, notifications.actorUserId))
      .where(
        and(
          eq(notifications.userId, sql.placeholder('user')),
          eq(notifications.workspaceId, sql.placeholder('visWorkspace')),
          visibleProjectsPrepared(s),
          s.unread ? isNull(notifications.readAt) : undefined,
          s.cursor ? lt(notifications.id, sql.placeholder('cursor')) : undefined,
        ),
      )
      .orderBy(desc(notifications.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
)

export { pageStatement as notificationPageStatement }

export function listNotifications(core: Core, actor: Actor, q: ListNotificationsQuery) {
  const limit = pageLimit(q)
  const user = requireUser(actor)
  const shape = { ...visibleShape(actor), unread: Boolean(q.unread), cursor: Boolean(q.cursor) }
  const rows = pageStatement(core, shape).all({ ...visibleValues(actor), user: user.id, cursor: q.cursor ?? '', limit: limit + 1 })
  const page = paginate(rows, limit, (r) => r.n.id)
  return { items: page.items.map(toNotification), nextCursor: page.nextCursor }
}

/**
 * GET /notifications over HTTP: the page answered from bytes kept while the database is unchanged
 * (src/http/cached-json.ts; reading or a new notification is a write and empties it). The key is
 * every input of the page query: the caller, the visibility rule's shape and values (workspace, role,
 * key project) and the query parameters.
 */
export function notificationsAnswer(core: Core, actor: Actor, q: ListNotificationsQuery): Response {
  const user = requireUser(actor)
  const vis = visibleValues(actor)
  const key = JSON.stringify([
    'notifications',
    user.id,
    visibleShapeKey(visibleShape(actor)),
    vis,
    q.unread ?? null,
    q.cursor ?? null,
    q.limit ?? null,
  ])
  return cachedJson(core, 'objects', key, () => {
    const r = listNotifications(core, actor, q)
    return okList(r.items, r.nextCursor)
  })
}

/** Marks one of the caller's notifications read (idempotent: the first read time stays). Another user's id: 404. */
export function markRead(core: Core, actor: Actor, notificationId: string): Notification {
  return core.db.transaction((tx) => {
    const row = mine(tx, actor, eq(notifications.id, notificationId)).get()
    if (!row) throw notFound('Notification')
    if (row.n.readAt) return toNotification(row)
    const readAt = new Date(core.clock.now())
    tx.update(notifications).set({ readAt }).where(eq(notifications.id, row.n.id)).run()
    return toNotification({ ...row, n: { ...row.n, readAt } })
  })
}

/** Marks every unread notification of the caller in this workspace read (only its project for a project-scoped key). */
export function markAllRead(core: Core, actor: Actor): { updated: number } {
  const user = requireUser(actor)
  const readAt = new Date(core.clock.now())
  const res = core.db
    .update(notifications)
    .set({ readAt })
    .where(
      and(
        eq(notifications.userId, user.id),
        eq(notifications.workspaceId, actor.workspace.id),
        isNull(notifications.readAt),
        inArray(notifications.projectId, core.db.select({ id: projects.id }).from(projects).where(visibleProjects(actor))),
      ),
    )
    .returning({ id: notifications.id })
    .all()
  return { updated: res.length }
}

/** A user's preferences, defaults (in-app on, e-mail off) for kinds never set. Preferences are per user, not per workspace. */
export function preferencesOf(db: DbOrTx, userIds: readonly string[]): Map<string, Preferences> {
  const out = new Map<string, Preferences>()
  for (const id of userIds) out.set(id, { assignment: { ...DEFAULT_PREFERENCE }, mention: { ...DEFAULT_PREFERENCE } })
  if (userIds.length === 0) return out
  const rows = db
    .select()
    .from(notificationPreferences)
    .where(inArray(notificationPreferences.userId, [...userIds]))
    .all()
  for (const r of rows) out.get(r.userId)![r.kind] = { inApp: r.inApp, email: r.email }
  return out
}

export function getPreferences(core: Core, actor: Actor): Preferences {
  const user = requireUser(actor)
  return preferencesOf(core.db, [user.id]).get(user.id)!
}

/** Partial update: only the kinds and channels given change. Returns the full preferences. */
export function updatePreferences(core: Core, actor: Actor, input: PreferencesInput): Preferences {
  const user = requireUser(actor)
  return core.db.transaction((tx) => {
    const cur = preferencesOf(tx, [user.id]).get(user.id)!
    for (const kind of NOTIFICATION_KINDS as readonly NotificationKind[]) {
      const patch = input[kind]
      if (!patch || (patch.inApp === undefined && patch.email === undefined)) continue
      const next = { inApp: patch.inApp ?? cur[kind].inApp, email: patch.email ?? cur[kind].email }
      tx.insert(notificationPreferences)
        .values({ userId: user.id, kind, ...next })
        .onConflictDoUpdate({ target: [notificationPreferences.userId, notificationPreferences.kind], set: next })
        .run()
      cur[kind] = next
    }
    return cur
  })
}
