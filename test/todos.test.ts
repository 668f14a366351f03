import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { type projects, todos } from '../src/db/schema'
import { type DomainEvent, subscribe } from '../src/events'
import { makeTestApp } from './helpers/app'
import { createProjectRow, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
let project: typeof projects.$inferSelect
afterAll(() => t.close())

const events: DomainEvent[] = []
subscribe((_c, _tx, ctx, e) => {
  if (w && ctx.workspaceId === w.wsA.id) events.push(e)
})

beforeAll(async () => {
  w = await seedWorld(t.core)
  const { owner, member, viewer } = w.users
  project = createProjectRow(t.core, w.wsA.id, {
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
      [viewer.id, 'VIEWER'],
    ],
  })
})

const asMember = () => ({ as: w.tokens.member, workspace: w.wsA.id })
const newTask = async (todoTexts: string[] = []) =>
  (
    await t.req('POST', '/tasks', {
      ...asMember(),
      body: { projectId: project.id, title: 'checklist', todos: todoTexts.map((text) => ({ text })) },
    })
  ).body.data as { id: string; todos: { id: string; text: string }[] }
const texts = async (taskId: string) =>
  (await t.req('GET', `/tasks/${taskId}`, asMember())).body.data.todos.map(
    (x: { text: string; done: boolean }) => `${x.text}${x.done ? '✓' : ''}`,
  )

describe('todos', () => {
  test('add at the end or at a position; positions stay contiguous', async () => {
    const task = await newTask(['a', 'b'])
    const c = await t.req('POST', `/tasks/${task.id}/todos`, { ...asMember(), body: { text: 'c' } })
    expect(c.status).toBe(201)
    expect(c.body.data).toMatchObject({ text: 'c', done: false, position: 2 })
    const first = await t.req('POST', `/tasks/${task.id}/todos`, { ...asMember(), body: { text: 'zero', done: true, position: 0 } })
    expect(first.body.data.position).toBe(0)
    expect(await texts(task.id)).toEqual(['zero✓', 'a', 'b', 'c'])
    const rows = t.db.select().from(todos).where(eq(todos.taskId, task.id)).all()
    expect(rows.map((r) => r.position).sort()).toEqual([0, 1, 2, 3])
    const e = events.at(-1) as any
    expect(e).toMatchObject({ type: 'task.updated', taskId: task.id })
    expect(e.changes.todo).toEqual({ from: null, to: { id: first.body.data.id, text: 'zero', done: true } })
  })

  test('update text, done and position; delete compacts positions', async () => {
    const task = await newTask(['a', 'b', 'c'])
    const [a, b, c] = task.todos
    const r = await t.req('PATCH', `/tasks/${task.id}/todos/${a!.id}`, { ...asMember(), body: { done: true, text: 'A' } })
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ text: 'A', done: true })
    await t.req('PATCH', `/tasks/${task.id}/todos/${c!.id}`, { ...asMember(), body: { position: 0 } })
    expect(await texts(task.id)).toEqual(['c', 'A✓', 'b'])
    const d = await t.req('DELETE', `/tasks/${task.id}/todos/${b!.id}`, asMember())
    expect(d.body.data).toEqual({ id: b!.id, deleted: true })
    expect(await texts(task.id)).toEqual(['c', 'A✓'])
    expect(
      t.db
        .select()
        .from(todos)
        .where(eq(todos.taskId, task.id))
        .all()
        .map((x) => x.position)
        .sort(),
    ).toEqual([0, 1])
  })

  test('reorder takes the full list; partial, duplicated or foreign lists → 400', async () => {
    const task = await newTask(['a', 'b', 'c'])
    const [a, b, c] = task.todos.map((x) => x.id)
    const r = await t.req('POST', `/tasks/${task.id}/todos/reorder`, { ...asMember(), body: { todoIds: [c, a, b] } })
    expect(r.status).toBe(200)
    expect(r.body.data.map((x: { text: string }) => x.text)).toEqual(['c', 'a', 'b'])
    const other = await newTask(['x'])
    for (const todoIds of [
      [c, a],
      [c, a, b, b],
      [c, a, other.todos[0]!.id],
    ]) {
      const bad = await t.req('POST', `/tasks/${task.id}/todos/reorder`, { ...asMember(), body: { todoIds } })
      expect(bad.status).toBe(400)
    }
    expect(await texts(task.id)).toEqual(['c', 'a', 'b'])
  })

  test('a todo of another task is 404; VIEWER → 403; another workspace → 404', async () => {
    const task = await newTask(['a'])
    const other = await newTask(['x'])
    expect((await t.req('PATCH', `/tasks/${task.id}/todos/${other.todos[0]!.id}`, { ...asMember(), body: { done: true } })).status).toBe(
      404,
    )
    const v = await t.req('POST', `/tasks/${task.id}/todos`, { as: w.tokens.viewer, workspace: w.wsA.id, body: { text: 'no' } })
    expect(v.status).toBe(403)
    const b = await t.req('DELETE', `/tasks/${task.id}/todos/${task.todos[0]!.id}`, { as: w.tokens.ownerB, workspace: w.wsB.id })
    expect(b.status).toBe(404)
    expect(await texts(task.id)).toEqual(['a'])
  })

  test('validation: empty text → 400', async () => {
    const task = await newTask()
    expect((await t.req('POST', `/tasks/${task.id}/todos`, { ...asMember(), body: { text: ' ' } })).status).toBe(400)
    expect((await t.req('POST', `/tasks/${task.id}/todos`, { ...asMember(), body: { text: 'x', position: -1 } })).status).toBe(400)
  })
})
