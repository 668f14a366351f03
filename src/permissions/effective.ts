import type { ProjectRole, WorkspaceRole } from '../db/schema/common'
import { type Credential, credentialScopes } from './actor'
import { PROJECT_LEVEL, PROJECT_ROLE_PERMISSIONS, type Scope, WORKSPACE_ROLE_PERMISSIONS } from './matrix'

/** Scopes every route of which refuses project-scoped keys (`orgWide` routes: workspace settings, members, clients, webhooks). */
export const WORKSPACE_WIDE_SCOPES: ReadonlySet<Scope> = new Set<Scope>([
  'workspaces:write',
  'members:write',
  'clients:read',
  'clients:write',
  'webhooks:read',
  'webhooks:write',
])

/**
 * What a credential may do in a workspace where its user has `workspaceRole`: the role's permissions
 * ∩ the key's scopes (what `authorize` checks at workspace level). A project-scoped key loses the
 * workspace-wide scopes, and its project-level ones are also ∩ its role in that project
 * (`projectRole`, null when it cannot see the project). Per project, a project role may narrow the
 * project-level ones further for anyone who is not a workspace OWNER.
 */
export function permissionsIn(
  credential: Pick<Credential, 'kind' | 'scopes' | 'projectId'>,
  workspaceRole: WorkspaceRole,
  projectRole: ProjectRole | null = null,
): Scope[] {
  const role = WORKSPACE_ROLE_PERMISSIONS[workspaceRole]
  const scopes = credentialScopes(credential as Credential).filter((s) => role.has(s))
  if (!credential.projectId) return scopes
  return scopes.filter(
    (s) =>
      !WORKSPACE_WIDE_SCOPES.has(s) && (!PROJECT_LEVEL.has(s) || (projectRole !== null && PROJECT_ROLE_PERMISSIONS[projectRole].has(s))),
  )
}
