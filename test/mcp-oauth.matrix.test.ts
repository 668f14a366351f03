/**
 * Permission tables of the OAuth side of MCP (SPEC §11): the grant routes for every credential,
 * /mcp/oauth refusing every credential that is not an access token of its own, and what an access
 * token may do: the granting user's role ∩ the granted scopes ∩ the granted workspace.
 */
import { describe, expect, test } from 'bun:test'
import { oauthGrants } from '../src/db/schema'
import type { TestApp } from './helpers/app'
import { ALL_CREDS, type CredName, createMatrix, type Expect, type MatrixWorld, runMatrix, UNAUTHENTICATED } from './helpers/matrix'
import { INIT } from './helpers/mcp'
import { type FetchFn, grantTokens, rpc, toolCall } from './helpers/oauth'

const m = createMatrix()

/** Inserts an active grant of `userId` to a test client, pinned to workspace A. */
function grantOf(t: TestApp, w: MatrixWorld, userId: string): string {
  return t.db
    .insert(oauthGrants)
    .values({
      userId,
      clientId: 'sallyc_matrix',
      clientName: 'Matrix',
      scopes: ['tasks:read'],
      workspaceId: w.wsA.id,
      resource: 'http://localhost/mcp/oauth',
    })
    .returning()
    .get().id
}

/** The user a credential of the standard column belongs to (the owner for the unattached ones). */
function userOf(w: MatrixWorld, cred: CredName): string {
  const who = cred.split('.')[0] as keyof MatrixWorld['users']
  return (w.users[who] ?? w.users.owner).id
}

describe('connected apps (grants)', () => {
  const list: Partial<Record<CredName, Expect>> = { global: [403, 'forbidden'] }
  for (const c of ALL_CREDS) if (c.endsWith('.mcpKey')) list[c] = [403, 'scope_violation']
  runMatrix(
    'GET /auth/mcp-grants',
    ALL_CREDS.map((cred) => ({ route: 'GET /auth/mcp-grants', cred, expect: list[cred] ?? UNAUTHENTICATED[cred] ?? 200 })),
  )

  // Revoking needs keys:write (as revoking an MCP key): sessions and keys granted it explicitly.
  const revoke = (cred: CredName): Expect => {
    if (UNAUTHENTICATED[cred]) return UNAUTHENTICATED[cred]!
    if (cred.endsWith('.mcpKey')) return [403, 'scope_violation']
    if (cred.endsWith('.session') || cred.endsWith('.keysKey')) return 200
    return [403, 'forbidden']
  }
  runMatrix('DELETE /auth/mcp-grants/:id', [
    ...ALL_CREDS.map((cred) => ({
      route: 'DELETE /auth/mcp-grants/:id',
      cred,
      path: (w: MatrixWorld, t: TestApp) => `/auth/mcp-grants/${grantOf(t, w, userOf(w, cred))}`,
      expect: revoke(cred),
    })),
    {
      route: 'DELETE /auth/mcp-grants/:id',
      cred: 'ownerB.session',
      note: 'another user’s grant',
      path: (w: MatrixWorld, t: TestApp) => `/auth/mcp-grants/${grantOf(t, w, w.users.owner.id)}`,
      expect: [404, 'not_found'],
    },
  ])
})

describe('/mcp/oauth takes OAuth access tokens only', () => {
  const refused = (cred: CredName): Expect => (cred === 'none' ? [401, 'missing_key'] : [401, 'invalid_key'])
  const discovery = (res: { headers: Headers }) => {
    expect(res.headers.get('www-authenticate')).toContain(
      'resource_metadata="http://localhost/.well-known/oauth-protected-resource/mcp/oauth"',
    )
  }
  for (const method of ['GET', 'DELETE'] as const)
    runMatrix(
      `${method} /mcp/oauth`,
      ALL_CREDS.map((cred) => ({ route: `${method} /mcp/oauth`, cred, expect: refused(cred), check: discovery })),
    )
  runMatrix(
    'POST /mcp/oauth',
    ALL_CREDS.map((cred) => ({
      route: 'POST /mcp/oauth',
      cred,
      body: INIT,
      headers: { accept: 'application/json, text/event-stream' },
      expect: refused(cred),
      check: discovery,
    })),
  )
})

/**
 * An access token acts as an MCP key of its user narrowed by the grant: rows of (user's role,
 * granted scopes, tool) → what happens. `insufficient_scope` is the grant's refusal (HTTP 403, so
 * the client may ask for more); `forbidden` is the role's (a tool error, as for an MCP key).
 */
describe('what an access token may do', () => {
  const ALL = undefined
  const READ = 'workspaces:read projects:read tasks:read'
  type Outcome = 'ok' | 'insufficient_scope' | 'forbidden' | 'scope_violation' | 'not_found'
  const rows: {
    role: 'owner' | 'member' | 'viewer'
    scope?: string
    tool: string
    args: (w: MatrixWorld) => Record<string, unknown>
    ws?: 'B'
    expect: Outcome
  }[] = [
    { role: 'owner', scope: ALL, tool: 'create_task', args: (w) => ({ projectId: w.projectA.id, title: 'Via OAuth' }), expect: 'ok' },
    { role: 'member', scope: ALL, tool: 'create_task', args: (w) => ({ projectId: w.projectA.id, title: 'Via OAuth' }), expect: 'ok' },
    { role: 'viewer', scope: ALL, tool: 'create_task', args: (w) => ({ projectId: w.projectA.id, title: 'No' }), expect: 'forbidden' },
    {
      role: 'owner',
      scope: READ,
      tool: 'create_task',
      args: (w) => ({ projectId: w.projectA.id, title: 'No' }),
      expect: 'insufficient_scope',
    },
    { role: 'member', scope: READ, tool: 'list_tasks', args: (w) => ({ projectId: w.projectA.id }), expect: 'ok' },
    { role: 'member', scope: 'tasks:read', tool: 'list_projects', args: () => ({}), expect: 'insufficient_scope' },
    { role: 'owner', scope: ALL, tool: 'list_projects', args: (w) => ({ workspace: w.wsB.id }), expect: 'not_found' },
    { role: 'member', scope: ALL, tool: 'get_project', args: (w) => ({ projectId: w.projectA2.id }), expect: 'forbidden' },
  ]
  for (const r of rows) {
    test(`${r.role} granted ${r.scope ?? 'everything'} in A: ${r.tool} → ${r.expect}`, async () => {
      const t = m.t
      const w = m.world()
      const f: FetchFn = (url, init) => t.app.handle(new Request(url, init))
      const tk = await grantTokens(f, 'http://localhost', w.creds[`${r.role}.session`]!, { workspace: w.wsA.id, scope: r.scope })
      const res = await rpc(f, 'http://localhost/mcp/oauth', tk.access_token, toolCall(1, r.tool, r.args(w)))
      const body = (await res.json()) as any
      if (r.expect === 'insufficient_scope') {
        expect(res.status).toBe(403)
        expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
        return
      }
      expect(res.status).toBe(200)
      const result = body.result
      if (r.expect === 'ok') expect(result.isError).toBeFalsy()
      else if (r.expect === 'forbidden') expect(['forbidden', 'not_found']).toContain(result.structuredContent.code)
      else expect(result.structuredContent.code).toBe(r.expect)
    })
  }
})
