import { Elysia } from 'elysia'
import type { Core } from '../core'
import { conflicts, documentedResponse, envelope, ok } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { accountRoutes } from './account-routes'
import { me, updateMeBody } from './model'
import { describeMe, updateMe } from './profile'
import { sessionRoutes } from './session-routes'

const tags = ['Auth']

// GET /auth/me is the hottest authenticated route: its answer is documented from the zod schema but
// not re-validated per request; test/auth.test.ts parses its answers with `meResponse` instead.
export const meResponse = envelope(me)

/** Everything under /auth except API/MCP keys: sessions, account recovery, the profile. */
export function authRoutes(core: Core) {
  return new Elysia({ name: 'auth-routes' }).use(sessionRoutes(core)).use(accountRoutes(core)).use(profileRoutes(core))
}

function profileRoutes(core: Core) {
  return new Elysia({ name: 'auth-profile', prefix: '/auth' })
    .use(authPlugin(core))
    .get('/me', ({ principal }) => ok(describeMe(core, principal)), {
      principal: true,
      detail: {
        tags,
        summary: 'The caller, their memberships and the credential in use',
        description:
          'A key with explicit scopes shows the user only with user:read and the memberships only with workspaces:read; a pinned key shows only its workspace.',
        responses: documentedResponse(meResponse, 'The caller, their memberships and the credential in use'),
      },
    })
    .patch('/me', async ({ principal, body }) => ok(await updateMe(core, principal, body)), {
      principal: 'keys:write',
      body: updateMeBody,
      detail: {
        tags,
        summary: 'Update my name, handle, avatar or password',
        description:
          'A password change needs currentPassword and ends my other sessions. From an API key this needs keys:write granted explicitly (account management).',
        ...conflicts('the handle is taken'),
      },
      response: { 200: envelope(me) },
    })
}
