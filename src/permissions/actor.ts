import type { PlatformRole, ProjectRole, WorkspaceRole } from '../db/schema/common'
import { AppError, forbidden, missingPermission, scopeViolation } from '../errors'
import { DEFAULT_KEY_SCOPES, PROJECT_LEVEL, PROJECT_ROLE_PERMISSIONS, SCOPES, type Scope, WORKSPACE_ROLE_PERMISSIONS } from './matrix'

/** `oauth`: an OAuth access token for /mcp/oauth (id = its grant's id), narrowed like an MCP key. */
export type CredentialKind = 'session' | 'api_key' | 'mcp_key' | 'oauth' | 'global'

export type Credential = {
  kind: CredentialKind
  /** Session id or key id; null for the global token. */
  id: string | null
  /** Scopes granted to a key (null = every scope its owner has except keys:write); null for sessions and global. */
  scopes: Scope[] | null
  workspaceId: string | null
  projectId: string | null
  expiresAt: Date | null
  rateLimitPerHour: number | null
  /** A session whose expiry slid forward on this request (the cookie is then renewed too). */
  renewed?: boolean
}

export type PrincipalUser = { id: string; email: string; name: string; handle: string; platformRole: PlatformRole }

/** Who is calling, before a workspace is chosen. `user` is null only for the global token. */
export type Principal = {
  user: PrincipalUser | null
  platformRole: PlatformRole
  credential: Credential
}

export type WorkspaceContext = { id: string; slug: string; name: string; role: WorkspaceRole }

/** A principal acting inside one workspace. Handed to every workspace service. */
export type Actor = Principal & { workspace: WorkspaceContext }

export const isSuperadmin = (p: Principal) => p.platformRole === 'SUPERADMIN'
export const userIdOf = (p: Principal) => p.user?.id ?? null

/** The scopes the credential itself allows (before roles). */
export function credentialScopes(c: Credential): readonly Scope[] {
  if (c.kind === 'session' || c.kind === 'global') return SCOPES
  return c.scopes ?? DEFAULT_KEY_SCOPES
}

export function credentialAllows(c: Credential, scope: Scope): boolean {
  if (c.kind === 'session' || c.kind === 'global') return true
  return c.scopes ? c.scopes.includes(scope) : scope !== 'keys:write'
}

/** Effective scopes of an actor in its workspace (role ∩ key scopes), for X-Sally-Scopes and /auth/me. */
export function effectiveScopes(actor: Principal & { workspace?: WorkspaceContext }): Scope[] {
  const role = actor.workspace?.role
  return credentialScopes(actor.credential).filter((s) => (role ? WORKSPACE_ROLE_PERMISSIONS[role].has(s) : true))
}

/**
 * The one permission decision: may this actor do `scope`, at workspace level or, when `projectRole`
 * is given, inside that project? Role permissions ∩ key scopes (SPEC §5). Pure: no I/O, no HTTP.
 */
export function can(actor: Actor, scope: Scope, project?: { role: ProjectRole | null }): boolean {
  if (!credentialAllows(actor.credential, scope)) return false
  if (project && PROJECT_LEVEL.has(scope)) return project.role !== null && PROJECT_ROLE_PERMISSIONS[project.role].has(scope)
  return WORKSPACE_ROLE_PERMISSIONS[actor.workspace.role].has(scope)
}

/** Throws 403 `Missing <scope> permission.` unless `can` allows it. */
export function authorize(actor: Actor, scope: Scope, project?: { role: ProjectRole | null }): void {
  if (!can(actor, scope, project)) throw missingPermission(scope)
}

/** Principal-level check for routes outside a workspace (profile, own keys). */
export function authorizePrincipal(p: Principal, scope: Scope): void {
  if (!credentialAllows(p.credential, scope)) throw missingPermission(scope)
}

/**
 * Leaving (removing your own membership): any member may, whatever their role, but from a key only
 * when the key was granted the write scope that manages that membership: `members:write` for a
 * workspace, `projects:write` for a project. Sessions always may. A read-only key never can.
 */
export function authorizeLeave(p: Principal, scope: 'members:write' | 'projects:write'): void {
  authorizePrincipal(p, scope)
}

/** What acting in a workspace needs: a workspace-level permission, and whether project-scoped keys are refused. */
export type ActorRequirement = { permission?: Scope; orgWide?: boolean }

/**
 * The one actor builder, for REST routes and MCP tools alike: the principal in the workspace it
 * selected (src/permissions/workspaces.ts), project-scoped keys refused on org-wide routes, then
 * role ∩ scopes for the permission.
 */
export function actorIn(principal: Principal, workspace: WorkspaceContext, req: ActorRequirement): Actor {
  const actor: Actor = { ...principal, workspace }
  if (req.orgWide) requireWorkspaceWide(actor)
  if (req.permission) authorize(actor, req.permission)
  return actor
}

/** Org-wide routes refuse project-scoped keys (SPEC §5 / seed 004). */
export function requireWorkspaceWide(actor: Principal): void {
  if (actor.credential.projectId) throw scopeViolation('This key is limited to one project and cannot use workspace-wide routes.')
}

export function requireUser(p: Principal): PrincipalUser {
  if (!p.user) throw new AppError('forbidden', 'This route needs a user account; the global token has none.')
  return p.user
}

/**
 * A credential is never exchanged for more than it has. Only a session (or the account's password,
 * which the caller checks) may be traded for a new session; an API key, an MCP key or the global
 * token never yields one, whatever its scopes (403).
 */
export function requireSessionForExchange(p: Principal): void {
  if (p.credential.kind !== 'session')
    throw forbidden('This needs your password or a session: an API key, an MCP key or the global token is never exchanged for a session.')
}

/**
 * `/mcp` takes hosted MCP keys only (SPEC §2). Personal `atpm_` keys serve local MCP clients through
 * `sally mcp` (which calls the REST API); sessions belong to the web app. The global token is refused
 * too: it has no user to act as, and an agent holding the platform's master token would bypass every
 * workspace rule the endpoint exists to apply.
 */
export function requireMcpKey(principal: Principal): void {
  const kind = principal.credential.kind
  if (kind === 'mcp_key') return
  if (kind === 'api_key')
    throw scopeViolation('/mcp accepts hosted MCP keys (sallymcp_) only; personal API keys (atpm_) work with `sally mcp` over stdio.')
  if (kind === 'global') throw scopeViolation('/mcp accepts hosted MCP keys (sallymcp_) only, not the global API token.')
  throw scopeViolation('/mcp accepts hosted MCP keys (sallymcp_) only, not sessions.')
}
