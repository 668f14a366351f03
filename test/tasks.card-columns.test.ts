import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/client'
import { migrationList } from '../src/db/migrate'
import { newId } from '../src/db/schema'
import { makeTestApp, type TestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'
import { prng } from './helpers/prng'

/**
 * What a card shows of a task's assignees, labels and todos is kept on the task row
 * (assignee_ids, label_ids, todo_count, todo_done_count; triggers of migration 0013), so the
 * board and the list read it with the task. These tests hold it equal to the tables it mirrors.
 */

type Card = { id: string; assignee_ids: string; label_ids: string; todo_count: number; todo_done_count: number }
const KEPT = 'SELECT id, assignee_ids, label_ids, todo_count, todo_done_count FROM tasks ORDER BY id'
const COMPUTED = `SELECT id,
  (SELECT json_group_array(user_id) FROM (SELECT user_id FROM task_assignees WHERE task_id = tasks.id ORDER BY user_id)) AS assignee_ids,
  (SELECT json_group_array(label_id) FROM (SELECT label_id FROM task_labels WHERE task_id = tasks.id ORDER BY label_id)) AS label_ids,
  (SELECT count(*) FROM todos WHERE task_id = tasks.id) AS todo_count,
  (SELECT coalesce(sum(done), 0) FROM todos WHERE task_id = tasks.id) AS todo_done_count
FROM tasks ORDER BY id`

describe('card columns on tasks', () => {
  // Each test on its own database: the second one deletes the owner.
  let t: TestApp
  let w: Awaited<ReturnType<typeof seedWorld>>
  afterEach(() => t.close())
  beforeEach(async () => {
    t = makeTestApp()
    w = await seedWorld(t.core)
  })
  const A = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
  const same = () => expect(t.sqlite.query<Card, []>(KEPT).all()).toEqual(t.sqlite.query<Card, []>(COMPUTED).all())

  test('stay equal to the assignee, label and todo tables through random API writes (seeded)', async () => {
    const seed = 1 + Math.floor(Math.random() * 1e9)
    const rnd = prng(seed)
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
    const sub = <T>(xs: readonly T[]) => xs.filter(() => rnd() < 0.5)
    const mk = async (key: string) => {
      const id = (await t.req('POST', '/projects', { ...A(), body: { name: key, key } })).body.data.id as string
      await t.req('POST', `/projects/${id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'MEMBER' } })
      return id
    }
    const projects = [await mk('CRDA'), await mk('CRDB')]
    const users = [w.users.owner.id, w.users.member.id]
    const labelNames = ['red', 'green', 'blue', 'gold']
    const tasks: string[] = []
    const ops: string[] = []
    for (let i = 0; i < 120; i++) {
      const op = tasks.length < 3 ? 0 : Math.floor(rnd() * 8)
      ops.push(String(op))
      const task = pick(tasks)
      if (op === 0) {
        const body = {
          projectId: pick(projects),
          title: `t${i}`,
          assigneeIds: sub(users),
          labels: sub(labelNames),
          todos: sub(['a', 'b', 'c']).map((text) => ({ text, done: rnd() < 0.5 })),
        }
        const r = await t.req('POST', '/tasks', { ...A(), body })
        if (r.status !== 201) throw new Error(r.text)
        tasks.push(r.body.data.id)
      } else if (op === 1) {
        await t.req('PATCH', `/tasks/${task}`, { ...A(), body: { assigneeIds: sub(users), labels: sub(labelNames) } })
      } else if (op === 2) {
        await t.req('POST', `/tasks/${task}/todos`, { ...A(), body: { text: `todo ${i}`, done: rnd() < 0.5 } })
      } else if (op === 3 || op === 4) {
        const todos: { id: string; done: boolean }[] = (await t.req('GET', `/tasks/${task}`, A())).body.data.todos
        if (todos.length === 0) continue
        const todo = pick(todos)
        if (op === 3) await t.req('PATCH', `/tasks/${task}/todos/${todo.id}`, { ...A(), body: { done: !todo.done } })
        else await t.req('DELETE', `/tasks/${task}/todos/${todo.id}`, A())
      } else if (op === 5) {
        await t.req('POST', `/tasks/${task}/move`, { ...A(), body: { projectId: pick(projects) } })
      } else if (op === 6 && rnd() < 0.2) {
        const labels: { id: string }[] = (await t.req('GET', '/labels', A())).body.data
        if (labels.length) await t.req('DELETE', `/labels/${pick(labels).id}`, A())
      } else if (op === 7 && rnd() < 0.3) {
        await t.req('DELETE', `/tasks/${task}`, A())
        tasks.splice(tasks.indexOf(task), 1)
      }
      try {
        same()
      } catch (e) {
        throw new Error(`seed ${seed}, after ops ${ops.join(',')}: ${e}`)
      }
    }
    // The answers read them: what the board and the list show is what the tables hold.
    const id = tasks[0]!
    const full = (await t.req('GET', `/tasks/${id}`, A())).body.data
    const listed = (await t.req('GET', `/tasks?projectId=${full.projectId}&limit=200`, A())).body.data.find(
      (x: { id: string }) => x.id === id,
    )
    expect(listed.assignees).toEqual(full.assignees)
    expect(listed.labels).toEqual(full.labels)
    expect([listed.todoCount, listed.todoDoneCount]).toEqual([
      full.todos.length,
      full.todos.filter((x: { done: boolean }) => x.done).length,
    ])
  })

  test('removing a member of the workspace, deleting a user: their assignments leave the cards', async () => {
    const project = (await t.req('POST', '/projects', { ...A(), body: { name: 'Gone', key: 'GONE' } })).body.data.id
    await t.req('POST', `/projects/${project}/members`, { ...A(), body: { userId: w.users.member.id, role: 'MEMBER' } })
    const r = await t.req('POST', '/tasks', {
      ...A(),
      body: { projectId: project, title: 'x', assigneeIds: [w.users.member.id, w.users.owner.id] },
    })
    expect(r.status).toBe(201)
    await t.req('DELETE', `/workspaces/${w.wsA.id}/members/${w.users.member.id}`, A())
    same()
    t.sqlite.query('DELETE FROM users WHERE id = ?').run(w.users.owner.id)
    same()
  })
})

test('migration 0013 fills the card columns of existing tasks', () => {
  // A database as it was before 0013, with assignees, labels and todos.
  const dir = mkdtempSync(join(tmpdir(), 'sally-0013-'))
  const old = openDatabase(join(dir, 'old.db'))
  try {
    ;(old.db as any).dialect.migrate(migrationList().slice(0, 13), (old.db as any).session, {})
    const s = old.sqlite
    const now = Date.now()
    s.run(
      "INSERT INTO users (id, email, name, handle, password_hash, created_at, updated_at) VALUES ('u1', 'a@x.io', 'A', 'a', 'x', ?, ?)",
      [now, now],
    )
    s.run(
      "INSERT INTO users (id, email, name, handle, password_hash, created_at, updated_at) VALUES ('u0', 'b@x.io', 'B', 'b', 'x', ?, ?)",
      [now, now],
    )
    s.run("INSERT INTO workspaces (id, name, slug, created_at, updated_at) VALUES ('w', 'W', 'w', ?, ?)", [now, now])
    s.run("INSERT INTO projects (id, workspace_id, name, key, created_at, updated_at) VALUES ('p', 'w', 'P', 'P', ?, ?)", [now, now])
    s.run("INSERT INTO statuses (id, project_id, name, category, position, created_at) VALUES ('s', 'p', 'S', 'unstarted', 0, ?)", [now])
    for (const id of ['t1', 't2'])
      s.run(
        "INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, rank, created_at, updated_at) VALUES (?, 'w', 'p', ?, 's', 'T', 'V', ?, ?)",
        [id, id === 't1' ? 1 : 2, now, now],
      )
    s.run("INSERT INTO labels (id, workspace_id, name, created_at) VALUES ('l1', 'w', 'one', ?)", [now])
    s.run("INSERT INTO task_assignees (task_id, user_id) VALUES ('t1', 'u1'), ('t1', 'u0')")
    s.run("INSERT INTO task_labels (task_id, label_id) VALUES ('t1', 'l1')")
    for (const [i, done] of [0, 1, 1].entries())
      s.run('INSERT INTO todos (id, task_id, text, done, position, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
        newId(),
        't1',
        'x',
        done,
        i,
        now,
      ])
    ;(old.db as any).dialect.migrate(migrationList(), (old.db as any).session, {})
    expect(s.query<Card, []>(KEPT).all()).toEqual([
      { id: 't1', assignee_ids: '["u0","u1"]', label_ids: '["l1"]', todo_count: 3, todo_done_count: 2 },
      { id: 't2', assignee_ids: '[]', label_ids: '[]', todo_count: 0, todo_done_count: 0 },
    ])
  } finally {
    old.sqlite.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
