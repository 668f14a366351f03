import { describeMe } from '../../auth/profile'
import { defineTool, READ } from '../tool'

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description:
    'Returns the user you act as and the key in use: its kind, scopes, effective scopes, and the workspace or project it is restricted to (if any). Call it first to learn your limits.',
  input: {},
  annotations: READ,
  scope: 'principal',
  // The very answer of GET /auth/me (user, memberships, credential), scopes applied the same way.
  call: (core, principal) => describeMe(core, principal),
  rest: () => ({ method: 'GET', path: '/auth/me' }),
  summary: (d) =>
    `${d.user ? `${d.user.name} (@${d.user.handle}, ${d.user.email})` : 'No user'} via ${d.credential.kind}` +
    `${d.credential.workspaceId ? `, restricted to workspace ${d.credential.workspaceId}` : ''}` +
    `${d.credential.projectId ? `, restricted to project ${d.credential.projectId}` : ''}.`,
})

