import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { envelope, ok } from '../http/respond'
import { credentialScopes } from '../permissions/actor'
import { authPlugin } from '../permissions/plugin'
import { credentialInfo } from './model'

export function authRoutes(core: Core) {
  return new Elysia({ name: 'auth-routes', prefix: '/auth' }).use(authPlugin(core)).get(
    '/me',
    ({ principal }) => {
      const c = principal.credential
      return ok({
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
      })
    },
    {
      principal: true,
      detail: { summary: 'The caller and the credential in use', tags: ['Auth'] },
      response: {
        200: envelope(
          z.object({
            kind: z.enum(['session', 'api_key', 'mcp_key', 'global']),
            user: z.object({ id: z.string(), email: z.string(), name: z.string(), handle: z.string(), platformRole: z.string() }).nullable(),
            credential: credentialInfo,
          }),
        ),
      },
    },
  )
}
