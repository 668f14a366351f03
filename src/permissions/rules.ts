import type { ProjectRole, WorkspaceRole } from '../db/schema/common'
import { forbidden, scopeViolation } from '../errors'
import { type Actor, authorizeLeave, authorizePrincipal, can, isSuperadmin, type Principal } from './actor'
import type { Scope } from './matrix'

/**
 * The access rules beyond role × scope (matrix.ts), each a function named by what it decides. Services
 * and controllers call these and decide nothing themselves (issue 11: one place for every access rule).
 */

/** A platform SUPERADMIN (and the global token) sees every workspace and acts there as OWNER. */
export const actsAsOwnerEverywhere = (p: Principal): boolean => isSuperadmin(p)

/** The role a principal acts with in a workspace, given their membership role there (null: none). */
export function workspaceRoleOf(p: Principal, memberRole: WorkspaceRole | null): WorkspaceRole | null {
  return actsAsOwnerEverywhere(p) ? 'OWNER' : memberRole
}

/** 403 unless the principal is a platform SUPERADMIN (or the global token); `what` ends the message. */
export function requireSuperadmin(p: Principal, what: string): void {
  if (!isSuperadmin(p)) throw forbidden(`Only a platform SUPERADMIN can ${what}.`)
}

/**
 * Creating a workspace: needs workspaces:write; a key pinned to a workspace never can; naming another
 * owner (`ownerUserId`) is for a SUPERADMIN or the global token only.
 */
export function requireMayCreateWorkspace(p: Principal, ownerUserId: string | undefined): void {
  if (p.credential.workspaceId) throw scopeViolation('This key is restricted to one workspace and cannot create workspaces.')
  authorizePrincipal(p, 'workspaces:write')
  if (ownerUserId && ownerUserId !== (p.user?.id ?? null) && !isSuperadmin(p))
    throw forbidden('Only a SUPERADMIN can create a workspace for another user.')
}

/**
 * Removing a member or leaving: removing yourself is leaving (any role may, from a key only with
 * `scope` granted to the key) and needs only to see the place (`readScope`); removing someone else
 * needs `scope`. Returns the permission the actor's role must then have there.
 */
export function removalPermission<S extends 'members:write' | 'projects:write'>(
  p: Principal,
  targetUserId: string,
  scope: S,
  readScope: Scope,
): Scope {
  if (p.user?.id !== targetUserId) return scope
  authorizeLeave(p, scope)
  return readScope
}

/** Editing or deleting a comment: its author, or a project OWNER (workspace OWNERs are OWNER everywhere); 403 otherwise. */
export function requireMayChangeComment(actor: Actor, authorId: string | null, projectRole: ProjectRole): void {
  const isAuthor = actor.user !== null && authorId === actor.user.id
  if (!isAuthor && projectRole !== 'OWNER') throw forbidden('Only the author or a project owner can change this comment.')
}

/** Acting for other people's time (log for them, edit, bill): project OWNERs and workspace OWNERs, by the engine. */
const actsForOthersOnTime = (actor: Actor, projectRole: ProjectRole): boolean => can(actor, 'timesheets:approve', { role: projectRole })

/** Logging time for someone else: only who acts for others on the project; 403 otherwise. */
export function requireMayLogTimeFor(actor: Actor, projectRole: ProjectRole): void {
  if (!actsForOthersOnTime(actor, projectRole)) throw forbidden('Only a project owner can log time for another user (timesheets:approve).')
}

/** Marking an entry billed or not: only who acts for others on the project; 403 otherwise. */
export function requireMayBill(actor: Actor, projectRole: ProjectRole): void {
  if (!actsForOthersOnTime(actor, projectRole)) throw forbidden('Missing timesheets:approve permission.')
}

/** Changing a time entry: the person whose entry it is, or someone who acts for others on its project; 403 otherwise. */
export function requireMayChangeEntry(actor: Actor, entryUserId: string, projectRole: ProjectRole): void {
  if (actor.user?.id === entryUserId || actsForOthersOnTime(actor, projectRole)) return
  throw forbidden('Only the person who logged this time entry or a project owner can change it.')
}

/** Reading platform audit events (those of no workspace): SUPERADMIN and the global token only. */
export function requirePlatformAuditReader(p: Principal): void {
  if (!isSuperadmin(p)) throw forbidden('Only superadmins can read platform audit events.')
}

/** A suspended workspace refuses every request (403) except the SUPERADMIN's reactivation. */
export function requireWorkspaceActive(suspended: boolean): void {
  if (suspended) throw forbidden('Workspace is suspended.')
}

/**
 * Accepting an invite with a credential: only as the invited account (the user with the invite's
 * email; null when there is none yet); 403 for anyone else.
 */
export function requireInvitedAccount(caller: Principal, invitedUserId: string | null): void {
  if (!caller.user || caller.user.id !== invitedUserId)
    throw forbidden('This invite is for another email address: call it without your credential, or as the invited account.')
}
