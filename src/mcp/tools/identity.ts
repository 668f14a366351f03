import { describeMe } from '../../auth/profile'
import { listWorkspaces } from '../../workspaces/service'
import { defineTool, pageArgs, READ } from '../tool'

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description:
    'Returns the user you act as, their workspaces with their role in each, and the key in use: its scopes, effective scopes, and the workspace or project it is restricted to (if any). Call it first to learn your limits.',
  input: {},
  annotations: READ,
  scope: 'principal',
  call: (core, principal) => describeMe(core, principal),
  rest: () => ({ method: 'GET', path: '/auth/me' }),
  summary: (d) =>
    `${d.user ? `${d.user.name} (@${d.user.handle})` : 'No user details (key lacks user:read)'} via ${d.credential.kind}` +
    `${d.credential.workspaceId ? `, restricted to workspace ${d.credential.workspaceId}` : ''}` +
    `${d.credential.projectId ? `, restricted to project ${d.credential.projectId}` : ''}` +
    `; workspaces: ${d.memberships.map((m: any) => `${m.name} (${m.slug}, ${m.role})`).join(', ') || 'none visible'}.`,
})

export const list_workspaces = defineTool({
  name: 'list_workspaces',
  title: 'List workspaces',
  description:
    'Lists the workspaces you can act in (only its own for a key restricted to one), with id, name, slug and your role. When there are several, pass one of them as the `workspace` argument (id, slug or name) to the other tools.',
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
