/**
 * GET /events (SPEC §9), in process: what each stream receives is decided per event at the moment
 * of sending (a member removed mid-stream stops receiving), only committed events go out,
 * Last-Event-ID resumes within the window (older: `event: reset`), at most 10 streams per user,
 * heartbeats, the subject's read scope for keys, and the shutdown ending open streams.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app'
import { listen } from '../src/cli/main'
import { testConfig } from '../src/config'
import { createCore } from '../src/core'
import { openDatabase } from '../src/db/client'
import { runMigrations } from '../src/db/migrate'
import { workspaceMembers } from '../src/db/schema'
import { publish } from '../src/events'
import { liveHub } from '../src/live/hub'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
afterAll(() => t.close())
const world = await seedWorld(t.core)
const { users, tokens, wsA, wsB } = world
// P1: owner + member; P2: owner only (the member cannot see it).
const p1 = createProjectRow(t.core, wsA.id, { members: [[users.member.id, 'MEMBER']] })
const p2 = createProjectRow(t.core, wsA.id)
const pB = createProjectRow(t.core, wsB.id)

type Sse = { id?: string; event?: string; data?: any; comment?: string }

/** Opens a stream in process and collects what it sends. */
async function openStream(headers: Record<string, string>, app = t.app, path = '/events') {
  const res = await app.handle(new Request(`http://localhost${path}`, { headers }))
  const got: Sse[] = []
  let ended = false
  let cancel: (() => unknown) | undefined
  if (res.status === 200) {
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buf = ''
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }))
        if (done) break
        buf += decoder.decode(value, { stream: true })
        let i = buf.indexOf('\n\n')
        while (i >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const ev: Sse = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) ev.comment = line.slice(1).trim()
            else if (line.startsWith('id: ')) ev.id = line.slice(4)
            else if (line.startsWith('event: ')) ev.event = line.slice(7)
            else if (line.startsWith('data: ')) ev.data = JSON.parse(line.slice(6))
          }
          got.push(ev)
          i = buf.indexOf('\n\n')
        }
      }
      ended = true
    })()
    cancel = () => reader.cancel()
  }
  const events = () => got.filter((e) => e.event)
  return {
    res,
    got,
    events,
    ended: () => ended,
    close: () => cancel?.(),
    /** Waits until `pred` holds on what arrived (fails after `ms`). */
    async until(pred: () => boolean, ms = 2000) {
      const end = performance.now() + ms
      while (!pred()) {
        if (performance.now() > end) throw new Error(`timed out; got ${JSON.stringify(got)}`)
        await Bun.sleep(5)
      }
    },
  }
}
const bearer = (token: string, ws: { id: string }, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  'x-workspace-id': ws.id,
  ...extra,
})
const createTask = async (token: string, projectId: string, title: string) => {
  const r = await t.req('POST', '/tasks', { as: token, workspace: wsA.id, body: { projectId, title } })
  expect(r.status).toBe(201)
  return r.body.data
}
const titles = (s: { events(): Sse[] }) => s.events().map((e) => e.data?.data?.title ?? e.event)

describe('GET /events', () => {
  test('answers text/event-stream; auth and workspace selection like every route', async () => {
    const s = await openStream(bearer(tokens.member, wsA))
    expect(s.res.status).toBe(200)
    expect(s.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    s.close()
    expect((await openStream({})).res.status).toBe(401)
    expect((await openStream(bearer(tokens.member, wsB))).res.status).toBe(404)
    const twoWs = await createUser(t.core)
    createWorkspace(t.core, { members: [[twoWs.id, 'MEMBER']] })
    createWorkspace(t.core, { members: [[twoWs.id, 'MEMBER']] })
    const r = await openStream({ authorization: `Bearer ${createSession(t.core, twoWs.id)}` })
    expect(r.res.status).toBe(400)
    expect(await r.res.json()).toMatchObject({ code: 'workspace_required' })
    // EventSource cannot send headers: the workspace may be selected in the query, as on every route.
    const byQuery = await openStream({ authorization: `Bearer ${tokens.member}` }, t.app, `/events?workspaceSlug=${wsA.slug}`)
    expect(byQuery.res.status).toBe(200)
    await byQuery.until(() => byQuery.got.some((e) => e.comment === `connected to ${wsA.slug}`))
    byQuery.close()
    const mcp = await createKey(t.core, users.member.id, { kind: 'mcp' })
    expect((await openStream(bearer(mcp.key, wsA))).res.status).toBe(403)
  })

  test('sends only what the reader may see, re-checked per event: a member removed mid-stream stops receiving', async () => {
    const member = await openStream(bearer(tokens.member, wsA))
    const owner = await openStream(bearer(tokens.owner, wsA))
    await createTask(tokens.owner, p2.id, 'hidden from member')
    await createTask(tokens.owner, p1.id, 'seen by both')
    await member.until(() => titles(member).includes('seen by both'))
    await owner.until(() => titles(owner).includes('seen by both'))
    expect(titles(member)).toEqual(['seen by both'])
    expect(titles(owner)).toEqual(['hidden from member', 'seen by both'])
    const ev = member.events()[0]!
    expect(ev.event).toBe('task.created')
    expect(ev.data).toMatchObject({ type: 'task.created', workspaceId: wsA.id, projectId: p1.id, taskId: expect.any(String) })
    expect(typeof ev.data.at).toBe('string')
    // Another workspace's events never arrive.
    const ownerB = await openStream(bearer(tokens.ownerB, wsB))
    await t.req('POST', '/tasks', { as: tokens.ownerB, workspace: wsB.id, body: { projectId: pB.id, title: 'in B' } })
    await ownerB.until(() => titles(ownerB).includes('in B'))

    // Removed from P1 while the stream is open: P1's next event is not sent to them; owner gets both.
    const removed = await t.req('DELETE', `/projects/${p1.id}/members/${users.member.id}`, { as: tokens.owner, workspace: wsA.id })
    expect(removed.status).toBe(200)
    await createTask(tokens.owner, p1.id, 'after removal')
    await owner.until(() => titles(owner).includes('after removal'))
    await Bun.sleep(30)
    expect(titles(member)).toEqual(['seen by both'])
    expect(titles(ownerB)).toEqual(['in B'])
    await t.req('POST', `/projects/${p1.id}/members`, { as: tokens.owner, workspace: wsA.id, body: { userId: users.member.id } })
    for (const s of [member, owner, ownerB]) s.close()
  })

  test('ids are monotonic; Last-Event-ID resumes within the window, older or unknown ids get event: reset', async () => {
    const first = await openStream(bearer(tokens.owner, wsA))
    await createTask(tokens.owner, p1.id, 'r1')
    await first.until(() => titles(first).includes('r1'))
    const r1 = first.events().find((e) => e.data?.data?.title === 'r1')!
    first.close()
    await createTask(tokens.owner, p1.id, 'r2')
    await createTask(tokens.owner, p1.id, 'r3')
    const resumed = await openStream(bearer(tokens.owner, wsA, { 'last-event-id': r1.id! }))
    await resumed.until(() => titles(resumed).includes('r3'))
    const got = resumed.events().filter((e) => e.event === 'task.created')
    expect(got.map((e) => e.data.data.title)).toEqual(['r2', 'r3'])
    expect(Number(got[0]!.id)).toBeGreaterThan(Number(r1.id))
    expect(Number(got[1]!.id)).toBeGreaterThan(Number(got[0]!.id))
    expect(resumed.events().some((e) => e.event === 'reset')).toBe(false)
    resumed.close()

    const hub = liveHub(t.core)!
    const size = hub.options.windowSize
    hub.options.windowSize = 2
    try {
      await createTask(tokens.owner, p1.id, 'r4')
      await createTask(tokens.owner, p1.id, 'r5')
      const stale = await openStream(bearer(tokens.owner, wsA, { 'last-event-id': r1.id! }))
      await stale.until(() => stale.events().length > 0)
      expect(stale.events()[0]!.event).toBe('reset')
      stale.close()
      const junk = await openStream(bearer(tokens.owner, wsA, { 'last-event-id': 'nonsense' }))
      await junk.until(() => junk.events().length > 0)
      expect(junk.events()[0]!.event).toBe('reset')
      junk.close()
    } finally {
      hub.options.windowSize = size
    }
  })

  test('only committed events are sent: one published in a transaction that rolls back is dropped', async () => {
    const s = await openStream(bearer(tokens.owner, wsA))
    const ctx = { workspaceId: wsA.id, actorUserId: users.owner.id, at: t.clock.now() }
    expect(() =>
      t.core.db.transaction((tx) => {
        publish(t.core, tx, ctx, { type: 'project.updated', projectId: p1.id, changes: {}, data: { note: 'rolled back' } })
        throw new Error('abort')
      }),
    ).toThrow('abort')
    t.core.db.transaction((tx) =>
      publish(t.core, tx, ctx, { type: 'project.updated', projectId: p1.id, changes: {}, data: { note: 'kept' } }),
    )
    await s.until(() => s.events().length > 0)
    await Bun.sleep(20)
    expect(s.events().map((e) => e.data.data.note)).toEqual(['kept'])
    s.close()
  })

  test("a key receives only events of its subjects' read scopes", async () => {
    const projectsOnly = await createKey(t.core, users.owner.id, { scopes: ['projects:read'] })
    const tasksOnly = await createKey(t.core, users.owner.id, { scopes: ['tasks:read'] })
    const withTasks = await createKey(t.core, users.owner.id, { scopes: ['projects:read', 'tasks:read'] })
    // Connecting needs projects:read.
    const refused = await openStream(bearer(tasksOnly.key, wsA))
    expect([refused.res.status, ((await refused.res.json()) as { code: string }).code]).toEqual([403, 'forbidden'])
    const a = await openStream(bearer(projectsOnly.key, wsA))
    const b = await openStream(bearer(withTasks.key, wsA))
    await createTask(tokens.owner, p1.id, 'scoped task')
    const renamed = await t.req('PATCH', `/projects/${p1.id}`, { as: tokens.owner, workspace: wsA.id, body: { name: 'Renamed P1' } })
    expect(renamed.status).toBe(200)
    await a.until(() => a.events().some((e) => e.event === 'project.updated'))
    await b.until(() => b.events().some((e) => e.event === 'project.updated'))
    await Bun.sleep(30)
    expect(a.events().map((e) => e.event)).toEqual(['project.updated'])
    expect(b.events().map((e) => e.event)).toEqual(['task.created', 'project.updated'])
    a.close()
    b.close()
  })

  test('at most 10 open streams per user: the 11th closes the oldest', async () => {
    const user = await createUser(t.core)
    t.core.db.insert(workspaceMembers).values({ workspaceId: wsA.id, userId: user.id, role: 'MEMBER' }).run()
    const token = createSession(t.core, user.id)
    const streams: Awaited<ReturnType<typeof openStream>>[] = []
    for (let i = 0; i < 10; i++) streams.push(await openStream(bearer(token, wsA)))
    expect(liveHub(t.core)!.openCount(user.id)).toBe(10)
    const eleventh = await openStream(bearer(token, wsA))
    await streams[0]!.until(() => streams[0]!.ended())
    expect(streams.slice(1).some((s) => s.ended())).toBe(false)
    expect(eleventh.ended()).toBe(false)
    expect(liveHub(t.core)!.openCount(user.id)).toBe(10)
    for (const s of [...streams, eleventh]) s.close()
  })

  test('a heartbeat comment on an idle stream', async () => {
    const app = makeTestApp()
    try {
      const hub = liveHub(app.core)!
      hub.options.heartbeatMs = 25
      const w = await seedWorld(app.core)
      const s = await openStream(bearer(w.tokens.owner, w.wsA), app.app)
      await s.until(() => s.got.filter((e) => e.comment === 'heartbeat').length >= 2, 1000)
      s.close()
    } finally {
      app.close()
    }
  })
})

describe('graceful stop', () => {
  test('ends open event streams instead of waiting for the grace period', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sally-live-'))
    const handle = openDatabase(join(dir, 'sally.db'))
    runMigrations(handle.db)
    const core = createCore({ config: testConfig({ HOST: '127.0.0.1', PORT: '0' }), db: handle })
    const w = await seedWorld(core)
    const running = listen(buildApp(core), core, handle, { graceMs: 10_000 })
    const res = await fetch(`http://127.0.0.1:${running.server.port}/events`, { headers: bearer(w.tokens.owner, w.wsA) })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    await reader.read()
    const started = performance.now()
    await running.stop('test')
    expect(performance.now() - started).toBeLessThan(3000)
    expect((await reader.read().catch(() => ({ done: true }))).done).toBe(true)
    rmSync(dir, { recursive: true, force: true })
  })
})
