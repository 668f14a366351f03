import type { Me } from '../../auth/model'
import { describeMe } from '../../auth/profile'
import type { ProjectRole, WorkspaceRole } from '../../db/schema/common'
import { AppError } from '../../errors'
import { permissionsIn } from '../../permissions/effective'
import type { Scope } from '../../permissions/matrix'
import { projectAccess } from '../../permissions/projects'
import { listMembers } from '../../workspaces/members'
import { listWorkspaces } from '../../workspaces/service'
import { workspaceFor } from '../local'
import { defineTool, pageArgs, READ, workspaceArg } from '../tool'

type Selected = { id: string; slug: string; name: string; role: WorkspaceRole }

/** whoami's answer: /auth/me plus the workspace it would act in and what it may do there. */
function withPermissions(me: Me, ws: Selected | Error, projectRole: ProjectRole | null) {
  if (ws instanceof Error) {
    const code = ws instanceof AppError ? ws.code : 'internal'
    return {
      ...me,
      workspace: null,
      permissions: null,
      note: `No workspace selected (${code}): pass \`workspace\` to see your permissions in one.`,
    }
  }
  return {
    ...me,
    workspace: ws,
    permissions: permissionsIn({ ...me.credential, scopes: me.credential.scopes as Scope[] | null }, ws.role, projectRole),
  }
}

/** `sally mcp`: the membership the reference names, as selectWorkspace picks it (pin, else the only one). */
function membershipFor(me: Me, ref: string | null): Selected | Error {
  const want = ref?.trim().toLowerCase()
  const pin = me.credential.workspaceId
  const hits = want
    ? me.memberships.filter((m) => m.workspaceId === ref || m.slug === ref || m.name.trim().toLowerCase() === want)
    : me.memberships.filter((m) => !pin || m.workspaceId === pin)
  if (hits.length !== 1) return new AppError(want && hits.length === 0 ? 'not_found' : 'workspace_required', 'No single workspace.')
  const m = hits[0]!
  return { id: m.workspaceId, slug: m.slug, name: m.name, role: m.role }
}

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description: 'You, your workspaces and roles, your key, and `permissions`: what you may do in the workspace. Call it first.',
  input: { workspace: workspaceArg },
  annotations: READ,
  scope: 'principal',
  call: (core, principal, input, fallback) => {
    const me = describeMe(core, principal)
    let ws: Selected | Error
    let projectRole: ProjectRole | null = null
    try {
      ws = workspaceFor(core, principal, input.workspace, fallback)
      const pid = principal.credential.projectId
      if (pid) projectRole = projectAccess(core, { ...principal, workspace: ws }, pid).role
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      ws = e
    }
    return withPermissions(me, ws, projectRole)
  },
  rest: () => ({ method: 'GET', path: '/auth/me' }),
  viaRest: async (api) => {
    const me = (await api.call({ method: 'GET', path: '/auth/me' })) as unknown as Me
    const ws = membershipFor(me, api.workspace)
    let projectRole: ProjectRole | null = null
    const pid = me.credential.projectId
    if (pid && !(ws instanceof Error)) {
      const p = await api.call({ method: 'GET', path: `/projects/${encodeURIComponent(pid)}` }, true).catch(() => null)
      projectRole = (p?.role as ProjectRole | undefined) ?? null
    }
    return withPermissions(me, ws, projectRole)
  },
  summary: (d) =>
    `${d.user ? `${d.user.name} (@${d.user.handle}, id ${d.user.id})` : 'No user details (key lacks user:read)'} via ${d.credential.kind}` +
    `${d.credential.projectId ? `, restricted to project ${d.credential.projectId}` : ''}` +
    `; workspaces: ${d.memberships.map((m: any) => `${m.name} (${m.slug}, ${m.role})`).join(', ') || 'none visible'}` +
    (d.workspace ? `; in ${d.workspace.name} you may: ${d.permissions.join(' ')}.` : `; ${d.note}`),
})

export const list_workspaces = defineTool({
  name: 'list_workspaces',
  title: 'List workspaces',
  description: 'Workspaces you can act in: id, name, slug, your role.',
  input: { ...pageArgs },
  annotations: READ,
  scope: 'principal',
  call: (core, principal, input) => listWorkspaces(core, principal, input),
  rest: (input) => ({ method: 'GET', path: '/workspaces', query: input }),
  summary: (d) =>
    d.items.length === 0
      ? 'No workspaces.'
      : `${d.items.length} workspace(s): ${d.items.map((w: any) => `${w.name} (slug ${w.slug}, id ${w.id}, ${w.role ?? 'not a member'}${w.suspended ? ', suspended' : ''})`).join('; ')}`,
})

export const list_members = defineTool({
  name: 'list_members',
  title: 'List workspace members',
  description: 'Workspace members: userId (to assign; must see the project), name, @handle (to mention), role.',
  input: { ...pageArgs },
  annotations: READ,
  scope: 'workspace',
  permission: 'workspaces:read',
  orgWide: true,
  call: (core, actor, input) => listMembers(core, actor, input),
  rest: (input) => ({ method: 'GET', path: '/workspaces/{workspace}/members', query: input }),
  summary: (d) =>
    d.items.length === 0
      ? 'No members.'
      : `${d.items.length} member(s)${d.nextCursor ? ' (more: pass cursor)' : ''}: ${d.items.map((m: any) => `${m.name} @${m.handle} ${m.role} (${m.userId})`).join('; ')}`,
})
