import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { conflicts, envelope, listEnvelope, ok, okList, pagedBy, pageQuery } from '../http/respond'
import type { Scope } from '../permissions/matrix'
import { authPlugin } from '../permissions/plugin'
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
 * Workspaces, members and invites. Routes under `/workspaces/:id` declare their permission in the
 * auth macro with the workspace taken from the path (`path: 'id'`), resolved exactly like the
 * selection headers would be (404 invisible, 403 pinned elsewhere, 403 suspended), then role ∩ key
 * scopes, all before the input is validated.
 */
export function workspaceRoutes(core: Core) {
  /** The workspace is the path's `:id`; `orgWide`: project-scoped keys are refused. */
  const at = (permission: Scope, more: { orgWide?: boolean; leave?: string; superadmin?: string; allowSuspended?: boolean } = {}) => ({
    permission,
    path: 'id',
    ...more,
  })
  const orgWide = { orgWide: true }
  const suspension = { orgWide: true, superadmin: 'suspend or reactivate a workspace', allowSuspended: true }

  return new Elysia({ name: 'workspaces', prefix: '/workspaces' })
    .use(authPlugin(core))
    .get(
      '/',
      ({ principal, query }) => {
        const r = listWorkspaces(core, principal, query)
        return okList(r.items, r.nextCursor)
      },
      {
        principal: 'workspaces:read',
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
        principal: 'workspaces:write',
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
    .get('/:id', ({ actor }) => ok(getWorkspace(core, actor)), {
      workspace: at('workspaces:read'),
      params: workspaceParams,
      detail: { tags, summary: 'Get a workspace' },
      response: { 200: envelope(workspace) },
    })
    .patch('/:id', ({ actor, body }) => ok(updateWorkspace(core, actor, body)), {
      workspace: at('workspaces:write', orgWide),
      params: workspaceParams,
      body: updateWorkspaceBody,
      detail: {
        tags,
        summary: 'Rename a workspace or change its slug (409 when the slug is taken)',
        ...conflicts('the slug is already taken'),
      },
      response: { 200: envelope(workspace) },
    })
    .post('/:id/suspend', ({ actor }) => ok(setSuspended(core, actor, true)), {
      workspace: at('workspaces:write', suspension),
      params: workspaceParams,
      detail: { tags, summary: 'Suspend a workspace (SUPERADMIN): every request to it answers 403 "Workspace is suspended."' },
      response: { 200: envelope(workspace) },
    })
    .post('/:id/reactivate', ({ actor }) => ok(setSuspended(core, actor, false)), {
      workspace: at('workspaces:write', suspension),
      params: workspaceParams,
      detail: { tags, summary: 'Reactivate a suspended workspace (SUPERADMIN)' },
      response: { 200: envelope(workspace) },
    })
    .get(
      '/:id/members',
      ({ actor, query }) => {
        const r = listMembers(core, actor, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: at('workspaces:read', orgWide),
        params: workspaceParams,
        query: pagedBy(100),
        detail: { tags, summary: 'List the members of a workspace' },
        response: { 200: listEnvelope(member) },
      },
    )
    .patch('/:id/members/:userId', ({ actor, params, body }) => ok(updateMemberRole(core, actor, params.userId, body.role)), {
      workspace: at('members:write', orgWide),
      params: memberParams,
      body: updateMemberBody,
      detail: {
        tags,
        summary: 'Change a member’s role (workspace OWNER; the last OWNER cannot be demoted: 409)',
        ...conflicts('the last OWNER cannot be demoted'),
      },
      response: { 200: envelope(member) },
    })
    .delete(
      '/:id/members/:userId',
      ({ actor, params }) => {
        removeMember(core, actor, params.userId)
        return ok({ userId: params.userId, removed: true as const })
      },
      {
        // Leaving: any member may remove themselves (from a key only with members:write granted).
        workspace: at('members:write', { ...orgWide, leave: 'userId' }),
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
      ({ actor, body, set }) => {
        const r = createInvite(core, actor, body)
        set.status = 201
        return ok(r)
      },
      {
        workspace: at('members:write', orgWide),
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
      ({ actor, query }) => {
        const r = listInvites(core, actor, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: at('members:write', orgWide),
        params: workspaceParams,
        query: listInvitesQuery,
        detail: { tags, summary: 'List invites (workspace OWNER), optionally by status' },
        response: { 200: listEnvelope(invite) },
      },
    )
    .delete('/:id/invites/:inviteId', ({ actor, params }) => ok(revokeInvite(core, actor, params.inviteId)), {
      workspace: at('members:write', orgWide),
      params: inviteParams,
      detail: { tags, summary: 'Revoke a pending invite (workspace OWNER)', ...conflicts('the invite was already accepted') },
      response: { 200: envelope(invite) },
    })
}
