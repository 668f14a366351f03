import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { envelope, ok } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { listGrants, revokeGrantOf } from './store'

const grant = z
  .object({
    id: z.string(),
    clientId: z.string().describe('The client: its metadata document URL, or the id it registered with.'),
    clientName: z.string(),
    scopes: z.array(z.string()),
    workspaceId: z.string().nullable().describe('The one workspace granted; null: all of the user’s workspaces.'),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'McpGrant' })

const tags = ['MCP keys']

/** Connected apps: the OAuth grants a user made to MCP clients, listed and revoked with their MCP keys. */
export function grantRoutes(core: Core) {
  return new Elysia({ name: 'mcp-grants', prefix: '/auth/mcp-grants' })
    .use(authPlugin(core))
    .get('', ({ principal }) => ok(listGrants(core, principal)), {
      principal: 'user:read',
      detail: {
        tags,
        summary: 'List my connected apps (OAuth grants to MCP clients on /mcp/oauth), newest first',
        description: 'Active grants only (at most 200): the client, the scopes and workspace granted, and when it was last used.',
      },
      response: { 200: envelope(z.array(grant)) },
    })
    .delete('/:id', ({ principal, params }) => ok(revokeGrantOf(core, principal, params.id)), {
      principal: 'keys:write',
      params: z.object({ id: z.string().trim().min(1).max(100) }),
      detail: {
        tags,
        summary: 'Disconnect an app: revoke an OAuth grant (its tokens stop working on the very next request; idempotent)',
        description: 'Needs `keys:write`, as revoking an MCP key does; a key may revoke only grants within its own scopes and pin.',
      },
      response: { 200: envelope(grant) },
    })
}
