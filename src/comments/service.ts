import { and, asc, desc, eq, gt, lt } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { comments, users } from '../db/schema'
import { notFound } from '../errors'
import { publish } from '../events'
import { pageLimit, paginate } from '../http/respond'
import type { Actor } from '../permissions/actor'
import { requireMayChangeComment } from '../permissions/rules'
import { ensureWritable } from '../projects/archived'
import { recordMentions } from '../tasks/people'
import { type LoadedTask, loadTask, loadTaskForWrite } from '../tasks/read'
import { eventContext } from '../tasks/service'
import type { Comment, CommentInput, ListCommentsQuery } from './model'

const columns = {
  c: comments,
  authorName: users.name,
  authorHandle: users.handle,
}
type Row = { c: typeof comments.$inferSelect; authorName: string | null; authorHandle: string | null }

const toComment = (r: Row, projectId: string): Comment => ({
  id: r.c.id,
  taskId: r.c.taskId,
  projectId,
  author: r.c.authorId && r.authorName !== null ? { id: r.c.authorId, name: r.authorName, handle: r.authorHandle! } : null,
  body: r.c.body,
  edited: r.c.updatedAt.getTime() !== r.c.createdAt.getTime(),
  createdAt: r.c.createdAt.toISOString(),
  updatedAt: r.c.updatedAt.toISOString(),
})

const select = (db: DbOrTx) => db.select(columns).from(comments).leftJoin(users, eq(users.id, comments.authorId))

function readComment(db: DbOrTx, task: LoadedTask, commentId: string): Row {
  const row = select(db)
    .where(and(eq(comments.id, commentId), eq(comments.taskId, task.task.id)))
    .get()
  if (!row) throw notFound('Comment')
  return row
}

/** Comments of a task the actor can see, oldest first, keyset-paginated by id (time-ordered). */
export function listComments(core: Core, actor: Actor, taskRef: string, q: ListCommentsQuery) {
  const task = loadTask(core, actor, taskRef, 'tasks:read')
  const limit = pageLimit(q)
  const newest = q.order === 'desc'
  const rows = select(core.db)
    .where(and(eq(comments.taskId, task.task.id), q.cursor ? (newest ? lt(comments.id, q.cursor) : gt(comments.id, q.cursor)) : undefined))
    .orderBy(newest ? desc(comments.id) : asc(comments.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.c.id)
  return { items: page.items.map((r) => toComment(r, task.task.projectId)), nextCursor: page.nextCursor }
}

/** POST: needs comments:write on the task's project. Mentions are stored and reported once. */
export function addComment(core: Core, actor: Actor, taskRef: string, input: CommentInput): Comment {
  return core.db.transaction((tx) => {
    const task = loadTaskForWrite(core, actor, taskRef, 'comments:write')
    const now = new Date(core.clock.now())
    const row = tx
      .insert(comments)
      .values({ taskId: task.task.id, authorId: actor.user?.id ?? null, body: input.body, createdAt: now, updatedAt: now })
      .returning()
      .get()
    const projectId = task.task.projectId
    const mentionedUserIds = recordMentions(tx, {
      workspaceId: actor.workspace.id,
      projectId,
      taskId: task.task.id,
      commentId: row.id,
      text: row.body,
      at: now,
    })
    const data = toComment(readComment(tx, task, row.id), projectId)
    publish(core, tx, eventContext(core, actor), {
      type: 'comment.created',
      projectId,
      taskId: task.task.id,
      commentId: row.id,
      mentionedUserIds,
      data,
    })
    return data
  })
}

/** Editing and deleting: the rule is src/permissions/rules.ts `requireMayChangeComment`. */
const mayChange = (actor: Actor, task: LoadedTask, row: Row) => requireMayChangeComment(actor, row.c.authorId, task.access.role)

export function updateComment(core: Core, actor: Actor, taskRef: string, commentId: string, input: CommentInput): Comment {
  return core.db.transaction((tx) => {
    const task = loadTask(core, actor, taskRef, 'comments:write')
    const row = readComment(tx, task, commentId)
    mayChange(actor, task, row)
    ensureWritable(task.access.project)
    const projectId = task.task.projectId
    if (row.c.body === input.body) return toComment(row, projectId)
    const now = new Date(core.clock.now())
    tx.update(comments).set({ body: input.body, updatedAt: now }).where(eq(comments.id, commentId)).run()
    const mentionedUserIds = recordMentions(tx, {
      workspaceId: actor.workspace.id,
      projectId,
      taskId: task.task.id,
      commentId,
      text: input.body,
      at: now,
    })
    const data = toComment(readComment(tx, task, commentId), projectId)
    publish(core, tx, eventContext(core, actor), {
      type: 'comment.updated',
      projectId,
      taskId: task.task.id,
      commentId,
      mentionedUserIds,
      data,
    })
    return data
  })
}

export function deleteComment(core: Core, actor: Actor, taskRef: string, commentId: string): { id: string } {
  return core.db.transaction((tx) => {
    const task = loadTask(core, actor, taskRef, 'comments:write')
    const row = readComment(tx, task, commentId)
    mayChange(actor, task, row)
    ensureWritable(task.access.project)
    const projectId = task.task.projectId
    publish(core, tx, eventContext(core, actor), {
      type: 'comment.deleted',
      projectId,
      taskId: task.task.id,
      commentId,
      data: toComment(row, projectId),
    })
    tx.delete(comments).where(eq(comments.id, commentId)).run()
    return { id: commentId }
  })
}
