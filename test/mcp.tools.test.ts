import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { eq } from 'drizzle-orm'
import { tasks, workspaceMembers } from '../src/db/schema'
import { initialRanks } from '../src/lib/rank'
import { makeTestApp } from './helpers/app'
import { createProjectRow, createSession, createUser, seedWorld } from './helpers/fixtures'
import { callTool, mcpClient, ok, rawPost, serveMcp } from './helpers/mcp'
import { story } from './helpers/story'
import { insertTasks } from './helpers/task-rows'

/** The limits the MCP endpoint keeps (src/mcp/bound.ts): a test above them fails. */
const TOOLS_LIST_MAX_BYTES = 16_384
const ANSWER_MAX_BYTES = 80_000
const TEXT_MAX_CHARS = 40_000

const t = makeTestApp()
let url: string
let world: Awaited<ReturnType<typeof seedWorld>>
const clients: Client[] = []
const ctx: Record<string, any> = {}

/** An MCP key made through the REST API by `token`'s user, and a client connected with it. */
async function agentFor(token: string, body: Record<string, unknown> = {}) {
  const r = await t.req('POST', '/auth/mcp-keys', { as: token, body: { name: 'agent', ...body } })
  expect(r.status).toBe(201)
  const client = await mcpClient(url, r.body.data.key)
  clients.push(client)
  return { client, key: r.body.data.key as string }
}
const rest = (method: string, path: string, body?: unknown, as = world.tokens.owner) => t.req(method, path, { as, body })
/** A raw tools/call over HTTP: the JSON-RPC body's size in bytes and its parsed result. */
async function rawCall(key: string, name: string, args: Record<string, unknown>) {
  const r = await rawPost(url, key, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } })
  const text = await r.text()
  return { bytes: Buffer.byteLength(text), body: JSON.parse(text) as any }
}

beforeAll(async () => {
  url = serveMcp(t)
  world = await seedWorld(t.core)
  ctx.project = createProjectRow(t.core, world.wsA.id, { key: 'TOOL', name: 'Tools', members: [[world.users.member.id, 'MEMBER']] })
  ctx.owner = await agentFor(world.tokens.owner)
})
afterAll(async () => {
  for (const c of clients) await c.close()
  await t.app.stop(true)
  t.close()
})

describe('the tools an agent finishes its day with, each as REST answers', () => {
  // Each step works on the task the first one creates: one story, in order.
  const { step, run } = story()
  step('list_members: workspace members with their user ids (to assign), as GET /workspaces/:id/members', async () => {
    const r = await ok(ctx.owner.client, 'list_members', { limit: 2 })
    const page = await rest('GET', `/workspaces/${world.wsA.id}/members?limit=2`)
    expect(r).toEqual({ items: page.body.data, nextCursor: page.body.nextCursor })
    expect(r.nextCursor).not.toBeNull()
    const all = [...r.items, ...(await ok(ctx.owner.client, 'list_members', { cursor: r.nextCursor })).items]
    expect(all.map((m: any) => m.userId).sort()).toEqual([world.users.owner.id, world.users.member.id, world.users.viewer.id].sort())
    // Assign the member through create_task with the id list_members gave.
    const task = await ok(ctx.owner.client, 'create_task', {
      projectId: ctx.project.id,
      title: 'Assigned',
      labels: ['ops'],
      assigneeIds: [world.users.member.id],
    })
    expect(task.assignees.map((a: any) => a.id)).toEqual([world.users.member.id])
    ctx.task = task
  })

  step('list_labels and list_comments (paged) agree with REST', async () => {
    const labels = await ok(ctx.owner.client, 'list_labels', { q: 'op' })
    expect(labels.items.map((l: any) => l.name)).toEqual(['ops'])
    expect(labels).toEqual({ items: (await rest('GET', '/labels?q=op')).body.data, nextCursor: null })
    for (const body of ['one', 'two', 'three']) await ok(ctx.owner.client, 'add_comment', { task: ctx.task.humanId, body })
    const first = await ok(ctx.owner.client, 'list_comments', { task: ctx.task.humanId, limit: 2 })
    const restFirst = await rest('GET', `/tasks/${ctx.task.id}/comments?limit=2`)
    expect(first).toEqual({ items: restFirst.body.data, nextCursor: restFirst.body.nextCursor })
    const second = await ok(ctx.owner.client, 'list_comments', { task: ctx.task.id, cursor: first.nextCursor })
    expect([...first.items, ...second.items].map((c: any) => c.body)).toEqual(['one', 'two', 'three'])
    expect((await ok(ctx.owner.client, 'list_comments', { task: ctx.task.id, order: 'desc', limit: 1 })).items[0].body).toBe('three')
  })

  step('log_time without a date logs today (UTC); list_time_entries and submit_time as REST', async () => {
    const today = new Date(t.clock.now()).toISOString().slice(0, 10)
    const entry = await ok(ctx.owner.client, 'log_time', { task: ctx.task.humanId, minutes: 30 })
    expect(entry).toMatchObject({ date: today, minutes: 30, state: 'draft' })
    const listed = await ok(ctx.owner.client, 'list_time_entries', { taskId: ctx.task.humanId })
    const restList = await rest('GET', `/time-entries?taskId=${ctx.task.id}`)
    expect(listed).toEqual({ items: restList.body.data, nextCursor: restList.body.nextCursor })
    const submitted = await ok(ctx.owner.client, 'submit_time', { entryId: entry.id })
    expect(submitted.state).toBe('submitted')
    expect((await rest('GET', `/time-entries/${entry.id}`)).body.data).toEqual(submitted)
    const again = await callTool(ctx.owner.client, 'submit_time', { entryId: entry.id })
    expect(again.data.code).toBe('conflict')
  })

  step('archive_task (and back), then delete_task, marked destructive', async () => {
    const archived = await ok(ctx.owner.client, 'archive_task', { task: ctx.task.id })
    expect(archived.archived).toBe(true)
    expect((await rest('GET', `/tasks/${ctx.task.id}`)).body.data).toEqual(archived)
    expect((await ok(ctx.owner.client, 'archive_task', { task: ctx.task.id, archived: false })).archived).toBe(false)
    const { tools } = await ctx.owner.client.listTools()
    expect(tools.find((x: any) => x.name === 'delete_task')!.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false })
    expect(await ok(ctx.owner.client, 'delete_task', { task: ctx.task.humanId })).toEqual({ id: ctx.task.id, deleted: true })
    expect((await rest('GET', `/tasks/${ctx.task.id}`)).status).toBe(404)
  })
  test('list_members, labels and comments, time, then archive and delete: each step as REST answers', run, 30_000)
})

describe('whoami: effective permissions in the selected workspace', () => {
  test('a MEMBER is not told webhooks:write, which the API refuses; an OWNER is', async () => {
    const { client } = await agentFor(world.tokens.member)
    const me = await ok(client, 'whoami')
    expect(me.workspace).toMatchObject({ id: world.wsA.id, role: 'MEMBER' })
    expect(me.permissions).toContain('tasks:write')
    expect(me.permissions).not.toContain('webhooks:write')
    expect(me.credential.effectiveScopes).toContain('webhooks:write') // the key's own scopes, before the role
    const hook = await rest('POST', '/webhooks', { url: 'https://example.com/h', events: ['task.created'] }, world.tokens.member)
    expect([hook.status, hook.body.error]).toEqual([403, 'Missing webhooks:write permission.'])
    expect((await ok(ctx.owner.client, 'whoami')).permissions).toContain('webhooks:write')
  })

  test('key scopes and a project restriction narrow it', async () => {
    const readOnly = await agentFor(world.tokens.member, { scopes: ['tasks:read', 'webhooks:read', 'workspaces:read'] })
    expect((await ok(readOnly.client, 'whoami')).permissions.sort()).toEqual(['tasks:read', 'workspaces:read'])
    const p = createProjectRow(t.core, world.wsA.id, { key: 'VIEW', members: [[world.users.member.id, 'VIEWER']] })
    const scoped = await agentFor(world.tokens.member, { workspaceId: world.wsA.id, projectId: p.id })
    const perms: string[] = (await ok(scoped.client, 'whoami')).permissions
    expect(perms).toContain('tasks:read')
    expect(perms).not.toContain('tasks:write') // VIEWER in that project
    expect(perms).not.toContain('clients:read') // workspace-wide routes refuse project-scoped keys
  })

  test('with several workspaces: no permissions until one is named', async () => {
    const u = await createUser(t.core)
    for (const [ws, role] of [
      [world.wsA.id, 'VIEWER'],
      [world.wsB.id, 'OWNER'],
    ] as const)
      t.db.insert(workspaceMembers).values({ workspaceId: ws, userId: u.id, role }).run()
    const { client } = await agentFor(createSession(t.core, u.id))
    const none = await ok(client, 'whoami')
    expect([none.workspace, none.permissions]).toEqual([null, null])
    expect(none.note).toContain('workspace_required')
    const inA = await ok(client, 'whoami', { workspace: world.wsA.slug })
    expect(inA.workspace.role).toBe('VIEWER')
    expect(inA.permissions).not.toContain('tasks:write')
    expect((await ok(client, 'whoami', { workspace: 'Beta' })).permissions).toContain('webhooks:write')
    // Out of both again: other stories list A's members.
    t.db.delete(workspaceMembers).where(eq(workspaceMembers.userId, u.id)).run()
  })
})

describe('bad arguments are tool errors naming the field', () => {
  test('a wrong type, a missing field: isError with validation_error and the path, not a JSON-RPC -32602', async () => {
    const r = await callTool(ctx.owner.client, 'create_task', { projectId: ctx.project.id, title: 42 })
    expect(r.isError).toBe(true)
    expect(r.data).toMatchObject({ ok: false, code: 'validation_error' })
    expect(r.data.issues[0].path).toBe('title')
    expect(r.text).toStartWith('validation_error: Invalid arguments: title:')
    const raw = await rawCall(ctx.owner.key, 'get_task', {})
    expect(raw.body.error).toBeUndefined()
    expect(raw.body.result.isError).toBe(true)
    expect(raw.body.result.structuredContent).toMatchObject({ code: 'validation_error', issues: [{ path: 'task' }] })
    const date = await callTool(ctx.owner.client, 'log_time', { task: 'TOOL-1', minutes: 5, date: 'yesterday' })
    expect(new Set(date.data.issues.map((i: any) => i.path))).toEqual(new Set(['date']))
  })
})

describe('answers stay small', () => {
  test(`tools/list is at most ${TOOLS_LIST_MAX_BYTES} bytes`, async () => {
    const r = await rawPost(url, ctx.owner.key, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} })
    const bytes = Buffer.byteLength(await r.text())
    console.log(`tools/list: ${bytes} bytes`)
    expect(bytes).toBeLessThanOrEqual(TOOLS_LIST_MAX_BYTES)
  })

  test('list_tasks over 200 long tasks: a smaller page that fits, and nextCursor reads every task once', async () => {
    const p = createProjectRow(t.core, world.wsA.id, { key: 'LONG' })
    const statusId = (await rest('GET', `/projects/${p.id}/statuses`)).body.data[1].id
    const ids = insertTasks(t.core, { workspaceId: world.wsA.id, projectId: p.id, statusId, ranks: initialRanks(200) })
    t.db
      .update(tasks)
      .set({ title: 'T'.repeat(500), description: 'long words '.repeat(2_000) })
      .where(eq(tasks.projectId, p.id))
      .run()
    const seen: string[] = []
    let cursor: string | undefined
    let largest = 0
    for (let pages = 0; pages < 50; pages++) {
      const r = await rawCall(ctx.owner.key, 'list_tasks', { projectId: p.id, limit: 200, ...(cursor ? { cursor } : {}) })
      largest = Math.max(largest, r.bytes)
      expect(r.bytes).toBeLessThanOrEqual(ANSWER_MAX_BYTES)
      const text = r.body.result.content.map((c: any) => c.text).join('')
      expect(text.length).toBeLessThanOrEqual(TEXT_MAX_CHARS)
      const page = r.body.result.structuredContent
      expect(page.items[0].description).toContain('[cut: ')
      seen.push(...page.items.map((x: any) => x.id))
      cursor = page.nextCursor ?? undefined
      if (!cursor) break
    }
    console.log(`list_tasks, 200 long tasks: largest answer ${largest} bytes, ${seen.length} tasks read`)
    expect(seen.sort()).toEqual([...ids].sort())
  })

  test('get_task with a 100 KB description and 200 long todos: cut, with notes', async () => {
    const task = await ok(ctx.owner.client, 'create_task', {
      projectId: ctx.project.id,
      title: 'Huge',
      description: 'x'.repeat(100_000),
      todos: Array.from({ length: 200 }, (_, i) => ({ text: `${i} ${'todo '.repeat(100)}` })),
    })
    const r = await rawCall(ctx.owner.key, 'get_task', { task: task.id })
    console.log(`get_task, 100 KB description and 200 todos: ${r.bytes} bytes`)
    expect(r.bytes).toBeLessThanOrEqual(ANSWER_MAX_BYTES)
    const data = r.body.result.structuredContent
    expect(data.description).toContain('[cut: 92000 more characters]')
    expect(data._truncated).toMatch(/todos: \d+ of 200 shown/)
    expect(data.id).toBe(task.id)
  })
})
