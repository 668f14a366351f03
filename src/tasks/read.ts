import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { comments, labels, projects, statuses, taskAssignees, taskLabels, tasks, timeEntries, todos, users } from '../db/schema'
import { AppError, notFound } from '../errors'
import { iso } from '../lib/db-errors'
import { authorize, type Actor } from '../permissions/actor'
import type { Scope } from '../permissions/matrix'
import { projectAccess, type ProjectAccess } from '../permissions/projects'
import type { Task, TaskSummary, Todo } from './model'

/** The columns every task read needs: the task, its project key and its status. */
export const taskColumns = {
  task: tasks,
  projectKey: projects.key,
  statusName: statuses.name,
  statusCategory: statuses.category,
}
export type TaskRow = {
  task: typeof tasks.$inferSelect
  projectKey: string
  statusName: string
  statusCategory: (typeof statuses.$inferSelect)['category']
}

export const humanId = (projectKey: string, n: number) => `${projectKey}-${n}`
const HUMAN_ID = /^([A-Za-z][A-Za-z0-9_]{0,19})-(\d{1,9})$/

/** One task of the actor's workspace by id or human id (PROJ-42), without the visibility check. */
function findTaskRow(db: DbOrTx, workspaceId: string, ref: string): TaskRow | undefined {
  const q = db
    .select(taskColumns)
    .from(tasks)
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .innerJoin(statuses, eq(statuses.id, tasks.statusId))
  const human = HUMAN_ID.exec(ref)
  if (human)
    return q
      .where(and(eq(projects.workspaceId, workspaceId), sql`upper(${projects.key}) = ${human[1]!.toUpperCase()}`, eq(tasks.number, Number(human[2]))))
      .get()
  return q.where(and(eq(tasks.id, ref), eq(tasks.workspaceId, workspaceId))).get()
}

export type LoadedTask = TaskRow & { access: ProjectAccess }

/**
 * Loads a task the actor can see (404 otherwise, also for another workspace's id) and checks `scope`
 * at project level (403). Accepts the task id or its human id.
 */
export function loadTask(core: Pick<Core, 'db'>, actor: Actor, ref: string, scope: Scope, db: DbOrTx = core.db): LoadedTask {
  const row = findTaskRow(db, actor.workspace.id, ref)
  if (!row) throw notFound('Task')
  let access: ProjectAccess
  try {
    access = projectAccess(core, actor, row.task.projectId, undefined, db)
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') throw notFound('Task')
    throw e
  }
  authorize(actor, scope, { role: access.role })
  return { ...row, access }
}

type Person = { id: string; name: string; handle: string }
type LabelOut = { id: string; name: string; color: string | null }

function groupBy<T extends { taskId: string }, U>(rows: T[], map: (r: T) => U): Map<string, U[]> {
  const out = new Map<string, U[]>()
  for (const r of rows) {
    let list = out.get(r.taskId)
    if (!list) out.set(r.taskId, (list = []))
    list.push(map(r))
  }
  return out
}

/** Serializes task rows for lists: assignees, labels and todo counts in three batched queries (no N+1). */
export function toSummaries(db: DbOrTx, rows: TaskRow[]): TaskSummary[] {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.task.id)
  const assignees = groupBy(
    db
      .select({ taskId: taskAssignees.taskId, id: users.id, name: users.name, handle: users.handle })
      .from(taskAssignees)
      .innerJoin(users, eq(users.id, taskAssignees.userId))
      .where(inArray(taskAssignees.taskId, ids))
      .orderBy(asc(users.name), asc(users.id))
      .all(),
    ({ id, name, handle }): Person => ({ id, name, handle }),
  )
  const labelRows = groupBy(
    db
      .select({ taskId: taskLabels.taskId, id: labels.id, name: labels.name, color: labels.color })
      .from(taskLabels)
      .innerJoin(labels, eq(labels.id, taskLabels.labelId))
      .where(inArray(taskLabels.taskId, ids))
      .orderBy(asc(labels.name), asc(labels.id))
      .all(),
    ({ id, name, color }): LabelOut => ({ id, name, color }),
  )
  const counts = new Map(
    db
      .select({ taskId: todos.taskId, total: sql<number>`count(*)`, done: sql<number>`coalesce(sum(${todos.done}), 0)` })
      .from(todos)
      .where(inArray(todos.taskId, ids))
      .groupBy(todos.taskId)
      .all()
      .map((r) => [r.taskId, r]),
  )
  return rows.map(({ task: t, projectKey, statusName, statusCategory }) => ({
    id: t.id,
    humanId: humanId(projectKey, t.number),
    number: t.number,
    workspaceId: t.workspaceId,
    projectId: t.projectId,
    statusId: t.statusId,
    status: { id: t.statusId, name: statusName, category: statusCategory },
    title: t.title,
    description: t.description,
    priority: t.priority,
    rank: t.rank,
    dueDate: t.dueDate,
    archived: t.archivedAt !== null,
    archivedAt: iso(t.archivedAt),
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    assignees: assignees.get(t.id) ?? [],
    labels: labelRows.get(t.id) ?? [],
    todoCount: Number(counts.get(t.id)?.total ?? 0),
    todoDoneCount: Number(counts.get(t.id)?.done ?? 0),
  }))
}

export const toTodo = (r: typeof todos.$inferSelect): Todo => ({
  id: r.id,
  text: r.text,
  done: r.done,
  position: r.position,
  createdAt: r.createdAt.toISOString(),
})

/** The full public JSON of one task (also the `data` of its events). */
export function toTask(db: DbOrTx, row: TaskRow): Task {
  const [summary] = toSummaries(db, [row])
  const id = row.task.id
  const todoRows = db.select().from(todos).where(eq(todos.taskId, id)).orderBy(asc(todos.position), asc(todos.id)).all()
  const commentCount = db.select({ n: sql<number>`count(*)` }).from(comments).where(eq(comments.taskId, id)).get()?.n ?? 0
  const minutes =
    db.select({ n: sql<number>`coalesce(sum(${timeEntries.minutes}), 0)` }).from(timeEntries).where(eq(timeEntries.taskId, id)).get()?.n ?? 0
  return { ...summary!, todos: todoRows.map(toTodo), commentCount: Number(commentCount), timeLoggedMinutes: Number(minutes) }
}

/** Re-reads a task by id (inside a write transaction, after changing it) and serializes it. */
export function readTask(db: DbOrTx, taskId: string): Task {
  const row = db
    .select(taskColumns)
    .from(tasks)
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .innerJoin(statuses, eq(statuses.id, tasks.statusId))
    .where(eq(tasks.id, taskId))
    .get()
  if (!row) throw notFound('Task')
  return toTask(db, row)
}

export function getTask(core: Core, actor: Actor, ref: string): Task {
  return toTask(core.db, loadTask(core, actor, ref, 'tasks:read'))
}
