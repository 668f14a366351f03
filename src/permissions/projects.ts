import { and, eq, exists, inArray, type Placeholder, type SQL, sql } from 'drizzle-orm'
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { projectMembers, projects } from '../db/schema'
import type { ProjectRole } from '../db/schema/common'
import { notFound } from '../errors'
import { perDatabase } from '../lib/prepared'
import { readCache } from '../lib/read-cache'
import { type Actor, authorize } from './actor'
import { effectiveProjectRole, type Scope } from './matrix'

/**
 * The visibility rule for projects, as a WHERE clause: in the actor's workspace; a project member
 * unless workspace OWNER; and only its own project for a project-scoped key. Every query that lists
 * or fetches project data joins through this, so what a caller may not see is simply not found.
 */
export function visibleProjects(actor: Actor, projectIdColumn: SQL.Aliased | typeof projects.id = projects.id): SQL {
  return visibleWhere(
    visibleShape(actor),
    { workspaceId: actor.workspace.id, userId: actor.user?.id ?? '', projectId: actor.credential.projectId ?? '' },
    projectIdColumn,
  )
}

/** What the visibility rule's SQL text depends on (its values aside). */
export type VisibleShape = { owner: boolean; pinned: boolean }
type Bound = string | Placeholder
function visibleWhere(
  shape: VisibleShape,
  v: { workspaceId: Bound; userId: Bound; projectId: Bound },
  projectIdColumn: SQL.Aliased | typeof projects.id,
): SQL {
  const conds: SQL[] = [eq(projects.workspaceId, v.workspaceId)]
  if (shape.pinned) conds.push(eq(projectIdColumn as typeof projects.id, v.projectId))
  if (!shape.owner)
    conds.push(
      exists(
        sql`(SELECT 1 FROM ${projectMembers} WHERE ${projectMembers.projectId} = ${projectIdColumn} AND ${projectMembers.userId} = ${v.userId})`,
      ),
    )
  return and(...conds)!
}

/**
 * The visibility rule for statements prepared once per shape (src/lib/prepared.ts): the same
 * clause as `visibleProjects`, with placeholders `visWorkspace`, `visUser`, `visProject`, which
 * `visibleValues(actor)` fills.
 */
export const visibleShape = (actor: Actor): VisibleShape => ({
  owner: actor.workspace.role === 'OWNER',
  pinned: Boolean(actor.credential.projectId),
})
export const visibleShapeKey = (s: VisibleShape) => `${s.owner ? 'owner' : 'member'}${s.pinned ? '+pinned' : ''}`
export function visibleProjectsPrepared(shape: VisibleShape, projectIdColumn: SQL.Aliased | typeof projects.id = projects.id): SQL {
  return visibleWhere(
    shape,
    { workspaceId: sql.placeholder('visWorkspace'), userId: sql.placeholder('visUser'), projectId: sql.placeholder('visProject') },
    projectIdColumn,
  )
}
export const visibleValues = (actor: Actor) => ({
  visWorkspace: actor.workspace.id,
  visUser: actor.user?.id ?? '',
  visProject: actor.credential.projectId ?? '',
})

/** Which of `ids` are projects the actor can see (`visibleProjects`), in one query. */
export function visibleProjectIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Set<string> {
  if (ids.length === 0) return new Set()
  const rows = db
    .select({ id: projects.id })
    .from(projects)
    .where(and(inArray(projects.id, [...ids]), visibleProjects(actor)))
    .all()
  return new Set(rows.map((r) => r.id))
}

type AccessRow = {
  id: string
  workspace_id: string
  key: string
  name: string
  description: string | null
  color: string | null
  client_id: string | null
  billable_by_default: number
  task_seq: number
  archived_at: number | null
  created_by: string | null
  created_at: number
  updated_at: number
  member_role: ProjectRole | null
}
/**
 * The project and the caller's membership in one indexed read, raw SQL through bun:sqlite's
 * statement cache (every project route runs it; the join alone costs ~10 µs, so its rows are kept
 * in a read cache). Transactions share the connection, so it sees their writes.
 */
const ACCESS_SQL = `SELECT p.id, p.workspace_id, p.key, p.name, p.description, p.color, p.client_id, p.billable_by_default,
  p.task_seq, p.archived_at, p.created_by, p.created_at, p.updated_at, m.role AS member_role
FROM projects p LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = ?1
WHERE p.id = ?2 AND p.workspace_id = ?3`
const dialect = new SQLiteSyncDialect()
/** `visibleProjects(actor)` as SQL text with ? placeholders and its parameters, for raw statements (and as an exact cache key). */
// Building it with drizzle costs ~40 µs; the text depends only on these four inputs, so it is kept
// ('projects.visible-sql' in src/lib/caches.ts: 10,000 entries, oldest dropped first).
const visibleSqlMemo = new Map<string, { sql: string; params: (string | number)[] }>()
const VISIBLE_SQL_MAX = 10_000
export function visibleProjectsSql(actor: Actor): { sql: string; params: (string | number)[] } {
  const memoKey = `${actor.workspace.id}|${actor.user?.id ?? ''}|${actor.workspace.role}|${actor.credential.projectId ?? ''}`
  let v = visibleSqlMemo.get(memoKey)
  if (!v) {
    const q = dialect.sqlToQuery(visibleProjects(actor))
    v = { sql: q.sql, params: Object.freeze(q.params) as (string | number)[] }
    if (visibleSqlMemo.size >= VISIBLE_SQL_MAX) visibleSqlMemo.delete(visibleSqlMemo.keys().next().value!)
    visibleSqlMemo.set(memoKey, v)
  }
  return v
}

const accessStatement = perDatabase((core: Pick<Core, 'sqlite'>) => core.sqlite.query<AccessRow, [string, string, string]>(ACCESS_SQL))
const toProjectRow = (r: AccessRow): typeof projects.$inferSelect => ({
  id: r.id,
  workspaceId: r.workspace_id,
  key: r.key,
  name: r.name,
  description: r.description,
  color: r.color,
  clientId: r.client_id,
  billableByDefault: r.billable_by_default !== 0,
  taskSeq: r.task_seq,
  archivedAt: r.archived_at === null ? null : new Date(r.archived_at),
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
})

export type ProjectAccess = { project: typeof projects.$inferSelect; role: ProjectRole }

/**
 * Loads a project the actor can see, with the role they act with there, in one query; 404 otherwise.
 * With `scope`, also authorizes it at project level (403 `Missing <scope> permission.`).
 */
// Inside a transaction too: the statement runs on the transaction's connection, and the read cache is bypassed there.
export function projectAccess(core: Pick<Core, 'sqlite'>, actor: Actor, projectId: string, scope?: Scope): ProjectAccess {
  const uid = actor.user?.id ?? ''
  // Kept while the database is unchanged (src/lib/read-cache.ts; never inside a transaction).
  const row = readCache<AccessRow | null>(core.sqlite, 'projects.access').get(`${uid}|${projectId}|${actor.workspace.id}`, () =>
    accessStatement(core).get(uid, projectId, actor.workspace.id),
  )
  if (!row) throw notFound('Project')
  if (actor.credential.projectId && actor.credential.projectId !== projectId) throw notFound('Project')
  const role = effectiveProjectRole(actor.workspace.role, row.member_role)
  if (!role) throw notFound('Project')
  if (scope) authorize(actor, scope, { role })
  return { project: toProjectRow(row), role }
}
