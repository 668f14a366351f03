/**
 * Archived projects are read-only. Every write to an archived project or to its contents (the
 * project itself, statuses, members, tasks in it, moves into or out of it, todos, comments, column
 * order) answers 409 `conflict` "Project is archived." and writes nothing (every table compared
 * before and after). Reads, unarchive and delete still work; MCP tools go through the same services.
 * Checks run 404 → 403 → 409: who may not see or write the project learns nothing new.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser, seedWorld } from './helpers/fixtures'
import { callTool, mcpClient, serveMcp } from './helpers/mcp'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
let mcp: Client
afterAll(async () => {
  await mcp?.close()
  await t.app.stop(true)
  t.close()
})

type Ids = Record<
  | 'arc'
  | 'act'
  | 'status'
  | 'emptyStatus'
  | 'task'
  | 'humanId'
  | 'archivedTask'
  | 'other'
  | 'todo'
  | 'comment'
  | 'memberComment'
  | 'activeTask'
  | 'actStatus'
  | 'extra',
  string
>
const ids = {} as Ids
let memberToken = ''
let extraToken = ''

const A = (token = w.tokens.owner) => ({ as: token, workspace: w.wsA.id })
async function must(method: string, path: string, body?: unknown, token = w.tokens.owner) {
  const r = await t.req(method, path, { ...A(token), body })
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`)
  return r.body.data
}

/** Every row of every table a project write could touch, as one comparable value. */
const TABLES = [
  'projects',
  'statuses',
  'project_members',
  'tasks',
  'task_assignees',
  'task_labels',
  'labels',
  'todos',
  'comments',
  'mentions',
  'activity',
  'notifications',
  'webhook_deliveries',
  'time_entries',
  'status_task_counts',
  'search_docs',
]
const snapshot = () => Object.fromEntries(TABLES.map((name) => [name, t.sqlite.query(`SELECT * FROM ${name} ORDER BY rowid`).all()]))

beforeAll(async () => {
  w = await seedWorld(t.core)
  const extra = await createUser(t.core)
  t.sqlite
    .query("INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, 'MEMBER', ?)")
    .run(w.wsA.id, extra.id, Date.now())
  ids.extra = extra.id
  extraToken = createSession(t.core, extra.id)
  memberToken = w.tokens.member

  const arc = await must('POST', '/projects', { name: 'Archive me', key: 'ARC' })
  const act = await must('POST', '/projects', { name: 'Active', key: 'ACT' })
  ids.arc = arc.id
  ids.act = act.id
  ids.status = arc.statuses[2].id
  ids.actStatus = act.statuses[2].id
  ids.emptyStatus = arc.statuses[4].id
  for (const [userId, role] of [
    [w.users.member.id, 'MEMBER'],
    [w.users.viewer.id, 'VIEWER'],
  ])
    await must('POST', `/projects/${arc.id}/members`, { userId, role })
  await must('POST', `/projects/${act.id}/members`, { userId: w.users.member.id, role: 'MEMBER' })
  const task = await must('POST', '/tasks', {
    projectId: arc.id,
    title: 'Frozen',
    statusId: ids.status,
    todos: [{ text: 'a' }, { text: 'b' }],
  })
  ids.task = task.id
  ids.humanId = task.humanId
  ids.todo = task.todos[0].id
  ids.other = (await must('POST', '/tasks', { projectId: arc.id, title: 'Second', statusId: ids.status })).id
  ids.archivedTask = (await must('POST', '/tasks', { projectId: arc.id, title: 'Archived task' })).id
  await must('POST', `/tasks/${ids.archivedTask}/archive`)
  ids.comment = (await must('POST', `/tasks/${task.id}/comments`, { body: 'note' })).id
  ids.memberComment = (await must('POST', `/tasks/${task.id}/comments`, { body: 'mine' }, memberToken)).id
  ids.activeTask = (await must('POST', '/tasks', { projectId: act.id, title: 'Active task', statusId: ids.actStatus })).id
  await must('POST', `/projects/${arc.id}/archive`)

  serveMcp(t)
  const url = `http://127.0.0.1:${t.app.server!.port}${t.config.SALLY_BASE_PATH}/mcp`
  mcp = await mcpClient(url, (await createKey(t.core, w.users.owner.id, { kind: 'mcp' })).key)
})

type Write = { name: string; method: string; path: () => string; body?: () => unknown; as?: () => string }

/** Every write route that touches an archived project or its contents. */
const WRITES: Write[] = [
  { name: 'PATCH project', method: 'PATCH', path: () => `/projects/${ids.arc}`, body: () => ({ name: 'Renamed' }) },
  { name: 'PATCH project (key)', method: 'PATCH', path: () => `/projects/${ids.arc}`, body: () => ({ key: 'ARX' }) },
  {
    name: 'create status',
    method: 'POST',
    path: () => `/projects/${ids.arc}/statuses`,
    body: () => ({ name: 'Blocked', category: 'started' }),
  },
  { name: 'update status', method: 'PATCH', path: () => `/projects/${ids.arc}/statuses/${ids.status}`, body: () => ({ name: 'Doing' }) },
  { name: 'delete an empty status', method: 'DELETE', path: () => `/projects/${ids.arc}/statuses/${ids.emptyStatus}` },
  {
    name: 'delete a status moving its tasks',
    method: 'DELETE',
    path: () => `/projects/${ids.arc}/statuses/${ids.status}?moveTasksTo=${ids.emptyStatus}`,
  },
  { name: 'add a member', method: 'POST', path: () => `/projects/${ids.arc}/members`, body: () => ({ userId: ids.extra, role: 'MEMBER' }) },
  {
    name: "change a member's role",
    method: 'PATCH',
    path: () => `/projects/${ids.arc}/members/${w.users.member.id}`,
    body: () => ({ role: 'VIEWER' }),
  },
  { name: 'remove a member', method: 'DELETE', path: () => `/projects/${ids.arc}/members/${w.users.member.id}` },
  { name: 'leave the project', method: 'DELETE', path: () => `/projects/${ids.arc}/members/${w.users.member.id}`, as: () => memberToken },
  {
    name: 'create a task',
    method: 'POST',
    path: () => '/tasks',
    body: () => ({ projectId: ids.arc, title: 'New', labels: ['brand-new-label'] }),
  },
  { name: 'update a task', method: 'PATCH', path: () => `/tasks/${ids.task}`, body: () => ({ title: 'Changed' }) },
  { name: 'update a task by human id', method: 'PATCH', path: () => `/tasks/${ids.humanId}`, body: () => ({ priority: 'P0' }) },
  {
    name: 'update a task as a MEMBER',
    method: 'PATCH',
    path: () => `/tasks/${ids.task}`,
    body: () => ({ title: 'Changed' }),
    as: () => memberToken,
  },
  {
    name: 'move a task to another status',
    method: 'POST',
    path: () => `/tasks/${ids.task}/move`,
    body: () => ({ statusId: ids.emptyStatus }),
  },
  {
    name: 'move a task within its column',
    method: 'POST',
    path: () => `/tasks/${ids.task}/move`,
    body: () => ({ afterTaskId: ids.other }),
  },
  { name: 'move a task out of the project', method: 'POST', path: () => `/tasks/${ids.task}/move`, body: () => ({ projectId: ids.act }) },
  {
    name: 'move a task into the project',
    method: 'POST',
    path: () => `/tasks/${ids.activeTask}/move`,
    body: () => ({ projectId: ids.arc }),
  },
  { name: 'archive a task', method: 'POST', path: () => `/tasks/${ids.task}/archive` },
  { name: 'unarchive a task', method: 'POST', path: () => `/tasks/${ids.archivedTask}/unarchive` },
  { name: 'delete a task', method: 'DELETE', path: () => `/tasks/${ids.task}` },
  {
    name: 'reorder a column',
    method: 'POST',
    path: () => '/tasks/reorder',
    body: () => ({ statusId: ids.status, taskIds: [ids.other, ids.task] }),
  },
  { name: 'add a todo', method: 'POST', path: () => `/tasks/${ids.task}/todos`, body: () => ({ text: 'c' }) },
  { name: 'update a todo', method: 'PATCH', path: () => `/tasks/${ids.task}/todos/${ids.todo}`, body: () => ({ done: true }) },
  { name: 'delete a todo', method: 'DELETE', path: () => `/tasks/${ids.task}/todos/${ids.todo}` },
  {
    name: 'reorder todos',
    method: 'POST',
    path: () => `/tasks/${ids.task}/todos/reorder`,
    body: () => ({ todoIds: [...todoIds()].reverse() }),
  },
  { name: 'comment', method: 'POST', path: () => `/tasks/${ids.task}/comments`, body: () => ({ body: `hello @${w.users.member.handle}` }) },
  { name: 'edit a comment', method: 'PATCH', path: () => `/tasks/${ids.task}/comments/${ids.comment}`, body: () => ({ body: 'edited' }) },
  {
    name: 'edit your own comment as a MEMBER',
    method: 'PATCH',
    path: () => `/tasks/${ids.task}/comments/${ids.memberComment}`,
    body: () => ({ body: 'edited' }),
    as: () => memberToken,
  },
  { name: 'delete a comment', method: 'DELETE', path: () => `/tasks/${ids.task}/comments/${ids.comment}` },
]
const todoIds = () =>
  t.sqlite
    .query<{ id: string }, [string]>('SELECT id FROM todos WHERE task_id = ? ORDER BY position')
    .all(ids.task)
    .map((r) => r.id)

describe('every write to an archived project → 409 "Project is archived." and nothing written', () => {
  for (const wr of WRITES)
    test(wr.name, async () => {
      const before = snapshot()
      const r = await t.req(wr.method, wr.path(), { ...A(wr.as?.() ?? w.tokens.owner), body: wr.body?.() })
      expect([r.status, r.body.code, r.body.error]).toEqual([409, 'conflict', 'Project is archived.'])
      expect(snapshot()).toEqual(before)
    })
})

describe('permission checks come first (404 → 403 → 409)', () => {
  const rows: [string, () => string | null, Write, number][] = [
    ['VIEWER', () => w.tokens.viewer, WRITES.find((x) => x.name === 'update a task')!, 403],
    ['VIEWER', () => w.tokens.viewer, WRITES.find((x) => x.name === 'comment')!, 403],
    ['MEMBER', () => memberToken, WRITES.find((x) => x.name === 'PATCH project')!, 403],
    ['MEMBER', () => memberToken, WRITES.find((x) => x.name === 'create status')!, 403],
    ['MEMBER', () => memberToken, WRITES.find((x) => x.name === 'edit a comment')!, 403],
    ['workspace MEMBER outside the project', () => extraToken, WRITES.find((x) => x.name === 'update a task')!, 404],
    ['workspace MEMBER outside the project', () => extraToken, WRITES.find((x) => x.name === 'create status')!, 404],
    ['workspace MEMBER outside the project', () => extraToken, WRITES.find((x) => x.name === 'reorder a column')!, 404],
  ]
  for (const [who, token, wr, status] of rows)
    test(`${who}: ${wr.name} → ${status}`, async () => {
      const before = snapshot()
      const r = await t.req(wr.method, wr.path(), { ...A(token()!), body: wr.body?.() })
      expect(r.status).toBe(status)
      expect(snapshot()).toEqual(before)
    })
})

describe('MCP tools that write get the same answer', () => {
  const calls: [string, string, () => Record<string, unknown>][] = [
    ['create_task in it', 'create_task', () => ({ projectId: ids.arc, title: 'From an agent' })],
    ['update_task (human id)', 'update_task', () => ({ task: ids.humanId, title: 'Agent edit' })],
    ['move_task to another status', 'move_task', () => ({ task: ids.task, status: 'Done' })],
    ['move_task into it', 'move_task', () => ({ task: ids.activeTask, projectId: ids.arc })],
    ['add_comment', 'add_comment', () => ({ task: ids.task, body: 'agent comment' })],
    ['add_todo', 'add_todo', () => ({ task: ids.task, text: 'agent todo' })],
    ['set_todo_done', 'set_todo_done', () => ({ task: ids.task, todoId: ids.todo })],
  ]
  for (const [name, tool, args] of calls)
    test(name, async () => {
      const before = snapshot()
      const r = await callTool(mcp, tool, { workspace: w.wsA.id, ...args() })
      expect(r.isError).toBe(true)
      expect(r.data).toMatchObject({ code: 'conflict', error: 'Project is archived.' })
      expect(snapshot()).toEqual(before)
    })
})

describe('what still works on an archived project', () => {
  test('reads: project, statuses, members, activity, tasks, a task (by id and human id), comments, the board', async () => {
    for (const path of [
      `/projects/${ids.arc}`,
      `/projects/${ids.arc}/statuses`,
      `/projects/${ids.arc}/members`,
      `/projects/${ids.arc}/activity`,
      `/tasks?projectId=${ids.arc}`,
      `/tasks/${ids.task}`,
      `/tasks/${ids.humanId}`,
      `/tasks/${ids.task}/comments`,
      `/board?projectId=${ids.arc}`,
    ])
      expect([path, (await t.req('GET', path, A())).status]).toEqual([path, 200])
  })

  test('archiving again is a no-op; unarchive makes it writable again; then DELETE works archived', async () => {
    // An archived project of its own: the one above must stay archived for the other stories.
    const arc = (await must('POST', '/projects', { name: 'Thaw me', key: 'THAW' })).id
    const task = (await must('POST', '/tasks', { projectId: arc, title: 'Frozen too' })).id
    const activeTask = (await must('POST', '/tasks', { projectId: ids.act, title: 'Moving in' })).id
    await must('POST', `/projects/${arc}/archive`)
    expect((await t.req('POST', `/projects/${arc}/archive`, A())).status).toBe(200)
    const un = await t.req('POST', `/projects/${arc}/unarchive`, A())
    expect([un.status, un.body.data.archived]).toEqual([200, false])
    expect((await t.req('PATCH', `/tasks/${task}`, { ...A(), body: { title: 'Thawed' } })).status).toBe(200)
    expect((await t.req('POST', `/tasks/${activeTask}/move`, { ...A(), body: { projectId: arc } })).status).toBe(200)
    await must('POST', `/projects/${arc}/archive`)
    const del = await t.req('DELETE', `/projects/${arc}`, A())
    expect(del.status).toBe(200)
    expect((await t.req('GET', `/projects/${arc}`, A())).status).toBe(404)
    expect((await t.req('GET', `/tasks/${task}`, A())).status).toBe(404)
  })
})
