import { describe, expect, test } from 'bun:test'
import { and, asc, eq, isNull } from 'drizzle-orm'
import { statuses, tasks, todos } from '../src/db/schema'
import type { TestApp } from './helpers/app'
import {
  ALL_CREDS,
  type CredName,
  createMatrix,
  type Expect,
  type MatrixRow,
  type MatrixWorld,
  runMatrix,
  send,
  UNAUTHENTICATED,
} from './helpers/matrix'

/**
 * Permission matrix of tasks, todos, comments, uploads and search: every route × every credential.
 * The world (helpers/matrix.ts): projectA has the OWNER, MEMBER and VIEWER of workspace A as project
 * OWNER/MEMBER/VIEWER; projectA2 has only the OWNER; projectB belongs to workspace B.
 */
const m = createMatrix()

/** Every credential gets `dflt` unless listed; the 401 credentials get their 401. */
function column(route: string, dflt: Expect, overrides: Partial<Record<CredName, Expect>>, extra: Partial<MatrixRow> = {}): MatrixRow[] {
  return ALL_CREDS.map((cred) => ({ route, cred, expect: overrides[cred] ?? UNAUTHENTICATED[cred] ?? dflt, ...extra }))
}

const F: Expect = [403, 'forbidden']
const S: Expect = [403, 'scope_violation']
const N: Expect = [404, 'not_found']
const MCP: Partial<Record<CredName, Expect>> = { 'owner.mcpKey': S, 'member.mcpKey': S, 'viewer.mcpKey': S }
/** Not a member of workspace A (B's owner selecting A, a user in no workspace). */
const STRANGERS: Partial<Record<CredName, Expect>> = {
  'ownerB.session': N,
  'ownerB.allKey': N,
  'outsider.session': N,
  'outsider.allKey': N,
}
/** Reading data of projectA: everyone in A may (MCP keys only on /mcp). */
const READ_A = { ...MCP, ...STRANGERS }
/** Writing in projectA: OWNER and MEMBER; the VIEWER and read-only keys get 403. */
const WRITE_A: Partial<Record<CredName, Expect>> = {
  ...READ_A,
  'owner.readonlyKey': F,
  'member.readonlyKey': F,
  'viewer.session': F,
  'viewer.allKey': F,
  'viewer.keysKey': F,
  'viewer.readonlyKey': F,
  'viewer.projectKey': F,
  'viewer.pinnedKey': F,
}
/** Data of projectA2: only the OWNER (workspace OWNER) sees it; others and the projectA key get 404. */
const READ_A2: Partial<Record<CredName, Expect>> = {
  ...READ_A,
  'owner.projectKey': N,
  ...Object.fromEntries(
    (['member', 'viewer'] as const).flatMap((r) =>
      ['session', 'allKey', 'keysKey', 'readonlyKey', 'projectKey', 'pinnedKey'].map((k) => [`${r}.${k}`, N]),
    ),
  ),
}
const WRITE_A2: Partial<Record<CredName, Expect>> = {
  ...READ_A2,
  'owner.readonlyKey': F,
  'member.readonlyKey': F,
  'viewer.session': F,
  'viewer.allKey': F,
  'viewer.keysKey': F,
  'viewer.readonlyKey': F,
  'viewer.projectKey': F,
  'viewer.pinnedKey': F,
}

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
const pngForm = () => {
  const f = new FormData()
  f.append('file', new File([PNG], 'p.png', { type: 'image/png' }))
  return f
}

const ownerReq = (w: MatrixWorld, t: TestApp, method: string, path: string, body?: unknown) =>
  t.req(method, path, { as: w.creds['owner.session'], workspace: w.wsA.id, body })

/** A fresh task of a project (for rows that delete or would disturb a shared one). */
async function freshTask(w: MatrixWorld, t: TestApp, projectId = w.projectA.id): Promise<string> {
  const r = await ownerReq(w, t, 'POST', '/tasks', { projectId, title: 'fresh', todos: [{ text: 'todo' }] })
  if (r.status !== 201) throw new Error(`fixture task: ${r.status} ${r.text}`)
  return r.body.data.id
}
const firstTodo = (t: TestApp, taskId: string) => t.db.select().from(todos).where(eq(todos.taskId, taskId)).get()!.id
async function freshComment(w: MatrixWorld, t: TestApp, taskId: string): Promise<string> {
  return (await ownerReq(w, t, 'POST', `/tasks/${taskId}/comments`, { body: 'by the owner' })).body.data.id
}

m.setup(async (w, t) => {
  w.ids.taskA = await freshTask(w, t)
  w.ids.taskA2 = await freshTask(w, t, w.projectA2.id)
  w.ids.taskB = (
    await t.req('POST', '/tasks', { as: w.creds['ownerB.session'], workspace: w.wsB.id, body: { projectId: w.projectB.id, title: 'b' } })
  ).body.data.id
  w.ids.todoA = firstTodo(t, w.ids.taskA)
  w.ids.todoA2 = firstTodo(t, w.ids.taskA2)
  w.ids.commentA = await freshComment(w, t, w.ids.taskA)
  w.ids.commentA2 = await freshComment(w, t, w.ids.taskA2)
  w.ids.statusA = t.db.select().from(statuses).where(eq(statuses.projectId, w.projectA.id)).orderBy(asc(statuses.position)).get()!.id
  w.ids.upload = (await t.req('POST', '/uploads', { as: w.creds['owner.session'], workspace: w.wsA.id, body: pngForm() })).body.data.id
})

const columnOrder = (t: TestApp, statusId: string) =>
  t.db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.statusId, statusId), isNull(tasks.archivedAt)))
    .orderBy(asc(tasks.rank), asc(tasks.id))
    .all()
    .map((r) => r.id)

describe('tasks: reads', () => {
  runMatrix('GET /tasks', column('GET /tasks', 200, READ_A))
  runMatrix('GET /tasks/:id', column('GET /tasks/:id', 200, READ_A, { path: (w) => `/tasks/${w.ids.taskA}` }))
  runMatrix('GET /tasks/:id (projectA2)', column('GET /tasks/:id', 200, READ_A2, { note: 'A2', path: (w) => `/tasks/${w.ids.taskA2}` }))
  runMatrix('GET /search', column('GET /search', 200, READ_A, { path: '/search?q=fresh' }))
  runMatrix('GET /tasks/:id/comments', column('GET /tasks/:id/comments', 200, READ_A, { path: (w) => `/tasks/${w.ids.taskA}/comments` }))
})

describe('tasks: writes in projectA', () => {
  runMatrix(
    'POST /tasks',
    column('POST /tasks', 201, WRITE_A, { body: (w: MatrixWorld) => ({ projectId: w.projectA.id, title: 'matrix' }) }),
  )
  runMatrix(
    'PATCH /tasks/:id',
    column('PATCH /tasks/:id', 200, WRITE_A, { path: (w) => `/tasks/${w.ids.taskA}`, body: { priority: 'P1' } }),
  )
  runMatrix(
    'POST /tasks/:id/move',
    column('POST /tasks/:id/move', 200, WRITE_A, { path: (w) => `/tasks/${w.ids.taskA}/move`, body: { status: 'In Progress' } }),
  )
  runMatrix('POST /tasks/:id/archive', column('POST /tasks/:id/archive', 200, WRITE_A, { path: (w) => `/tasks/${w.ids.taskA}/archive` }))
  runMatrix(
    'POST /tasks/:id/unarchive',
    column('POST /tasks/:id/unarchive', 200, WRITE_A, { path: (w) => `/tasks/${w.ids.taskA}/unarchive` }),
  )
  runMatrix(
    'POST /tasks/reorder',
    column(
      'POST /tasks/reorder',
      200,
      { ...WRITE_A, ...STRANGERS },
      { body: (w: MatrixWorld, t: TestApp) => ({ statusId: w.ids.statusA, taskIds: columnOrder(t, w.ids.statusA!) }) },
    ),
  )
  runMatrix('DELETE /tasks/:id', column('DELETE /tasks/:id', 200, WRITE_A, { path: async (w, t) => `/tasks/${await freshTask(w, t)}` }))
  runMatrix(
    'POST /tasks/:id/todos',
    column('POST /tasks/:id/todos', 201, WRITE_A, { path: (w) => `/tasks/${w.ids.taskA}/todos`, body: { text: 'matrix' } }),
  )
  runMatrix(
    'PATCH /tasks/:id/todos/:todoId',
    column('PATCH /tasks/:id/todos/:todoId', 200, WRITE_A, {
      path: (w) => `/tasks/${w.ids.taskA}/todos/${w.ids.todoA}`,
      body: { done: true },
    }),
  )
  runMatrix(
    'DELETE /tasks/:id/todos/:todoId',
    column('DELETE /tasks/:id/todos/:todoId', 200, WRITE_A, {
      path: async (w, t) => {
        const id = await freshTask(w, t)
        return `/tasks/${id}/todos/${firstTodo(t, id)}`
      },
    }),
  )
  runMatrix(
    'POST /tasks/:id/todos/reorder',
    column('POST /tasks/:id/todos/reorder', 200, WRITE_A, {
      path: (w) => `/tasks/${w.ids.taskA}/todos/reorder`,
      body: (w: MatrixWorld, t: TestApp) => ({
        todoIds: t.db
          .select()
          .from(todos)
          .where(eq(todos.taskId, w.ids.taskA!))
          .orderBy(asc(todos.position))
          .all()
          .map((x) => x.id),
      }),
    }),
  )
  runMatrix(
    'POST /tasks/:id/comments',
    column('POST /tasks/:id/comments', 201, WRITE_A, { path: (w) => `/tasks/${w.ids.taskA}/comments`, body: { body: 'matrix comment' } }),
  )
  // The owner's comment: only its author (the OWNER) or a project OWNER may change it; the MEMBER is refused.
  const NOT_AUTHOR = { 'member.session': F, 'member.allKey': F, 'member.keysKey': F, 'member.projectKey': F, 'member.pinnedKey': F }
  runMatrix(
    'PATCH /tasks/:id/comments/:commentId',
    column(
      'PATCH /tasks/:id/comments/:commentId',
      200,
      { ...WRITE_A, ...NOT_AUTHOR },
      {
        path: (w) => `/tasks/${w.ids.taskA}/comments/${w.ids.commentA}`,
        body: { body: 'edited' },
      },
    ),
  )
  runMatrix(
    'DELETE /tasks/:id/comments/:commentId',
    column(
      'DELETE /tasks/:id/comments/:commentId',
      200,
      { ...WRITE_A, ...NOT_AUTHOR },
      {
        path: async (w, t) => `/tasks/${w.ids.taskA}/comments/${await freshComment(w, t, w.ids.taskA!)}`,
      },
    ),
  )
  runMatrix('comment author', [
    {
      route: 'PATCH /tasks/:id/comments/:commentId',
      cred: 'member.session',
      note: 'own comment',
      path: async (w, t) => {
        const c = await t.req('POST', `/tasks/${w.ids.taskA}/comments`, {
          as: w.creds['member.session'],
          workspace: w.wsA.id,
          body: { body: 'mine' },
        })
        return `/tasks/${w.ids.taskA}/comments/${c.body.data.id}`
      },
      body: { body: 'mine, edited' },
      expect: 200,
    },
  ])
})

describe('tasks: projectA2 (members not in it) and project-scoped keys', () => {
  runMatrix(
    'PATCH /tasks/:id (A2)',
    column('PATCH /tasks/:id', 200, WRITE_A2, { note: 'A2', path: (w) => `/tasks/${w.ids.taskA2}`, body: { priority: 'P1' } }),
  )
  runMatrix(
    'POST /tasks (A2)',
    column('POST /tasks', 201, WRITE_A2, { note: 'A2', body: (w: MatrixWorld) => ({ projectId: w.projectA2.id, title: 'x' }) }),
  )
  runMatrix(
    'POST /tasks/:id/comments (A2)',
    column('POST /tasks/:id/comments', 201, WRITE_A2, { note: 'A2', path: (w) => `/tasks/${w.ids.taskA2}/comments`, body: { body: 'x' } }),
  )
  runMatrix(
    'PATCH /tasks/:id/todos/:todoId (A2)',
    column('PATCH /tasks/:id/todos/:todoId', 200, WRITE_A2, {
      note: 'A2',
      path: (w) => `/tasks/${w.ids.taskA2}/todos/${w.ids.todoA2}`,
      body: { done: true },
    }),
  )
  runMatrix('moves across projects', [
    {
      route: 'POST /tasks/:id/move',
      cred: 'member.session',
      note: 'into A2',
      path: (w) => `/tasks/${w.ids.taskA}/move`,
      body: (w: MatrixWorld) => ({ projectId: w.projectA2.id }),
      expect: N,
    },
    {
      route: 'POST /tasks/:id/move',
      cred: 'owner.projectKey',
      note: 'into A2',
      path: (w) => `/tasks/${w.ids.taskA}/move`,
      body: (w: MatrixWorld) => ({ projectId: w.projectA2.id }),
      expect: N,
    },
    {
      route: 'POST /tasks/:id/move',
      cred: 'owner.session',
      note: 'into B',
      path: (w) => `/tasks/${w.ids.taskA}/move`,
      body: (w: MatrixWorld) => ({ projectId: w.projectB.id }),
      expect: N,
    },
  ])
  runMatrix('project-scoped key lists only its project', [
    {
      route: 'GET /tasks',
      cred: 'owner.projectKey',
      path: '/tasks?limit=200',
      expect: 200,
      check: (r, w) => {
        const projects = new Set((r.body.data as { projectId: string }[]).map((x) => x.projectId))
        if ([...projects].some((p) => p !== w.projectA.id)) throw new Error(`project key saw ${[...projects]}`)
      },
    },
    {
      route: 'GET /search',
      cred: 'owner.projectKey',
      path: '/search?q=fresh',
      expect: 200,
      check: (r, w) => {
        if ((r.body.data as { projectId: string }[]).some((x) => x.projectId !== w.projectA.id))
          throw new Error('project key saw another project')
      },
    },
  ])
})

describe('tenant isolation: workspace B ids are not found from A', () => {
  const b = (path: (w: MatrixWorld) => string, method: string, body?: unknown): MatrixRow[] => [
    { route: `${method} ${path({ ids: { taskB: ':taskB' } } as unknown as MatrixWorld)}`, cred: 'owner.session', path, body, expect: N },
    { route: `${method} ${path({ ids: { taskB: ':taskB' } } as unknown as MatrixWorld)}`, cred: 'global', path, body, expect: N },
  ]
  runMatrix('B ids', [
    ...b((w) => `/tasks/${w.ids.taskB}`, 'GET'),
    ...b((w) => `/tasks/${w.ids.taskB}`, 'PATCH', { title: 'x' }),
    ...b((w) => `/tasks/${w.ids.taskB}`, 'DELETE'),
    ...b((w) => `/tasks/${w.ids.taskB}/move`, 'POST', { status: 'Done' }),
    ...b((w) => `/tasks/${w.ids.taskB}/archive`, 'POST'),
    ...b((w) => `/tasks/${w.ids.taskB}/comments`, 'GET'),
    ...b((w) => `/tasks/${w.ids.taskB}/comments`, 'POST', { body: 'x' }),
    ...b((w) => `/tasks/${w.ids.taskB}/todos`, 'POST', { text: 'x' }),
    {
      route: 'POST /tasks',
      cred: 'owner.session',
      note: 'B project',
      body: (w: MatrixWorld) => ({ projectId: w.projectB.id, title: 'x' }),
      expect: N,
    },
    {
      route: 'POST /tasks/:id/move',
      cred: 'owner.session',
      note: 'B anchor',
      path: (w) => `/tasks/${w.ids.taskA}/move`,
      body: (w: MatrixWorld) => ({ afterTaskId: w.ids.taskB }),
      expect: [400, 'validation_error'],
    },
    {
      route: 'GET /tasks',
      cred: 'owner.session',
      note: 'B project filter',
      path: (w) => `/tasks?projectId=${w.projectB.id}`,
      expect: 200,
      check: (r) => {
        if (r.body.data.length !== 0) throw new Error('listed a task of workspace B')
      },
    },
    { route: 'GET /tasks/:id', cred: 'ownerB.session', note: 'A id in B', path: (w) => `/tasks/${w.ids.taskA}`, workspace: 'B', expect: N },
  ])
})

describe('uploads', () => {
  const UPLOAD: Partial<Record<CredName, Expect>> = {
    ...MCP,
    ...STRANGERS,
    'owner.readonlyKey': F,
    'member.readonlyKey': F,
    'viewer.session': F,
    'viewer.allKey': F,
    'viewer.keysKey': F,
    'viewer.readonlyKey': F,
    'viewer.projectKey': F,
    'viewer.pinnedKey': F,
  }
  runMatrix('POST /uploads', column('POST /uploads', 201, UPLOAD, { body: () => pngForm() }))
  // Public: no credential needed, and a bad one does not matter (the body is the image, not an envelope).
  for (const cred of ALL_CREDS)
    test(`GET /uploads/:id as ${cred} → 200 image/png`, async () => {
      const r = await send(m, { route: 'GET /uploads/:id', cred, path: (w) => `/uploads/${w.ids.upload}` })
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('image/png')
    })
})
