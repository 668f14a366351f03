/**
 * Project-level changes are domain events (src/events.ts), published in the transaction that makes
 * them, so the activity feed, notifications and webhooks all see them:
 * - deleting a status with `moveTasksTo` publishes one `task.moved` per moved task, as a single move does;
 * - project updates, archive/unarchive, member changes and status changes are events webhooks can
 *   subscribe to (not only activity rows); the activity feed is written from the same events.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type DomainEvent, EVENT_TYPES, subscribe } from '../src/events'
import { runDueDeliveries } from '../src/webhooks/worker'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'
import { insertTasks } from './helpers/task-rows'

const t = makeTestApp({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true' })
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())

/** Events of this file's workspace (the bus is process-wide); `explode` makes the next task.moved throw. */
const events: DomainEvent[] = []
let explode = false
subscribe((_core, _tx, ctx, e) => {
  if (!w || ctx.workspaceId !== w.wsA.id) return
  if (explode && e.type === 'task.moved') throw new Error('subscriber failure (test)')
  events.push(e)
})

const A = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
async function must(method: string, path: string, body?: unknown) {
  const r = await t.req(method, path, { ...A(), body })
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`)
  return r.body.data
}
type Delivery = { event: string; payload: { event: string; workspaceId: string; data: any } }
const deliveries = (webhookId: string): Delivery[] =>
  t.sqlite
    .query<{ event: string; payload: string }, [string]>('SELECT event, payload FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id')
    .all(webhookId)
    .map((r) => ({ event: r.event, payload: JSON.parse(r.payload) }))
const newProject = async (name: string) =>
  must('POST', '/projects', { name }) as Promise<{ id: string; statuses: { id: string; name: string }[] }>

beforeAll(async () => {
  w = await seedWorld(t.core)
})

describe('DELETE a status with moveTasksTo', () => {
  test('publishes task.moved per moved task: bus, activity feed and a task.moved webhook all see each one', async () => {
    const hook = await must('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['task.moved'] })
    const p = await newProject('Status delete events')
    const [from, to] = [p.statuses[3]!, p.statuses[4]!] // In Review → Done
    const moved = [
      ...insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: from.id, ranks: ['a', 'b'] }),
      ...insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: from.id, ranks: ['c'], archived: true }),
    ]
    insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: to.id, ranks: ['a'] }) // stays
    events.length = 0
    const r = await t.req('DELETE', `/projects/${p.id}/statuses/${from.id}?moveTasksTo=${to.id}`, A())
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ movedTasks: 3, movedTo: to.id })

    const published = events.filter((e) => e.type === 'task.moved') as Extract<DomainEvent, { type: 'task.moved' }>[]
    expect(published.map((e) => e.taskId).sort()).toEqual([...moved].sort())
    for (const e of published) {
      expect(e).toMatchObject({ projectId: p.id, fromProjectId: p.id, fromStatusId: from.id, toStatusId: to.id })
      expect(e.data).toMatchObject({ id: e.taskId, statusId: to.id, status: { name: 'Done' } })
    }

    const feed = (await t.req('GET', `/projects/${p.id}/activity?limit=20`, A())).body.data
    const movedRows = feed.filter((a: { action: string }) => a.action === 'task.moved')
    expect(movedRows.map((a: { taskId: string }) => a.taskId).sort()).toEqual([...moved].sort())
    for (const a of movedRows) {
      expect(a.changes).toEqual({ statusId: { from: from.id, to: to.id } })
      // Published while the deleted status still existed: the feed names it.
      expect(a.meta).toMatchObject({ fromStatus: 'In Review', toStatus: 'Done' })
    }
    expect(feed[0].action).toBe('status.deleted')

    const sent = deliveries(hook.id)
    expect(sent.map((d) => d.event)).toEqual(['task.moved', 'task.moved', 'task.moved'])
    expect(sent.map((d) => d.payload.data.id).sort()).toEqual([...moved].sort())
    await must('DELETE', `/webhooks/${hook.id}`)
  })

  test('in the same transaction: a failing subscriber rolls the whole delete back', async () => {
    const p = await newProject('Rollback')
    const [from, to] = [p.statuses[1]!, p.statuses[2]!]
    insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: from.id, ranks: ['a', 'b'] })
    const state = () => ({
      statuses: t.sqlite.query('SELECT * FROM statuses WHERE project_id = ? ORDER BY id').all(p.id),
      tasks: t.sqlite.query('SELECT * FROM tasks WHERE project_id = ? ORDER BY id').all(p.id),
      activity: t.sqlite.query('SELECT * FROM activity WHERE project_id = ? ORDER BY id').all(p.id),
    })
    const before = state()
    explode = true
    try {
      const r = await t.req('DELETE', `/projects/${p.id}/statuses/${from.id}?moveTasksTo=${to.id}`, A())
      expect(r.status).toBe(500)
    } finally {
      explode = false
    }
    expect(state()).toEqual(before)
  })
})

const PROJECT_EVENTS = [
  'project.updated',
  'project.archived',
  'project.unarchived',
  'member.added',
  'member.updated',
  'member.removed',
  'status.created',
  'status.updated',
  'status.deleted',
] as const

describe('project, member and status changes reach webhooks', () => {
  test('each is a documented event type a webhook may subscribe to', async () => {
    for (const type of PROJECT_EVENTS) expect(EVENT_TYPES).toContain(type)
    const doc = (await t.req('GET', '/swagger/json')).body
    const text = JSON.stringify(doc.paths['/webhooks'].post.requestBody)
    for (const type of PROJECT_EVENTS) expect(text).toContain(`"${type}"`)
  })

  test('a subscription receives one delivery per change, with the change in its payload; the feed still records them', async () => {
    const hook = await must('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: [...PROJECT_EVENTS] })
    const all = await must('POST', '/webhooks', { url: 'http://127.0.0.1:9/all', events: ['*'] })
    const p = await newProject('Webhook me')
    await must('PATCH', `/projects/${p.id}`, { name: 'Webhooked', color: '#123456' })
    await must('POST', `/projects/${p.id}/archive`)
    await must('POST', `/projects/${p.id}/unarchive`)
    await must('POST', `/projects/${p.id}/members`, { userId: w.users.member.id, role: 'MEMBER' })
    await must('PATCH', `/projects/${p.id}/members/${w.users.member.id}`, { role: 'VIEWER' })
    await must('DELETE', `/projects/${p.id}/members/${w.users.member.id}`)
    const st = await must('POST', `/projects/${p.id}/statuses`, { name: 'Blocked', category: 'started' })
    await must('PATCH', `/projects/${p.id}/statuses/${st.id}`, { name: 'Stuck', position: 0 })
    await must('DELETE', `/projects/${p.id}/statuses/${st.id}`)

    const sent = deliveries(hook.id)
    expect(sent.map((d) => d.event)).toEqual([...PROJECT_EVENTS])
    expect(deliveries(all.id).map((d) => d.event)).toEqual(['project.created', ...PROJECT_EVENTS])
    const by = Object.fromEntries(sent.map((d) => [d.event, d.payload]))
    for (const d of sent) expect(d.payload).toMatchObject({ event: d.event, workspaceId: w.wsA.id })
    expect(by['project.updated']!.data).toMatchObject({
      project: { id: p.id, name: 'Webhooked', color: '#123456' },
      changes: { name: { from: 'Webhook me', to: 'Webhooked' }, color: { from: null, to: '#123456' } },
    })
    expect(by['project.updated']!.data.project.statuses).toBeUndefined()
    expect(by['project.archived']!.data.project).toMatchObject({ id: p.id, archived: true })
    expect(by['project.unarchived']!.data.project).toMatchObject({ id: p.id, archived: false })
    expect(by['member.updated']!.data).toMatchObject({
      projectId: p.id,
      member: { userId: w.users.member.id, role: 'VIEWER' },
      changes: { role: { from: 'MEMBER', to: 'VIEWER' } },
    })
    expect(by['member.removed']!.data).toMatchObject({ projectId: p.id, member: { userId: w.users.member.id, role: 'VIEWER' } })
    expect(by['status.created']!.data).toMatchObject({ status: { id: st.id, name: 'Blocked', projectId: p.id, position: 5 } })
    expect(by['status.updated']!.data).toMatchObject({
      status: { id: st.id, name: 'Stuck', position: 0 },
      changes: { name: { from: 'Blocked', to: 'Stuck' }, position: { from: 5, to: 0 } },
    })
    expect(by['status.deleted']!.data).toMatchObject({ status: { id: st.id, name: 'Stuck' }, movedTasks: 0, movedTo: null })

    // The activity feed is written from the same events, as before.
    const feed = (await t.req('GET', `/projects/${p.id}/activity?limit=50`, A())).body.data
    expect(feed.map((a: { action: string }) => a.action)).toEqual([...([...PROJECT_EVENTS] as string[]).reverse(), 'project.created'])
    const row = (action: string) => feed.find((a: { action: string }) => a.action === action)
    expect(row('project.archived').changes).toEqual({ archived: { from: false, to: true } })
    expect(row('member.removed').meta).toEqual({ userId: w.users.member.id, role: 'VIEWER' })
    expect(row('status.deleted').meta).toEqual({ statusId: st.id, name: 'Stuck', movedTasks: 0, movedTo: null })
    for (const id of [hook.id, all.id]) await must('DELETE', `/webhooks/${id}`)
  })

  test('delivered end to end: a project.updated subscription receives the signed POST', async () => {
    const received: { event: string | null; body: any }[] = []
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(req) {
        received.push({ event: req.headers.get('x-sally-event'), body: await req.json() })
        return new Response('ok')
      },
    })
    try {
      const hook = await must('POST', '/webhooks', { url: `http://127.0.0.1:${server.port}/sally`, events: ['project.updated'] })
      const p = await newProject('Delivered')
      await must('PATCH', `/projects/${p.id}`, { description: 'now with a description' })
      await must('POST', `/projects/${p.id}/archive`) // not subscribed: not sent
      await runDueDeliveries(t.core, { now: t.clock.now() })
      const mine = received.filter((r) => r.body.data?.project?.id === p.id)
      expect(mine).toHaveLength(1)
      expect(mine[0]!.body).toMatchObject({
        event: 'project.updated',
        data: { changes: { description: { from: null, to: 'now with a description' } } },
      })
      await must('DELETE', `/webhooks/${hook.id}`)
    } finally {
      server.stop(true)
    }
  })
})
