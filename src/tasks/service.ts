import { eq } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { newId, taskAssignees, taskLabels, tasks } from '../db/schema'
import { type EventContext, publish } from '../events'
import { resolveLabels } from '../labels/service'
import { perDatabase } from '../lib/prepared'
import type { Actor } from '../permissions/actor'
import { projectAccess } from '../permissions/projects'
import { ensureWritable } from '../projects/archived'
import { rankAtEnd, resolveStatus } from './columns'
import type { CreateTaskInput, Task, UpdateTaskInput } from './model'
import { checkAssignees, recordMentions } from './people'
import { type LoadedTask, loadTaskForWrite, readTask } from './read'

export const eventContext = (core: Core, actor: Actor): EventContext => ({
  workspaceId: actor.workspace.id,
  actorUserId: actor.user?.id ?? null,
  at: core.clock.now(),
})

/** Hands out the next human number of a project (PROJ-42), inside the caller's transaction. */
export function nextTaskNumber(core: Pick<Core, 'sqlite'>, projectId: string): number {
  return core.sqlite
    .query<{ n: number }, [string]>('UPDATE projects SET task_seq = task_seq + 1 WHERE id = ? RETURNING task_seq AS n')
    .get(projectId)!.n
}

function setLabels(core: Core, db: DbOrTx, actor: Actor, taskId: string, refs: readonly string[]) {
  const list = resolveLabels(core, db, actor, refs)
  db.delete(taskLabels).where(eq(taskLabels.taskId, taskId)).run()
  if (list.length)
    db.insert(taskLabels)
      .values(list.map((l) => ({ taskId, labelId: l.id })))
      .run()
  return list
}

function setAssignees(db: DbOrTx, taskId: string, ids: string[]) {
  db.delete(taskAssignees).where(eq(taskAssignees.taskId, taskId)).run()
  if (ids.length)
    db.insert(taskAssignees)
      .values(ids.map((userId) => ({ taskId, userId })))
      .run()
}

/** A create's inserts (task, assignees, labels, todos), prepared once per database instead of built by drizzle per request. */
const createStatements = perDatabase((core: Pick<Core, 'sqlite'>) => ({
  task: core.sqlite.query<
    unknown,
    [string, string, string, number, string, string, string | null, string, string, string | null, string | null, number, number]
  >(
    `INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, description, priority, rank, due_date, created_by,
       created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  assignee: core.sqlite.query<unknown, [string, string]>('INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?)'),
  label: core.sqlite.query<unknown, [string, string]>('INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)'),
  todo: core.sqlite.query<unknown, [string, string, string, number, number, number]>(
    'INSERT INTO todos (id, task_id, text, done, position, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ),
}))

export function createTask(core: Core, actor: Actor, input: CreateTaskInput): Task {
  return core.db.transaction((tx) => {
    const { project } = projectAccess(core, actor, input.projectId, 'tasks:write')
    ensureWritable(project)
    const status = resolveStatus(core, project.id, input)
    const assigneeIds = checkAssignees(tx, actor.workspace.id, project.id, input.assigneeIds ?? [])
    const now = new Date(core.clock.now())
    const row = { id: newId(), description: input.description ?? null }
    const at = now.getTime()
    const w = createStatements(core)
    w.task.run(
      row.id,
      actor.workspace.id,
      project.id,
      nextTaskNumber(core, project.id),
      status.id,
      input.title,
      row.description,
      input.priority,
      rankAtEnd(core, status.id),
      input.dueDate ?? null,
      actor.user?.id ?? null,
      at,
      at,
    )
    // A new task has no assignees or labels yet: only inserts.
    for (const userId of assigneeIds) w.assignee.run(row.id, userId)
    if (input.labels?.length) for (const l of resolveLabels(core, tx, actor, input.labels)) w.label.run(row.id, l.id)
    input.todos?.forEach((t, position) => {
      w.todo.run(newId(), row.id, t.text, t.done ? 1 : 0, position, at)
    })
    const mentionedUserIds = recordMentions(tx, {
      workspaceId: actor.workspace.id,
      projectId: project.id,
      taskId: row.id,
      commentId: null,
      text: row.description,
      at: now,
    })
    const data = readTask(core, row.id)
    publish(core, tx, eventContext(core, actor), {
      type: 'task.created',
      projectId: project.id,
      taskId: row.id,
      assigneeIds,
      mentionedUserIds,
      data,
    })
    return data
  })
}

type Changes = Record<string, { from: unknown; to: unknown }>
const sameList = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n')

/**
 * PATCH: changes the given fields. Changing the status moves the task to the end of that column
 * (`task.moved`); other changes publish `task.updated` with `{ field: { from, to } }`.
 */
export function updateTask(core: Core, actor: Actor, ref: string, input: UpdateTaskInput): Task {
  return core.db.transaction((tx) => {
    const cur = loadTaskForWrite(core, actor, ref, 'tasks:write')
    const t = cur.task
    const before = readTask(core, t.id)
    const now = new Date(core.clock.now())
    const changes: Changes = {}
    const patch: Partial<typeof tasks.$inferInsert> = {}
    for (const field of ['title', 'description', 'priority', 'dueDate'] as const) {
      const next = input[field]
      if (next !== undefined && next !== t[field]) {
        changes[field] = { from: t[field], to: next }
        ;(patch as Record<string, unknown>)[field] = next
      }
    }
    let moved: { from: string; to: string } | null = null
    if (input.statusId !== undefined || input.status !== undefined) {
      const status = resolveStatus(core, t.projectId, input)
      if (status.id !== t.statusId) {
        patch.statusId = status.id
        patch.rank = rankAtEnd(core, status.id, t.id)
        moved = { from: t.statusId, to: status.id }
      }
    }
    let addedAssigneeIds: string[] = []
    if (input.assigneeIds !== undefined) {
      const next = checkAssignees(tx, actor.workspace.id, t.projectId, input.assigneeIds)
      const prev = before.assignees.map((a) => a.id)
      if (!sameList(prev, next)) {
        setAssignees(tx, t.id, next)
        changes.assigneeIds = { from: prev, to: next }
        addedAssigneeIds = next.filter((id) => !prev.includes(id))
      }
    }
    if (input.labels !== undefined) {
      const prev = before.labels.map((l) => l.name)
      const next = setLabels(core, tx, actor, t.id, input.labels).map((l) => l.name)
      if (!sameList(prev, next)) changes.labels = { from: prev, to: next }
    }
    const changed = Object.keys(changes).length > 0 || moved !== null
    if (!changed) return before
    tx.update(tasks)
      .set({ ...patch, updatedAt: now })
      .where(eq(tasks.id, t.id))
      .run()
    const mentionedUserIds =
      'description' in changes
        ? recordMentions(tx, {
            workspaceId: actor.workspace.id,
            projectId: t.projectId,
            taskId: t.id,
            commentId: null,
            text: input.description,
            at: now,
          })
        : []
    const data = readTask(core, t.id)
    const ctx = eventContext(core, actor)
    if (Object.keys(changes).length > 0)
      publish(core, tx, ctx, {
        type: 'task.updated',
        projectId: t.projectId,
        taskId: t.id,
        changes,
        addedAssigneeIds,
        mentionedUserIds,
        data,
      })
    if (moved)
      publish(core, tx, ctx, {
        type: 'task.moved',
        projectId: t.projectId,
        taskId: t.id,
        fromStatusId: moved.from,
        toStatusId: moved.to,
        fromProjectId: t.projectId,
        data,
      })
    return data
  })
}

export function setArchived(core: Core, actor: Actor, ref: string, archived: boolean): Task {
  return core.db.transaction((tx) => {
    const cur: LoadedTask = loadTaskForWrite(core, actor, ref, 'tasks:write')
    const t = cur.task
    if ((t.archivedAt !== null) === archived) return readTask(core, t.id)
    const now = new Date(core.clock.now())
    tx.update(tasks)
      .set({ archivedAt: archived ? now : null, updatedAt: now })
      .where(eq(tasks.id, t.id))
      .run()
    const data = readTask(core, t.id)
    publish(core, tx, eventContext(core, actor), {
      type: 'task.updated',
      projectId: t.projectId,
      taskId: t.id,
      changes: { archived: { from: !archived, to: archived } },
      addedAssigneeIds: [],
      mentionedUserIds: [],
      data,
    })
    return data
  })
}

/** Deletes a task with its todos, comments, mentions and time entries (cascades), in one transaction. */
export function deleteTask(core: Core, actor: Actor, ref: string): { id: string } {
  return core.db.transaction((tx) => {
    const cur = loadTaskForWrite(core, actor, ref, 'tasks:write')
    const data = readTask(core, cur.task.id)
    publish(core, tx, eventContext(core, actor), { type: 'task.deleted', projectId: cur.task.projectId, taskId: cur.task.id, data })
    tx.delete(tasks).where(eq(tasks.id, cur.task.id)).run()
    return { id: cur.task.id }
  })
}
