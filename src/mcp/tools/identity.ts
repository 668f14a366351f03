import { credentialScopes } from '../../permissions/actor'
import { defineTool, READ } from '../tool'

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description:
    'Returns the user you act as and the key in use: its kind, scopes, effective scopes, and the workspace or project it is restricted to (if any). Call it first to learn your limits.',
  input: {},
  annotations: READ,
  scope: 'principal',
  call: (_core, principal) => {
    const c = principal.credential
    return {
      kind: c.kind,
      user: principal.user,
      credential: {
        kind: c.kind,
        keyId: c.kind === 'api_key' || c.kind === 'mcp_key' ? c.id : null,
        scopes: c.scopes,
        effectiveScopes: [...credentialScopes(c)],
        workspaceId: c.workspaceId,
        projectId: c.projectId,
        expiresAt: c.expiresAt?.toISOString() ?? null,
      },
    }
  },
  rest: () => ({ method: 'GET', path: '/auth/me' }),
  fromRest: (d) => ({ kind: d.kind, user: d.user, credential: d.credential }),
  summary: (d) =>
    `${d.user ? `${d.user.name} (@${d.user.handle}, ${d.user.email})` : 'No user'} via ${d.credential.kind}` +
    `${d.credential.workspaceId ? `, restricted to workspace ${d.credential.workspaceId}` : ''}` +
    `${d.credential.projectId ? `, restricted to project ${d.credential.projectId}` : ''}.`,
})

