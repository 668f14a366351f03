import { and, asc, count, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import type { ProjectRole, StatusCategory } from '../db/schema'
import { clients, newId, projectMembers, projects, statuses } from '../db/schema'
import { badRequest, conflict } from '../errors'
import { type EventContext, publish } from '../events'
import { cachedJson } from '../http/cached-json'
import { ok, pageLimit, paginate } from '../http/respond'
import { isUniqueViolation } from '../lib/db-errors'
import { perDatabase, perShape } from '../lib/prepared'
import type { Actor } from '../permissions/actor'
import { effectiveProjectRole } from '../permissions/matrix'
import {
  projectAccess,
  type VisibleShape,
  visibleProjectsPrepared,
  visibleShape,
  visibleShapeKey,
  visibleValues,
} from '../permissions/projects'
import { ensureWritable } from './archived'
import type { CreateProjectInput, ListProjectsQuery, Project, ProjectDetail, Status, UpdateProjectInput } from './model'

type ProjectRow = typeof projects.$inferSelect
type StatusRow = typeof statuses.$inferSelect

export const DEFAULT_STATUSES: readonly { name: string; category: StatusCategory; color: string }[] = [
  { name: 'Backlog', category: 'backlog', color: '#94a3b8' },
  { name: 'To Do', category: 'unstarted', color: '#64748b' },
  { name: 'In Progress', category: 'started', color: '#3b82f6' },
  { name: 'In Review', category: 'started', color: '#a855f7' },
  { name: 'Done', category: 'completed', color: '#22c55e' },
]

export const toProject = (p: ProjectRow, role: ProjectRole): Project => ({
  id: p.id,
  key: p.key,
  name: p.name,
  description: p.description,
  color: p.color,
  clientId: p.clientId,
  billableByDefault: p.billableByDefault,
  archived: p.archivedAt !== null,
  archivedAt: p.archivedAt?.toISOString() ?? null,
  createdBy: p.createdBy,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
  role,
})

export const toStatus = (s: StatusRow): Status => ({
  id: s.id,
  projectId: s.projectId,
  name: s.name,
  category: s.category,
  position: s.position,
  color: s.color,
  createdAt: s.createdAt.toISOString(),
})

export const eventContext = (core: Core, actor: Actor): EventContext => ({
  workspaceId: actor.workspace.id,
  actorUserId: actor.user?.id ?? null,
  at: core.clock.now(),
})

const keyTaken = (key: string) => conflict(`The project key ${key} is already used in this workspace.`)

/** GET /projects: the projects the actor can see, by id (creation order). */
export function listProjects(core: Core, actor: Actor, q: ListProjectsQuery) {
  return listProjectsPage(core, actor, q, { archived: q.archived ? 'archived' : 'active', clientId: q.clientId })
}

/** Visible projects of a client, active and archived (GET /clients/:id/projects). */
export function projectsOfClient(core: Core, actor: Actor, clientId: string, q: { limit?: number; cursor?: string }) {
  return listProjectsPage(core, actor, q, { archived: 'any', clientId })
}

type PageShape = VisibleShape & { archived: 'active' | 'archived' | 'any'; client: boolean; cursor: boolean }
/** A page of visible projects with the caller's membership, prepared once per shape and database. */
const pageStatement = perShape(
  (s: PageShape) => `${visibleShapeKey(s)}|${s.archived}|${s.client}|${s.cursor}`,
  (core: Pick<Core, 'db' | 'sqlite'>, s: PageShape) =>
    core.db
      .select({ project: projects, memberRole: projectMembers.role })
      .from(projects)
      .leftJoin(projectMembers, and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, sql.placeholder('visUser'))))
      .where(
        and(
          visibleProjectsPrepared(s),
          s.archived === 'any' ? undefined : s.archived === 'archived' ? isNotNull(projects.archivedAt) : isNull(projects.archivedAt),
          s.client ? eq(projects.clientId, sql.placeholder('clientId')) : undefined,
          s.cursor ? gt(projects.id, sql.placeholder('cursor')) : undefined,
        ),
      )
      .orderBy(asc(projects.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
)

export { pageStatement as projectPageStatement }

function listProjectsPage(
  core: Core,
  actor: Actor,
  q: { limit?: number; cursor?: string },
  f: { archived: PageShape['archived']; clientId?: string },
) {
  const limit = pageLimit(q)
  const shape = { ...visibleShape(actor), archived: f.archived, client: Boolean(f.clientId), cursor: Boolean(q.cursor) }
  const rows = pageStatement(core, shape).all({
    ...visibleValues(actor),
    clientId: f.clientId ?? '',
    cursor: q.cursor ?? '',
    limit: limit + 1,
  })
  const page = paginate(rows, limit, (r) => r.project.id)
  return {
    items: page.items.map((r) => toProject(r.project, effectiveProjectRole(actor.workspace.role, r.memberRole) ?? 'VIEWER')),
    nextCursor: page.nextCursor,
  }
}

/**
 * A project's statuses and member count: every project read runs them, so they are prepared once
 * per database (src/lib/prepared.ts). They run on the connection, so inside a transaction they see
 * its writes.
 */
export const projectStatements = perDatabase((core: Pick<Core, 'db' | 'sqlite'>) => ({
  statuses: core.db
    .select()
    .from(statuses)
    .where(eq(statuses.projectId, sql.placeholder('projectId')))
    // Positions are 0..n-1 per project; ties (none in practice) go by insertion order, which the
    // index (project_id, position, rowid) already gives: no sort step.
    .orderBy(asc(statuses.position), sql`${statuses}.rowid`)
    .prepare(),
  memberCount: core.db
    .select({ n: count() })
    .from(projectMembers)
    .where(eq(projectMembers.projectId, sql.placeholder('projectId')))
    .prepare(),
}))

export function projectStatuses(core: Pick<Core, 'db' | 'sqlite'>, projectId: string): StatusRow[] {
  return projectStatements(core).statuses.all({ projectId })
}

/** The project in event payloads (webhooks): the project without its statuses. */
function eventProject(d: ProjectDetail): Omit<ProjectDetail, 'statuses'> {
  const { statuses: _s, ...project } = d
  return project
}

function detail(core: Pick<Core, 'db' | 'sqlite'>, p: ProjectRow, role: ProjectRole): ProjectDetail {
  const members = projectStatements(core).memberCount.get({ projectId: p.id })?.n ?? 0
  return { ...toProject(p, role), statuses: projectStatuses(core, p.id).map(toStatus), memberCount: members }
}

export function getProject(core: Core, actor: Actor, projectId: string): ProjectDetail {
  const { project, role } = projectAccess(core, actor, projectId, 'projects:read')
  return detail(core, project, role)
}

/**
 * GET /projects/:id as served over HTTP: the same detail, answered from bytes kept while the
 * database is unchanged (src/http/cached-json.ts). The access check runs first, every time; the
 * answer depends only on the project (its data) and the caller's role there, which make the key.
 */
export function projectAnswer(core: Core, actor: Actor, projectId: string): Response {
  const { project, role } = projectAccess(core, actor, projectId, 'projects:read')
  return cachedJson(core, 'objects', JSON.stringify(['project', project.id, role]), () => ok(detail(core, project, role)))
}

function checkClient(db: DbOrTx, actor: Actor, clientId: string | null | undefined) {
  if (!clientId) return
  const row = db
    .select({ id: clients.id })
    .from(clients)
    .where(and(eq(clients.id, clientId), eq(clients.workspaceId, actor.workspace.id)))
    .get()
  if (!row) throw badRequest('clientId is not a client of this workspace.', 'clientId')
}

/**
 * A key from the name: initials of several words (Mobile App Redesign → MAR) or the first four
 * letters of one (Website → WEBS), ASCII letters and digits only, made unique with a number (MAR2).
 */
export function deriveKey(name: string, taken: (key: string) => boolean): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .toUpperCase()
  const words = ascii.split(/[^A-Z0-9]+/).filter(Boolean)
  let base =
    words.length >= 2
      ? words
          .map((w) => w[0])
          .join('')
          .slice(0, 5)
      : (words[0] ?? '').slice(0, 4)
  if (base.length < 2) base = `${base}PRJ`.slice(0, 3)
  if (!taken(base)) return base
  for (let n = 2; ; n++) {
    const suffix = String(n)
    const candidate = base.slice(0, 10 - suffix.length) + suffix
    if (!taken(candidate)) return candidate
  }
}

function keyExists(db: DbOrTx, workspaceId: string, key: string, exceptId?: string): boolean {
  const row = db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.workspaceId, workspaceId), eq(projects.key, key)))
    .get()
  return !!row && row.id !== exceptId
}

/**
 * POST /projects: the project, its default statuses and the creator as project OWNER, in one
 * transaction; publishes `project.created`.
 */
export function createProject(core: Core, actor: Actor, input: CreateProjectInput): ProjectDetail {
  const now = new Date(core.clock.now())
  try {
    return core.db.transaction((tx) => {
      checkClient(tx, actor, input.clientId)
      let key = input.key
      if (key) {
        if (keyExists(tx, actor.workspace.id, key)) throw keyTaken(key)
      } else {
        const existing = new Set(
          tx
            .select({ key: projects.key })
            .from(projects)
            .where(eq(projects.workspaceId, actor.workspace.id))
            .all()
            .map((r) => r.key),
        )
        key = deriveKey(input.name, (k) => existing.has(k))
      }
      const p = tx
        .insert(projects)
        .values({
          id: newId(),
          workspaceId: actor.workspace.id,
          key,
          name: input.name,
          description: input.description ?? null,
          color: input.color ?? null,
          clientId: input.clientId ?? null,
          billableByDefault: input.billableByDefault ?? true,
          createdBy: actor.user?.id ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get()
      tx.insert(statuses)
        .values(DEFAULT_STATUSES.map((s, position) => ({ id: newId(), projectId: p.id, ...s, position, createdAt: now })))
        .run()
      if (actor.user) tx.insert(projectMembers).values({ projectId: p.id, userId: actor.user.id, role: 'OWNER', createdAt: now }).run()
      const out = detail(core, p, 'OWNER')
      publish(core, tx, eventContext(core, actor), { type: 'project.created', projectId: p.id, data: { project: eventProject(out) } })
      return out
    })
  } catch (e) {
    // Only a concurrent create can get here (the key was checked, or derived free, in the transaction).
    if (isUniqueViolation(e)) throw conflict('The project key was taken by a concurrent request; retry.')
    throw e
  }
}

/** PATCH /projects/:id (project OWNER): publishes `project.updated` with the changed fields (from → to). */
export function updateProject(core: Core, actor: Actor, projectId: string, input: UpdateProjectInput): ProjectDetail {
  try {
    return core.db.transaction((tx) => {
      const { project: cur, role } = projectAccess(core, actor, projectId, 'projects:write')
      ensureWritable(cur)
      if (input.key !== undefined && input.key !== cur.key && keyExists(tx, actor.workspace.id, input.key, cur.id))
        throw keyTaken(input.key)
      if (input.clientId !== undefined) checkClient(tx, actor, input.clientId)
      const changes: Record<string, { from: unknown; to: unknown }> = {}
      const patch: Partial<ProjectRow> = {}
      for (const field of ['key', 'name', 'description', 'color', 'clientId', 'billableByDefault'] as const) {
        const next = input[field]
        if (next === undefined || next === cur[field]) continue
        changes[field] = { from: cur[field], to: next }
        ;(patch as Record<string, unknown>)[field] = next
      }
      if (Object.keys(patch).length === 0) return detail(core, cur, role)
      const row = tx
        .update(projects)
        .set({ ...patch, updatedAt: new Date(core.clock.now()) })
        .where(eq(projects.id, cur.id))
        .returning()
        .get()!
      const out = detail(core, row, role)
      publish(core, tx, eventContext(core, actor), {
        type: 'project.updated',
        projectId: cur.id,
        changes,
        data: { project: eventProject(out), changes },
      })
      return out
    })
  } catch (e) {
    if (isUniqueViolation(e)) throw keyTaken(input.key ?? '')
    throw e
  }
}

/** Archive or unarchive (project OWNER; `project.archived` / `project.unarchived`). Doing it twice is a no-op without a second event. */
export function setArchived(core: Core, actor: Actor, projectId: string, archived: boolean): ProjectDetail {
  return core.db.transaction((tx) => {
    const { project: cur, role } = projectAccess(core, actor, projectId, 'projects:write')
    if ((cur.archivedAt !== null) === archived) return detail(core, cur, role)
    const now = new Date(core.clock.now())
    const row = tx
      .update(projects)
      .set({ archivedAt: archived ? now : null, updatedAt: now })
      .where(eq(projects.id, cur.id))
      .returning()
      .get()!
    const out = detail(core, row, role)
    publish(core, tx, eventContext(core, actor), {
      type: archived ? 'project.archived' : 'project.unarchived',
      projectId: cur.id,
      data: { project: eventProject(out) },
    })
    return out
  })
}

/**
 * DELETE /projects/:id (project OWNER). One statement: the foreign keys cascade to statuses,
 * members, tasks and everything hanging off them (assignees, labels links, todos, comments,
 * mentions, time entries, notifications, activity).
 */
export function deleteProject(core: Core, actor: Actor, projectId: string): void {
  core.db.transaction((tx) => {
    const { project } = projectAccess(core, actor, projectId, 'projects:write')
    // Tasks reference statuses without cascade; remove tasks first so the status cascade never trips.
    tx.run(sql`DELETE FROM tasks WHERE project_id = ${project.id}`)
    tx.delete(projects).where(eq(projects.id, project.id)).run()
  })
}
