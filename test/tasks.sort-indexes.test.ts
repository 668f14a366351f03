/**
 * GET /tasks?sort=updated and sort=due read live tasks through partial indexes that match the list's
 * ORDER BY (migration 0006_tasks_sort_indexes), workspace-wide and within a project: EXPLAIN QUERY
 * PLAN shows no `USE TEMP B-TREE` (no sort of the workspace's tasks), with and without a cursor, in
 * both directions, for a workspace OWNER and a MEMBER, before and after ANALYZE. The answers stay in
 * the documented order (tasks without a due date last).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Actor } from '../src/permissions/actor'
import { taskListQuery } from '../src/tasks/list'
import type { ListTasksQuery } from '../src/tasks/model'
import { makeTestApp } from './helpers/app'
import { createProjectRow, seedWorld } from './helpers/fixtures'
import { prng } from './helpers/prng'
import { insertTasks } from './helpers/task-rows'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
const projectIds: string[] = []
afterAll(() => t.close())

beforeAll(async () => {
  w = await seedWorld(t.core)
  const rand = prng(42)
  for (let p = 0; p < 3; p++) {
    const project = createProjectRow(t.core, w.wsA.id, { members: [[w.users.member.id, 'MEMBER']] })
    projectIds.push(project.id)
    const statusId = t.sqlite
      .query<{ id: string }, [string]>('SELECT id FROM statuses WHERE project_id = ? ORDER BY position')
      .get(project.id)!.id
    const ids = [
      ...insertTasks(t.core, {
        workspaceId: w.wsA.id,
        projectId: project.id,
        statusId,
        ranks: Array.from({ length: 300 }, (_, i) => String(100000 + i)),
      }),
      ...insertTasks(t.core, { workspaceId: w.wsA.id, projectId: project.id, statusId, ranks: ['z1', 'z2', 'z3'], archived: true }),
    ]
    // Spread updated_at and due dates (a third without one), with ties, so the orders are not the id order.
    const set = t.sqlite.query('UPDATE tasks SET updated_at = ?, due_date = ? WHERE id = ?')
    for (const id of ids) {
      const day = Math.floor(rand() * 60)
      const due = rand() < 0.33 ? null : `2026-0${1 + Math.floor(day / 28)}-${String(1 + (day % 28)).padStart(2, '0')}`
      set.run(1_700_000_000_000 + Math.floor(rand() * 1000) * 60_000, due, id)
    }
  }
})

const actorOf = (role: 'OWNER' | 'MEMBER'): Actor => {
  const user = role === 'OWNER' ? w.users.owner : w.users.member
  return {
    user: { id: user.id, email: user.email, name: user.name, handle: user.handle, platformRole: 'NONE' },
    platformRole: 'NONE',
    credential: {
      kind: 'session',
      id: 'explain',
      scopes: null,
      workspaceId: null,
      projectId: null,
      expiresAt: null,
      rateLimitPerHour: null,
    },
    workspace: { id: w.wsA.id, slug: w.wsA.slug, name: w.wsA.name, role },
  } as Actor
}

function plan(actor: Actor, q: ListTasksQuery): string[] {
  const { sql, params } = taskListQuery(actor, q)
  return t.sqlite
    .query<{ detail: string }, (string | number)[]>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params)
    .map((r) => r.detail)
}

const cursorFor = (sort: 'updated' | 'due') =>
  Buffer.from(JSON.stringify(sort === 'updated' ? [1_700_000_000_000 + 500 * 60_000, 'm'] : ['2026-02-01', 'm'])).toString('base64url')

const CASES: { name: string; q: () => ListTasksQuery; index: RegExp }[] = []
for (const sort of ['updated', 'due'] as const)
  for (const order of ['asc', 'desc'] as const)
    for (const scope of ['workspace', 'project'] as const)
      for (const cursor of [false, true])
        CASES.push({
          name: `sort=${sort}&order=${order}${scope === 'project' ? '&projectId=…' : ''}${cursor ? '&cursor=…' : ''}`,
          q: () => ({
            sort,
            order,
            limit: 50,
            ...(scope === 'project' ? { projectId: projectIds[1]! } : {}),
            ...(cursor ? { cursor: cursorFor(sort) } : {}),
          }),
          index: new RegExp(`USING INDEX tasks_${scope === 'project' ? 'project' : 'ws'}_${sort}_idx`),
        })

describe('EXPLAIN QUERY PLAN: no temp b-tree for sort=updated / sort=due', () => {
  for (const analyzed of [false, true])
    for (const role of ['OWNER', 'MEMBER'] as const)
      for (const c of CASES)
        test(`${analyzed ? 'after ANALYZE, ' : ''}${role}: ${c.name}`, () => {
          if (analyzed) t.sqlite.run('ANALYZE')
          const lines = plan(actorOf(role), c.q())
          expect(lines.filter((l) => l.includes('TEMP B-TREE'))).toEqual([])
          expect(lines.some((l) => /^SEARCH tasks /.test(l) && c.index.test(l))).toBe(true)
        })
})

type Row = { id: string; updatedAt: string; dueDate: string | null }
async function walk(query: string): Promise<Row[]> {
  const out: Row[] = []
  let cursor: string | null = null
  do {
    const r: { status: number; body: any } = await t.req('GET', `/tasks?${query}&limit=200${cursor ? `&cursor=${cursor}` : ''}`, {
      as: w.tokens.member,
      workspace: w.wsA.id,
    })
    expect(r.status).toBe(200)
    out.push(...r.body.data)
    cursor = r.body.nextCursor
  } while (cursor)
  return out
}

describe('the answers keep their order', () => {
  const live = (projectId?: string) =>
    t.sqlite
      .query<{ id: string; updated_at: number; due_date: string | null }, string[]>(
        `SELECT id, updated_at, due_date FROM tasks WHERE workspace_id = ? AND archived_at IS NULL${projectId ? ' AND project_id = ?' : ''}`,
      )
      .all(...[w.wsA.id, ...(projectId ? [projectId] : [])])
  const cmp = (a: [string | number, string], b: [string | number, string]) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0

  for (const [sort, order] of [
    ['updated', 'desc'],
    ['updated', 'asc'],
    ['due', 'asc'],
    ['due', 'desc'],
  ] as const)
    for (const scope of ['workspace', 'project'] as const)
      test(`sort=${sort}&order=${order} (${scope}), every page`, async () => {
        const projectId = scope === 'project' ? projectIds[2] : undefined
        const key = (r: { id: string; updated_at: number; due_date: string | null }): [string | number, string] => [
          sort === 'updated' ? r.updated_at : (r.due_date ?? '9999-12-31'),
          r.id,
        ]
        const expected = live(projectId)
          .sort((a, b) => (order === 'asc' ? 1 : -1) * cmp(key(a), key(b)))
          .map((r) => r.id)
        const got = await walk(`sort=${sort}&order=${order}${projectId ? `&projectId=${projectId}` : ''}`)
        expect(got.map((r) => r.id)).toEqual(expected)
        if (sort === 'due' && order === 'asc') expect(got.at(-1)!.dueDate).toBeNull()
      })
})
