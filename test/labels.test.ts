import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { labels, taskLabels } from '../src/db/schema'
import { resolveLabels } from '../src/labels/service'
import type { Actor } from '../src/permissions/actor'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const asOwner = () => ({ as: w.tokens.owner, workspace: w.wsA.id })

describe('labels CRUD', () => {
  test('create, list, get, rename, delete', async () => {
    const c = await t.req('POST', '/labels', { ...asOwner(), body: { name: '  frontend ', color: '#3b82f6' } })
    expect(c.status).toBe(201)
    expect(c.body.data).toMatchObject({ name: 'frontend', color: '#3b82f6' })
    const id = c.body.data.id
    const list = await t.req('GET', '/labels', asOwner())
    expect(list.status).toBe(200)
    expect(list.body.data.map((l: { id: string }) => l.id)).toContain(id)
    expect(list.body.nextCursor).toBeNull()
    expect((await t.req('GET', `/labels/${id}`, asOwner())).body.data.name).toBe('frontend')
    const p = await t.req('PATCH', `/labels/${id}`, { ...asOwner(), body: { name: 'Front-end', color: null } })
    expect(p.status).toBe(200)
    expect(p.body.data).toMatchObject({ name: 'Front-end', color: null })
    const d = await t.req('DELETE', `/labels/${id}`, asOwner())
    expect(d.status).toBe(200)
    expect((await t.req('GET', `/labels/${id}`, asOwner())).status).toBe(404)
  })

  test('names are unique case-insensitively: 409 on create and on rename', async () => {
    expect((await t.req('POST', '/labels', { ...asOwner(), body: { name: 'Bug' } })).status).toBe(201)
    const dup = await t.req('POST', '/labels', { ...asOwner(), body: { name: 'bUG' } })
    expect(dup.status).toBe(409)
    expect(dup.body.code).toBe('conflict')
    const other = await t.req('POST', '/labels', { ...asOwner(), body: { name: 'Feature' } })
    const ren = await t.req('PATCH', `/labels/${other.body.data.id}`, { ...asOwner(), body: { name: 'BUG' } })
    expect(ren.status).toBe(409)
    // Renaming a label to another casing of its own name is fine.
    const self = await t.req('PATCH', `/labels/${other.body.data.id}`, { ...asOwner(), body: { name: 'FEATURE' } })
    expect(self.status).toBe(200)
  })

  test('the same name may exist in another workspace; its ids are 404 here', async () => {
    const b = await t.req('POST', '/labels', { as: w.tokens.ownerB, workspace: w.wsB.id, body: { name: 'Bug' } })
    expect(b.status).toBe(201)
    for (const [m, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await t.req(m, `/labels/${b.body.data.id}`, { ...asOwner(), body })
      expect(r.status).toBe(404)
    }
  })

  test('validation: empty name, bad color → 400', async () => {
    expect((await t.req('POST', '/labels', { ...asOwner(), body: { name: '  ' } })).status).toBe(400)
    expect((await t.req('POST', '/labels', { ...asOwner(), body: { name: 'ok', color: 'red' } })).status).toBe(400)
  })

  test('pagination by cursor and the workspace selected by query parameter', async () => {
    for (let i = 0; i < 5; i++) await t.req('POST', '/labels', { ...asOwner(), body: { name: `page-${i}` } })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const q: string = `/labels?limit=2&q=page-&workspaceId=${w.wsA.id}${cursor ? `&cursor=${cursor}` : ''}`
      const r = await t.req('GET', q, { as: w.tokens.owner })
      expect(r.status).toBe(200)
      expect(r.body.data.length).toBeLessThanOrEqual(2)
      seen.push(...r.body.data.map((l: { name: string }) => l.name))
      cursor = r.body.nextCursor
    } while (cursor)
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4'])
  })

  test('deleting a label removes it from tasks', async () => {
    const p = createProjectRow(t.core, w.wsA.id)
    const st = t.sqlite.query<{ id: string }, [string]>('SELECT id FROM statuses WHERE project_id = ? LIMIT 1').get(p.id)!
    const taskId = Bun.randomUUIDv7()
    t.sqlite.run(
      `INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, priority, rank, created_at, updated_at) VALUES (?, ?, ?, 1, ?, 't', 'P2', 'a0', 0, 0)`,
      [taskId, w.wsA.id, p.id, st.id],
    )
    const l = await t.req('POST', '/labels', { ...asOwner(), body: { name: 'doomed' } })
    t.db.insert(taskLabels).values({ taskId, labelId: l.body.data.id }).run()
    await t.req('DELETE', `/labels/${l.body.data.id}`, asOwner())
    expect(t.db.select().from(taskLabels).where(eq(taskLabels.taskId, taskId)).all()).toEqual([])
  })
})

describe('labels permissions', () => {
  test.each([
    ['viewer', 'GET', 200],
    ['viewer', 'POST', 403],
    ['member', 'POST', 201],
    ['outsider', 'GET', 404],
  ] as const)('%s %s /labels → %d', async (who, method, status) => {
    const r = await t.req(method, '/labels', {
      as: w.tokens[who],
      workspace: w.wsA.id,
      body: method === 'POST' ? { name: `by-${who}` } : undefined,
    })
    expect(r.status).toBe(status)
  })

  test('a project-scoped key may list, and name new labels on its tasks; creating, renaming or deleting one directly is a scope_violation', async () => {
    const p = createProjectRow(t.core, w.wsA.id, { members: [[w.users.member.id, 'MEMBER']] })
    const { key } = await createKey(t.core, w.users.member.id, { projectId: p.id })
    const opts = { as: key, workspace: w.wsA.id }
    expect((await t.req('GET', '/labels', opts)).status).toBe(200)
    const c = await t.req('POST', '/labels', { ...opts, body: { name: 'scoped' } })
    expect(c.status).toBe(403)
    expect(c.body.code).toBe('scope_violation')
    expect(t.db.select().from(labels).where(eq(labels.name, 'scoped')).all()).toHaveLength(0)
    const task = await t.req('POST', '/tasks', { ...opts, body: { projectId: p.id, title: 'tagged', labels: ['scoped'] } })
    expect(task.status).toBe(201)
    const id = task.body.data.labels[0].id
    const ren = await t.req('PATCH', `/labels/${id}`, { ...opts, body: { name: 'x' } })
    expect(ren.status).toBe(403)
    expect(ren.body.code).toBe('scope_violation')
    const del = await t.req('DELETE', `/labels/${id}`, opts)
    expect(del.status).toBe(403)
    expect(del.body.code).toBe('scope_violation')
    expect(t.db.select().from(labels).where(eq(labels.id, id)).get()).toMatchObject({ name: 'scoped' })
  })

  test('a key without tasks:write cannot create', async () => {
    const { key } = await createKey(t.core, w.users.owner.id, { scopes: ['tasks:read'] })
    const r = await t.req('POST', '/labels', { as: key, workspace: w.wsA.id, body: { name: 'nope' } })
    expect(r.status).toBe(403)
    expect(r.body.error).toBe('Missing tasks:write permission.')
  })
})

describe('resolveLabels', () => {
  const actorOf = (workspaceId: string): Actor => ({
    user: { id: w.users.owner.id, email: '', name: '', handle: '', platformRole: 'NONE' },
    platformRole: 'NONE',
    credential: { kind: 'session', id: 's', scopes: null, workspaceId: null, projectId: null, expiresAt: null, rateLimitPerHour: null },
    workspace: { id: workspaceId, slug: '', name: '', role: 'OWNER' },
  })

  test('finds by id and by name (case-insensitive), creates missing names once, keeps order, dedupes', async () => {
    const existing = (await t.req('POST', '/labels', { ...asOwner(), body: { name: 'Design' } })).body.data
    const actor = actorOf(w.wsA.id)
    const out = t.db.transaction((tx) => resolveLabels(t.core, tx, actor, ['brand-new', 'design', existing.id, 'Brand-New', ' priority ']))
    expect(out.map((l) => l.name)).toEqual(['brand-new', 'Design', 'priority'])
    expect(out[1]!.id).toBe(existing.id)
    const again = t.db.transaction((tx) => resolveLabels(t.core, tx, actor, ['BRAND-NEW']))
    expect(again[0]!.id).toBe(out[0]!.id)
  })

  test("an unknown id or another workspace's id is a 400, not a new label", async () => {
    const other = t.db.insert(labels).values({ workspaceId: w.wsB.id, name: 'theirs' }).returning().get()
    const actor = actorOf(w.wsA.id)
    for (const ref of [other.id, Bun.randomUUIDv7()]) {
      let err: any
      try {
        t.db.transaction((tx) => resolveLabels(t.core, tx, actor, [ref]))
      } catch (e) {
        err = e
      }
      expect(err?.code).toBe('validation_error')
    }
    expect(() => t.db.transaction((tx) => resolveLabels(t.core, tx, actor, ['x'.repeat(51)]))).toThrow()
  })
})
