import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { conflicts, envelope, listEnvelope, ok, okList, pageQuery } from '../http/respond'
import { type Actor, authorizeLeave, type Principal } from '../permissions/actor'
import type { Scope } from '../permissions/matrix'
import { authPlugin, workspaceActor } from '../permissions/plugin'
import { createInvite, listInvites, revokeInvite } from './invites'
import { listMembers, removeMember, updateMemberRole } from './members'
import {
  createInviteBody,
  createWorkspaceBody,
  invite,
  inviteParams,
  listInvitesQuery,
  member,
  memberParams,
  updateMemberBody,
  updateWorkspaceBody,
  workspace,
  workspaceParams,
} from './model'
import { createWorkspace, getWorkspace, listWorkspaces, setSuspended, updateWorkspace } from './service'

const tags = ['Workspaces']

/**
 * Workspaces, members and invites. Routes under `/workspaces/:id` take the workspace from the path
 * and resolve it exactly like the selection headers would (404 invisible, 403 pinned elsewhere,
 * 403 suspended), then check role ∩ key scopes with the one permission engine.
 */
export function workspaceRoutes(core: Core) {
  /** The actor of a path-addressed route; also sets X-Sally-Scopes (effective in this workspace) for keys. */
  /** Routes that name their workspace in the path (`/workspaces/:id/...`) get their actor by the same rules as every other route. */
  const at = (
    principal: Principal,
    headers: Record<string, unknown>,
    id: string,
    permission: Scope,
    opts: { orgWide?: boolean; allowSuspended?: boolean } = {},
  ): Actor => workspaceActor(core, principal, { id }, { permission, ...opts }, headers as Record<string, string>)
  const orgWide = { orgWide: true }

  return new Elysia({ name: 'workspaces', prefix: '/workspaces' })
    .use(authPlugin(core))
    .get(
      '/',
      ({ principal, query }) => {
        const r = listWorkspaces(core, principal, query)
        return okList(r.items, r.nextCursor)
      },
      {
        principal: true,
        query: pageQuery,
        detail: {
          tags,
          summary: 'My workspaces (all of them for a SUPERADMIN or the global token; a pinned key: its own)',
          description: '`role` is your membership role in each, null where you are not a member (a SUPERADMIN still acts as OWNER there).',
        },
        response: { 200: listEnvelope(workspace) },
      },
    )
    .post(
      '/',
      ({ principal, body, set }) => {
        set.status = 201
        return ok(createWorkspace(core, principal, body))
      },
      {
        principal: true,
        body: createWorkspaceBody,
        detail: {
          tags,
          summary: 'Create a workspace (you become its OWNER)',
          description:
            'Needs workspaces:write on a key; pinned keys cannot. `ownerUserId`: SUPERADMIN or the global token only (required for the global token).',
          ...conflicts('the slug is already taken'),
        },
        response: { 201: envelope(workspace) },
      },
    )
    .get('/:id', ({ principal, params, set }) => ok(getWorkspace(core, at(principal, set.headers, params.id, 'workspaces:read'))), {
      principal: true,
      params: workspaceParams,
      detail: { tags, summary: 'Get a workspace' },
      response: { 200: envelope(workspace) },
    })
    .patch(
      '/:id',
      ({ principal, params, body, set }) =>
        ok(updateWorkspace(core, at(principal, set.headers, params.id, 'workspaces:write', orgWide), body)),
      {
        principal: true,
        params: workspaceParams,
        body: updateWorkspaceBody,
        detail: {
          tags,
          summary: 'Rename a workspace or change its slug (409 when the slug is taken)',
          ...conflicts('the slug is already taken'),
        },
        response: { 200: envelope(workspace) },
      },
    )
    .post(
      '/:id/suspend',
      ({ principal, params, set }) =>
        ok(setSuspended(core, at(principal, set.headers, params.id, 'workspaces:write', { orgWide: true, allowSuspended: true }), true)),
      {
        principal: true,
        params: workspaceParams,
        detail: { tags, summary: 'Suspend a workspace (SUPERADMIN): every request to it answers 403 "Workspace is suspended."' },
        response: { 200: envelope(workspace) },
      },
    )
    .post(
      '/:id/reactivate',
      ({ principal, params, set }) =>
        ok(setSuspended(core, at(principal, set.headers, params.id, 'workspaces:write', { orgWide: true, allowSuspended: true }), false)),
      {
        principal: true,
        params: workspaceParams,
        detail: { tags, summary: 'Reactivate a suspended workspace (SUPERADMIN)' },
        response: { 200: envelope(workspace) },
      },
    )
    .get(
      '/:id/members',
      ({ principal, params, query, set }) => {
        const r = listMembers(core, at(principal, set.headers, params.id, 'workspaces:read', orgWide), query)
        return okList(r.items, r.nextCursor)
      },
      {
        principal: true,
        params: workspaceParams,
        query: pageQuery,
        detail: { tags, summary: 'List the members of a workspace' },
        response: { 200: listEnvelope(member) },
      },
    )
    .patch(
      '/:id/members/:userId',
      ({ principal, params, body, set }) =>
        ok(updateMemberRole(core, at(principal, set.headers, params.id, 'members:write', orgWide), params.userId, body.role)),
      {
        principal: true,
        params: memberParams,
        body: updateMemberBody,
        detail: {
          tags,
          summary: 'Change a member’s role (workspace OWNER; the last OWNER cannot be demoted: 409)',
          ...conflicts('the last OWNER cannot be demoted'),
        },
        response: { 200: envelope(member) },
      },
    )
    .delete(
      '/:id/members/:userId',
      ({ principal, params, set }) => {
        // Leaving: any member may remove themselves (from a key only with members:write granted);
        // removing someone else needs members:write from the role as well.
        const leaving = principal.user?.id === params.userId
        if (leaving) authorizeLeave(principal, 'members:write')
        removeMember(core, at(principal, set.headers, params.id, leaving ? 'workspaces:read' : 'members:write', orgWide), params.userId)
        return ok({ userId: params.userId, removed: true as const })
      },
      {
        principal: true,
        params: memberParams,
        detail: {
          tags,
          summary: 'Remove a member, or leave (workspace OWNER, or the member themselves; the last OWNER cannot be removed: 409)',
          description:
            'Also removes their memberships of this workspace’s projects. Leaving from a key needs members:write granted to the key (any role may leave).',
          ...conflicts('the last OWNER cannot be removed'),
        },
        response: { 200: envelope(z.object({ userId: z.string(), removed: z.literal(true) })) },
      },
    )
    .post(
      '/:id/invites',
      ({ principal, params, body, set }) => {
        const r = createInvite(core, at(principal, set.headers, params.id, 'members:write', orgWide), body)
        set.status = 201
        return ok(r)
      },
      {
        principal: true,
        params: workspaceParams,
        body: createInviteBody,
        detail: {
          tags,
          summary: 'Invite someone by email (workspace OWNER)',
          description:
            'Mails the invite token (valid 7 days) to the invited address only, through the outbox; with no SMTP_URL the mail is written to the server log like every other mail. The answer never holds the token, so accepting proves the address. 409 when the address is already a member.',
          ...conflicts('the address is already a member of the workspace'),
        },
        response: { 201: envelope(invite) },
      },
    )
    .get(
      '/:id/invites',
      ({ principal, params, query, set }) => {
        const r = listInvites(core, at(principal, set.headers, params.id, 'members:write', orgWide), query)
        return okList(r.items, r.nextCursor)
      },
      {
        principal: true,
        params: workspaceParams,
        query: listInvitesQuery,
        detail: { tags, summary: 'List invites (workspace OWNER), optionally by status' },
        response: { 200: listEnvelope(invite) },
      },
    )
    .delete(
      '/:id/invites/:inviteId',
      ({ principal, params, set }) =>
        ok(revokeInvite(core, at(principal, set.headers, params.id, 'members:write', orgWide), params.inviteId)),
      {
        principal: true,
        params: inviteParams,
        detail: { tags, summary: 'Revoke a pending invite (workspace OWNER)', ...conflicts('the invite was already accepted') },
        response: { 200: envelope(invite) },
      },
    )
}
