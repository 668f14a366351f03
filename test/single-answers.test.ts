/**
 * Kept single-object answers (issue 15): GET /projects/:id, GET /projects/:id/statuses and
 * GET /tasks/:id are served from bytes kept while the database is unchanged (src/http/cached-json.ts).
 * Their answers still match the documented schemas, the access check runs before every kept answer
 * (a caller who may not see the object never gets another caller's bytes), the caller's role is
 * part of the key, and any write is seen by the very next read.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { client } from '../src/clients/model'
import { envelope, listEnvelope } from '../src/http/respond'
import { notification } from '../src/notifications/model'
import { projectDetail, status } from '../src/projects/model'
import { task } from '../src/tasks/model'
import { makeTestApp } from './helpers/app'
import { createProjectRow, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
afterAll(() => t.close())
let w: Awaited<ReturnType<typeof seedWorld>>

beforeAll(async () => {
  w = await seedWorld(t.core)
})

/** A project of workspace A (the MEMBER is a member of it) with one task: each test its own, so order does not matter. */
async function fresh() {
  const p = createProjectRow(t.core, w.wsA.id, { members: [[w.users.member.id, 'MEMBER']] })
  const r = await t.req('POST', '/tasks', {
    as: w.tokens.owner,
    workspace: w.wsA.id,
    body: { projectId: p.id, title: 'Kept task', labels: ['one'] },
  })
  expect(r.status).toBe(201)
  return { projectId: p.id, taskId: r.body.data.id as string, humanId: r.body.data.humanId as string }
}

const get = (path: string, who: keyof typeof w.tokens = 'owner', workspace = w.wsA.id) =>
  t.req('GET', path, { as: w.tokens[who], workspace })

describe('kept single-object answers', () => {
  test('the answers match their documented schemas, twice in a row (computed, then kept)', async () => {
    const { projectId, taskId, humanId } = await fresh()
    for (let i = 0; i < 2; i++) {
      const p = await get(`/projects/${projectId}`)
      expect(p.status).toBe(200)
      expect(p.headers.get('content-type')).toContain('application/json')
      envelope(projectDetail).parse(p.body)
      const s = await get(`/projects/${projectId}/statuses`)
      expect(s.status).toBe(200)
      listEnvelope(status).parse(s.body)
      const tk = await get(`/tasks/${taskId}`)
      expect(tk.status).toBe(200)
      const parsed = envelope(task).parse(tk.body)
      expect(parsed.data.labels.map((l: { name: string }) => l.name)).toEqual(['one'])
      expect((await get(`/tasks/${humanId}`)).body).toEqual(tk.body)
    }
  })

  test('a caller who cannot see the object gets 404, not the kept answer of one who can', async () => {
    const { projectId, taskId, humanId } = await fresh()
    // The OWNER's answers are kept now.
    for (const path of [`/projects/${projectId}`, `/projects/${projectId}/statuses`, `/tasks/${taskId}`, `/tasks/${humanId}`])
      expect((await get(path)).status).toBe(200)
    // The VIEWER of the workspace is no member of this project; the other workspace's OWNER and an outsider see nothing.
    for (const path of [`/projects/${projectId}`, `/projects/${projectId}/statuses`, `/tasks/${taskId}`, `/tasks/${humanId}`]) {
      expect((await get(path, 'viewer')).status).toBe(404)
      expect((await get(path, 'ownerB', w.wsB.id)).status).toBe(404)
      expect((await get(path, 'outsider')).status).toBe(404)
    }
  })

  test('the caller’s role is part of the key', async () => {
    const { projectId } = await fresh()
    expect((await get(`/projects/${projectId}`)).body.data.role).toBe('OWNER')
    expect((await get(`/projects/${projectId}`, 'member')).body.data.role).toBe('MEMBER')
    expect((await get(`/projects/${projectId}`)).body.data.role).toBe('OWNER')
  })

  test('a write is seen by the next read', async () => {
    const { projectId, taskId } = await fresh()
    await get(`/projects/${projectId}`)
    await get(`/tasks/${taskId}`)
    await get(`/projects/${projectId}/statuses`)
    const renamed = await t.req('PATCH', `/projects/${projectId}`, { as: w.tokens.owner, workspace: w.wsA.id, body: { name: 'Renamed' } })
    expect(renamed.status).toBe(200)
    expect((await get(`/projects/${projectId}`)).body.data.name).toBe('Renamed')
    const added = await t.req('POST', `/projects/${projectId}/statuses`, {
      as: w.tokens.owner,
      workspace: w.wsA.id,
      body: { name: 'Blocked', category: 'started' },
    })
    expect(added.status).toBe(201)
    const names = (await get(`/projects/${projectId}/statuses`)).body.data.map((s: { name: string }) => s.name)
    expect(names).toContain('Blocked')
    expect((await get(`/projects/${projectId}`)).body.data.statuses.map((s: { name: string }) => s.name)).toEqual(names)
    const patched = await t.req('PATCH', `/tasks/${taskId}`, { as: w.tokens.owner, workspace: w.wsA.id, body: { title: 'New title' } })
    expect(patched.status).toBe(200)
    const after = await get(`/tasks/${taskId}`)
    expect(after.body.data.title).toBe('New title')
    expect(after.body).toEqual(patched.body)
    // Removing the MEMBER from the project hides the task from them at once.
    expect((await get(`/tasks/${taskId}`, 'member')).status).toBe(200)
    const removed = await t.req('DELETE', `/projects/${projectId}/members/${w.users.member.id}`, {
      as: w.tokens.owner,
      workspace: w.wsA.id,
    })
    expect(removed.status).toBeLessThan(300)
    expect((await get(`/tasks/${taskId}`, 'member')).status).toBe(404)
    expect((await get(`/projects/${projectId}`, 'member')).status).toBe(404)
  })

  test('the notifications page: schema, one caller’s page never another’s, reads seen at once', async () => {
    const { projectId } = await fresh()
    const r = await t.req('POST', '/tasks', {
      as: w.tokens.owner,
      workspace: w.wsA.id,
      body: { projectId, title: 'For the member', assigneeIds: [w.users.member.id] },
    })
    expect(r.status).toBe(201)
    const mine = await get('/notifications', 'member')
    expect(mine.status).toBe(200)
    listEnvelope(notification).parse(mine.body)
    const n = mine.body.data.find((x: { task: { id: string } | null }) => x.task?.id === r.body.data.id)
    expect(n.read).toBe(false)
    // Kept now: the OWNER asking the same page gets their own (none about this task), not the member's.
    expect((await get('/notifications', 'member')).body).toEqual(mine.body)
    const owners = await get('/notifications')
    expect(owners.body.data.some((x: { id: string }) => x.id === n.id)).toBe(false)
    expect((await t.req('POST', `/notifications/${n.id}/read`, { as: w.tokens.member, workspace: w.wsA.id })).status).toBe(200)
    const after = await get('/notifications?unread=true', 'member')
    expect(after.body.data.some((x: { id: string }) => x.id === n.id)).toBe(false)
    expect((await get('/notifications', 'member')).body.data.find((x: { id: string }) => x.id === n.id).read).toBe(true)
  })

  test('clients: schema, kept per workspace, a rename seen at once', async () => {
    const created = await t.req('POST', '/clients', { as: w.tokens.owner, workspace: w.wsA.id, body: { name: `Acme ${Math.random()}` } })
    expect(created.status).toBe(201)
    const id = created.body.data.id
    for (let i = 0; i < 2; i++) {
      const list = await get('/clients', 'member')
      expect(list.status).toBe(200)
      listEnvelope(client).parse(list.body)
      expect(list.body.data.some((c: { id: string }) => c.id === id)).toBe(true)
      const one = await get(`/clients/${id}`, 'member')
      expect(one.status).toBe(200)
      envelope(client).parse(one.body)
    }
    // The other workspace's OWNER asks for the same id and page: not A's answer.
    expect((await get(`/clients/${id}`, 'ownerB', w.wsB.id)).status).toBe(404)
    expect((await get('/clients', 'ownerB', w.wsB.id)).body.data.some((c: { id: string }) => c.id === id)).toBe(false)
    const renamed = await t.req('PATCH', `/clients/${id}`, { as: w.tokens.owner, workspace: w.wsA.id, body: { name: 'Renamed client' } })
    expect(renamed.status).toBe(200)
    expect((await get(`/clients/${id}`, 'member')).body.data.name).toBe('Renamed client')
    expect((await get('/clients', 'member')).body.data.find((c: { id: string }) => c.id === id).name).toBe('Renamed client')
  })

  test('a task deleted is gone from the next read by id and by human id', async () => {
    const { projectId } = await fresh()
    const r = await t.req('POST', '/tasks', { as: w.tokens.owner, workspace: w.wsA.id, body: { projectId, title: 'Short-lived' } })
    const id = r.body.data.id
    const human = r.body.data.humanId
    expect((await get(`/tasks/${id}`)).status).toBe(200)
    expect((await get(`/tasks/${human}`)).status).toBe(200)
    expect((await t.req('DELETE', `/tasks/${id}`, { as: w.tokens.owner, workspace: w.wsA.id })).status).toBeLessThan(300)
    expect((await get(`/tasks/${id}`)).status).toBe(404)
    expect((await get(`/tasks/${human}`)).status).toBe(404)
  })
})
