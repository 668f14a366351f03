import { Elysia } from 'elysia'
import type { KeyKind } from '../auth/key-format'
import type { Core } from '../core'
import { requestInfo } from '../http/context'
import { conflicts, envelope, listEnvelope, ok, okList } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { apiKey, createdKey, createKeyBody, keyParams, listKeysQuery } from './model'
import { createKey, getKey, listKeys, revokeKey, rotateKey } from './service'

const NOTE =
  ' Creating, rotating and revoking need `keys:write`: sessions have it; a key has it only when it was granted explicitly ' +
  '(a key created with `scopes: null` does not). A key can only hand out scopes, pin and project within its own, ' +
  'an expiry no later than its own and a rate limit no higher than its own (403 `scope_violation`); left out, they are its own, ' +
  'and a replacement rotated by a key has them capped at the calling key’s. ' +
  'The global API token has no user and cannot own keys (403).'

function keyGroup(core: Core, kind: KeyKind) {
  const path = kind === 'api' ? '/auth/api-keys' : '/auth/mcp-keys'
  const what = kind === 'api' ? 'personal API key (atpm_)' : 'hosted MCP key (sallymcp_, valid on /mcp only)'
  const tags = ['Keys']
  return new Elysia({ name: `keys-${kind}`, prefix: path })
    .use(authPlugin(core))
    .get(
      '',
      ({ principal, query }) => {
        const r = listKeys(core, principal, kind, query)
        return okList(r.items, r.nextCursor)
      },
      {
        principal: 'user:read',
        query: listKeysQuery,
        detail: { tags, summary: `List my ${what}s, newest first (no secrets)` },
        response: { 200: listEnvelope(apiKey) },
      },
    )
    .post(
      '',
      async ({ principal, body, request, set }) => {
        const created = await createKey(core, principal, kind, body, { ip: requestInfo(request).ip })
        set.status = 201
        return ok(created)
      },
      {
        principal: 'keys:write',
        body: createKeyBody,
        detail: {
          tags,
          summary: `Create a ${what}`,
          description:
            'Returns the full key once (`data.key`), with its record. `scopes` null or absent = everything the owner may do except keys:write. ' +
            '`workspaceId` pins the key to a workspace the caller belongs to (`metadata.organizationId` is honoured as the same pin); `projectId` (needs the pin) limits it to one project. ' +
            'Expiry: `expiresIn` seconds or `expiresAt` (ISO, future).' +
            NOTE,
        },
        response: { 201: envelope(createdKey) },
      },
    )
    .get('/:id', ({ principal, params }) => ok(getKey(core, principal, kind, params.id)), {
      principal: 'user:read',
      params: keyParams,
      detail: { tags, summary: `Get one of my ${what}s (no secret)` },
      response: { 200: envelope(apiKey) },
    })
    .delete('/:id', ({ principal, params, request }) => ok(revokeKey(core, principal, kind, params.id, { ip: requestInfo(request).ip })), {
      principal: 'keys:write',
      params: keyParams,
      detail: { tags, summary: `Revoke a ${what} (effective on the very next request; idempotent)`, description: NOTE },
      response: { 200: envelope(apiKey) },
    })
    .post(
      '/:id/rotate',
      async ({ principal, params, request, set }) => {
        const created = await rotateKey(core, principal, kind, params.id, { ip: requestInfo(request).ip })
        set.status = 201
        return ok(created)
      },
      {
        principal: 'keys:write',
        params: keyParams,
        detail: {
          tags,
          summary: `Rotate a ${what}: a new key with the same settings; the old one is revoked at once`,
          description: `The new key keeps the name, description, scopes, pin, project, rate limit and the same lifetime (counted from now).${NOTE}`,
          ...conflicts('the key is revoked (or was revoked meanwhile)'),
        },
        response: { 201: envelope(createdKey) },
      },
    )
}

/** Personal API keys at /auth/api-keys and hosted MCP keys at /auth/mcp-keys (SPEC §2): same code, two kinds. */
export function keyRoutes(core: Core) {
  return new Elysia({ name: 'keys' }).use(keyGroup(core, 'api')).use(keyGroup(core, 'mcp'))
}
