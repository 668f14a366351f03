import { and, asc, eq } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { tasks, todos } from '../db/schema'
import { badRequest, notFound } from '../errors'
import { publish } from '../events'
import type { Actor } from '../permissions/actor'
import type { Todo, TodoInput, TodoUpdateInput } from './model'
import { type LoadedTask, loadTaskForWrite, readTask, toTodo } from './read'
import { eventContext } from './service'

/** Todos (checklist items) of a task, kept at contiguous positions 0..n-1. */
export const MAX_TODOS_PER_TASK = 500

type TodoRow = typeof todos.$inferSelect

const listOf = (db: DbOrTx, taskId: string): TodoRow[] =>
  db.select().from(todos).where(eq(todos.taskId, taskId)).orderBy(asc(todos.position), asc(todos.id)).all()

/** Writes positions 0..n-1 in the given order, touching only rows whose position changed. */
function writeOrder(db: DbOrTx, list: TodoRow[]) {
  list.forEach((t, i) => {
    if (t.position !== i) db.update(todos).set({ position: i }).where(eq(todos.id, t.id)).run()
  })
}

const brief = (t: TodoRow) => ({ id: t.id, text: t.text, done: t.done })

/** Every todo write is a task change: it bumps the task and publishes `task.updated` (`{ todo: { from, to } }` or `{ todoOrder }`). */
function touched(core: Core, actor: Actor, db: DbOrTx, cur: LoadedTask, changes: Record<string, { from: unknown; to: unknown }>) {
  db.update(tasks)
    .set({ updatedAt: new Date(core.clock.now()) })
    .where(eq(tasks.id, cur.task.id))
    .run()
  publish(core, db, eventContext(core, actor), {
    type: 'task.updated',
    projectId: cur.task.projectId,
    taskId: cur.task.id,
    changes,
    addedAssigneeIds: [],
    mentionedUserIds: [],
    data: readTask(core, cur.task.id),
  })
}

function findTodo(db: DbOrTx, taskId: string, todoId: string): TodoRow {
  const row = db
    .select()
    .from(todos)
    .where(and(eq(todos.id, todoId), eq(todos.taskId, taskId)))
    .get()
  if (!row) throw notFound('Todo')
  return row
}

export function addTodo(core: Core, actor: Actor, taskRef: string, input: TodoInput & { position?: number }): Todo {
  return core.db.transaction((tx) => {
    const cur = loadTaskForWrite(core, actor, taskRef, 'tasks:write')
    const list = listOf(tx, cur.task.id)
    if (list.length >= MAX_TODOS_PER_TASK) throw badRequest(`A task has at most ${MAX_TODOS_PER_TASK} todos.`, 'text')
    const at = Math.min(input.position ?? list.length, list.length)
    const row = tx
      .insert(todos)
      .values({ taskId: cur.task.id, text: input.text, done: input.done ?? false, position: at, createdAt: new Date(core.clock.now()) })
      .returning()
      .get()
    list.splice(at, 0, row)
    writeOrder(tx, list)
    touched(core, actor, tx, cur, { todo: { from: null, to: brief(row) } })
    return toTodo({ ...row, position: at })
  })
}

export function updateTodo(core: Core, actor: Actor, taskRef: string, todoId: string, input: TodoUpdateInput): Todo {
  return core.db.transaction((tx) => {
    const cur = loadTaskForWrite(core, actor, taskRef, 'tasks:write')
    const before = findTodo(tx, cur.task.id, todoId)
    const patch: Partial<TodoRow> = {}
    if (input.text !== undefined && input.text !== before.text) patch.text = input.text
    if (input.done !== undefined && input.done !== before.done) patch.done = input.done
    if (Object.keys(patch).length) tx.update(todos).set(patch).where(eq(todos.id, todoId)).run()
    if (input.position !== undefined && input.position !== before.position) {
      const list = listOf(tx, cur.task.id).filter((t) => t.id !== todoId)
      list.splice(Math.min(input.position, list.length), 0, before)
      writeOrder(tx, list)
    }
    const after = findTodo(tx, cur.task.id, todoId)
    if (Object.keys(patch).length || after.position !== before.position)
      touched(core, actor, tx, cur, { todo: { from: brief(before), to: brief(after) } })
    return toTodo(after)
  })
}

export function deleteTodo(core: Core, actor: Actor, taskRef: string, todoId: string): { id: string } {
  return core.db.transaction((tx) => {
    const cur = loadTaskForWrite(core, actor, taskRef, 'tasks:write')
    const before = findTodo(tx, cur.task.id, todoId)
    tx.delete(todos).where(eq(todos.id, todoId)).run()
    writeOrder(tx, listOf(tx, cur.task.id))
    touched(core, actor, tx, cur, { todo: { from: brief(before), to: null } })
    return { id: todoId }
  })
}

/** Sets the full order of a task's todos (`todoIds`: each todo of the task exactly once). */
export function reorderTodos(core: Core, actor: Actor, taskRef: string, todoIds: string[]): Todo[] {
  return core.db.transaction((tx) => {
    const cur = loadTaskForWrite(core, actor, taskRef, 'tasks:write')
    const list = listOf(tx, cur.task.id)
    const byId = new Map(list.map((t) => [t.id, t]))
    const seen = new Set<string>()
    todoIds.forEach((id, i) => {
      if (!byId.has(id)) throw badRequest(`Todo ${id} is not a todo of this task.`, `todoIds.${i}`)
      if (seen.has(id)) throw badRequest(`Todo ${id} is listed twice.`, `todoIds.${i}`)
      seen.add(id)
    })
    if (todoIds.length !== list.length) throw badRequest('todoIds must list every todo of the task.', 'todoIds')
    const ordered = todoIds.map((id) => byId.get(id)!)
    if (ordered.some((t, i) => t.position !== i)) {
      writeOrder(tx, ordered)
      touched(core, actor, tx, cur, { todoOrder: { from: list.map((t) => t.id), to: todoIds } })
    }
    return listOf(tx, cur.task.id).map(toTodo)
  })
}
