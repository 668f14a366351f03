import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import type { Core } from '../core'
import { projects, STATUS_CATEGORIES, type StatusCategory, statuses, statusTaskCounts, tasks } from '../db/schema'
import { badRequest, notFound } from '../errors'
import { cachedJson } from '../http/cached-json'
import { ok } from '../http/respond'
import { perDatabase } from '../lib/prepared'
import { type Actor, authorize } from '../permissions/actor'
import { type ProjectAccess, projectAccess, visibleProjects, visibleProjectsSql } from '../permissions/projects'
import type { Status } from '../projects/model'
import { toProject, toStatus } from '../projects/service'
import { fromRawStatus, type RawStatus } from '../tasks/columns'
import { cardLabels, LABELS_BY_IDS_SQL, parseIds } from '../tasks/read'
import type { Board, BoardQuery, BoardTask } from './model'

/** Tasks per column on a first page: what a column shows before scrolling (Vikunja loads 25 per bucket too). */
const DEFAULT_LIMIT = 25

type StatusCountRow = RawStatus & {
  live: number
  total: number
}
const toStatusOut = (r: StatusCountRow): Status => toStatus(fromRawStatus(r))

type TaskRow = {
  id: string
  number: number
  project_id: string
  status_id: string
  title: string
  priority: BoardTask['priority']
  rank: string
  due_date: string | null
  archived_at: number | null
  assignee_ids: string
  label_ids: string
  todo_count: number
  todo_done_count: number
  project_key: string
}

const COLS =
  't.id, t.number, t.project_id, t.status_id, t.title, t.priority, t.rank, t.due_date, t.archived_at, t.assignee_ids, t.label_ids, ' +
  't.todo_count, t.todo_done_count, ? AS project_key'
const columnSql = (archived: boolean, after: boolean) =>
  `SELECT ${COLS} FROM tasks t WHERE t.project_id = ? AND t.status_id = ?${archived ? '' : ' AND t.archived_at IS NULL'}` +
  `${after ? ' AND (t.rank, t.id) > (?, ?)' : ''} ORDER BY t.rank, t.id LIMIT ?`

/**
 * The project board's SQL (exported for the benchmark's EXPLAIN QUERY PLAN). The statuses come with
 * their task counts (kept by triggers in status_task_counts); a column page is one range read on the
 * partial index tasks_live_column_idx(project_id, status_id, rank, id) (tasks_column_idx with
 * archived=true), which also brings each card's assignee and label ids and todo counts (kept on the
 * task by triggers); the labels the page names come in one query (json_each over their ids keeps
 * the statement prepared).
 */
export const BOARD_SQL = {
  statuses:
    'SELECT s.id, s.project_id, s.name, s.category, s.position, s.color, s.created_at, coalesce(c.live, 0) AS live, coalesce(c.total, 0) AS total ' +
    'FROM statuses s LEFT JOIN status_task_counts c ON c.status_id = s.id WHERE s.project_id = ? ORDER BY s.position, s.id',
  column: {
    live: columnSql(false, false),
    liveAfter: columnSql(false, true),
    all: columnSql(true, false),
    allAfter: columnSql(true, true),
  },
  labels: LABELS_BY_IDS_SQL,
}

function prepare(sqlite: Core['sqlite']) {
  const q = <R>(sql: string) => sqlite.query<R, (string | number)[]>(sql)
  const c = BOARD_SQL.column
  return {
    column: { live: q<TaskRow>(c.live), liveAfter: q<TaskRow>(c.liveAfter), all: q<TaskRow>(c.all), allAfter: q<TaskRow>(c.allAfter) },
    statuses: q<StatusCountRow>(BOARD_SQL.statuses),
  }
}
const stmts = perDatabase((core: Core) => prepare(core.sqlite))

/** `rank:id` of a column's last task; a bare rank is accepted too. */
function parseCursor(cursor: string): { rank: string; id: string } {
  const i = cursor.indexOf(':')
  return i < 0 ? { rank: cursor, id: '\uffff' } : { rank: cursor.slice(0, i), id: cursor.slice(i + 1) }
}
const cursorOf = (t: { rank: string; id: string }) => `${t.rank}:${t.id}`

/**
 * Turns each column's rows into its page (limit+1 rows read: more follow; or `more` said by the
 * column's count), then names the labels of all their cards in one query.
 */
function finish<C extends { rows: TaskRow[]; more?: boolean }>(
  core: Core,
  limit: number,
  cols: C[],
): (Omit<C, 'rows' | 'more'> & { tasks: BoardTask[]; nextCursor: string | null })[] {
  const pages = cols.map((c) => {
    const more = c.more ?? c.rows.length > limit
    const rows = c.rows.length > limit ? c.rows.slice(0, limit) : c.rows
    return { c, rows, nextCursor: more ? cursorOf(rows[rows.length - 1]!) : null }
  })
  const all = pages.flatMap((p) => p.rows)
  const labels = cardLabels(
    core,
    all.map((r) => r.label_ids),
  )
  let i = 0
  return pages.map(({ c, rows, nextCursor }) => {
    const { rows: _r, more: _m, ...rest } = c
    return {
      ...rest,
      nextCursor,
      tasks: rows.map(
        (r): BoardTask => ({
          id: r.id,
          humanId: `${r.project_key}-${r.number}`,
          number: r.number,
          projectId: r.project_id,
          statusId: r.status_id,
          title: r.title,
          priority: r.priority,
          rank: r.rank,
          dueDate: r.due_date,
          archived: r.archived_at !== null,
          // Kept sorted by id by the triggers that write it.
          assigneeIds: parseIds(r.assignee_ids),
          labels: labels[i++]!,
          todoCount: r.todo_count,
          todoDoneCount: r.todo_done_count,
        }),
      ),
    }
  })
}

/**
 * GET /board?projectId=: the project's columns in status order, each with its task count and first
 * page of tasks by rank. With statusId (and usually cursor): that one column's page.
 */
export function projectBoard(core: Core, actor: Actor, projectId: string, q: BoardQuery): Board {
  return projectBoardOf(core, projectAccess(core, actor, projectId, 'tasks:read'), q)
}

function projectBoardOf(core: Core, { project, role }: ProjectAccess, q: BoardQuery): Board {
  const limit = q.limit ?? DEFAULT_LIMIT
  const archived = q.archived ?? false
  const s = stmts(core)
  let cols = s.statuses.all(project.id)
  if (q.statusId) {
    cols = cols.filter((st) => st.id === q.statusId)
    if (cols.length === 0) throw notFound('Status')
  } else if (q.cursor) {
    throw badRequest('A cursor pages one column: pass statusId with it.', 'statusId')
  }
  const after = q.cursor ? parseCursor(q.cursor) : null
  const stmt = archived ? (after ? s.column.allAfter : s.column.all) : after ? s.column.liveAfter : s.column.live
  const raw = cols.map((st) => {
    const count = archived ? st.total : st.live
    return {
      status: toStatusOut(st),
      category: st.category,
      count,
      // A first page reads what it shows (the column's count says whether more follow); after a cursor, one row more.
      ...(after
        ? { rows: stmt.all(project.key, project.id, st.id, after.rank, after.id, limit + 1) }
        : { rows: count === 0 ? [] : stmt.all(project.key, project.id, st.id, limit), more: count > limit }),
    }
  })
  return { project: toProject(project, role), columns: finish(core, limit, raw) }
}

/**
 * GET /board as served over HTTP: the same boards, answered from bytes kept while the database is
 * unchanged (src/http/cached-json.ts). The key is everything the answer depends on besides the
 * data: a project board depends on the project and the caller's role in it (checked first, every
 * time); the workspace board on the visibility rule's SQL and parameters (workspace, user, role,
 * project scope). Plus every query parameter.
 */
export function boardAnswer(core: Core, actor: Actor, q: BoardQuery): Response {
  const params = [q.statusId, q.category, q.cursor, q.limit, q.archived]
  if (q.projectId) {
    const access = projectAccess(core, actor, q.projectId, 'tasks:read')
    const key = JSON.stringify(['project', access.project.id, access.role, ...params])
    return cachedJson(core, 'board', key, () => ok(projectBoardOf(core, access, q)))
  }
  authorize(actor, 'tasks:read')
  const visible = visibleProjectsSql(actor)
  const key = JSON.stringify(['workspace', visible.sql, visible.params, ...params])
  return cachedJson(core, 'board', key, () => ok(workspaceBoard(core, actor, q)))
}

/** Above this many statuses in one category, a column is one join sorted by SQLite (SQLite allows 500 compound terms). */
const MAX_MERGED_STATUSES = 400

/**
 * GET /board without projectId: one column per status category across the (non-archived) projects
 * the actor can see, tasks by rank then id. With category (and cursor): that one column's page.
 * One query finds the visible statuses with their counts; each column is then one statement: the
 * UNION ALL of each status's first page (an index range read, LIMIT page+1) merged by SQLite, so a
 * column costs O(statuses × page), not a sort of every task in the category.
 */
export function workspaceBoard(core: Core, actor: Actor, q: BoardQuery, maxMerged = MAX_MERGED_STATUSES): Board {
  authorize(actor, 'tasks:read')
  if (q.statusId) throw badRequest('statusId pages a project board: pass projectId too.', 'projectId')
  if (q.cursor && !q.category) throw badRequest('A cursor pages one column: pass category with it.', 'category')
  const limit = q.limit ?? DEFAULT_LIMIT
  const archived = q.archived ?? false
  const cats: readonly StatusCategory[] = q.category ? [q.category] : STATUS_CATEGORIES
  const visible = core.db
    .select({
      id: statuses.id,
      projectId: statuses.projectId,
      category: statuses.category,
      n: archived ? statusTaskCounts.total : statusTaskCounts.live,
    })
    .from(statuses)
    .innerJoin(projects, eq(projects.id, statuses.projectId))
    .innerJoin(statusTaskCounts, eq(statusTaskCounts.statusId, statuses.id))
    .where(and(visibleProjects(actor), isNull(projects.archivedAt), sql`${archived ? statusTaskCounts.total : statusTaskCounts.live} > 0`))
    .all()
  const after = q.cursor ? parseCursor(q.cursor) : null
  const raw = cats.map((category) => {
    const sts = visible.filter((v) => v.category === category)
    return {
      status: null,
      category,
      count: sts.reduce((n, v) => n + v.n, 0),
      rows:
        sts.length === 0
          ? []
          : sts.length <= maxMerged
            ? mergedColumn(core, sts, archived, after, limit + 1)
            : joinedColumn(core, actor, category, archived, after, limit + 1),
    }
  })
  return { project: null, columns: finish(core, limit, raw) }
}

const idsSql = (archived: boolean, after: boolean) =>
  `SELECT * FROM (SELECT t.id, t.rank FROM tasks t WHERE t.project_id = ? AND t.status_id = ?${archived ? '' : ' AND t.archived_at IS NULL'}` +
  `${after ? ' AND (t.rank, t.id) > (?, ?)' : ''} ORDER BY t.rank, t.id LIMIT ?)`

/**
 * One workspace-board column over `n` statuses: each status's first page comes from its index (ids
 * and ranks only: the live index covers them), SQLite merges them, and only the winners are read in
 * full. Params per status: projectId, statusId, [rank, id], take; then take.
 */
export function workspaceColumnSql(n: number, archived: boolean, after: boolean): string {
  const one = idsSql(archived, after)
  return (
    `SELECT ${COLS.replace('? AS project_key', 'p.key AS project_key')} FROM tasks t JOIN projects p ON p.id = t.project_id ` +
    `WHERE t.id IN (SELECT id FROM (${Array.from({ length: n }, () => one).join(' UNION ALL ')} ORDER BY rank, id LIMIT ?)) ` +
    'ORDER BY t.rank, t.id'
  )
}

function mergedColumn(
  core: Core,
  sts: { id: string; projectId: string }[],
  archived: boolean,
  after: { rank: string; id: string } | null,
  take: number,
): TaskRow[] {
  const text = workspaceColumnSql(sts.length, archived, after !== null)
  const params: (string | number)[] = []
  for (const st of sts) {
    params.push(st.projectId, st.id)
    if (after) params.push(after.rank, after.id)
    params.push(take)
  }
  params.push(take)
  // query() caches the statement by its text: one per distinct number of statuses.
  return core.sqlite.query<TaskRow, (string | number)[]>(text).all(...params)
}

/** The fallback for very many statuses: one join, sorted by SQLite. */
function joinedColumn(
  core: Core,
  actor: Actor,
  category: StatusCategory,
  archived: boolean,
  after: { rank: string; id: string } | null,
  take: number,
): TaskRow[] {
  return core.db
    .select({
      id: tasks.id,
      number: tasks.number,
      project_id: tasks.projectId,
      status_id: tasks.statusId,
      title: tasks.title,
      priority: tasks.priority,
      rank: tasks.rank,
      due_date: tasks.dueDate,
      archived_at: sql<number | null>`${tasks.archivedAt}`,
      assignee_ids: tasks.assigneeIds,
      label_ids: tasks.labelIds,
      todo_count: tasks.todoCount,
      todo_done_count: tasks.todoDoneCount,
      project_key: projects.key,
    })
    .from(tasks)
    .innerJoin(statuses, eq(statuses.id, tasks.statusId))
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .where(
      and(
        visibleProjects(actor),
        isNull(projects.archivedAt),
        archived ? undefined : isNull(tasks.archivedAt),
        eq(statuses.category, category),
        after ? sql`(${tasks.rank}, ${tasks.id}) > (${after.rank}, ${after.id})` : undefined,
      ),
    )
    .orderBy(asc(tasks.rank), asc(tasks.id))
    .limit(take)
    .all()
}
