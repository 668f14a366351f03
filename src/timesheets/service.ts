import { and, eq, ne, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { newId, projects, tasks, timeEntries, users } from '../db/schema'
import { AppError, badRequest, conflict, notFound } from '../errors'
import type { Actor } from '../permissions/actor'
import type { Scope } from '../permissions/matrix'
import { type ProjectAccess, projectAccess, visibleProjects } from '../permissions/projects'
import { requireMayBill, requireMayChangeEntry, requireMayLogTimeFor } from '../permissions/rules'
import { projectAudience } from '../tasks/people'
import { humanId, loadTask } from '../tasks/read'
import { DAY_MINUTES, latestAllowedDate, resolveDuration } from './duration'
import type { CreateTimeEntryInput, TimeEntry, UpdateTimeEntryInput } from './model'

export type EntryRow = typeof timeEntries.$inferSelect

/** An entry with the references its JSON shows; every read goes through this select. */
export const entrySelect = (db: DbOrTx) =>
  db
    .select({
      e: timeEntries,
      user: { id: users.id, name: users.name, handle: users.handle },
      task: { id: tasks.id, number: tasks.number, title: tasks.title },
      project: { id: projects.id, name: projects.name, key: projects.key },
    })
    .from(timeEntries)
    .innerJoin(projects, eq(projects.id, timeEntries.projectId))
    .innerJoin(tasks, eq(tasks.id, timeEntries.taskId))
    .leftJoin(users, eq(users.id, timeEntries.userId))

type Joined = {
  e: EntryRow
  user: { id: string; name: string; handle: string } | null
  task: { id: string; number: number; title: string }
  project: { id: string; name: string; key: string }
}

export const toEntry = (r: Joined): TimeEntry => ({
  id: r.e.id,
  projectId: r.e.projectId,
  taskId: r.e.taskId,
  userId: r.e.userId,
  user: r.user,
  task: { id: r.task.id, humanId: humanId(r.project.key, r.task.number), title: r.task.title },
  project: { id: r.project.id, name: r.project.name },
  date: r.e.date,
  minutes: r.e.minutes,
  note: r.e.note,
  billable: r.e.billable,
  billed: r.e.billed,
  state: r.e.state,
  rejectionReason: r.e.rejectionReason,
  decidedBy: r.e.decidedBy,
  decidedAt: r.e.decidedAt?.toISOString() ?? null,
  createdBy: r.e.createdBy,
  createdAt: r.e.createdAt.toISOString(),
  updatedAt: r.e.updatedAt.toISOString(),
})

export const readEntry = (db: DbOrTx, entryId: string): TimeEntry => toEntry(entrySelect(db).where(eq(timeEntries.id, entryId)).get()!)

export type LoadedEntry = { entry: EntryRow; access: ProjectAccess }

/**
 * An entry of a project the actor can see (404 otherwise: another workspace, an invisible project,
 * another project for a project-scoped key), with the role the actor has there; `scope` is then
 * authorized at project level (403 `Missing <scope> permission.`).
 */
export function loadEntry(core: Core, db: DbOrTx, actor: Actor, entryId: string, scope: Scope): LoadedEntry {
  const row = db
    .select({ e: timeEntries })
    .from(timeEntries)
    .innerJoin(projects, eq(projects.id, timeEntries.projectId))
    .where(and(eq(timeEntries.id, entryId), eq(timeEntries.workspaceId, actor.workspace.id), visibleProjects(actor)))
    .get()
  if (!row) throw notFound('Time entry')
  try {
    return { entry: row.e, access: projectAccess(core, actor, row.e.projectId, scope) }
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') throw notFound('Time entry')
    throw e
  }
}

/** The person whose entry it is, or someone who may act for them on this project; 403 otherwise (src/permissions/rules.ts). */
export function requireAuthorOrOwner(actor: Actor, l: LoadedEntry): void {
  requireMayChangeEntry(actor, l.entry.userId, l.access.role)
}

/** Approved or billed entries are locked until unlocked (409). */
export function requireUnlocked(entry: EntryRow): void {
  if (entry.billed || entry.state === 'approved')
    throw conflict(
      `Time entry is ${entry.state}${entry.billed ? ' and billed' : ''}; it cannot be changed until a project owner unlocks it.`,
    )
}

/**
 * The 24 h/day rule, counted over the person's entries in this workspace only (another workspace's
 * owner must neither learn nor fill someone's days here). The message gives the day's total only when
 * the caller can see every entry it counts (src/permissions/projects.ts `visibleProjects`); otherwise
 * it says no number, so that a project OWNER logging for someone learns nothing of their other projects.
 */
function checkDay(core: Core, db: DbOrTx, actor: Actor, userId: string, date: string, minutes: number, excludeId: string | null): void {
  const latest = latestAllowedDate(core.clock.now())
  if (date > latest) throw badRequest(`date may be at most one day in the future (latest allowed: ${latest}).`, 'date')
  const { logged, visible } = db
    .select({
      logged: sql<number>`coalesce(sum(${timeEntries.minutes}), 0)`,
      visible: sql<number>`coalesce(sum(CASE WHEN ${visibleProjects(actor)} THEN ${timeEntries.minutes} ELSE 0 END), 0)`,
    })
    .from(timeEntries)
    .innerJoin(projects, eq(projects.id, timeEntries.projectId))
    .where(
      and(
        eq(timeEntries.userId, userId),
        eq(timeEntries.date, date),
        eq(timeEntries.workspaceId, actor.workspace.id),
        excludeId ? ne(timeEntries.id, excludeId) : undefined,
      ),
    )
    .get()!
  if (logged + minutes <= DAY_MINUTES) return
  const limit = `A person can log at most ${DAY_MINUTES} minutes (24 h) per day`
  if (visible !== logged) throw badRequest(`${limit}: this would take them over it on ${date}.`, 'minutes')
  throw badRequest(`${limit}: ${date} already has ${logged} minutes, so at most ${Math.max(0, DAY_MINUTES - logged)} more.`, 'minutes')
}

/**
 * POST /tasks/:taskId/time-entries. Needs timesheets:write on the task's project; the task and its
 * project must not be archived; `userId` (another person) needs timesheets:approve there (project OWNER).
 */
export function createEntry(core: Core, actor: Actor, taskRef: string, input: CreateTimeEntryInput): TimeEntry {
  return core.db.transaction((tx) => {
    const task = loadTask(core, actor, taskRef, 'timesheets:write')
    if (task.task.archivedAt) throw badRequest('The task is archived: time cannot be logged on it.', 'taskId')
    if (task.access.project.archivedAt) throw badRequest('The project is archived: time cannot be logged on it.', 'taskId')
    const userId = input.userId ?? actor.user?.id
    if (!userId) throw badRequest('userId is required: this credential has no user of its own.', 'userId')
    if (userId !== actor.user?.id) {
      requireMayLogTimeFor(actor, task.access.role)
      if (projectAudience(tx, actor.workspace.id, task.task.projectId, { ids: [userId] }).length === 0)
        throw badRequest(`User ${userId} cannot log time here: not a workspace member who can see this project.`, 'userId')
    }
    const { date, minutes } = resolveDuration(input, null)
    checkDay(core, tx, actor, userId, date, minutes!, null)
    const now = new Date(core.clock.now())
    const id = newId()
    tx.insert(timeEntries)
      .values({
        id,
        workspaceId: actor.workspace.id,
        projectId: task.task.projectId,
        taskId: task.task.id,
        userId,
        date,
        minutes: minutes!,
        note: input.note ?? null,
        billable: input.billable ?? task.access.project.billableByDefault,
        createdBy: actor.user?.id ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .run()
    return readEntry(tx, id)
  })
}

export const getEntry = (core: Core, actor: Actor, entryId: string): TimeEntry =>
  readEntry(core.db, loadEntry(core, core.db, actor, entryId, 'timesheets:read').entry.id)

/**
 * PATCH. Content (date, minutes or start/end, note, billable): the entry's person or a project owner,
 * while neither approved nor billed (409); a submitted entry goes back to draft (it must be submitted
 * again, so an approver never approves something other than what was submitted). `billed`: project
 * owners only, on approved entries.
 */
export function updateEntry(core: Core, actor: Actor, entryId: string, input: UpdateTimeEntryInput): TimeEntry {
  return core.db.transaction((tx) => {
    const l = loadEntry(core, tx, actor, entryId, 'timesheets:write')
    const e = l.entry
    const patch: Partial<EntryRow> = {}
    const touchesContent = ['date', 'minutes', 'start', 'end', 'note', 'billable'].some(
      (k) => input[k as keyof UpdateTimeEntryInput] !== undefined,
    )
    if (touchesContent) {
      requireAuthorOrOwner(actor, l)
      requireUnlocked(e)
      const d = resolveDuration(input, e.date)
      const minutes = d.minutes ?? e.minutes
      if (d.date !== e.date) patch.date = d.date
      if (minutes !== e.minutes) patch.minutes = minutes
      if (patch.date !== undefined || patch.minutes !== undefined) checkDay(core, tx, actor, e.userId, d.date, minutes, e.id)
      if (input.note !== undefined && input.note !== e.note) patch.note = input.note
      if (input.billable !== undefined && input.billable !== e.billable) patch.billable = input.billable
      if (Object.keys(patch).length && e.state === 'submitted') patch.state = 'draft'
    }
    if (input.billed !== undefined && input.billed !== e.billed) {
      requireMayBill(actor, l.access.role)
      if (e.state !== 'approved' || patch.state)
        throw conflict(`Time entry is ${patch.state ?? e.state}; only approved entries can be billed.`)
      patch.billed = input.billed
    }
    if (Object.keys(patch).length === 0) return readEntry(tx, e.id)
    tx.update(timeEntries)
      .set({ ...patch, updatedAt: new Date(core.clock.now()) })
      .where(eq(timeEntries.id, e.id))
      .run()
    return readEntry(tx, e.id)
  })
}

/** DELETE: the entry's person or a project owner, while neither approved nor billed (409). */
export function deleteEntry(core: Core, actor: Actor, entryId: string): { id: string } {
  return core.db.transaction((tx) => {
    const l = loadEntry(core, tx, actor, entryId, 'timesheets:write')
    requireAuthorOrOwner(actor, l)
    requireUnlocked(l.entry)
    tx.delete(timeEntries).where(eq(timeEntries.id, l.entry.id)).run()
    return { id: l.entry.id }
  })
}
