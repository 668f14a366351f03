import { describe, expect } from 'bun:test'
import { eq } from 'drizzle-orm'
import { labels } from '../src/db/schema'
import type { TestApp } from './helpers/app'
import { createKey } from './helpers/fixtures'
import {
  ALL_CREDS,
  type CredName,
  createMatrix,
  type Expect,
  type MatrixRow,
  type MatrixWorld,
  runMatrix,
  UNAUTHENTICATED,
} from './helpers/matrix'
import { INIT } from './helpers/mcp'

const m = createMatrix()

/** Fills a column: every credential gets `dflt` unless listed; the 401 credentials get their 401. */
function column(route: string, dflt: Expect, overrides: Partial<Record<CredName, Expect>>, extra: Partial<MatrixRow> = {}): MatrixRow[] {
  return ALL_CREDS.map((cred) => ({ route, cred, expect: overrides[cred] ?? UNAUTHENTICATED[cred] ?? dflt, ...extra }))
}

const MCP_ELSEWHERE: Partial<Record<CredName, Expect>> = {
  'owner.mcpKey': [403, 'scope_violation'],
  'member.mcpKey': [403, 'scope_violation'],
  'viewer.mcpKey': [403, 'scope_violation'],
}

m.setup((w, t) => {
  w.ids.labelA = t.db.insert(labels).values({ workspaceId: w.wsA.id, name: 'alpha-label' }).returning().get().id
  w.ids.labelB = t.db.insert(labels).values({ workspaceId: w.wsB.id, name: 'beta-label' }).returning().get().id
})

/** Overrides for one role's whole row of credentials. */
const forRole = (
  role: 'owner' | 'member' | 'viewer',
  e: Partial<Record<'session' | 'allKey' | 'keysKey' | 'readonlyKey' | 'projectKey' | 'pinnedKey' | 'mcpKey', Expect>>,
) => Object.fromEntries(Object.entries(e).map(([k, v]) => [`${role}.${k}`, v])) as Partial<Record<CredName, Expect>>

const NO_KEYS_WRITE: Expect = [403, 'forbidden']

describe('identity', () => {
  runMatrix('GET /auth/me', column('GET /auth/me', 200, MCP_ELSEWHERE))
})

describe('keys', () => {
  for (const kind of ['api', 'mcp'] as const) {
    const base = `/auth/${kind}-keys`
    runMatrix(`GET ${base}`, column(`GET ${base}`, 200, { ...MCP_ELSEWHERE, global: [403, 'forbidden'] }))
    // Creating needs keys:write: sessions have it, keys only when granted explicitly (keysKey).
    const create: Partial<Record<CredName, Expect>> = {
      ...MCP_ELSEWHERE,
      global: [403, 'forbidden'],
      'outsider.allKey': NO_KEYS_WRITE,
      'ownerB.allKey': NO_KEYS_WRITE,
    }
    for (const role of ['owner', 'member', 'viewer'] as const)
      Object.assign(
        create,
        forRole(role, {
          session: 201,
          keysKey: 201,
          allKey: NO_KEYS_WRITE,
          readonlyKey: NO_KEYS_WRITE,
          projectKey: NO_KEYS_WRITE,
          pinnedKey: NO_KEYS_WRITE,
        }),
      )
    runMatrix(`POST ${base}`, column(`POST ${base}`, 201, create, { body: { name: 'matrix' } }))
  }
  // Rotating an MCP key: its owner's session (a throwaway key per row, so no other row loses its key).
  const freshMcpKey = async (w: MatrixWorld, t: TestApp) =>
    `/auth/mcp-keys/${(await createKey(t.core, w.users.owner.id, { kind: 'mcp', name: 'rotated', workspaceId: w.wsA.id })).id}/rotate`
  runMatrix('POST /auth/mcp-keys/:id/rotate', [
    { route: 'POST /auth/mcp-keys/:id/rotate', cred: 'owner.session', path: freshMcpKey, expect: 201 },
    { route: 'POST /auth/mcp-keys/:id/rotate', cred: 'owner.keysKey', path: freshMcpKey, expect: 201 },
    { route: 'POST /auth/mcp-keys/:id/rotate', cred: 'owner.allKey', path: freshMcpKey, expect: NO_KEYS_WRITE },
    { route: 'POST /auth/mcp-keys/:id/rotate', cred: 'owner.readonlyKey', path: freshMcpKey, expect: NO_KEYS_WRITE },
    { route: 'POST /auth/mcp-keys/:id/rotate', cred: 'owner.mcpKey', path: freshMcpKey, expect: [403, 'scope_violation'] },
    { route: 'POST /auth/mcp-keys/:id/rotate', cred: 'ownerB.session', path: freshMcpKey, expect: [404, 'not_found'] },
    { route: 'POST /auth/mcp-keys/:id/rotate', cred: 'global', path: freshMcpKey, expect: [403, 'forbidden'] },
    { route: 'POST /auth/mcp-keys/:id/rotate', cred: 'none', path: freshMcpKey, expect: [401, 'missing_key'] },
  ])
  runMatrix('keys by id', [
    {
      route: 'GET /auth/api-keys/:id',
      cred: 'owner.session',
      note: 'own',
      path: (w) => `/auth/api-keys/${w.keyIds['owner.allKey']}`,
      expect: 200,
    },
    {
      route: 'GET /auth/api-keys/:id',
      cred: 'owner.session',
      note: "another user's",
      path: (w) => `/auth/api-keys/${w.keyIds['member.allKey']}`,
      expect: [404, 'not_found'],
    },
    {
      route: 'GET /auth/api-keys/:id',
      cred: 'owner.session',
      note: 'an MCP key id',
      path: (w) => `/auth/api-keys/${w.keyIds['owner.mcpKey']}`,
      expect: [404, 'not_found'],
    },
    { route: 'GET /auth/mcp-keys/:id', cred: 'owner.session', path: (w) => `/auth/mcp-keys/${w.keyIds['owner.mcpKey']}`, expect: 200 },
    {
      route: 'DELETE /auth/api-keys/:id',
      cred: 'ownerB.session',
      path: (w) => `/auth/api-keys/${w.keyIds['owner.allKey']}`,
      expect: [404, 'not_found'],
    },
    {
      route: 'POST /auth/api-keys/:id/rotate',
      cred: 'ownerB.session',
      path: (w) => `/auth/api-keys/${w.keyIds['owner.allKey']}/rotate`,
      expect: [404, 'not_found'],
    },
    {
      route: 'DELETE /auth/api-keys/:id',
      cred: 'owner.allKey',
      path: (w) => `/auth/api-keys/${w.keyIds['owner.readonlyKey']}`,
      expect: NO_KEYS_WRITE,
    },
    {
      route: 'POST /auth/api-keys/:id/rotate',
      cred: 'owner.allKey',
      path: (w) => `/auth/api-keys/${w.keyIds['owner.allKey']}/rotate`,
      expect: NO_KEYS_WRITE,
    },
    {
      route: 'POST /auth/api-keys/:id/rotate',
      cred: 'owner.readonlyKey',
      path: (w) => `/auth/api-keys/${w.keyIds['owner.readonlyKey']}/rotate`,
      expect: NO_KEYS_WRITE,
    },
    {
      route: 'DELETE /auth/mcp-keys/:id',
      cred: 'owner.mcpKey',
      path: (w) => `/auth/mcp-keys/${w.keyIds['owner.mcpKey']}`,
      expect: [403, 'scope_violation'],
    },
    {
      route: 'POST /auth/api-keys',
      cred: 'owner.keysKey',
      note: 'pin to B (not a member)',
      body: (w) => ({ name: 'x', workspaceId: w.wsB.id }),
      expect: [404, 'not_found'],
    },
    {
      route: 'POST /auth/api-keys',
      cred: 'owner.session',
      note: 'project of B',
      body: (w) => ({ name: 'x', workspaceId: w.wsA.id, projectId: w.projectB.id }),
      expect: [404, 'not_found'],
    },
    {
      route: 'POST /auth/api-keys',
      cred: 'member.session',
      note: 'project not a member of',
      body: (w) => ({ name: 'x', workspaceId: w.wsA.id, projectId: w.projectA2.id }),
      expect: [404, 'not_found'],
    },
  ])
})

describe('audit events (workspace OWNER: members:write, org-wide)', () => {
  const memberLike = (role: 'member' | 'viewer') =>
    forRole(role, {
      session: [403, 'forbidden'],
      allKey: [403, 'forbidden'],
      keysKey: [403, 'forbidden'],
      readonlyKey: [403, 'forbidden'],
      pinnedKey: [403, 'forbidden'],
      projectKey: [403, 'scope_violation'],
    })
  runMatrix(
    'GET /audit-events',
    column('GET /audit-events', 200, {
      ...MCP_ELSEWHERE,
      ...forRole('owner', { readonlyKey: [403, 'forbidden'], projectKey: [403, 'scope_violation'] }),
      ...memberLike('member'),
      ...memberLike('viewer'),
      'ownerB.session': [404, 'not_found'],
      'ownerB.allKey': [404, 'not_found'],
      'outsider.session': [404, 'not_found'],
      'outsider.allKey': [404, 'not_found'],
    }),
  )
  runMatrix('GET /audit-events?platform=true', [
    { route: 'GET /audit-events', cred: 'global', path: '/audit-events?platform=true', expect: 200 },
    { route: 'GET /audit-events', cred: 'owner.session', path: '/audit-events?platform=true', expect: [403, 'forbidden'] },
    {
      route: 'GET /audit-events',
      cred: 'ownerB.session',
      workspace: 'B',
      expect: 200,
      check: (r, w) => expect(r.body.data.every((e: any) => e.workspaceId === w.wsB.id)).toBe(true),
    },
  ])
})

describe('/mcp takes hosted MCP keys only', () => {
  const MCP_KEYS_405: Partial<Record<CredName, Expect>> = { 'owner.mcpKey': 405, 'member.mcpKey': 405, 'viewer.mcpKey': 405 }
  runMatrix('GET /mcp', column('GET /mcp', [403, 'scope_violation'], MCP_KEYS_405))
  runMatrix('DELETE /mcp', column('DELETE /mcp', [403, 'scope_violation'], MCP_KEYS_405))
  // An MCP key reaches the JSON-RPC server (its answer is JSON-RPC, not Sally's envelope: `check`
  // asserts it); every other credential is refused before.
  const initialized = (res: { status: number; body: any }) => {
    expect(res.body?.result?.serverInfo?.name).toBeString()
  }
  runMatrix(
    'POST /mcp',
    ALL_CREDS.map((cred) => {
      const isMcp = cred.endsWith('.mcpKey')
      return {
        route: 'POST /mcp',
        cred,
        body: INIT,
        headers: { accept: 'application/json, text/event-stream' },
        expect: isMcp ? 200 : (UNAUTHENTICATED[cred] ?? [403, 'scope_violation']),
        ...(isMcp ? { envelope: false as const, check: initialized } : {}),
      }
    }),
  )
})

describe('workspace routes (labels as the example)', () => {
  runMatrix(
    'GET /labels',
    column('GET /labels', 200, {
      ...MCP_ELSEWHERE,
      'ownerB.session': [404, 'not_found'],
      'ownerB.allKey': [404, 'not_found'],
      'outsider.session': [404, 'not_found'],
      'outsider.allKey': [404, 'not_found'],
    }),
  )
  runMatrix('labels writes', [
    { route: 'POST /labels', cred: 'member.session', body: { name: 'by-member' }, expect: 201 },
    { route: 'POST /labels', cred: 'viewer.session', body: { name: 'by-viewer' }, expect: [403, 'forbidden'] },
    { route: 'POST /labels', cred: 'owner.readonlyKey', body: { name: 'by-ro' }, expect: [403, 'forbidden'] },
    { route: 'POST /labels', cred: 'owner.allKey', body: { name: 'by-key' }, expect: 201 },
    { route: 'POST /labels', cred: 'global', body: { name: 'by-global' }, expect: 201 },
    {
      route: 'POST /labels',
      cred: 'owner.projectKey',
      body: { name: 'by-project-key' },
      expect: [403, 'scope_violation'],
      check: () => expect(m.t.db.select().from(labels).where(eq(labels.name, 'by-project-key')).all()).toHaveLength(0),
    },
    {
      route: 'PATCH /labels/:id',
      cred: 'owner.projectKey',
      path: (w) => `/labels/${w.ids.labelA}`,
      body: { color: '#fff' },
      expect: [403, 'scope_violation'],
    },
    { route: 'GET /labels', cred: 'owner.pinnedKey', workspace: 'B', expect: [404, 'not_found'] },
    { route: 'GET /labels', cred: 'ownerB.allKey', workspace: 'B', expect: 200 },
  ])
})

describe('tenant isolation', () => {
  runMatrix('labels', [
    { route: 'GET /labels/:id', cred: 'owner.session', note: 'own', path: (w) => `/labels/${w.ids.labelA}`, expect: 200 },
    { route: 'GET /labels/:id', cred: 'owner.session', note: 'B id', path: (w) => `/labels/${w.ids.labelB}`, expect: [404, 'not_found'] },
    {
      route: 'GET /labels/:id',
      cred: 'ownerB.session',
      note: 'A id in B',
      path: (w) => `/labels/${w.ids.labelA}`,
      workspace: 'B',
      expect: [404, 'not_found'],
    },
    {
      route: 'GET /labels/:id',
      cred: 'ownerB.session',
      note: 'selecting A',
      path: (w) => `/labels/${w.ids.labelA}`,
      expect: [404, 'not_found'],
    },
    { route: 'GET /labels/:id', cred: 'outsider.session', path: (w) => `/labels/${w.ids.labelA}`, expect: [404, 'not_found'] },
  ])
})
