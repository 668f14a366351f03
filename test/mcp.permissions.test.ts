import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { and, eq } from 'drizzle-orm'
import { workspaceMembers } from '../src/db/schema'
import type { WorkspaceRole } from '../src/db/schema/common'
import { withWorkspace } from '../src/mcp/tool'
import { TOOLS } from '../src/mcp/tools'
import { SCOPES, type Scope } from '../src/permissions/matrix'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'
import { callTool, INIT, mcpClient, ok, rawPost, serveMcp } from './helpers/mcp'

const GLOBAL = `${'g'.repeat(20)}lobal-token-for-mcp-tests-0123456789`
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL })
let url: string
let world: Awaited<ReturnType<typeof seedWorld>>
const keys: Record<string, string> = {}

beforeAll(async () => {
  url = serveMcp(t)
  world = await seedWorld(t.core)
  keys.mcp = (await createKey(t.core, world.users.member.id, { kind: 'mcp' })).key
  keys.api = (await createKey(t.core, world.users.member.id, { kind: 'api' })).key
})
afterAll(async () => {
  await t.app.stop(true)
  t.close()
})

describe('credentials on /mcp', () => {
  // credential → status and code, for a JSON-RPC initialize POST.
  const rows: [string, () => string | null, number, string | null][] = [
    ['MCP key (sallymcp_)', () => keys.mcp!, 200, null],
    ['no credential', () => null, 401, 'missing_key'],
    ['garbage bearer', () => 'not-a-token', 401, 'invalid_key'],
    ['MCP key with a broken checksum', () => keys.mcp!.slice(0, -1) + (keys.mcp!.endsWith('a') ? 'b' : 'a'), 401, 'invalid_key'],
    ['personal API key (atpm_)', () => keys.api!, 403, 'scope_violation'],
    ['session token', () => world.tokens.member, 403, 'scope_violation'],
    ['global API token', () => GLOBAL, 403, 'scope_violation'],
  ]
  for (const [name, token, status, code] of rows) {
    test(`${name} → ${status}${code ? ` ${code}` : ''}`, async () => {
      const r = await rawPost(url, token(), INIT)
      expect(r.status).toBe(status)
      const body = (await r.json()) as any
      if (code) {
        expect(body).toMatchObject({ ok: false, code })
        expect(typeof body.requestId).toBe('string')
      } else expect(body.result.serverInfo.name).toBe('sally')
      if (status === 401) expect(r.headers.get('www-authenticate')).toStartWith('Bearer')
    })
  }

  test('the SDK client sees a 401 as a transport error when connecting without a valid key', async () => {
    const err = await mcpClient(url, 'sallymcp_nope').catch((e) => e)
    expect(err).toBeInstanceOf(StreamableHTTPError)
    expect((err as StreamableHTTPError).code).toBe(401)
  })

  test('an MCP key on a REST route is 403 scope_violation', async () => {
    const r = await t.req('GET', '/auth/me', { as: keys.mcp })
    expect(r.status).toBe(403)
    expect(r.body.code).toBe('scope_violation')
  })
})

const join = (userId: string, workspaceId: string, role: WorkspaceRole) =>
  t.db.insert(workspaceMembers).values({ workspaceId, userId, role }).run()

describe('the permission engine through MCP tools', () => {
  const ctx: Record<string, any> = {}
  const clients: Client[] = []
  /** An MCP key made through the REST API by `token`'s user, and a client connected with it. */
  async function agentFor(token: string, body: Record<string, unknown> = {}) {
    const r = await t.req('POST', '/auth/mcp-keys', { as: token, body: { name: 'agent', ...body } })
    expect(r.status).toBe(201)
    const client = await mcpClient(url, r.body.data.key)
    clients.push(client)
    return { client, key: r.body.data.key as string, id: r.body.data.id as string }
  }

  beforeAll(async () => {
    const { users, wsA, wsB } = world
    ctx.projectA = createProjectRow(t.core, wsA.id, {
      key: 'ALPHA',
      name: 'Alpha site',
      members: [
        [users.member.id, 'MEMBER'],
        [users.viewer.id, 'VIEWER'],
      ],
    })
    ctx.projectA2 = createProjectRow(t.core, wsA.id, { key: 'ALPHB', name: 'Alpha app', members: [[users.member.id, 'MEMBER']] })
    ctx.projectB = createProjectRow(t.core, wsB.id, { key: 'BETA', name: 'Beta secret' })
    const task = await t.req('POST', '/tasks', {
      as: world.tokens.owner,
      workspace: wsA.id,
      body: { projectId: ctx.projectA.id, title: 'Existing' },
    })
    expect(task.status).toBe(201)
    ctx.taskA = task.body.data
    const taskB = await t.req('POST', '/tasks', { as: world.tokens.ownerB, body: { projectId: ctx.projectB.id, title: 'Beta only' } })
    expect(taskB.status).toBe(201)
    ctx.taskB = taskB.body.data
    // A user in both workspaces (OWNER of each).
    ctx.both = await createUser(t.core)
    join(ctx.both.id, world.wsA.id, 'OWNER')
    join(ctx.both.id, world.wsB.id, 'OWNER')
    ctx.bothToken = createSession(t.core, ctx.both.id)
  })
  afterAll(async () => {
    for (const c of clients) await c.close()
  })

  test('a read-only-scoped MCP key can read but not create: forbidden, same message as REST', async () => {
    const { client } = await agentFor(world.tokens.member, { scopes: ['tasks:read', 'projects:read', 'workspaces:read'] })
    expect((await ok(client, 'list_tasks', { projectId: ctx.projectA.id })).items.map((x: any) => x.id)).toEqual([ctx.taskA.id])
    const r = await callTool(client, 'create_task', { projectId: ctx.projectA.id, title: 'Nope' })
    expect(r.isError).toBe(true)
    expect(r.text).toBe('forbidden: Missing tasks:write permission.')
    expect(r.data).toMatchObject({ ok: false, code: 'forbidden', error: 'Missing tasks:write permission.' })
    // The same key on REST is refused too (MCP keys are for /mcp), and REST says the same for an atpm_ key with the same scopes.
    const apiKey = (await createKey(t.core, world.users.member.id, { scopes: ['tasks:read', 'projects:read', 'workspaces:read'] })).key
    const restr = await t.req('POST', '/tasks', { as: apiKey, body: { projectId: ctx.projectA.id, title: 'Nope' } })
    expect([restr.status, restr.body.code, restr.body.error]).toEqual([403, 'forbidden', 'Missing tasks:write permission.'])
    const listed = await t.req('GET', `/tasks?projectId=${ctx.projectA.id}`, { as: world.tokens.member })
    expect(listed.body.data).toHaveLength(1)
  })

  test("a key pinned to workspace A never sees workspace B: B's ids are not found, a B selector is refused", async () => {
    // The user in both workspaces, with a key pinned to A.
    const { client } = await agentFor(ctx.bothToken, { workspaceId: world.wsA.id })
    const projects = await ok(client, 'list_projects')
    expect(projects.items.map((p: any) => p.key).sort()).toEqual(['ALPHA', 'ALPHB'])
    expect((await ok(client, 'list_workspaces')).items.map((w: any) => w.id)).toEqual([world.wsA.id])
    expect((await ok(client, 'whoami')).memberships.map((m: any) => m.workspaceId)).toEqual([world.wsA.id])
    expect((await callTool(client, 'list_projects', { workspace: world.wsB.name })).text).toBe('not_found: Workspace not found.')
    const ws = await callTool(client, 'get_task', { task: ctx.taskB.id })
    expect(ws.text).toBe('not_found: Task not found.')
    expect((await callTool(client, 'get_project', { projectId: ctx.projectB.id })).text).toBe('not_found: Project not found.')
    const other = await callTool(client, 'list_projects', { workspace: world.wsB.id })
    expect(other.isError).toBe(true)
    expect(other.data.code).toBe('scope_violation')
    expect((await callTool(client, 'list_projects', { workspace: world.wsB.slug })).data.code).toBe('scope_violation')
    expect((await callTool(client, 'search', { q: 'Beta' })).data.items).toEqual([])
    // Naming its own workspace is fine.
    expect((await ok(client, 'list_projects', { workspace: world.wsA.slug })).items).toHaveLength(2)
  })

  test('an unpinned key of a user in several workspaces is asked for the workspace, then acts where told', async () => {
    const { client } = await agentFor(ctx.bothToken)
    const r = await callTool(client, 'list_projects')
    expect(r.isError).toBe(true)
    expect(r.data.code).toBe('workspace_required')
    expect(r.text).toContain('`workspace` argument')
    expect((await ok(client, 'list_projects', { workspace: world.wsB.id })).items.map((p: any) => p.key)).toEqual(['BETA'])
    expect((await ok(client, 'list_projects', { workspace: world.wsA.slug })).items).toHaveLength(2)
    // By name too (case-insensitive), as list_workspaces shows them.
    expect((await ok(client, 'list_workspaces')).items.map((w: any) => w.name).sort()).toEqual(['Alpha', 'Beta'])
    expect((await ok(client, 'list_projects', { workspace: 'beta' })).items.map((p: any) => p.key)).toEqual(['BETA'])
    expect((await callTool(client, 'list_projects', { workspace: 'Gamma' })).text).toBe('not_found: Workspace not found.')
    // Principal tools need no workspace.
    expect((await ok(client, 'whoami')).user.id).toBe(ctx.both.id)
  })

  test('X-Workspace-Slug / X-Workspace-Id on /mcp set the default workspace; the argument still wins', async () => {
    const r = await t.req('POST', '/auth/mcp-keys', { as: ctx.bothToken, body: { name: 'defaulted' } })
    const client = await mcpClient(url, r.body.data.key, { 'x-workspace-slug': world.wsB.slug })
    clients.push(client)
    expect((await ok(client, 'list_projects')).items.map((p: any) => p.key)).toEqual(['BETA'])
    expect((await ok(client, 'list_projects', { workspace: world.wsA.id })).items).toHaveLength(2)
    const pinned = await t.req('POST', '/auth/mcp-keys', { as: ctx.bothToken, body: { name: 'pinned', workspaceId: world.wsA.id } })
    const wrong = await mcpClient(url, pinned.body.data.key, { 'x-workspace-id': world.wsB.id })
    clients.push(wrong)
    expect((await callTool(wrong, 'list_projects')).data.code).toBe('scope_violation')
  })

  test('a workspace the caller does not belong to is not found', async () => {
    const { client } = await agentFor(world.tokens.member)
    const r = await callTool(client, 'list_projects', { workspace: world.wsB.id })
    expect(r.text).toBe('not_found: Workspace not found.')
    const lone = createWorkspace(t.core)
    expect((await callTool(client, 'list_projects', { workspace: lone.slug })).data.code).toBe('not_found')
  })

  test("a VIEWER's key reads but cannot write (workspace VIEWER, project VIEWER)", async () => {
    const { client } = await agentFor(world.tokens.viewer)
    expect((await ok(client, 'get_task', { task: ctx.taskA.humanId })).id).toBe(ctx.taskA.id)
    const writes: [string, Record<string, unknown>, string][] = [
      ['create_task', { projectId: ctx.projectA.id, title: 'x' }, 'tasks:write'],
      ['update_task', { task: ctx.taskA.id, title: 'x' }, 'tasks:write'],
      ['move_task', { task: ctx.taskA.id, status: 'Done' }, 'tasks:write'],
      ['add_todo', { task: ctx.taskA.id, text: 'x' }, 'tasks:write'],
      ['add_comment', { task: ctx.taskA.id, body: 'x' }, 'comments:write'],
      ['archive_task', { task: ctx.taskA.id }, 'tasks:write'],
      ['delete_task', { task: ctx.taskA.id }, 'tasks:write'],
      ['submit_time', { entryId: 'x' }, 'timesheets:write'],
    ]
    for (const [tool, args, scope] of writes) {
      const r = await callTool(client, tool, args)
      expect([tool, r.text]).toEqual([tool, `forbidden: Missing ${scope} permission.`])
    }
    const after = await t.req('GET', `/tasks/${ctx.taskA.id}`, { as: world.tokens.owner })
    expect(after.body.data).toMatchObject({ title: 'Existing', todoCount: 0, commentCount: 0 })
  })

  test('a non-OWNER sees only the projects they belong to', async () => {
    const { client } = await agentFor(world.tokens.viewer)
    expect((await ok(client, 'list_projects')).items.map((p: any) => p.key)).toEqual(['ALPHA'])
    expect((await callTool(client, 'list_statuses', { projectId: ctx.projectA2.id })).text).toBe('not_found: Project not found.')
  })

  test('a project-scoped key sees its project only', async () => {
    const { client } = await agentFor(world.tokens.member, { workspaceId: world.wsA.id, projectId: ctx.projectA2.id })
    expect((await ok(client, 'list_projects')).items.map((p: any) => p.key)).toEqual(['ALPHB'])
    expect((await callTool(client, 'get_task', { task: ctx.taskA.id })).data.code).toBe('not_found')
    expect((await ok(client, 'create_task', { projectId: ctx.projectA2.id, title: 'Scoped' })).humanId).toBe('ALPHB-1')
  })

  test('demoting the owner narrows the key on the next call', async () => {
    const u = await createUser(t.core)
    // A workspace of its own, so that its tasks do not show up in A's lists.
    const ws = createWorkspace(t.core, { members: [[u.id, 'OWNER']] })
    const project = createProjectRow(t.core, ws.id)
    const { client } = await agentFor(createSession(t.core, u.id))
    expect((await ok(client, 'create_task', { projectId: project.id, title: 'While owner' })).title).toBe('While owner')
    t.db
      .update(workspaceMembers)
      .set({ role: 'VIEWER' })
      .where(and(eq(workspaceMembers.userId, u.id), eq(workspaceMembers.workspaceId, ws.id)))
      .run()
    expect((await callTool(client, 'create_task', { projectId: project.id, title: 'After' })).text).toBe(
      'forbidden: Missing tasks:write permission.',
    )
  })

  test('every workspace tool needs the permission its REST route needs: same refusal on both', async () => {
    const args: Record<string, Record<string, unknown>> = {
      list_projects: {},
      get_project: { projectId: ctx.projectA.id },
      list_statuses: { projectId: ctx.projectA.id },
      list_tasks: {},
      get_task: { task: ctx.taskA.id },
      create_task: { projectId: ctx.projectA.id, title: 'x' },
      update_task: { task: ctx.taskA.id, title: 'x' },
      move_task: { task: ctx.taskA.id, status: 'Done' },
      add_comment: { task: ctx.taskA.id, body: 'x' },
      add_todo: { task: ctx.taskA.id, text: 'x' },
      set_todo_done: { task: ctx.taskA.id, todoId: 'x' },
      get_board: {},
      search: { q: 'x' },
      list_notifications: {},
      log_time: { task: ctx.taskA.id, minutes: 30, date: '2026-01-05' },
      timesheet_report: { scope: 'workspace', from: '2026-01-01', to: '2026-01-31' },
      list_members: {},
      list_labels: {},
      list_comments: { task: ctx.taskA.id },
      archive_task: { task: ctx.taskA.id },
      delete_task: { task: ctx.taskA.id },
      list_time_entries: {},
      submit_time: { entryId: 'x' },
    }
    // One pair of keys per permission (key hashing is the slow part), each lacking just that permission.
    const keysLacking = new Map<string, Promise<{ client: Client; apiKey: string }>>()
    const lacking = (permission: Scope) => {
      let k = keysLacking.get(permission)
      if (!k) {
        const scopes = SCOPES.filter((x) => x !== permission && x !== 'keys:write')
        k = (async () => ({
          client: (await agentFor(world.tokens.owner, { scopes })).client,
          apiKey: (await createKey(t.core, world.users.owner.id, { scopes })).key,
        }))()
        keysLacking.set(permission, k)
      }
      return k
    }
    for (const tool of TOOLS) {
      if (tool.scope !== 'workspace') continue
      expect([tool.name, tool.name in args]).toEqual([tool.name, true])
      const { client, apiKey } = await lacking(tool.permission)
      const viaMcp = await callTool(client, tool.name, args[tool.name]!)
      expect([tool.name, viaMcp.text]).toEqual([tool.name, `forbidden: Missing ${tool.permission} permission.`])
      const call = withWorkspace(tool.rest(args[tool.name]!), world.wsA.id)
      const q = new URLSearchParams()
      for (const [k, v] of Object.entries(call.query ?? {})) if (v != null) q.set(k, String(v))
      const viaRest = await t.req(call.method, `${call.path}${q.size ? `?${q}` : ''}`, { as: apiKey, body: call.body })
      expect([tool.name, viaRest.status, `${viaRest.body.code}: ${viaRest.body.error}`]).toEqual([tool.name, 403, viaMcp.text])
    }
  }, 30_000)

  test('a revoked key fails on the very next call with 401', async () => {
    const { client, id } = await agentFor(world.tokens.member)
    expect((await ok(client, 'whoami')).credential.keyId).toBe(id)
    const del = await t.req('DELETE', `/auth/mcp-keys/${id}`, { as: world.tokens.member })
    expect(del.status).toBe(200)
    const err = await callTool(client, 'whoami').catch((e) => e)
    expect(err).toBeInstanceOf(StreamableHTTPError)
    expect((err as StreamableHTTPError).code).toBe(401)
    expect(String(err.message)).toContain('key_revoked')
  })
})
