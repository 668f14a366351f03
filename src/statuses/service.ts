import { asc, count, desc, eq, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { newId, statuses, tasks } from '../db/schema'
import { badRequest, conflict, notFound } from '../errors'
import { type EventContext, publish } from '../events'
import { cachedJson } from '../http/cached-json'
import { okList } from '../http/respond'
import { isUniqueViolation } from '../lib/db-errors'
import { rankAfter } from '../lib/rank'
import type { Actor } from '../permissions/actor'
import { projectAccess } from '../permissions/projects'
import { ensureWritable } from '../projects/archived'
import { eventContext, projectStatuses, toStatus } from '../projects/service'
import { readTask } from '../tasks/read'
import type { CreateStatusInput, Status, UpdateStatusInput } from './model'

type StatusRow = typeof statuses.$inferSelect

const nameTaken = (name: string) => conflict(`A status named "${name}" already exists in this project.`)

function findByName(rows: StatusRow[], name: string, exceptId?: string) {
  const lower = name.toLowerCase()
  return rows.find((s) => s.name.toLowerCase() === lower && s.id !== exceptId)
}

/** Writes positions 0..n-1 in the given order, touching only rows whose position changed. */
function renumber(tx: DbOrTx, ordered: StatusRow[]) {
  ordered.forEach((s, i) => {
    if (s.position !== i) tx.update(statuses).set({ position: i }).where(eq(statuses.id, s.id)).run()
    s.position = i
  })
}

export function listStatuses(core: Core, actor: Actor, projectId: string): Status[] {
  const { project } = projectAccess(core, actor, projectId, 'projects:read')
  return projectStatuses(core, project.id).map(toStatus)
}

/** GET /projects/:id/statuses over HTTP: after the access check, bytes kept while the database is unchanged (the list depends on the project alone). */
export function statusesAnswer(core: Core, actor: Actor, projectId: string): Response {
  const { project } = projectAccess(core, actor, projectId, 'projects:read')
  return cachedJson(core, 'objects', JSON.stringify(['statuses', project.id]), () =>
    okList(projectStatuses(core, project.id).map(toStatus), null),
  )
}

function withUniqueName<T>(name: string | undefined, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(name ?? '')
    throw e
  }
}

/** POST /projects/:id/statuses (project OWNER): inserted at `position` (default last). */
export function createStatus(core: Core, actor: Actor, projectId: string, input: CreateStatusInput): Status {
  return withUniqueName(input.name, () =>
    core.db.transaction((tx) => {
      const { project } = projectAccess(core, actor, projectId, 'projects:write')
      ensureWritable(project)
      const rows = projectStatuses(core, project.id)
      if (findByName(rows, input.name)) throw nameTaken(input.name)
      const at = Math.min(input.position ?? rows.length, rows.length)
      const row = tx
        .insert(statuses)
        .values({
          id: newId(),
          projectId: project.id,
          name: input.name,
          category: input.category,
          color: input.color ?? null,
          position: rows.length,
          createdAt: new Date(core.clock.now()),
        })
        .returning()
        .get()
      rows.splice(at, 0, row)
      renumber(tx, rows)
      const out = toStatus(row)
      publish(core, tx, eventContext(core, actor), {
        type: 'status.created',
        projectId: project.id,
        statusId: row.id,
        name: row.name,
        data: { status: out },
      })
      return out
    }),
  )
}

/** PATCH (project OWNER): name, category, color, position (the others shift to keep 0..n-1). */
export function updateStatus(core: Core, actor: Actor, projectId: string, statusId: string, input: UpdateStatusInput): Status {
  return withUniqueName(input.name, () =>
    core.db.transaction((tx) => {
      const { project } = projectAccess(core, actor, projectId, 'projects:write')
      ensureWritable(project)
      const rows = projectStatuses(core, project.id)
      const idx = rows.findIndex((s) => s.id === statusId)
      if (idx < 0) throw notFound('Status')
      const cur = rows[idx]!
      if (input.name !== undefined && findByName(rows, input.name, cur.id)) throw nameTaken(input.name)
      const changes: Record<string, { from: unknown; to: unknown }> = {}
      const patch: Partial<StatusRow> = {}
      for (const field of ['name', 'category', 'color'] as const) {
        const next = input[field]
        if (next === undefined || next === cur[field]) continue
        changes[field] = { from: cur[field], to: next }
        ;(patch as Record<string, unknown>)[field] = next
      }
      if (Object.keys(patch).length) tx.update(statuses).set(patch).where(eq(statuses.id, cur.id)).run()
      if (input.position !== undefined) {
        const to = Math.min(input.position, rows.length - 1)
        if (to !== idx) {
          changes.position = { from: idx, to }
          rows.splice(idx, 1)
          rows.splice(to, 0, cur)
          renumber(tx, rows)
        }
      }
      const out = toStatus(tx.select().from(statuses).where(eq(statuses.id, cur.id)).get()!)
      if (Object.keys(changes).length)
        publish(core, tx, eventContext(core, actor), {
          type: 'status.updated',
          projectId: project.id,
          statusId: cur.id,
          changes,
          data: { status: out, changes },
        })
      return out
    }),
  )
}

/**
 * DELETE (project OWNER). A status with tasks (archived ones included) needs `moveTasksTo`, another
 * status of the same project: its tasks are appended after the target column's last rank, in their
 * current order. The project's last status cannot be deleted.
 */
export function deleteStatus(
  core: Core,
  actor: Actor,
  projectId: string,
  statusId: string,
  moveTasksTo: string | undefined,
): { movedTasks: number; movedTo: string | null } {
  return core.db.transaction((tx) => {
    const { project } = projectAccess(core, actor, projectId, 'projects:write')
    ensureWritable(project)
    const rows = projectStatuses(core, project.id)
    const idx = rows.findIndex((s) => s.id === statusId)
    if (idx < 0) throw notFound('Status')
    const cur = rows[idx]!
    if (rows.length === 1) throw conflict('A project needs at least one status: this is its last one.')
    const taskCount = tx.select({ n: count() }).from(tasks).where(eq(tasks.statusId, cur.id)).get()?.n ?? 0
    let movedTo: string | null = null
    if (taskCount > 0) {
      if (!moveTasksTo)
        throw conflict(
          `This status still has ${taskCount} task(s): pass moveTasksTo=<statusId> to move them to another status of the project.`,
        )
      const target = rows.find((s) => s.id === moveTasksTo)
      if (!target || target.id === cur.id) throw badRequest('moveTasksTo must be another status of the same project.', 'moveTasksTo')
      moveTasks(core, tx, eventContext(core, actor), project.id, cur.id, target.id)
      movedTo = target.id
    }
    tx.delete(statuses).where(eq(statuses.id, cur.id)).run()
    rows.splice(idx, 1)
    renumber(tx, rows)
    publish(core, tx, eventContext(core, actor), {
      type: 'status.deleted',
      projectId: project.id,
      statusId: cur.id,
      name: cur.name,
      movedTasks: taskCount,
      movedTo,
      data: { status: toStatus(cur), movedTasks: taskCount, movedTo },
    })
    return { movedTasks: taskCount, movedTo }
  })
}

/**
 * Appends every task of `fromId` after the last rank of `toId`, keeping their relative order, and
 * publishes `task.moved` for each (as a single move does), while both statuses still exist.
 */
function moveTasks(core: Core, tx: DbOrTx, ctx: EventContext, projectId: string, fromId: string, toId: string) {
  const last = tx.select({ rank: tasks.rank }).from(tasks).where(eq(tasks.statusId, toId)).orderBy(desc(tasks.rank)).limit(1).get()
  const moving = tx.select({ id: tasks.id }).from(tasks).where(eq(tasks.statusId, fromId)).orderBy(asc(tasks.rank), asc(tasks.id)).all()
  const now = core.clock.now()
  let rank = last?.rank ?? null
  for (const t of moving) {
    rank = rankAfter(rank)
    tx.run(sql`UPDATE tasks SET status_id = ${toId}, rank = ${rank}, updated_at = ${now} WHERE id = ${t.id}`)
    publish(core, tx, ctx, {
      type: 'task.moved',
      projectId,
      taskId: t.id,
      fromStatusId: fromId,
      toStatusId: toId,
      fromProjectId: projectId,
      data: readTask(core, t.id),
    })
  }
}
