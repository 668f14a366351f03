import type { Core } from '../core'
import { badRequest } from '../errors'
import { cachedJson } from '../http/cached-json'
import { okList, pageLimit } from '../http/respond'
import { ftsWorkspaceQuery } from '../lib/fts'
import type { Actor } from '../permissions/actor'
import { visibleProjectsSql } from '../permissions/projects'
import type { ListTasksQuery, TaskSummary } from './model'
import { fromRaw, type RawTask, TASK_SELECT, toSummaries } from './read'

type Param = string | number
type Key = { expr: string; of: (r: RawTask) => Param }

const byId: Key = { expr: 'tasks.id', of: (r) => r.id }
const DUE_NONE = '9999-12-31'

/** Sort keys (the last one is always the id, so the order is total and the cursor exact). */
function sortKeys(sort: NonNullable<ListTasksQuery['sort']>, withinStatus: boolean): Key[] {
  switch (sort) {
    case 'created':
      return [byId]
    case 'updated':
      return [{ expr: 'tasks.updated_at', of: (r) => r.updated_at }, byId]
    case 'due':
      return [{ expr: `coalesce(tasks.due_date, '${DUE_NONE}')`, of: (r) => r.due_date ?? DUE_NONE }, byId]
    case 'priority':
      return [{ expr: 'tasks.priority', of: (r) => r.priority }, byId]
    case 'rank':
      // Within a status: the column order. Across statuses: by the status's board position, then rank.
      return [
        ...(withinStatus ? [] : [{ expr: 'statuses.position', of: (r: RawTask) => r.status_position }]),
        { expr: 'tasks.rank', of: (r) => r.rank },
        byId,
      ]
  }
}

const DEFAULT_ORDER = { created: 'desc', updated: 'desc', due: 'asc', priority: 'asc', rank: 'asc' } as const

function decodeCursor(cursor: string, n: number): Param[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x))))
      return v
  } catch {}
  throw badRequest('Invalid cursor.', 'cursor')
}
const encodeCursor = (values: Param[]) => Buffer.from(JSON.stringify(values)).toString('base64url')

/** SQL (with ? placeholders) matching the workspace's tasks whose title or description contain the words of `q`. */
export function taskTextFilter(workspaceId: string, q: string): { sql: string; params: Param[] } {
  const match = ftsWorkspaceQuery(workspaceId, q)
  if (match === null) return { sql: '0', params: [] }
  return {
    sql: `tasks.id IN (SELECT d.ref_id FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid WHERE search_fts MATCH ? AND d.kind = 'task')`,
    params: [match],
  }
}

/**
 * The GET /tasks query: the tasks of the projects the actor can see (`visibleProjects`, the shared
 * visibility rule, is part of the query), filtered, sorted, keyset-paginated over (sort key, id).
 * Built as SQL text with ? placeholders so bun:sqlite's statement cache reuses the compiled query.
 * Exposed (with its parameters) for EXPLAIN QUERY PLAN.
 */
export function taskListQuery(actor: Actor, q: ListTasksQuery) {
  const limit = pageLimit(q)
  const sort = q.sort ?? (q.statusId ? 'rank' : 'created')
  const order = q.order ?? DEFAULT_ORDER[sort]
  const keys = sortKeys(sort, q.statusId !== undefined)
  const visible = visibleProjectsSql(actor)
  const where: string[] = [`tasks.project_id IN (SELECT projects.id FROM projects WHERE ${visible.sql})`]
  const params: Param[] = [...visible.params]
  const add = (sql: string, ...p: Param[]) => {
    where.push(sql)
    params.push(...p)
  }
  if (q.projectId) add('tasks.project_id = ?', q.projectId)
  if (q.statusId) add('tasks.status_id = ?', q.statusId)
  // A status names its project: saying so lets the planner walk the column index in rank order.
  if (q.statusId && !q.projectId) add('tasks.project_id = (SELECT s2.project_id FROM statuses s2 WHERE s2.id = ?)', q.statusId)
  // Workspace-wide lists walk tasks_ws_idx (workspace_id, id); with a project or status the planner
  // must pick their indexes instead, so the predicate is only added without them.
  if (!q.projectId && !q.statusId) add('tasks.workspace_id = ?', actor.workspace.id)
  if (q.priority) add('tasks.priority = ?', q.priority)
  add(q.archived ? 'tasks.archived_at IS NOT NULL' : 'tasks.archived_at IS NULL')
  if (q.dueBefore) add('tasks.due_date <= ?', q.dueBefore)
  if (q.dueAfter) add('tasks.due_date >= ?', q.dueAfter)
  if (q.assigneeId) add('EXISTS (SELECT 1 FROM task_assignees ta WHERE ta.task_id = tasks.id AND ta.user_id = ?)', q.assigneeId)
  if (q.label)
    add(
      'EXISTS (SELECT 1 FROM task_labels tl JOIN labels l ON l.id = tl.label_id WHERE tl.task_id = tasks.id AND (l.id = ? OR lower(l.name) = lower(?)))',
      q.label,
      q.label.trim(),
    )
  if (q.q !== undefined && q.q.trim() !== '') {
    const f = taskTextFilter(actor.workspace.id, q.q)
    add(f.sql, ...f.params)
  }
  if (q.cursor) {
    const values = decodeCursor(q.cursor, keys.length)
    add(`(${keys.map((k) => k.expr).join(', ')}) ${order === 'asc' ? '>' : '<'} (${values.map(() => '?').join(', ')})`, ...values)
  }
  const dir = order === 'asc' ? 'ASC' : 'DESC'
  const sql = `${TASK_SELECT} WHERE ${where.join(' AND ')} ORDER BY ${keys.map((k) => `${k.expr} ${dir}`).join(', ')} LIMIT ?`
  return { sql, params: [...params, limit + 1], limit, keys }
}

/** GET /tasks: one page of task summaries and the cursor of the next one. */
export function listTasks(core: Core, actor: Actor, q: ListTasksQuery): { items: TaskSummary[]; nextCursor: string | null } {
  return runTaskList(core, taskListQuery(actor, q))
}

/**
 * GET /tasks as served over HTTP: answered from bytes kept while the database is unchanged
 * (src/http/cached-json.ts), keyed by the query's SQL and parameters, which hold everything the
 * answer depends on besides the data (the visibility rule's workspace, user, role and project
 * scope, every filter, the sort, the cursor and the limit).
 */
export function listTasksAnswer(core: Core, actor: Actor, q: ListTasksQuery): Response {
  const query = taskListQuery(actor, q)
  return cachedJson(core, 'tasks', JSON.stringify([query.sql, query.params]), () => {
    const r = runTaskList(core, query)
    return okList(r.items, r.nextCursor)
  })
}

function runTaskList(
  core: Core,
  { sql, params, limit, keys }: ReturnType<typeof taskListQuery>,
): { items: TaskSummary[]; nextCursor: string | null } {
  const rows = core.sqlite.query<RawTask, Param[]>(sql).all(...params)
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  const nextCursor = rows.length > limit && last ? encodeCursor(keys.map((k) => k.of(last))) : null
  return { items: toSummaries(core, page.map(fromRaw)), nextCursor }
}
