import type { Core } from '../core'
import type { ProjectRole } from '../db/schema/common'
import { forbidden } from '../errors'
import { type Actor, can } from './actor'
import { effectiveProjectRole } from './matrix'

const USES_SQL = `SELECT DISTINCT m.role AS role, p.id AS id
FROM task_labels tl JOIN tasks t ON t.id = tl.task_id JOIN projects p ON p.id = t.project_id
LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = ?1
WHERE tl.label_id = ?2 AND p.workspace_id = ?3`

/**
 * Renaming or deleting a workspace label changes every task that carries it, so it needs
 * `tasks:write` in every project where it is used (on archived tasks too): a workspace OWNER may
 * always; a MEMBER only when no task of a project they cannot see, or only view, carries it (403
 * otherwise, which says no more than that such a project exists). Project-scoped keys are refused
 * before this by the route (workspace-wide writes, 403 `scope_violation`). Run it in the write's
 * transaction, after the label was found in the actor's workspace.
 */
export function authorizeLabelEdit(core: Pick<Core, 'sqlite'>, actor: Actor, labelId: string): void {
  if (actor.workspace.role === 'OWNER') return
  const uses = core.sqlite
    .query<{ role: ProjectRole | null; id: string }, [string, string, string]>(USES_SQL)
    .all(actor.user?.id ?? '', labelId, actor.workspace.id)
  for (const u of uses) {
    const role = effectiveProjectRole(actor.workspace.role, u.role)
    if (!role || !can(actor, 'tasks:write', { role }))
      throw forbidden('Only a workspace owner can rename or delete a label used in projects where you cannot edit tasks.')
  }
}
