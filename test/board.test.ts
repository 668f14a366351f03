import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { boardResponse } from '../src/board'
import { workspaceBoard } from '../src/board/service'
import { initialRanks } from '../src/lib/rank'
import type { Actor } from '../src/permissions/actor'
import { makeTestApp } from './helpers/app'
import { createKey, createWorkspace, seedWorld } from './helpers/fixtures'
import { insertTasks } from './helpers/task-rows'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const A = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
type P = { id: string; key: string; statuses: { id: string; name: string; category: string }[] }
type Col = {
  status: { id: string; name: string } | null
  category: string
  count: number
  tasks: { id: string; humanId: string; rank: string; assigneeIds: string[]; labels: { name: string }[] }[]
  nextCursor: string | null
}

async function newProject(opts = A(), body: Record<string, unknown> = {}): Promise<P> {
  const r = await t.req('POST', '/projects', { ...opts, body: { name: 'Board project', ...body } })
  expect(r.status).toBe(201)
  return r.body.data
}

describe('GET /board?projectId=', () => {
  test('columns in status order with counts; tasks by rank with key, assignees and labels (created through the API)', async () => {
    const p = await newProject(A(), { key: 'BRD' })
    await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'MEMBER' } })
    const make = async (title: string, status: string, extra: Record<string, unknown> = {}) => {
      const r = await t.req('POST', '/tasks', { ...A(), body: { projectId: p.id, title, status, ...extra } })
      expect(r.status).toBe(201)
      return r.body.data
    }
    const a = await make('A', 'In Progress', {
      assigneeIds: [w.users.member.id, w.users.owner.id],
      labels: ['frontend', 'priority'],
      priority: 'P1',
      dueDate: '2026-12-01',
      todos: [{ text: 'Copy', done: true }, { text: 'Pricing' }],
    })
    const b = await make('B', 'In Progress')
    const c = await make('C', 'To Do', { labels: ['frontend'] })
    await t.req('POST', `/tasks/${b.id}/move`, { ...A(), body: { statusId: p.statuses[2]!.id, beforeTaskId: a.id } })
    const r = await t.req('GET', `/board?projectId=${p.id}`, A())
    expect(r.status).toBe(200)
    // The answer matches the documented schema exactly (parsing strips unknown keys).
    expect(boardResponse.parse(r.body)).toEqual(r.body)
    const cols: Col[] = r.body.data.columns
    expect(r.body.data.project).toMatchObject({ id: p.id, key: 'BRD' })
    expect(cols.map((x) => x.status!.name)).toEqual(['Backlog', 'To Do', 'In Progress', 'In Review', 'Done'])
    expect(cols.map((x) => x.count)).toEqual([0, 1, 2, 0, 0])
    expect(cols.map((x) => x.category)).toEqual(['backlog', 'unstarted', 'started', 'started', 'completed'])
    expect(cols[2]!.tasks.map((x) => x.id)).toEqual([b.id, a.id])
    const ta = cols[2]!.tasks[1]!
    expect(ta).toMatchObject({
      humanId: 'BRD-1',
      title: 'A',
      priority: 'P1',
      dueDate: '2026-12-01',
      statusId: p.statuses[2]!.id,
      archived: false,
      todoCount: 2,
      todoDoneCount: 1,
    })
    expect([...ta.assigneeIds].sort()).toEqual([w.users.member.id, w.users.owner.id].sort())
    expect(ta.labels.map((l) => l.name)).toEqual(['frontend', 'priority'])
    expect(cols[1]!.tasks[0]).toMatchObject({ id: c.id, humanId: 'BRD-3', assigneeIds: [], labels: [{ name: 'frontend' }], todoCount: 0 })
    for (const col of cols) expect(col.nextCursor).toBeNull()
  })

  test('per-column limit and cursor walk a column in rank order; archived tasks only with archived=true', async () => {
    const p = await newProject()
    const st = p.statuses[1]!.id
    const ranks = initialRanks(23)
    // Insert in shuffled order: the board orders by rank, not insertion.
    const order = ranks.map((r, i) => [r, i] as const).sort(() => Math.random() - 0.5)
    const ids = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: st, ranks: order.map(([r]) => r) })
    const expected = order
      .map(([, i], k) => [i, ids[k]!] as const)
      .sort((x, y) => x[0] - y[0])
      .map(([, id]) => id)
    const archived = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: st, ranks: [`${ranks[5]!}V`], archived: true })
    const first = await t.req('GET', `/board?projectId=${p.id}&limit=10`, A())
    const col: Col = first.body.data.columns[1]
    expect(col.count).toBe(23)
    expect(col.tasks.map((x) => x.id)).toEqual(expected.slice(0, 10))
    const seen = [...col.tasks.map((x) => x.id)]
    let cursor = col.nextCursor
    while (cursor) {
      const r = await t.req('GET', `/board?projectId=${p.id}&statusId=${st}&limit=10&cursor=${cursor}`, A())
      expect(r.status).toBe(200)
      expect(r.body.data.columns).toHaveLength(1)
      expect(r.body.data.columns[0].count).toBe(23)
      seen.push(...r.body.data.columns[0].tasks.map((x: { id: string }) => x.id))
      cursor = r.body.data.columns[0].nextCursor
    }
    expect(seen).toEqual(expected)
    const withArchived = await t.req('GET', `/board?projectId=${p.id}&archived=true&limit=200`, A())
    const all: Col = withArchived.body.data.columns[1]
    expect(all.count).toBe(24)
    expect(all.tasks.map((x) => x.id)).toEqual([...expected.slice(0, 6), archived[0]!, ...expected.slice(6)])
  })

  test('ties on rank are broken by id, so a cursor never skips or repeats a task', async () => {
    const p = await newProject()
    const st = p.statuses[0]!.id
    const ids = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: st, ranks: ['a', 'b', 'b', 'b', 'c'] })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const r: { body: { data: { columns: Col[] } } } = await t.req(
        'GET',
        `/board?projectId=${p.id}&statusId=${st}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        A(),
      )
      seen.push(...r.body.data.columns[0]!.tasks.map((x) => x.id))
      cursor = r.body.data.columns[0]!.nextCursor
    } while (cursor)
    expect(seen).toEqual([ids[0]!, ...ids.slice(1, 4).sort(), ids[4]!])
  })

  test('bad input: cursor without statusId, malformed cursor, limit > 200 → 400; unknown status → 404', async () => {
    const p = await newProject()
    expect((await t.req('GET', `/board?projectId=${p.id}&cursor=abc`, A())).status).toBe(400)
    expect((await t.req('GET', `/board?projectId=${p.id}&statusId=${p.statuses[0]!.id}&cursor=a'b`, A())).status).toBe(400)
    expect((await t.req('GET', `/board?projectId=${p.id}&limit=201`, A())).status).toBe(400)
    expect((await t.req('GET', `/board?projectId=${p.id}&statusId=${crypto.randomUUID()}`, A())).status).toBe(404)
  })

  test('visibility: non-member 404, another workspace 404; a project-scoped key only sees its project', async () => {
    const p = await newProject()
    expect((await t.req('GET', `/board?projectId=${p.id}`, { as: w.tokens.member, workspace: w.wsA.id })).status).toBe(404)
    expect((await t.req('GET', `/board?projectId=${p.id}`, { as: w.tokens.ownerB, workspace: w.wsB.id })).status).toBe(404)
    const other = await newProject()
    const { key } = await createKey(t.core, w.users.owner.id, { projectId: p.id })
    expect((await t.req('GET', `/board?projectId=${p.id}`, { as: key, workspace: w.wsA.id })).status).toBe(200)
    expect((await t.req('GET', `/board?projectId=${other.id}`, { as: key, workspace: w.wsA.id })).status).toBe(404)
  })

  test('no N+1: a board of many tasks runs a constant number of queries', async () => {
    // A fresh app whose SQLite handle counts every statement executed (drizzle and raw alike).
    const t2 = makeTestApp()
    const calls: string[] = []
    const counting = <T extends object>(stmt: T, sqlText: string): T =>
      new Proxy(stmt, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target)
          if (typeof v !== 'function') return v
          if (prop === 'all' || prop === 'get' || prop === 'run' || prop === 'values')
            return (...args: unknown[]) => {
              calls.push(sqlText)
              return (v as (...a: unknown[]) => unknown).apply(target, args)
            }
          return (v as (...a: unknown[]) => unknown).bind(target)
        },
      })
    const { query, prepare } = { query: t2.sqlite.query.bind(t2.sqlite), prepare: t2.sqlite.prepare.bind(t2.sqlite) }
    ;(t2.sqlite as { query: unknown }).query = (q: string) => counting(query(q), q)
    ;(t2.sqlite as { prepare: unknown }).prepare = (q: string, ...rest: unknown[]) =>
      counting((prepare as (...a: unknown[]) => object)(q, ...rest), q)
    try {
      const w2 = await seedWorld(t2.core)
      const o = { as: w2.tokens.owner, workspace: w2.wsA.id }
      const p: P = (await t2.req('POST', '/projects', { ...o, body: { name: 'N+1' } })).body.data
      const label = (await t2.req('POST', '/labels', { ...o, body: { name: 'n+1' } })).body.data.id
      for (const s of p.statuses) {
        const ids = insertTasks(t2.core, { workspaceId: w2.wsA.id, projectId: p.id, statusId: s.id, ranks: initialRanks(40) })
        for (const id of ids) t2.sqlite.run('INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?)', [id, w2.users.owner.id])
        for (const id of ids) t2.sqlite.run('INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)', [id, label])
      }
      const boardQueries = () => calls.filter((q) => /\b(tasks|task_assignees|task_labels|todos|statuses|labels)\b/.test(q)).length
      await t2.req('GET', `/board?projectId=${p.id}&limit=29`, o) // warm-up (prepares statements; another limit, so not the cached answer)
      calls.length = 0
      const r = await t2.req('GET', `/board?projectId=${p.id}&limit=30`, o)
      expect(r.body.data.columns.map((c: Col) => c.tasks.length)).toEqual([30, 30, 30, 30, 30])
      expect(r.body.data.columns[0].tasks[0].assigneeIds).toEqual([w2.users.owner.id])
      expect(r.body.data.columns[0].tasks[0].labels.map((l: { name: string }) => l.name)).toEqual(['n+1'])
      // statuses with their counts, one per column (5; the cards' assignee and label ids and todo counts come with them), the labels named: 150 tasks, 7 queries.
      expect(boardQueries()).toBe(7)
      calls.length = 0
      await t2.req('GET', `/board?projectId=${p.id}&limit=200`, o)
      expect(boardQueries()).toBe(7)
      // The same board again, nothing written meanwhile: served from the kept answer, no board query.
      calls.length = 0
      const again = await t2.req('GET', `/board?projectId=${p.id}&limit=30`, o)
      expect(again.text).toBe(r.text)
      expect(boardQueries()).toBe(0)
    } finally {
      t2.close()
    }
  })
})

describe('column counts (status_task_counts, kept by triggers)', () => {
  test('stay equal to the real counts through creates, moves, archives, deletes and status deletion', async () => {
    const p = await newProject()
    const st = p.statuses.map((s) => s.id)
    const created: string[] = []
    for (let i = 0; i < 12; i++) {
      const r = await t.req('POST', '/tasks', { ...A(), body: { projectId: p.id, title: `c${i}`, statusId: st[i % 3] } })
      expect(r.status).toBe(201)
      created.push(r.body.data.id)
    }
    insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: st[4]!, ranks: ['a', 'b'], archived: true })
    await t.req('POST', `/tasks/${created[0]}/move`, { ...A(), body: { statusId: st[3] } })
    await t.req('POST', `/tasks/${created[1]}/archive`, A())
    await t.req('POST', `/tasks/${created[2]}/archive`, A())
    await t.req('POST', `/tasks/${created[2]}/unarchive`, A())
    await t.req('DELETE', `/tasks/${created[3]}`, A())
    const other = await newProject()
    await t.req('POST', `/tasks/${created[4]}/move`, { ...A(), body: { projectId: other.id } })
    await t.req('DELETE', `/projects/${p.id}/statuses/${st[1]}?moveTasksTo=${st[4]}`, A())
    const actual = (projectId: string, archived: boolean) =>
      Object.fromEntries(
        t.sqlite
          .query<{ status_id: string; n: number }, [string]>(
            `SELECT status_id, count(*) AS n FROM tasks WHERE project_id = ?${archived ? '' : ' AND archived_at IS NULL'} GROUP BY status_id`,
          )
          .all(projectId)
          .map((r) => [r.status_id, r.n]),
      )
    for (const project of [p, other])
      for (const archived of [false, true]) {
        const board = await t.req('GET', `/board?projectId=${project.id}&archived=${archived}`, A())
        const counts = Object.fromEntries((board.body.data.columns as Col[]).filter((c) => c.count > 0).map((c) => [c.status!.id, c.count]))
        expect(counts).toEqual(actual(project.id, archived))
      }
    // Deleting the project leaves no counter behind.
    await t.req('DELETE', `/projects/${p.id}`, A())
    expect(
      t.sqlite
        .query<{ n: number }, string[]>(`SELECT count(*) AS n FROM status_task_counts WHERE status_id IN (${st.map(() => '?').join(',')})`)
        .get(...st)!.n,
    ).toBe(0)
  })
})

describe('GET /board (workspace)', () => {
  test('one column per category across visible, non-archived projects; counts and cursor per category', async () => {
    // A fresh workspace keeps the numbers exact.
    const wsId = createWorkspace(t.core, { members: [[w.users.member.id, 'OWNER']] }).id
    const opts = { as: w.tokens.member, workspace: wsId }
    const p1 = await newProject(opts, { key: 'ONE' })
    const p2 = await newProject(opts, { key: 'TWO' })
    const gone = await newProject(opts, { key: 'OLD' })
    insertTasks(t.core, { workspaceId: wsId, projectId: p1.id, statusId: p1.statuses[2]!.id, ranks: ['a', 'c', 'e'] })
    insertTasks(t.core, { workspaceId: wsId, projectId: p1.id, statusId: p1.statuses[3]!.id, ranks: ['b'] })
    insertTasks(t.core, { workspaceId: wsId, projectId: p2.id, statusId: p2.statuses[2]!.id, ranks: ['d', 'f'] })
    insertTasks(t.core, { workspaceId: wsId, projectId: p2.id, statusId: p2.statuses[4]!.id, ranks: ['a'] })
    insertTasks(t.core, { workspaceId: wsId, projectId: p2.id, statusId: p2.statuses[2]!.id, ranks: ['a'], archived: true })
    insertTasks(t.core, { workspaceId: wsId, projectId: gone.id, statusId: gone.statuses[2]!.id, ranks: ['a'] })
    await t.req('POST', `/projects/${gone.id}/archive`, opts)
    const r = await t.req('GET', '/board?limit=4', opts)
    expect(r.status).toBe(200)
    expect(boardResponse.parse(r.body)).toEqual(r.body)
    expect(r.body.data.project).toBeNull()
    const cols: Col[] = r.body.data.columns
    expect(cols.map((c) => [c.category, c.count])).toEqual([
      ['backlog', 0],
      ['unstarted', 0],
      ['started', 6],
      ['completed', 1],
      ['canceled', 0],
    ])
    expect(cols[2]!.tasks.map((x) => x.humanId)).toEqual(['ONE-1', 'ONE-4', 'ONE-2', 'TWO-1'])
    const next = await t.req('GET', `/board?category=started&limit=4&cursor=${cols[2]!.nextCursor}`, opts)
    expect(next.body.data.columns.map((c: Col) => c.category)).toEqual(['started'])
    expect(next.body.data.columns[0].tasks.map((x: { humanId: string }) => x.humanId)).toEqual(['ONE-3', 'TWO-2'])
    expect(next.body.data.columns[0].nextCursor).toBeNull()
    const arch = await t.req('GET', '/board?archived=true', opts)
    expect(arch.body.data.columns[2].count).toBe(7)
  })

  test('the merged (UNION ALL per status) and the joined fallback give the same pages', async () => {
    const wsId = createWorkspace(t.core, { members: [[w.users.viewer.id, 'OWNER']] }).id
    const opts = { as: w.tokens.viewer, workspace: wsId }
    for (let i = 0; i < 4; i++) {
      const p = await newProject(opts)
      for (const s of p.statuses) insertTasks(t.core, { workspaceId: wsId, projectId: p.id, statusId: s.id, ranks: initialRanks(7 + i) })
      insertTasks(t.core, { workspaceId: wsId, projectId: p.id, statusId: p.statuses[2]!.id, ranks: ['1', '2'], archived: true })
    }
    const actor: Actor = {
      user: { id: w.users.viewer.id, email: '', name: '', handle: '', platformRole: 'NONE' },
      platformRole: 'NONE',
      credential: { kind: 'session', id: 's', scopes: null, workspaceId: null, projectId: null, expiresAt: null, rateLimitPerHour: null },
      workspace: { id: wsId, slug: '', name: '', role: 'OWNER' },
    }
    for (const archived of [false, true]) {
      for (const category of ['started', 'backlog'] as const) {
        let cursor: string | undefined
        const pages: [unknown, unknown][] = []
        do {
          const q = { category, limit: 5, archived, cursor }
          const merged = workspaceBoard(t.core, actor, q).columns[0]!
          const joined = workspaceBoard(t.core, actor, q, 0).columns[0]!
          pages.push([merged, joined])
          expect(merged).toEqual(joined)
          cursor = merged.nextCursor ?? undefined
        } while (cursor)
        expect(pages.length).toBeGreaterThan(2)
      }
    }
  })

  test('only the projects the caller can see count', async () => {
    const hidden = await newProject() // owner's project, member is not on it
    insertTasks(t.core, { workspaceId: w.wsA.id, projectId: hidden.id, statusId: hidden.statuses[0]!.id, ranks: ['a', 'b'] })
    const before = (await t.req('GET', '/board', { as: w.tokens.viewer, workspace: w.wsA.id })).body.data.columns
    expect(before.reduce((n: number, c: Col) => n + c.count, 0)).toBe(0)
    const owner = (await t.req('GET', '/board', A())).body.data.columns
    expect(owner[0].count).toBeGreaterThanOrEqual(2)
  })

  test('cursor without category, statusId without projectId → 400', async () => {
    expect((await t.req('GET', '/board?cursor=abc', A())).status).toBe(400)
    expect((await t.req('GET', `/board?statusId=${crypto.randomUUID()}`, A())).status).toBe(400)
  })
})

describe('kept answers (src/http/cached-json.ts): a repeated board is never stale nor shown to someone else', () => {
  test('writes, membership changes, revocation and other callers each see the current truth', async () => {
    const p = await newProject()
    const board = (o: { as: string; workspace: string }, qs = '') => t.req('GET', `/board?projectId=${p.id}${qs}`, o)
    const ids = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: p.statuses[0]!.id, ranks: ['a', 'b', 'c'] })
    const first = await board(A())
    expect(first.body.data.columns[0].tasks.map((x: { id: string }) => x.id)).toEqual(ids)
    expect((await board(A())).text).toBe(first.text) // kept
    expect(first.headers.get('content-type')).toContain('application/json')
    expect(first.headers.get('x-request-id')).toBeTruthy()

    // A write through the API: the next read shows it.
    const moved = await t.req('POST', `/tasks/${ids[0]}/move`, { ...A(), body: { statusId: p.statuses[1]!.id } })
    expect(moved.status).toBe(200)
    const after = (await board(A())).body.data.columns
    expect(after[0].tasks.map((x: { id: string }) => x.id)).toEqual(ids.slice(1))
    expect(after[1].tasks.map((x: { id: string }) => x.id)).toEqual([ids[0]])

    // Other callers: a non-member gets 404 although the owner's answer is kept; added as VIEWER they
    // see it with their own role; removed, 404 again on the very next request.
    const member = { as: w.tokens.member, workspace: w.wsA.id }
    expect((await board(member)).status).toBe(404)
    expect((await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'VIEWER' } })).status).toBe(
      201,
    )
    const asViewer = await board(member)
    expect(asViewer.status).toBe(200)
    expect(asViewer.body.data.project.role).toBe('VIEWER')
    expect((await board(A())).body.data.project.role).toBe('OWNER')
    expect((await t.req('DELETE', `/projects/${p.id}/members/${w.users.member.id}`, A())).status).toBe(200)
    expect((await board(member)).status).toBe(404)

    // A key: answers while valid, 401 on the next request after its revocation.
    const { key, id } = await createKey(t.core, w.users.owner.id, { projectId: p.id })
    const asKey = { as: key, workspace: w.wsA.id }
    expect((await board(asKey)).status).toBe(200)
    expect((await t.req('DELETE', `/auth/api-keys/${id}`, A())).status).toBe(200)
    expect((await board(asKey)).status).toBe(401)

    // The workspace board is kept per visibility: the owner's answer never reaches the viewer.
    const ownerWs = await t.req('GET', '/board', A())
    const viewerWs = await t.req('GET', '/board', { as: w.tokens.viewer, workspace: w.wsA.id })
    expect(viewerWs.body.data.columns.reduce((n: number, c: Col) => n + c.count, 0)).toBeLessThan(
      ownerWs.body.data.columns.reduce((n: number, c: Col) => n + c.count, 0),
    )
  })
})
