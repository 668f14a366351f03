// `sally mcp` as a real process (bun src/index.ts mcp), driven by the SDK's StdioClientTransport,
// calling the in-process app served on a loopback port with a personal atpm_ key.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { makeTestApp } from '../helpers/app'
import { createKey, seedWorld } from '../helpers/fixtures'
import { callTool, mcpClient, ok, serveMcp } from '../helpers/mcp'
import { story } from '../helpers/story'

const ROOT = resolve(import.meta.dir, '../..')
const t = makeTestApp()
let base: string
let mcpUrl: string
let world: Awaited<ReturnType<typeof seedWorld>>
let apiKey: string
let hosted: Client
let stdio: Client

/** The child's environment: PATH and HOME only, plus what the test sets (never the host's SALLY_* settings). */
function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra }
}

async function stdioClient(env: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'sally-stdio-test', version: '1.0.0' })
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: ['src/index.ts', 'mcp'], cwd: ROOT, env: childEnv(env), stderr: 'pipe' }),
  )
  return client
}

/** Runs `sally mcp` to completion (for env validation failures). */
async function runMcp(env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, 'src/index.ts', 'mcp'], {
    cwd: ROOT,
    env: childEnv(env),
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  proc.stdin.end()
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { stdout, stderr, code }
}

beforeAll(async () => {
  mcpUrl = serveMcp(t)
  base = mcpUrl.replace(/\/mcp$/, '')
  world = await seedWorld(t.core)
  apiKey = (await createKey(t.core, world.users.owner.id, { kind: 'api' })).key
  hosted = await mcpClient(mcpUrl, (await createKey(t.core, world.users.owner.id, { kind: 'mcp' })).key)
  stdio = await stdioClient({ SALLY_URL: base, SALLY_API_KEY: apiKey })
})
afterAll(async () => {
  await stdio?.close()
  await hosted?.close()
  await t.app.stop(true)
  t.close()
})

describe('sally mcp (stdio)', () => {
  test('initialize: same server name and instructions as the hosted endpoint', () => {
    expect(stdio.getServerVersion()?.name).toBe('sally')
    expect(stdio.getInstructions()).toBe(hosted.getInstructions())
  })

  test('tools/list is identical to the hosted endpoint (names, descriptions, schemas, annotations)', async () => {
    const [a, b] = await Promise.all([stdio.listTools(), hosted.listTools()])
    expect(a.tools.length).toBeGreaterThan(0)
    expect(a.tools).toEqual(b.tools)
  })

  test('whoami answers as the key owner, through the REST API', async () => {
    const me = await ok(stdio, 'whoami')
    expect(me.user.id).toBe(world.users.owner.id)
    expect(me.credential.kind).toBe('api_key')
  })

  test('the same tool gives the same structured result on both transports (apart from the credential)', async () => {
    const [a, b] = await Promise.all([ok(stdio, 'whoami'), ok(hosted, 'whoami')])
    expect(a.user).toEqual(b.user)
    expect(a.memberships).toEqual(b.memberships)
    expect([a.credential.kind, b.credential.kind]).toEqual(['api_key', 'mcp_key'])
  })
})

describe('every tool through the REST mapping gives what the hosted endpoint gives', () => {
  const ctx: Record<string, any> = {}
  const rest = (method: string, path: string, body?: unknown) => t.req(method, path, { as: world.tokens.owner, body })
  /** Calls a tool on both transports; expects the same structured result. */
  async function same(name: string, args: Record<string, unknown> = {}) {
    const [a, b] = await Promise.all([ok(stdio, name, args), ok(hosted, name, args)])
    expect([name, a]).toEqual([name, b])
    return a
  }

  beforeAll(async () => {
    const p = await rest('POST', '/projects', { name: 'Docs site', key: 'DOCS' })
    expect(p.status).toBe(201)
    ctx.project = p.body.data
  })

  // The reads and the errors look at what the writes made (DOCS-1): one story, in order.
  const { step, run } = story()
  step('writes: create, todo, comment, move, update, each as REST then shows it', async () => {
    const created = await ok(stdio, 'create_task', {
      projectId: ctx.project.id,
      title: 'Write the stdio guide',
      status: 'To Do',
      priority: 'P1',
      labels: ['docs'],
      todos: [{ text: 'Draft' }, { text: 'Review' }],
      dueDate: '2030-01-31',
    })
    expect(created).toMatchObject({ humanId: 'DOCS-1', priority: 'P1', dueDate: '2030-01-31', status: { name: 'To Do' } })
    expect(created).toEqual((await rest('GET', `/tasks/${created.id}`)).body.data)
    ctx.task = created

    const todo = await ok(stdio, 'add_todo', { task: 'DOCS-1', text: 'Publish', position: 0 })
    expect(todo).toMatchObject({ text: 'Publish', done: false, position: 0 })
    expect((await ok(stdio, 'set_todo_done', { task: 'DOCS-1', todoId: todo.id })).done).toBe(true)
    expect((await ok(stdio, 'set_todo_done', { task: 'DOCS-1', todoId: todo.id, done: false })).done).toBe(false)
    const comment = await ok(stdio, 'add_comment', { task: created.id, body: 'Draft is up.' })
    expect((await rest('GET', `/tasks/${created.id}/comments`)).body.data).toEqual([comment])

    const today = new Date(t.clock.now()).toISOString().slice(0, 10)
    const entry = await ok(stdio, 'log_time', { task: 'DOCS-1', start: '09:00', end: '10:15', date: today, billable: true })
    expect(entry).toMatchObject({ minutes: 75, billable: true, date: today })
    expect((await rest('GET', `/time-entries?taskId=${created.id}`)).body.data).toEqual([entry])
    ctx.today = today

    const moved = await ok(stdio, 'move_task', { task: created.id, status: 'Done' })
    expect(moved.status.name).toBe('Done')
    const updated = await ok(stdio, 'update_task', { task: created.id, title: 'Write the stdio guide (v2)', labels: [], dueDate: null })
    expect(updated).toMatchObject({ title: 'Write the stdio guide (v2)', labels: [], dueDate: null })
    const now = (await rest('GET', `/tasks/${created.id}`)).body.data
    expect(updated).toEqual(now)
    expect(now.todos.map((x: any) => x.text)).toEqual(['Publish', 'Draft', 'Review'])
  })

  step('reads: identical on both transports', async () => {
    await same('list_workspaces')
    await same('list_projects')
    expect((await same('list_projects', { workspace: world.wsA.name.toUpperCase() })).items.length).toBeGreaterThan(0)
    await same('list_projects', { workspace: world.wsA.slug })
    await same('list_projects', { workspace: world.wsA.id })
    await same('list_projects', { archived: true })
    await same('get_project', { projectId: ctx.project.id })
    const statuses = await same('list_statuses', { projectId: ctx.project.id })
    const done = statuses.items.find((x: any) => x.name === 'Done')
    expect((await same('list_tasks', { projectId: ctx.project.id, statusId: done.id, sort: 'created', order: 'desc' })).items).toHaveLength(
      1,
    )
    expect((await same('list_tasks', { archived: false, limit: 1 })).items).toHaveLength(1)
    await same('get_task', { task: 'DOCS-1' })
    await same('get_board', { projectId: ctx.project.id, limit: 5 })
    await same('get_board', {})
    await same('list_notifications', { unread: true, limit: 10 })
    const report = await same('timesheet_report', {
      scope: 'task',
      id: 'DOCS-1',
      from: ctx.today,
      to: ctx.today,
      groupBy: 'day',
      billable: true,
    })
    expect(report.totals.billableMinutes).toBe(75)
    await same('timesheet_report', { scope: 'workspace', from: ctx.today, to: ctx.today })
    expect((await same('search', { q: 'stdio guide', types: ['task'], limit: 5 })).items.length).toBeGreaterThan(0)
    expect((await same('list_members', { limit: 2 })).nextCursor).not.toBeNull()
    await same('list_members', { workspace: world.wsA.slug })
    await same('list_members', { workspace: world.wsA.name })
    await same('list_labels', {})
    expect((await same('list_comments', { task: 'DOCS-1', order: 'desc' })).items).toHaveLength(1)
    expect((await same('list_time_entries', { taskId: 'DOCS-1' })).items).toHaveLength(1)
  })

  test('whoami: the same workspace and effective permissions on both transports', async () => {
    for (const args of [{}, { workspace: world.wsA.slug }]) {
      const [a, b] = await Promise.all([ok(stdio, 'whoami', args), ok(hosted, 'whoami', args)])
      expect(a.workspace).toEqual(b.workspace)
      expect(a.permissions).toEqual(b.permissions)
      expect(a.permissions).toContain('webhooks:write')
    }
    const memberKey = (await createKey(t.core, world.users.member.id, { kind: 'api' })).key
    const member = await stdioClient({ SALLY_URL: base, SALLY_API_KEY: memberKey })
    try {
      const me = await ok(member, 'whoami')
      expect(me.workspace.role).toBe('MEMBER')
      expect(me.permissions).not.toContain('webhooks:write')
    } finally {
      await member.close()
    }
  })

  test('archive, submit time, delete through sally mcp', async () => {
    // A project of its own: the story above counts DOCS' human ids.
    const project = (await rest('POST', '/projects', { name: 'Scratch', key: 'SCRATCH' })).body.data
    const task = await ok(stdio, 'create_task', { projectId: project.id, title: 'Short-lived' })
    expect((await ok(stdio, 'archive_task', { task: task.humanId })).archived).toBe(true)
    expect((await ok(stdio, 'archive_task', { task: task.humanId, archived: false })).archived).toBe(false)
    const entry = await ok(stdio, 'log_time', { task: task.id, minutes: 15, date: new Date(t.clock.now()).toISOString().slice(0, 10) })
    expect((await ok(stdio, 'submit_time', { entryId: entry.id })).state).toBe('submitted')
    expect(await ok(stdio, 'delete_task', { task: task.id })).toEqual({ id: task.id, deleted: true })
    expect((await rest('GET', `/tasks/${task.id}`)).status).toBe(404)
  })

  test('bad arguments: the same validation_error on both transports', async () => {
    const [a, b] = await Promise.all([
      callTool(stdio, 'create_task', { projectId: ctx.project.id, title: 42 }),
      callTool(hosted, 'create_task', { projectId: ctx.project.id, title: 42 }),
    ])
    expect(a.data).toEqual(b.data)
    expect(a.data).toMatchObject({ code: 'validation_error', issues: [{ path: 'title' }] })
  })

  step('errors: same code and message on both transports', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['get_task', { task: 'DOCS-999' }],
      ['get_project', { projectId: 'nope' }],
      ['create_task', { projectId: ctx.project.id, title: 'x', status: 'Nowhere' }],
      ['move_task', { task: 'DOCS-1' }],
      ['list_projects', { workspace: 'no-such-workspace' }],
    ]
    for (const [name, args] of cases) {
      const [a, b] = await Promise.all([callTool(stdio, name, args), callTool(hosted, name, args)])
      expect(a.isError).toBe(true)
      expect([name, a.text]).toEqual([name, b.text])
      expect(a.data).toEqual(b.data)
    }
  })
  test('writes, then reads and errors: as REST shows them, the same on both transports', run, 60_000)

  test("a VIEWER's personal key cannot write through sally mcp either", async () => {
    const viewerKey = (await createKey(t.core, world.users.viewer.id, { kind: 'api' })).key
    const viewer = await stdioClient({ SALLY_URL: base, SALLY_API_KEY: viewerKey })
    try {
      const r = await callTool(viewer, 'create_task', { projectId: ctx.project.id, title: 'Nope' })
      // The viewer is not a member of the project: it is not found for them, exactly as REST says.
      expect(r.isError).toBe(true)
      expect(r.text).toMatch(/^(not_found: Project not found\.|forbidden: Missing tasks:write permission\.)$/)
    } finally {
      await viewer.close()
    }
  })
})

describe('sally mcp: start-up checks', () => {
  const rows: [string, Record<string, string>, RegExp][] = [
    ['no SALLY_URL', { SALLY_API_KEY: 'atpm_x' }, /SALLY_URL is not set/],
    ['a SALLY_URL that is not a URL', { SALLY_URL: 'localhost 4000', SALLY_API_KEY: 'atpm_x' }, /not a valid URL/],
    ['no SALLY_API_KEY', { SALLY_URL: 'http://127.0.0.1:1' }, /SALLY_API_KEY is not set/],
    ['a hosted MCP key', { SALLY_URL: 'http://127.0.0.1:1', SALLY_API_KEY: 'sallymcp_abc' }, /needs a personal API key/],
    [
      'a mistyped key (bad checksum)',
      { SALLY_URL: 'http://127.0.0.1:1', SALLY_API_KEY: `atpm_${'a'.repeat(54)}` },
      /not a valid personal API key/,
    ],
  ]
  for (const [name, env, message] of rows) {
    test(`${name} → exit 1 with one clear line on stderr, nothing on stdout`, async () => {
      const r = await runMcp(env)
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
    })
  }

  test('stdout carries protocol messages only', async () => {
    const proc = Bun.spawn([process.execPath, 'src/index.ts', 'mcp'], {
      cwd: ROOT,
      env: childEnv({ SALLY_URL: base, SALLY_API_KEY: apiKey }),
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    }
    proc.stdin.write(`${JSON.stringify(init)}\n`)
    proc.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`)
    proc.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } })}\n`)
    proc.stdin.end()
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe('2.0')
    expect(JSON.parse(lines[1]!).result.structuredContent.user.id).toBe(world.users.owner.id)
    expect(stderr).toContain('sally mcp')
  })
})
