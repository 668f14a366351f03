import type { ProjectRole, WorkspaceRole } from '../db/schema/common'

/** Every permission in Sally. A key's scopes are a subset of this list (SPEC §5). */
export const SCOPES = [
  'user:read',
  'workspaces:read',
  'workspaces:write',
  'members:write',
  'projects:read',
  'projects:write',
  'tasks:read',
  'tasks:write',
  'comments:write',
  'clients:read',
  'clients:write',
  'timesheets:read',
  'timesheets:write',
  'timesheets:approve',
  'notifications:read',
  'notifications:write',
  'webhooks:read',
  'webhooks:write',
  'keys:write',
] as const

export type Scope = (typeof SCOPES)[number]

const ALL: readonly Scope[] = SCOPES

/** What each workspace role may do anywhere in its workspace. */
export const WORKSPACE_ROLE_PERMISSIONS: Record<WorkspaceRole, ReadonlySet<Scope>> = {
  OWNER: new Set(ALL),
  MEMBER: new Set<Scope>([
    'user:read',
    'workspaces:read',
    'projects:read',
    'projects:write',
    'tasks:read',
    'tasks:write',
    'comments:write',
    'clients:read',
    'clients:write',
    'timesheets:read',
    'timesheets:write',
    'notifications:read',
    'notifications:write',
    'keys:write',
  ]),
  VIEWER: new Set<Scope>([
    'user:read',
    'workspaces:read',
    'projects:read',
    'tasks:read',
    'clients:read',
    'timesheets:read',
    'notifications:read',
    'notifications:write',
    'keys:write',
  ]),
}

/**
 * What each project role may do inside its project. `projects:write` on a project means editing it
 * (name, statuses, members, archive); `timesheets:approve` is project OWNER only (SPEC §5).
 */
export const PROJECT_ROLE_PERMISSIONS: Record<ProjectRole, ReadonlySet<Scope>> = {
  OWNER: new Set<Scope>([
    'projects:read',
    'projects:write',
    'tasks:read',
    'tasks:write',
    'comments:write',
    'timesheets:read',
    'timesheets:write',
    'timesheets:approve',
  ]),
  MEMBER: new Set<Scope>(['projects:read', 'tasks:read', 'tasks:write', 'comments:write', 'timesheets:read', 'timesheets:write']),
  VIEWER: new Set<Scope>(['projects:read', 'tasks:read', 'timesheets:read']),
}

/** Permissions decided per project (the project role applies); the rest are workspace-level. */
export const PROJECT_LEVEL: ReadonlySet<Scope> = new Set<Scope>([
  'projects:read',
  'projects:write',
  'tasks:read',
  'tasks:write',
  'comments:write',
  'timesheets:read',
  'timesheets:write',
  'timesheets:approve',
])

/** Scopes a key gets when created with `scopes: null`: everything but minting keys. */
export const DEFAULT_KEY_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'keys:write')

const RANK: Record<ProjectRole, number> = { VIEWER: 1, MEMBER: 2, OWNER: 3 }

/**
 * The role someone acts with on a project: workspace OWNERs are OWNER everywhere; a workspace
 * VIEWER never exceeds VIEWER; otherwise their project membership decides (none = not visible).
 */
export function effectiveProjectRole(workspaceRole: WorkspaceRole | null, projectRole: ProjectRole | null): ProjectRole | null {
  if (workspaceRole === 'OWNER') return 'OWNER'
  if (!workspaceRole || !projectRole) return null
  if (workspaceRole === 'VIEWER') return RANK[projectRole] > RANK.VIEWER ? 'VIEWER' : projectRole
  return projectRole
}
