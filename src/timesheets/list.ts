import { and, desc, eq, gte, lte, type SQL, sql } from 'drizzle-orm'
import type { Core } from '../core'
import { projects, timeEntries } from '../db/schema'
import { badRequest } from '../errors'
import { pageLimit, paginate } from '../http/respond'
import { type Actor, requireWorkspaceWide } from '../permissions/actor'
import { projectAccess, visibleProjects } from '../permissions/projects'
import { loadTask } from '../tasks/read'
import type { ListTimeEntriesQuery, TimeEntry } from './model'
import { entrySelect, toEntry } from './service'

const CURSOR = /^(\d{4}-\d{2}-\d{2})\.([0-9a-f-]{36})$/

/**
 * GET /time-entries, newest day first (then newest entry), keyset-paginated on (date, id).
 * With `taskId` or `projectId` it lists that task or project (404 if not visible; a project-scoped
 * key may name only its project). Without either it is the workspace-wide list: project-scoped keys
 * get 403 `scope_violation` (seed 004's table), and a MEMBER or VIEWER sees the entries of the
 * projects they can see (`visibleProjects`), everyone's, not only their own.
 */
export function listEntries(core: Core, actor: Actor, q: ListTimeEntriesQuery): { items: TimeEntry[]; nextCursor: string | null } {
  const conds: (SQL | undefined)[] = [eq(timeEntries.workspaceId, actor.workspace.id), visibleProjects(actor)]
  if (q.taskId) conds.push(eq(timeEntries.taskId, loadTask(core, actor, q.taskId, 'timesheets:read').task.id))
  if (q.projectId) conds.push(eq(timeEntries.projectId, projectAccess(core, actor, q.projectId, 'timesheets:read').project.id))
  if (!q.taskId && !q.projectId) requireWorkspaceWide(actor)
  if (q.userId) conds.push(eq(timeEntries.userId, q.userId))
  if (q.clientId) conds.push(eq(projects.clientId, q.clientId))
  if (q.from) conds.push(gte(timeEntries.date, q.from))
  if (q.to) conds.push(lte(timeEntries.date, q.to))
  if (q.billable !== undefined) conds.push(eq(timeEntries.billable, q.billable))
  if (q.billed !== undefined) conds.push(eq(timeEntries.billed, q.billed))
  if (q.state) conds.push(eq(timeEntries.state, q.state))
  if (q.cursor) {
    const c = CURSOR.exec(q.cursor)
    if (!c) throw badRequest('cursor is not a cursor returned by this list.', 'cursor')
    conds.push(sql`(${timeEntries.date}, ${timeEntries.id}) < (${c[1]}, ${c[2]})`)
  }
  const limit = pageLimit(q)
  const rows = entrySelect(core.db)
    .where(and(...conds))
    .orderBy(desc(timeEntries.date), desc(timeEntries.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => `${r.e.date}.${r.e.id}`)
  return { items: page.items.map(toEntry), nextCursor: page.nextCursor }
}
