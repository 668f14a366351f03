import { and, eq, exists, sql, type SQL } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { projectMembers, projects } from '../db/schema'
import type { ProjectRole } from '../db/schema/common'
import { notFound } from '../errors'
import { authorize, type Actor } from './actor'
import { effectiveProjectRole, type Scope } from './matrix'

/**
 * The visibility rule for projects, as a WHERE clause: in the actor's workspace; a project member
 * unless workspace OWNER; and only its own project for a project-scoped key. Every query that lists
 * or fetches project data joins through this, so what a caller may not see is simply not found.
 */
export function visibleProjects(actor: Actor, projectIdColumn: SQL.Aliased | typeof projects.id = projects.id): SQL {
  const conds: SQL[] = [eq(projects.workspaceId, actor.workspace.id)]
  if (actor.credential.projectId) conds.push(eq(projectIdColumn as typeof projects.id, actor.credential.projectId))
  if (actor.workspace.role !== 'OWNER') {
    const uid = actor.user?.id ?? ''
    conds.push(
      exists(
        sql`(SELECT 1 FROM ${projectMembers} WHERE ${projectMembers.projectId} = ${projectIdColumn} AND ${projectMembers.userId} = ${uid})`,
      ),
    )
  }
  return and(...conds)!
}

function accessQuery(db: DbOrTx) {
  return db
    .select({ project: projects, memberRole: projectMembers.role })
    .from(projects)
    .leftJoin(projectMembers, and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, sql.placeholder('uid'))))
    .where(and(eq(projects.id, sql.placeholder('projectId')), eq(projects.workspaceId, sql.placeholder('workspaceId'))))
}
const prepared = new WeakMap<object, ReturnType<ReturnType<typeof accessQuery>['prepare']>>()
function preparedAccess(db: DbOrTx) {
  let p = prepared.get(db)
  if (!p) prepared.set(db, (p = accessQuery(db).prepare()))
  return p
}

export type ProjectAccess = { project: typeof projects.$inferSelect; role: ProjectRole }

/**
 * Loads a project the actor can see, with the role they act with there, in one query; 404 otherwise.
 * With `scope`, also authorizes it at project level (403 `Missing <scope> permission.`).
 */
export function projectAccess(core: Pick<Core, 'db'>, actor: Actor, projectId: string, scope?: Scope, db: DbOrTx = core.db): ProjectAccess {
  const uid = actor.user?.id ?? ''
  const params = { uid, projectId, workspaceId: actor.workspace.id }
  // Outside transactions the query is prepared once per database (this runs on every project route).
  const row = db === core.db ? preparedAccess(core.db).get(params) : accessQuery(db).get(params)
  if (!row) throw notFound('Project')
  if (actor.credential.projectId && actor.credential.projectId !== projectId) throw notFound('Project')
  const role = effectiveProjectRole(actor.workspace.role, row.memberRole)
  if (!role) throw notFound('Project')
  if (scope) authorize(actor, scope, { role })
  return { project: row.project, role }
}
