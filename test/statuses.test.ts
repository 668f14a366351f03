import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { isValidRank } from '../src/lib/rank'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'
import { columnOrder, insertTasks } from './helpers/task-rows'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const A = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
type S = { id: string; name: string; category: string; position: number }

async function newProject() {
  const r = await t.req('POST', '/projects', { ...A(), body: { name: 'Statuses' } })
  return r.body.data as { id: string; statuses: S[] }
}
const names = async (projectId: string) => {
  const r = await t.req('GET', `/projects/${projectId}/statuses`, A())
  expect(r.status).toBe(200)
  const list = r.body.data as S[]
  expect(list.map((s) => s.position)).toEqual(list.map((_, i) => i))
  return list.map((s) => s.name)
}

describe('statuses', () => {
  test('list in order; create appends or inserts at a position', async () => {
    const p = await newProject()
    expect(await names(p.id)).toEqual(['Backlog', 'To Do', 'In Progress', 'In Review', 'Done'])
    const c = await t.req('POST', `/projects/${p.id}/statuses`, {
      ...A(),
      body: { name: 'Canceled', category: 'canceled', color: '#ff0000' },
    })
    expect(c.status).toBe(201)
    expect(c.body.data).toMatchObject({ name: 'Canceled', category: 'canceled', position: 5, color: '#ff0000', projectId: p.id })
    const q = await t.req('POST', `/projects/${p.id}/statuses`, { ...A(), body: { name: 'QA', category: 'started', position: 3 } })
    expect(q.body.data.position).toBe(3)
    expect(await names(p.id)).toEqual(['Backlog', 'To Do', 'In Progress', 'QA', 'In Review', 'Done', 'Canceled'])
    const first = await t.req('POST', `/projects/${p.id}/statuses`, { ...A(), body: { name: 'Triage', category: 'backlog', position: 0 } })
    expect(first.body.data.position).toBe(0)
    const far = await t.req('POST', `/projects/${p.id}/statuses`, { ...A(), body: { name: 'Later', category: 'backlog', position: 99 } })
    expect(far.body.data.position).toBe(8)
  })

  test('names unique per project case-insensitively (409); the same name in another project is fine', async () => {
    const p = await newProject()
    const dup = await t.req('POST', `/projects/${p.id}/statuses`, { ...A(), body: { name: 'in progress', category: 'started' } })
    expect(dup.status).toBe(409)
    expect(dup.body.code).toBe('conflict')
    const ren = await t.req('PATCH', `/projects/${p.id}/statuses/${p.statuses[0]!.id}`, { ...A(), body: { name: 'DONE' } })
    expect(ren.status).toBe(409)
    const other = await newProject()
    expect((await t.req('POST', `/projects/${other.id}/statuses`, { ...A(), body: { name: 'Blocked', category: 'started' } })).status).toBe(
      201,
    )
    expect((await t.req('POST', `/projects/${p.id}/statuses`, { ...A(), body: { name: 'blocked', category: 'started' } })).status).toBe(201)
  })

  test('bad category → 400', async () => {
    const p = await newProject()
    const r = await t.req('POST', `/projects/${p.id}/statuses`, { ...A(), body: { name: 'x', category: 'doing' } })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
  })

  test('PATCH renames, recategorizes and repositions; the others shift and stay 0..n-1', async () => {
    const p = await newProject()
    const [backlog, todo, , , done] = p.statuses
    const r = await t.req('PATCH', `/projects/${p.id}/statuses/${done!.id}`, {
      ...A(),
      body: { name: 'Shipped', category: 'completed', color: '#00ff00', position: 1 },
    })
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ name: 'Shipped', position: 1, color: '#00ff00' })
    expect(await names(p.id)).toEqual(['Backlog', 'Shipped', 'To Do', 'In Progress', 'In Review'])
    await t.req('PATCH', `/projects/${p.id}/statuses/${backlog!.id}`, { ...A(), body: { position: 4 } })
    expect(await names(p.id)).toEqual(['Shipped', 'To Do', 'In Progress', 'In Review', 'Backlog'])
    await t.req('PATCH', `/projects/${p.id}/statuses/${todo!.id}`, { ...A(), body: { position: 50 } })
    expect(await names(p.id)).toEqual(['Shipped', 'In Progress', 'In Review', 'Backlog', 'To Do'])
    // Renaming to another casing of its own name is allowed.
    expect((await t.req('PATCH', `/projects/${p.id}/statuses/${todo!.id}`, { ...A(), body: { name: 'TO DO' } })).status).toBe(200)
    const feed = (await t.req('GET', `/projects/${p.id}/activity`, A())).body.data
    expect(
      feed.find((a: { action: string; meta: { statusId: string } }) => a.action === 'status.updated' && a.meta.statusId === done!.id)
        .changes,
    ).toEqual({
      name: { from: 'Done', to: 'Shipped' },
      color: { from: '#22c55e', to: '#00ff00' },
      position: { from: 4, to: 1 },
    })
  })

  test('DELETE an empty status; the last one cannot go (409)', async () => {
    const p = await newProject()
    for (const s of p.statuses.slice(0, 4)) expect((await t.req('DELETE', `/projects/${p.id}/statuses/${s.id}`, A())).status).toBe(200)
    expect(await names(p.id)).toEqual(['Done'])
    const last = await t.req('DELETE', `/projects/${p.id}/statuses/${p.statuses[4]!.id}`, A())
    expect(last.status).toBe(409)
  })

  test('DELETE with tasks needs moveTasksTo (409); tasks are appended after the target column in their order', async () => {
    const p = await newProject()
    const [from, to, other] = [p.statuses[1]!, p.statuses[2]!, p.statuses[3]!]
    const ws = w.wsA.id
    const existing = insertTasks(t.core, { workspaceId: ws, projectId: p.id, statusId: to.id, ranks: ['V', 'k', 'zzzz'] })
    const moving = insertTasks(t.core, { workspaceId: ws, projectId: p.id, statusId: from.id, ranks: ['U', 'a', 'b', 'c'] })
    const archived = insertTasks(t.core, { workspaceId: ws, projectId: p.id, statusId: from.id, ranks: ['a5'], archived: true })
    const refused = await t.req('DELETE', `/projects/${p.id}/statuses/${from.id}`, A())
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('conflict')
    expect(refused.body.error).toContain('moveTasksTo')
    for (const bad of [from.id, crypto.randomUUID()]) {
      const r = await t.req('DELETE', `/projects/${p.id}/statuses/${from.id}?moveTasksTo=${bad}`, A())
      expect(r.status).toBe(400)
    }
    const elsewhere = await newProject()
    expect((await t.req('DELETE', `/projects/${p.id}/statuses/${from.id}?moveTasksTo=${elsewhere.statuses[0]!.id}`, A())).status).toBe(400)
    const r = await t.req('DELETE', `/projects/${p.id}/statuses/${from.id}?moveTasksTo=${to.id}`, A())
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ deleted: true, movedTasks: 5, movedTo: to.id })
    const col = columnOrder(t.core, to.id)
    expect(col.map((x) => x.id)).toEqual([...existing, moving[0]!, moving[1]!, archived[0]!, moving[2]!, moving[3]!])
    for (const x of col) expect(isValidRank(x.rank)).toBe(true)
    expect(new Set(col.map((x) => x.rank)).size).toBe(col.length)
    // The moving tasks were never interleaved with another status.
    expect(columnOrder(t.core, other.id)).toEqual([])
    expect(await names(p.id)).toEqual(['Backlog', 'In Progress', 'In Review', 'Done'])
  })

  test('moveTasksTo in the body works too, also into an empty column', async () => {
    const p = await newProject()
    const moving = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: p.statuses[0]!.id, ranks: ['a', 'b'] })
    const r = await t.req('DELETE', `/projects/${p.id}/statuses/${p.statuses[0]!.id}`, { ...A(), body: { moveTasksTo: p.statuses[4]!.id } })
    expect(r.status).toBe(200)
    expect(columnOrder(t.core, p.statuses[4]!.id).map((x) => x.id)).toEqual(moving)
  })

  test('permissions: project MEMBER reads but cannot change (403); non-member 404; other workspace 404', async () => {
    const p = await newProject()
    await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'MEMBER' } })
    const m = { as: w.tokens.member, workspace: w.wsA.id }
    expect((await t.req('GET', `/projects/${p.id}/statuses`, m)).status).toBe(200)
    expect((await t.req('POST', `/projects/${p.id}/statuses`, { ...m, body: { name: 'x', category: 'started' } })).status).toBe(403)
    expect((await t.req('PATCH', `/projects/${p.id}/statuses/${p.statuses[0]!.id}`, { ...m, body: { name: 'x' } })).status).toBe(403)
    expect((await t.req('DELETE', `/projects/${p.id}/statuses/${p.statuses[0]!.id}`, m)).status).toBe(403)
    expect((await t.req('GET', `/projects/${p.id}/statuses`, { as: w.tokens.viewer, workspace: w.wsA.id })).status).toBe(404)
    expect((await t.req('GET', `/projects/${p.id}/statuses`, { as: w.tokens.ownerB, workspace: w.wsB.id })).status).toBe(404)
    // A status id of another project through this project's URL: 404.
    const other = await newProject()
    expect((await t.req('PATCH', `/projects/${p.id}/statuses/${other.statuses[0]!.id}`, { ...A(), body: { name: 'x' } })).status).toBe(404)
  })
})
