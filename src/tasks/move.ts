import { and, eq, inArray } from 'drizzle-orm'
import type { Core } from '../core'
import { projects, statuses, taskAliases, taskAssignees, tasks, timeEntries } from '../db/schema'
import { AppError, badRequest, notFound } from '../errors'
import { publish } from '../events'
import { perDatabase } from '../lib/prepared'
import type { Actor } from '../permissions/actor'
import { projectAccess, visibleProjectsSql } from '../permissions/projects'
import { ensureWritable } from '../projects/archived'
import { columnTaskIds, longestIncreasing, rankAt, rankAtEnd, rebalanceColumn, resolveStatus, type StatusRow, statusById } from './columns'
import type { MoveTaskInput, ReorderInput, Task, TaskSummary } from './model'
import { projectAudience } from './people'
import { loadTaskForWrite, readTask, taskRowsByIds, toSummaries } from './read'
import { eventContext, nextTaskNumber } from './service'

type Anchor = { id: string; rank: string; statusId: string; projectId: string }

/**
 * A task used as a position anchor, looked up among the tasks the actor can see (visibleProjects): a
 * task of a project they cannot see gets the same 400 as an id that exists nowhere (it is input, not
 * the resource), so an anchor cannot probe whether a hidden task exists. Raw SQL text with ?
 * placeholders (the visibility rule as `visibleProjectsSql`), so bun:sqlite's statement cache
 * compiles it once per visibility shape; exposed with its parameters for EXPLAIN QUERY PLAN.
 */
export function anchorQuery(actor: Actor, id: string): { sql: string; params: (string | number)[] } {
  const visible = visibleProjectsSql(actor)
  return {
    sql: `SELECT tasks.id, tasks.rank, tasks.status_id AS statusId, tasks.project_id AS projectId
FROM tasks CROSS JOIN projects ON projects.id = tasks.project_id WHERE tasks.id = ? AND tasks.workspace_id = ? AND ${visible.sql}`,
    params: [id, actor.workspace.id, ...visible.params],
  }
}
function anchorOf(core: Pick<Core, 'sqlite'>, actor: Actor, id: string, path: string): Anchor {
  const q = anchorQuery(actor, id)
  const a = core.sqlite.query<Anchor, (string | number)[]>(q.sql).get(...q.params)
  if (!a) throw badRequest(`Unknown task ${id}.`, path)
  return a
}

/** The write of a move within its project: the task's column, rank and time (prepared once per database). */
export const MOVE_SQL = 'UPDATE tasks SET status_id = ?, rank = ?, updated_at = ? WHERE id = ?'
const moveStatement = perDatabase((core: Pick<Core, 'sqlite'>) => core.sqlite.query<unknown, [string, string, number, string]>(MOVE_SQL))

/** Status mapping when a task changes project: same name, else same category, else the first status. */
const mapStatus = (current: StatusRow) => (list: StatusRow[]) =>
  list.find((s) => s.name.toLowerCase() === current.name.toLowerCase()) ?? list.find((s) => s.category === current.category) ?? list[0]

/**
 * Moves a task: to another status and/or position (`afterTaskId` / `beforeTaskId`, tasks of the
 * target column) and/or to another project of the workspace. Without a position it goes to the end
 * of the target column. Writes one task row (plus, rarely, a column rebalance). Moving to another
 * project keeps the id, maps the status (name, then category, then the first), hands out a new human
 * number there (as Linear does) while the old human id stays an alias of it (task_aliases), drops
 * assignees who cannot see the target project and carries the task's time entries along. Publishes
 * `task.moved`.
 */
export function moveTask(core: Core, actor: Actor, ref: string, input: MoveTaskInput): Task {
  const { projectId, statusId, status, beforeTaskId, afterTaskId } = input
  if (projectId === undefined && statusId === undefined && status === undefined && beforeTaskId === undefined && afterTaskId === undefined)
    throw badRequest('Give statusId (or status), projectId, beforeTaskId or afterTaskId.', '')
  return core.db.transaction((tx) => {
    const cur = loadTaskForWrite(core, actor, ref, 'tasks:write')
    const t = cur.task
    const ws = actor.workspace.id
    const after = afterTaskId !== undefined ? anchorOf(core, actor, afterTaskId, 'afterTaskId') : undefined
    const before = beforeTaskId !== undefined ? anchorOf(core, actor, beforeTaskId, 'beforeTaskId') : undefined
    for (const [a, path] of [
      [after, 'afterTaskId'],
      [before, 'beforeTaskId'],
    ] as const)
      if (a?.id === t.id) throw badRequest('A task cannot be placed relative to itself.', path)

    // Target project and status: explicit, else the anchor's column, else the current one.
    const anchor = after ?? before
    const targetProjectId = projectId ?? anchor?.projectId ?? t.projectId
    const crossProject = targetProjectId !== t.projectId
    // Into an archived project is refused like out of one (loadTaskForWrite above).
    if (crossProject) ensureWritable(projectAccess(core, actor, targetProjectId, 'tasks:write').project)
    const currentStatus = statusById(core, t.statusId)!
    let target: StatusRow
    if (statusId !== undefined || status !== undefined) target = resolveStatus(core, targetProjectId, { statusId, status })
    else if (anchor && anchor.projectId === targetProjectId)
      target = anchor.statusId === currentStatus.id ? currentStatus : statusById(core, anchor.statusId)!
    else if (crossProject) target = resolveStatus(core, targetProjectId, {}, mapStatus(currentStatus))
    else target = currentStatus
    for (const [a, path] of [
      [after, 'afterTaskId'],
      [before, 'beforeTaskId'],
    ] as const)
      if (a && a.statusId !== target.id) throw badRequest(`${path} must be a task of the target column.`, path)
    if (after && before && !(after.rank < before.rank || (after.rank === before.rank && after.id < before.id)))
      throw badRequest('afterTaskId must come before beforeTaskId in the column.', 'afterTaskId')

    const rank =
      after || before
        ? rankAt(core, target.id, t.id, { after, before })
        : target.id === t.statusId
          ? t.rank
          : rankAtEnd(core, target.id, t.id)
    const patch: Partial<typeof tasks.$inferInsert> = { statusId: target.id, rank, updatedAt: new Date(core.clock.now()) }
    if (crossProject) {
      patch.projectId = targetProjectId
      patch.number = nextTaskNumber(core, targetProjectId)
      const keep = new Set(
        projectAudience(tx, ws, targetProjectId, {
          ids: tx
            .select({ id: taskAssignees.userId })
            .from(taskAssignees)
            .where(eq(taskAssignees.taskId, t.id))
            .all()
            .map((r) => r.id),
        }).map((r) => r.id),
      )
      const dropped = tx
        .select({ id: taskAssignees.userId })
        .from(taskAssignees)
        .where(eq(taskAssignees.taskId, t.id))
        .all()
        .filter((r) => !keep.has(r.id))
      if (dropped.length)
        tx.delete(taskAssignees)
          .where(
            and(
              eq(taskAssignees.taskId, t.id),
              inArray(
                taskAssignees.userId,
                dropped.map((r) => r.id),
              ),
            ),
          )
          .run()
      tx.update(timeEntries).set({ projectId: targetProjectId }).where(eq(timeEntries.taskId, t.id)).run()
      // The old human id (WEB-1) keeps finding the task.
      tx.insert(taskAliases).values({ projectId: t.projectId, number: t.number, taskId: t.id, createdAt: patch.updatedAt }).run()
    }
    if (crossProject) tx.update(tasks).set(patch).where(eq(tasks.id, t.id)).run()
    else moveStatement(core).run(target.id, rank, patch.updatedAt!.getTime(), t.id)
    const data = readTask(core, t.id)
    publish(core, tx, eventContext(core, actor), {
      type: 'task.moved',
      projectId: targetProjectId,
      taskId: t.id,
      fromStatusId: t.statusId,
      toStatusId: target.id,
      fromProjectId: t.projectId,
      data,
    })
    return data
  })
}

/**
 * Sets a column's full order (`taskIds`: exactly its non-archived tasks, each once). Archived tasks
 * of the column keep their relative order after them. Publishes `task.moved` for the tasks that
 * changed place (those outside a longest run kept in order), not for the whole column.
 */
export function reorderColumn(core: Core, actor: Actor, input: ReorderInput): TaskSummary[] {
  return core.db.transaction((tx) => {
    const status = tx
      .select({ id: statuses.id, projectId: statuses.projectId })
      .from(statuses)
      .innerJoin(projects, eq(projects.id, statuses.projectId))
      .where(and(eq(statuses.id, input.statusId), eq(projects.workspaceId, actor.workspace.id)))
      .get()
    if (!status) throw notFound('Status')
    try {
      ensureWritable(projectAccess(core, actor, status.projectId, 'tasks:write').project)
    } catch (e) {
      throw e instanceof AppError && e.code === 'not_found' ? notFound('Status') : e
    }
    const current = columnTaskIds(tx, status.id, false)
    const given = input.taskIds
    const position = new Map(current.map((id, i) => [id, i]))
    const seen = new Set<string>()
    given.forEach((id, i) => {
      if (!position.has(id)) throw badRequest(`Task ${id} is not an active task of this column.`, `taskIds.${i}`)
      if (seen.has(id)) throw badRequest(`Task ${id} is listed twice.`, `taskIds.${i}`)
      seen.add(id)
    })
    if (given.length !== current.length) {
      const missing = current.filter((id) => !seen.has(id))
      throw badRequest(`taskIds must list every active task of the column; missing: ${missing.slice(0, 10).join(', ')}.`, 'taskIds')
    }
    const kept = longestIncreasing(given.map((id) => position.get(id)!))
    const movedIds = given.filter((_, i) => !kept.has(i))
    if (movedIds.length === 0) return toSummaries(core, taskRowsByIds(core, given))
    rebalanceColumn(core, status.id, null, [...given, ...columnTaskIds(tx, status.id, true)])
    const now = new Date(core.clock.now())
    tx.update(tasks).set({ updatedAt: now }).where(inArray(tasks.id, movedIds)).run()
    const ctx = eventContext(core, actor)
    for (const id of movedIds)
      publish(core, tx, ctx, {
        type: 'task.moved',
        projectId: status.projectId,
        taskId: id,
        fromStatusId: status.id,
        toStatusId: status.id,
        fromProjectId: status.projectId,
        data: readTask(core, id),
      })
    return toSummaries(core, taskRowsByIds(core, given))
  })
}
