import { and, eq, exists, sql, type SQL } from 'drizzle-orm'
import type { Core } from '../core'
import { labels, projects, statuses, taskAssignees, taskLabels, tasks } from '../db/schema'
import { badRequest } from '../errors'
import { pageLimit } from '../http/respond'
import { ftsQuery } from '../lib/fts'
import type { Actor } from '../permissions/actor'
import { visibleProjects } from '../permissions/projects'
import type { ListTasksQuery, TaskSummary } from './model'
import { taskColumns, toSummaries, type TaskRow } from './read'

type Key = { expr: SQL; of: (r: TaskRow & { statusPosition: number }) => string | number }

const byId: Key = { expr: sql`${tasks.id}`, of: (r) => r.task.id }
const DUE_NONE = '9999-12-31'

/** Sort keys (the last one is always the id, so the order is total and the cursor exact). */
function sortKeys(sort: NonNullable<ListTasksQuery['sort']>, withinStatus: boolean): Key[] {
  switch (sort) {
    case 'created':
      return [byId]
    case 'updated':
      return [{ expr: sql`${tasks.updatedAt}`, of: (r) => r.task.updatedAt.getTime() }, byId]
    case 'due':
      return [{ expr: sql`coalesce(${tasks.dueDate}, ${DUE_NONE})`, of: (r) => r.task.dueDate ?? DUE_NONE }, byId]
    case 'priority':
      return [{ expr: sql`${tasks.priority}`, of: (r) => r.task.priority }, byId]
    case 'rank':
      // Within a status: the column order. Across statuses: by the status's board position, then rank.
      return [
        ...(withinStatus ? [] : [{ expr: sql`${statuses.position}`, of: (r: TaskRow & { statusPosition: number }) => r.statusPosition }]),
        { expr: sql`${tasks.rank}`, of: (r) => r.task.rank },
        byId,
      ]
  }
}

const DEFAULT_ORDER = { created: 'desc', updated: 'desc', due: 'asc', priority: 'asc', rank: 'asc' } as const

function decodeCursor(cursor: string, n: number): (string | number)[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v
  } catch {}
  throw badRequest('Invalid cursor.', 'cursor')
}
const encodeCursor = (values: (string | number)[]) => Buffer.from(JSON.stringify(values)).toString('base64url')

/** Full-text filter on task titles and descriptions, through the search index. */
export function taskTextFilter(q: string): SQL {
  const match = ftsQuery(q)
  if (match === null) return sql`0`
  return sql`${tasks.id} IN (SELECT d.ref_id FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid WHERE search_fts MATCH ${match} AND d.kind = 'task')`
}

/**
 * The GET /tasks query: the tasks of the projects the actor can see (the visibility rule is part of
 * the query), filtered, sorted, keyset-paginated over (sort key, id). Exposed for EXPLAIN QUERY PLAN.
 */
export function taskListQuery(core: Core, actor: Actor, q: ListTasksQuery) {
  const limit = pageLimit(q)
  const sort = q.sort ?? (q.statusId ? 'rank' : 'created')
  const order = q.order ?? DEFAULT_ORDER[sort]
  const keys = sortKeys(sort, q.statusId !== undefined)
  const conds: (SQL | undefined)[] = [visibleProjects(actor)]
  if (q.projectId) conds.push(eq(tasks.projectId, q.projectId))
  if (q.statusId) conds.push(eq(tasks.statusId, q.statusId))
  if (q.priority) conds.push(eq(tasks.priority, q.priority))
  conds.push(q.archived ? sql`${tasks.archivedAt} IS NOT NULL` : sql`${tasks.archivedAt} IS NULL`)
  if (q.dueBefore) conds.push(sql`${tasks.dueDate} <= ${q.dueBefore}`)
  if (q.dueAfter) conds.push(sql`${tasks.dueDate} >= ${q.dueAfter}`)
  if (q.assigneeId)
    conds.push(
      exists(sql`(SELECT 1 FROM ${taskAssignees} WHERE ${taskAssignees.taskId} = ${tasks.id} AND ${taskAssignees.userId} = ${q.assigneeId})`),
    )
  if (q.label)
    conds.push(
      exists(
        sql`(SELECT 1 FROM ${taskLabels} JOIN ${labels} ON ${labels.id} = ${taskLabels.labelId} WHERE ${taskLabels.taskId} = ${tasks.id} AND (${labels.id} = ${q.label} OR lower(${labels.name}) = lower(${q.label.trim()})))`,
      ),
    )
  if (q.q !== undefined && q.q.trim() !== '') conds.push(taskTextFilter(q.q))
  if (q.cursor) {
    const values = decodeCursor(q.cursor, keys.length)
    const lhs = sql.join(keys.map((k) => k.expr), sql`, `)
    const rhs = sql.join(values.map((v) => sql`${v}`), sql`, `)
    conds.push(order === 'asc' ? sql`(${lhs}) > (${rhs})` : sql`(${lhs}) < (${rhs})`)
  }
  const dir = order === 'asc' ? sql`ASC` : sql`DESC`
  const query = core.db
    .select({ ...taskColumns, statusPosition: statuses.position })
    .from(tasks)
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .innerJoin(statuses, eq(statuses.id, tasks.statusId))
    .where(and(...conds))
    .orderBy(...keys.map((k) => sql`${k.expr} ${dir}`))
    .limit(limit + 1)
  return { query, limit, keys }
}

/** GET /tasks: one page of task summaries and the cursor of the next one. */
export function listTasks(core: Core, actor: Actor, q: ListTasksQuery): { items: TaskSummary[]; nextCursor: string | null } {
  const { query, limit, keys } = taskListQuery(core, actor, q)
  const rows = query.all()
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  const nextCursor = rows.length > limit && last ? encodeCursor(keys.map((k) => k.of(last))) : null
  return { items: toSummaries(core.db, page), nextCursor }
}
