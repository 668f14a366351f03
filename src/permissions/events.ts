import type { Core } from '../core'
import { AppError } from '../errors'
import type { EventType } from '../events'
import { type Actor, can, type Principal } from './actor'
import type { Scope } from './matrix'
import { projectAccess } from './projects'
import { selectWorkspace } from './workspaces'

/** The read scope of an event's subject (SPEC §9): tasks and what hangs off them, projects, time. */
export function eventScope(type: EventType, projectId: string | null): Scope {
  if (type.startsWith('task.') || type.startsWith('comment.') || type.startsWith('status.')) return 'tasks:read'
  if (type.startsWith('time_entry.')) return 'timesheets:read'
  if (type.startsWith('member.') && !projectId) return 'workspaces:read'
  return 'projects:read'
}

/**
 * May `principal` receive an event of `type` about `projectId` in workspace `workspaceId`, now? Decided
 * at the moment of sending, from the database as it is then: a member removed from the workspace or
 * the project, or demoted below the read scope, stops receiving. Same rules as reading the subject
 * through the API (workspace selection, project visibility, role ∩ key scopes, key pin and project).
 */
export function mayReceiveEvent(
  core: Core,
  principal: Principal,
  ev: { type: EventType; workspaceId: string; projectId: string | null },
): boolean {
  try {
    const actor: Actor = { ...principal, workspace: selectWorkspace(core, principal, { id: ev.workspaceId }) }
    const scope = eventScope(ev.type, ev.projectId)
    if (!ev.projectId) return !principal.credential.projectId && can(actor, scope)
    const { role } = projectAccess(core, actor, ev.projectId)
    return can(actor, scope, { role })
  } catch (e) {
    if (e instanceof AppError) return false
    throw e
  }
}
