/**
 * Project-level changes are domain events (src/events.ts), published in the transaction that makes
 * them, so the activity feed, notifications and webhooks all see them:
 * - deleting a status with `moveTasksTo` publishes one `task.moved` per moved task, as a single move does;
 * - project updates, archive/unarchive, member changes and status changes are events webhooks can
 *   subscribe to (not only activity rows).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { subscribe, type DomainEvent } from '../src/events'
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
const newProject = async (name: string) => must('POST', '/projects', { name }) as Promise<{ id: string; statuses: { id: string; name: string }[] }>

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
