import type { Core } from '../core'
import type { statuses, tasks, todos } from '../db/schema'
import { AppError, notFound } from '../errors'
import { cachedJson } from '../http/cached-json'
import { ok } from '../http/respond'
import { perDatabase } from '../lib/prepared'
import { readCache } from '../lib/read-cache'
import { type Actor, authorize } from '../permissions/actor'
import type { Scope } from '../permissions/matrix'
import { type ProjectAccess, projectAccess } from '../permissions/projects'
import { ensureWritable } from '../projects/archived'
import type { Task, TaskSummary, Todo } from './model'

/**
 * Task reads on the hot path (lists, GET, every write's event payload) use raw SQL through
 * bun:sqlite's statement cache (`sqlite.query` compiles a statement once per SQL text). A task row
 * carries its cards' assignee and label ids and todo counts (kept by triggers), and the users and
 * labels a page names are looked up once over `json_each(?)`: a page of 50 tasks costs three cached
 * statements and no per-row query.
 * Writes run on the same connection, so these reads see the caller's open transaction.
 */

export type TaskRecord = typeof tasks.$inferSelect
export type TaskRow = {
  task: TaskRecord
  projectKey: string
  statusName: string
  statusCategory: (typeof statuses.$inferSelect)['category']
  statusPosition: number
}

/** The SELECT every task read shares (tasks joined to their project and status); append WHERE/ORDER. */
export const TASK_SELECT = `SELECT tasks.id, tasks.workspace_id, tasks.project_id, tasks.number, tasks.status_id, tasks.title,
  tasks.description, tasks.priority, tasks.rank, tasks.due_date, tasks.archived_at, tasks.created_by, tasks.created_at,
  tasks.updated_at, tasks.assignee_ids, tasks.label_ids, tasks.todo_count, tasks.todo_done_count, projects.key AS project_key, statuses.name AS status_name, statuses.category AS status_category,
  statuses.position AS status_position
FROM tasks JOIN projects ON projects.id = tasks.project_id JOIN statuses ON statuses.id = tasks.status_id`

export type RawTask = {
  id: string
  workspace_id: string
  project_id: string
  number: number
  status_id: string
  title: string
  description: string | null
  priority: TaskRecord['priority']
  rank: string
  due_date: string | null
  archived_at: number | null
  created_by: string | null
  created_at: number
  updated_at: number
  assignee_ids: string
  label_ids: string
  todo_count: number
  todo_done_count: number
  project_key: string
  status_name: string
  status_category: TaskRow['statusCategory']
  status_position: number
}

export const fromRaw = (r: RawTask): TaskRow => ({
  task: {
    id: r.id,
    workspaceId: r.workspace_id,
    projectId: r.project_id,
    number: r.number,
    statusId: r.status_id,
    title: r.title,
    description: r.description,
    priority: r.priority,
    rank: r.rank,
    dueDate: r.due_date,
    archivedAt: r.archived_at === null ? null : new Date(r.archived_at),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    assigneeIds: r.assignee_ids,
    labelIds: r.label_ids,
    todoCount: r.todo_count,
    todoDoneCount: r.todo_done_count,
  },
  projectKey: r.project_key,
  statusName: r.status_name,
  statusCategory: r.status_category,
  statusPosition: r.status_position,
})

export const humanId = (projectKey: string, n: number) => `${projectKey}-${n}`
const HUMAN_ID = /^([A-Za-z][A-Za-z0-9_]{0,19})-(\d{1,9})$/

/** The labels a page's cards name, by id (the board's too; exported for the benchmark's EXPLAIN QUERY PLAN). */
export const LABELS_BY_IDS_SQL = 'SELECT id, name, color FROM labels WHERE id IN (SELECT value FROM json_each(?))'

export const TASK_EXTRAS_SQL = `SELECT (SELECT count(*) FROM comments WHERE task_id = ?1) AS comments,
  (SELECT coalesce(sum(minutes), 0) FROM time_entries WHERE task_id = ?1) AS minutes`

const q = perDatabase((core: Pick<Core, 'sqlite'>) => prepare(core.sqlite))
function prepare(sqlite: Core['sqlite']) {
  return {
    byId: sqlite.query<RawTask, [string, string]>(`${TASK_SELECT} WHERE tasks.id = ? AND tasks.workspace_id = ?`),
    byHuman: sqlite.query<RawTask, [string, string, number]>(
      `${TASK_SELECT} WHERE projects.workspace_id = ? AND upper(projects.key) = ? AND tasks.number = ?`,
    ),
    /** A human id the task had before it moved to another project (task_aliases). */
    byAlias: sqlite.query<RawTask, [string, string, number, string]>(
      `${TASK_SELECT} WHERE tasks.id = (SELECT a.task_id FROM task_aliases a JOIN projects p ON p.id = a.project_id
       WHERE p.workspace_id = ? AND upper(p.key) = ? AND a.number = ?) AND tasks.workspace_id = ?`,
    ),
    byIds: sqlite.query<RawTask, [string]>(`${TASK_SELECT} WHERE tasks.id IN (SELECT value FROM json_each(?))`),
    /** The users and labels a page's cards name (tasks.assignee_ids, tasks.label_ids): each looked up once per page. */
    users: sqlite.query<{ id: string; name: string; handle: string }, [string]>(
      'SELECT id, name, handle FROM users WHERE id IN (SELECT value FROM json_each(?))',
    ),
    labels: sqlite.query<{ id: string; name: string; color: string | null }, [string]>(LABELS_BY_IDS_SQL),
    todos: sqlite.query<{ id: string; task_id: string; text: string; done: number; position: number; created_at: number }, [string]>(
      'SELECT id, task_id, text, done, position, created_at FROM todos WHERE task_id = ? ORDER BY position, id',
    ),
    /** One task's comment count and logged minutes, in one statement. */
    extras: sqlite.query<{ comments: number; minutes: number }, [string]>(TASK_EXTRAS_SQL),
  }
}

/**
 * One task of the workspace by id or human id (PROJ-42, or an id it had before moving to another
 * project), before any visibility check.
 */
function findTaskRow(core: Pick<Core, 'sqlite'>, workspaceId: string, ref: string): TaskRow | undefined {
  // Kept while the database is unchanged (src/lib/read-cache.ts; never inside a transaction, so a write reads the row afresh).
  const raw = readCache<RawTask | null>(core.sqlite, 'tasks.rows').get(`${workspaceId}|${ref}`, () => {
    const human = HUMAN_ID.exec(ref)
    if (!human) return q(core).byId.get(ref, workspaceId)
    const key = human[1]!.toUpperCase()
    const n = Number(human[2])
    return q(core).byHuman.get(workspaceId, key, n) ?? q(core).byAlias.get(workspaceId, key, n, workspaceId)
  })
  return raw ? fromRaw(raw) : undefined
}

export type LoadedTask = TaskRow & { access: ProjectAccess }

/**
 * Loads a task the actor can see (404 otherwise, also for another workspace's id) and checks `scope`
 * at project level (403). Accepts the task id or its human id.
 */
export function loadTask(core: Pick<Core, 'db' | 'sqlite'>, actor: Actor, ref: string, scope: Scope): LoadedTask {
  const row = findTaskRow(core, actor.workspace.id, ref)
  if (!row) throw notFound('Task')
  let access: ProjectAccess
  try {
    access = projectAccess(core, actor, row.task.projectId)
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') throw notFound('Task')
    throw e
  }
  authorize(actor, scope, { role: access.role })
  return { ...row, access }
}

/** `loadTask` for a write: also 409 when the task's project is archived (archived projects are read-only). */
export function loadTaskForWrite(core: Pick<Core, 'db' | 'sqlite'>, actor: Actor, ref: string, scope: Scope): LoadedTask {
  const loaded = loadTask(core, actor, ref, scope)
  ensureWritable(loaded.access.project)
  return loaded
}

/** Task rows by id, in the order given (missing ids are skipped). */
export function taskRowsByIds(core: Pick<Core, 'sqlite'>, ids: string[]): TaskRow[] {
  if (ids.length === 0) return []
  const byId = new Map(
    q(core)
      .byIds.all(JSON.stringify(ids))
      .map((r) => [r.id, fromRaw(r)]),
  )
  return ids.flatMap((id) => byId.get(id) ?? [])
}

const byNameThenId = (a: { name: string; id: string }, b: { name: string; id: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0

/** A card column's JSON array of ids (tasks.assignee_ids, tasks.label_ids); most are empty. */
export const parseIds = (json: string): string[] => (json === '[]' ? [] : JSON.parse(json))

/**
 * The rows `ids` name (each list a task's JSON array of ids), looked up once for the whole page:
 * a page's cards share few users and labels. `pick(list)` gives one task's rows, sorted by name then id.
 */
function lookupNamed<R extends { id: string; name: string }>(lists: string[], query: { all(json: string): R[] }) {
  const parsed = lists.map(parseIds)
  const wanted = new Set(parsed.flat())
  const byId = new Map(wanted.size ? query.all(JSON.stringify([...wanted])).map((r) => [r.id, r]) : [])
  return parsed.map((ids) => ids.flatMap((id) => byId.get(id) ?? []).sort(byNameThenId))
}

/** Each card's labels ({ id, name, color }, by name then id) from its tasks.label_ids, in one lookup for the page. */
export const cardLabels = (core: Pick<Core, 'sqlite'>, labelIds: string[]) => lookupNamed(labelIds, q(core).labels)

/** Serializes task rows for lists: the assignees and labels their cards name in one query each (no N+1). */
export function toSummaries(core: Pick<Core, 'sqlite'>, rows: TaskRow[]): TaskSummary[] {
  if (rows.length === 0) return []
  const s = q(core)
  const assignees = lookupNamed(
    rows.map((r) => r.task.assigneeIds),
    s.users,
  )
  const labels = cardLabels(
    core,
    rows.map((r) => r.task.labelIds),
  )
  return rows.map(({ task: t, projectKey, statusName, statusCategory }, i) => ({
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
    archivedAt: t.archivedAt ? t.archivedAt.toISOString() : null,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    // The looked-up rows are already { id, name, handle } and { id, name, color }.
    assignees: assignees[i]!,
    labels: labels[i]!,
    todoCount: t.todoCount,
    todoDoneCount: t.todoDoneCount,
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
export function toTask(core: Pick<Core, 'sqlite'>, row: TaskRow): Task {
  const s = q(core)
  const id = row.task.id
  const todoList = s.todos
    .all(id)
    .map((r) => ({ id: r.id, text: r.text, done: r.done === 1, position: r.position, createdAt: new Date(r.created_at).toISOString() }))
  const [summary] = toSummaries(core, [row])
  const extras = s.extras.get(id)!
  return { ...summary!, todos: todoList, commentCount: extras.comments, timeLoggedMinutes: extras.minutes }
}

/** Re-reads a task by id (inside a write transaction, after changing it) and serializes it. */
export function readTask(core: Pick<Core, 'sqlite'>, taskId: string): Task {
  const [row] = taskRowsByIds(core, [taskId])
  if (!row) throw notFound('Task')
  return toTask(core, row)
}

export function getTask(core: Core, actor: Actor, ref: string): Task {
  return toTask(core, loadTask(core, actor, ref, 'tasks:read'))
}

/**
 * GET /tasks/:id over HTTP: the access check (loadTask) runs first, every time; the answer depends
 * on the task alone, so it is kept as bytes by task id while the database is unchanged (src/http/cached-json.ts).
 */
export function taskAnswer(core: Core, actor: Actor, ref: string): Response {
  const row = loadTask(core, actor, ref, 'tasks:read')
  return cachedJson(core, 'objects', JSON.stringify(['task', row.task.id]), () => ok(toTask(core, row)))
}
