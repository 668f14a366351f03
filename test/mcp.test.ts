import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { TOOLS } from '../src/mcp/tools'
import { makeTestApp } from './helpers/app'
import { createKey, seedWorld } from './helpers/fixtures'
import { callTool, INIT, mcpClient, ok, rawPost, serveMcp } from './helpers/mcp'
import { story } from './helpers/story'

const t = makeTestApp()
let url: string
let world: Awaited<ReturnType<typeof seedWorld>>
let ownerKey: string
let agent: Client

beforeAll(async () => {
  url = serveMcp(t)
  world = await seedWorld(t.core)
  ownerKey = (await createKey(t.core, world.users.owner.id, { kind: 'mcp' })).key
  agent = await mcpClient(url, ownerKey)
})
afterAll(async () => {
  await agent?.close()
  await t.app.stop(true)
  t.close()
})

describe('protocol', () => {
  test('initialize: server info, tools capability and instructions', () => {
    expect(agent.getServerVersion()).toMatchObject({ name: 'sally' })
    expect(agent.getServerCapabilities()?.tools).toBeDefined()
    expect(agent.getInstructions()).toContain('whoami')
  })

  test('tools/list: every tool has a description, an object input schema and all three annotations', async () => {
    const { tools } = await agent.listTools()
    expect(tools.map((x) => x.name).sort()).toEqual(TOOLS.map((x) => x.name).sort())
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(30)
      expect(tool.inputSchema.type).toBe('object')
      expect(typeof tool.annotations?.readOnlyHint).toBe('boolean')
      expect(typeof tool.annotations?.destructiveHint).toBe('boolean')
      expect(typeof tool.annotations?.idempotentHint).toBe('boolean')
      // A read-only tool is never destructive.
      if (tool.annotations!.readOnlyHint) expect(tool.annotations!.destructiveHint).toBe(false)
    }
  })

  test('workspace tools take an optional `workspace` argument; principal tools do not', async () => {
    const { tools } = await agent.listTools()
    for (const def of TOOLS) {
      const listed = tools.find((x) => x.name === def.name)!
      const props = (listed.inputSchema.properties ?? {}) as Record<string, unknown>
      // whoami takes it too: it reports your permissions in that workspace.
      expect([def.name, 'workspace' in props]).toEqual([def.name, def.scope === 'workspace' || def.name === 'whoami'])
      expect(listed.inputSchema.required ?? []).not.toContain('workspace')
    }
  })

  test('GET and DELETE /mcp answer 405 (stateless server: no stream, no session)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const r = await fetch(url, { method, headers: { authorization: `Bearer ${ownerKey}`, accept: 'text/event-stream' } })
      expect(r.status).toBe(405)
      expect(r.headers.get('allow')).toBe('POST')
    }
  })

  test('no session id is issued (stateless) and responses are JSON', async () => {
    const r = await rawPost(url, ownerKey, INIT)
    expect(r.status).toBe(200)
    expect(r.headers.get('mcp-session-id')).toBeNull()
    expect(r.headers.get('content-type')).toContain('application/json')
    const body = (await r.json()) as any
    expect(body.result.serverInfo.name).toBe('sally')
  })

  test('an unknown tool is an MCP tool error, not a transport failure', async () => {
    const r = await callTool(agent, 'drop_database')
    expect(r.isError).toBe(true)
  })
})

describe('whoami', () => {
  test('returns the key owner and the credential, as GET /auth/me shows them', async () => {
    const r = await callTool(agent, 'whoami')
    expect(r.isError).toBe(false)
    expect(r.data.user.id).toBe(world.users.owner.id)
    expect(r.data.credential.kind).toBe('mcp_key')
    expect(r.summary).toContain(world.users.owner.handle)
    const me = await t.req('GET', '/auth/me', { as: world.tokens.owner })
    expect(r.data.user).toEqual(me.body.data.user)
    expect(r.data.memberships).toEqual(me.body.data.memberships)
  })
})

describe('a scripted agent session, each step checked against the REST API', () => {
  const ctx: Record<string, any> = {}
  const rest = (method: string, path: string, body?: unknown) => t.req(method, path, { as: world.tokens.owner, body })
  // Each step builds on the one before: one test, run in order.
  const { step, run } = story()

  beforeAll(async () => {
    // The user sets things up in the web app: a project, and an MCP key for the agent.
    const p = await rest('POST', '/projects', { name: 'Website Relaunch', key: 'WEB' })
    expect(p.status).toBe(201)
    ctx.project = p.body.data
    const k = await rest('POST', '/auth/mcp-keys', { name: 'agent', workspaceId: world.wsA.id })
    expect(k.status).toBe(201)
    ctx.agent = await mcpClient(url, k.body.data.key)
  })
  afterAll(() => ctx.agent?.close())

  step('find the workspace, then the project by name', async () => {
    const ws = await callTool(ctx.agent, 'list_workspaces')
    expect(ws.isError).toBe(false)
    expect(ws.data.items.map((w: any) => w.id)).toEqual([world.wsA.id])
    const restWs = await rest('GET', '/workspaces')
    expect(ws.data).toEqual({ items: restWs.body.data, nextCursor: restWs.body.nextCursor })
    expect(ws.summary).toContain(`slug ${world.wsA.slug}`)
    const r = await callTool(ctx.agent, 'list_projects', { workspace: world.wsA.name })
    expect(r.isError).toBe(false)
    const found = r.data.items.find((p: any) => p.name === 'Website Relaunch')
    expect(found?.id).toBe(ctx.project.id)
    expect(r.summary).toContain('WEB "Website Relaunch"')
    const restView = await rest('GET', '/projects')
    expect(r.data).toEqual({ items: restView.body.data, nextCursor: restView.body.nextCursor })
  })

  step('read its statuses', async () => {
    const r = await ok(ctx.agent, 'list_statuses', { projectId: ctx.project.id })
    expect(r.items.map((s: any) => s.name)).toEqual(['Backlog', 'To Do', 'In Progress', 'In Review', 'Done'])
    ctx.done = r.items.find((s: any) => s.name === 'Done')
    const restView = await rest('GET', `/projects/${ctx.project.id}/statuses`)
    expect(r.items).toEqual(restView.body.data)
  })

  step('create a task with labels and todos (status by name)', async () => {
    const r = await callTool(ctx.agent, 'create_task', {
      projectId: ctx.project.id,
      title: 'Ship onboarding flow',
      status: 'In Progress',
      labels: ['frontend', 'agent'],
      todos: [{ text: 'QA pass' }, { text: 'Deploy' }],
    })
    expect(r.isError).toBe(false)
    ctx.task = r.data
    expect(r.data).toMatchObject({ title: 'Ship onboarding flow', priority: 'P2', humanId: 'WEB-1', status: { name: 'In Progress' } })
    expect(r.data.labels.map((l: any) => l.name).sort()).toEqual(['agent', 'frontend'])
    expect(r.data.todos.map((x: any) => x.text)).toEqual(['QA pass', 'Deploy'])
    expect(r.summary).toContain('WEB-1')
    const restView = await rest('GET', `/tasks/${r.data.id}`)
    expect(restView.status).toBe(200)
    expect(r.data).toEqual(restView.body.data)
  })

  step('check a todo, comment, and find the task by its human id', async () => {
    const todo = await ok(ctx.agent, 'set_todo_done', { task: 'WEB-1', todoId: ctx.task.todos[0].id })
    expect(todo.done).toBe(true)
    const extra = await ok(ctx.agent, 'add_todo', { task: ctx.task.id, text: 'Write release notes' })
    const c = await ok(ctx.agent, 'add_comment', { task: 'WEB-1', body: 'Started; QA done.' })
    const restTask = await rest('GET', `/tasks/${ctx.task.id}`)
    expect(restTask.body.data.todos.map((x: any) => [x.text, x.done])).toEqual([
      ['QA pass', true],
      ['Deploy', false],
      ['Write release notes', false],
    ])
    expect(restTask.body.data.todos[2].id).toBe(extra.id)
    const restComments = await rest('GET', `/tasks/${ctx.task.id}/comments`)
    expect(restComments.body.data).toEqual([c])
    expect(await ok(ctx.agent, 'get_task', { task: 'WEB-1' })).toEqual(restTask.body.data)
  })

  step('move it to Done', async () => {
    const r = await ok(ctx.agent, 'move_task', { task: ctx.task.id, status: 'Done' })
    expect(r.status).toMatchObject({ id: ctx.done.id, name: 'Done', category: 'completed' })
    const restView = await rest('GET', `/tasks/${ctx.task.id}`)
    expect(restView.body.data.statusId).toBe(ctx.done.id)
    expect(r).toEqual(restView.body.data)
  })

  step('log 30 minutes on it', async () => {
    ctx.today = new Date(t.clock.now()).toISOString().slice(0, 10)
    const r = await callTool(ctx.agent, 'log_time', { task: 'WEB-1', minutes: 30, date: ctx.today, note: 'Onboarding QA' })
    expect(r.isError).toBe(false)
    expect(r.data).toMatchObject({ minutes: 30, date: ctx.today, state: 'draft', userId: world.users.owner.id, task: { id: ctx.task.id } })
    expect(r.summary).toContain('Logged 30 min on WEB-1')
    const restView = await rest('GET', `/time-entries?taskId=${ctx.task.id}`)
    expect(restView.body.data).toEqual([r.data])
    expect((await rest('GET', `/tasks/${ctx.task.id}`)).body.data.timeLoggedMinutes).toBe(30)
    // The REST validation rules hold, with the same message.
    const bad = await callTool(ctx.agent, 'log_time', { task: 'WEB-1', minutes: 1430, date: ctx.today })
    expect(bad.isError).toBe(true)
    expect(bad.data.code).toBe('validation_error')
    const restBad = await rest('POST', `/tasks/${ctx.task.id}/time-entries`, { minutes: 1430, date: ctx.today })
    expect(bad.text).toStartWith(`validation_error: ${restBad.body.error}`)
  })

  step('read the report', async () => {
    const args = { scope: 'project', id: ctx.project.id, from: ctx.today, to: ctx.today, groupBy: 'task' }
    const r = await callTool(ctx.agent, 'timesheet_report', args)
    expect(r.isError).toBe(false)
    expect(r.data.totals).toMatchObject({ minutes: 30, byState: { draft: 30, submitted: 0, approved: 0, rejected: 0 } })
    expect(r.data.groups).toHaveLength(1)
    expect(r.data.groups[0]).toMatchObject({ key: ctx.task.id, minutes: 30 })
    expect(r.summary).toContain('30 min total')
    const restView = await rest(
      'GET',
      `/timesheets/report?scope=project&id=${ctx.project.id}&from=${ctx.today}&to=${ctx.today}&groupBy=task`,
    )
    expect(r.data).toEqual(restView.body.data)
  })

  step('update it (priority, labels replaced)', async () => {
    const r = await ok(ctx.agent, 'update_task', { task: 'WEB-1', priority: 'P1', labels: ['frontend'] })
    expect(r.priority).toBe('P1')
    const restView = await rest('GET', `/tasks/${ctx.task.id}`)
    expect(restView.body.data.labels.map((l: any) => l.name)).toEqual(['frontend'])
    expect(r).toEqual(restView.body.data)
  })

  step("assigning and mentioning a teammate reaches their agent's list_notifications", async () => {
    const { member } = world.users
    expect((await rest('POST', `/projects/${ctx.project.id}/members`, { userId: member.id, role: 'MEMBER' })).status).toBe(201)
    const task = await ok(ctx.agent, 'create_task', { projectId: ctx.project.id, title: 'Review copy', assigneeIds: [member.id] })
    expect(task.assignees.map((a: any) => a.id)).toEqual([member.id])
    await ok(ctx.agent, 'add_comment', { task: task.id, body: `@${member.handle} can you take a look?` })
    const k = await t.req('POST', '/auth/mcp-keys', {
      as: world.tokens.member,
      body: { name: 'member agent', scopes: ['notifications:read'] },
    })
    const teammate = await mcpClient(url, k.body.data.key)
    try {
      const r = await callTool(teammate, 'list_notifications', { unread: true })
      expect(r.isError).toBe(false)
      expect(r.data.items.map((n: any) => n.kind).sort()).toEqual(['assignment', 'mention'])
      expect(r.data.items.every((n: any) => n.task.id === task.id)).toBe(true)
      expect(r.summary).toContain('[unread]')
      const restView = await t.req('GET', '/notifications?unread=true', { as: world.tokens.member })
      expect(r.data).toEqual({ items: restView.body.data, nextCursor: restView.body.nextCursor })
      // That key may read notifications and nothing else.
      expect((await callTool(teammate, 'list_tasks')).text).toBe('forbidden: Missing tasks:read permission.')
    } finally {
      await teammate.close()
    }
  })

  step('list tasks with filters, the board, and search agree with REST', async () => {
    const listed = await ok(ctx.agent, 'list_tasks', { projectId: ctx.project.id, statusId: ctx.done.id })
    const restList = await rest('GET', `/tasks?projectId=${ctx.project.id}&statusId=${ctx.done.id}`)
    expect(listed).toEqual({ items: restList.body.data, nextCursor: restList.body.nextCursor })
    expect(listed.items.map((x: any) => x.id)).toEqual([ctx.task.id])
    expect((await ok(ctx.agent, 'list_tasks', { projectId: ctx.project.id, priority: 'P3' })).items).toEqual([])

    const board = await ok(ctx.agent, 'get_board', { projectId: ctx.project.id })
    expect(board).toEqual((await rest('GET', `/board?projectId=${ctx.project.id}`)).body.data)
    expect(board.columns.find((c: any) => c.status.name === 'Done').count).toBe(1)

    const hits = await ok(ctx.agent, 'search', { q: 'onboarding' })
    expect(hits.items.some((h: any) => h.type === 'task' && h.id === ctx.task.id)).toBe(true)
    expect(hits).toEqual({ items: (await rest('GET', '/search?q=onboarding')).body.data })
  })

  test('the whole session, step by step', run, 30_000)
})
