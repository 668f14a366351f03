/**
 * GET /tasks answers: documented from the schema but not re-validated per request, so every answer
 * here is parsed with it; and kept answers (src/http/cached-json.ts) are never stale nor shown to a
 * caller who may not see them.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { listEnvelope } from '../src/http/respond'
import { taskSummary } from '../src/tasks/model'
import { makeTestApp } from './helpers/app'
import { createKey, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})
const schema = listEnvelope(taskSummary)
const ids = (r: { body: { data: { id: string }[] } }) => r.body.data.map((x) => x.id)

test('list answers match the documented schema, follow every write, and stay per caller', async () => {
  const A = { as: w.tokens.owner, workspace: w.wsA.id }
  const p = (await t.req('POST', '/projects', { ...A, body: { name: 'Answers' } })).body.data
  const shared = (await t.req('POST', '/projects', { ...A, body: { name: 'Shared' } })).body.data
  expect(
    (await t.req('POST', `/projects/${shared.id}/members`, { ...A, body: { userId: w.users.member.id, role: 'MEMBER' } })).status,
  ).toBe(201)
  const made: string[] = []
  for (let i = 0; i < 3; i++) {
    const r = await t.req('POST', '/tasks', {
      ...A,
      body: {
        projectId: i < 2 ? p.id : shared.id,
        title: `t${i}`,
        labels: ['bug'],
        assigneeIds: [w.users.owner.id],
        todos: [{ text: 'x' }],
        dueDate: '2026-12-01',
      },
    })
    expect(r.status).toBe(201)
    made.push(r.body.data.id)
  }
  const list = (o: { as: string; workspace: string }, qs = '') => t.req('GET', `/tasks${qs}`, o)

  const first = await list(A)
  expect(first.status).toBe(200)
  schema.parse(first.body)
  expect(ids(first)).toEqual([...made].reverse())
  expect((await list(A)).text).toBe(first.text)

  // A write: the next list shows it (title, then a deletion).
  expect((await t.req('PATCH', `/tasks/${made[0]}`, { ...A, body: { title: 'renamed' } })).status).toBe(200)
  const renamed = await list(A)
  schema.parse(renamed.body)
  expect(renamed.body.data.find((x: { id: string }) => x.id === made[0]).title).toBe('renamed')
  expect((await t.req('DELETE', `/tasks/${made[1]}`, A)).status).toBe(200)
  expect(ids(await list(A))).toEqual([made[2], made[0]])

  // Other callers with the same query string get their own answer: the member sees only Shared.
  const member = { as: w.tokens.member, workspace: w.wsA.id }
  const asMember = await list(member)
  schema.parse(asMember.body)
  expect(ids(asMember)).toEqual([made[2]])
  // A project-scoped key sees its project only; after revocation, 401 on the next request.
  const { key, id } = await createKey(t.core, w.users.owner.id, { projectId: p.id })
  const asKey = { as: key, workspace: w.wsA.id }
  expect(ids(await list(asKey))).toEqual([made[0]])
  expect((await t.req('DELETE', `/auth/api-keys/${id}`, A)).status).toBe(200)
  expect((await list(asKey)).status).toBe(401)
  // Removed from Shared: the member's very next list is empty.
  expect((await t.req('DELETE', `/projects/${shared.id}/members/${w.users.member.id}`, A)).status).toBe(200)
  expect(ids(await list(member))).toEqual([])
  // Filters and pages are part of the key.
  const page = await list(A, '?limit=1')
  schema.parse(page.body)
  expect(ids(page)).toEqual([made[2]])
  expect(ids(await list(A, `?limit=1&cursor=${page.body.nextCursor}`))).toEqual([made[0]])
})

test('SALLY_ANSWER_CACHE_MB=0: nothing is kept, a write by another connection is seen at once', async () => {
  const { Database } = await import('bun:sqlite')
  const off = makeTestApp({ SALLY_ANSWER_CACHE_MB: '0' })
  try {
    const w2 = await seedWorld(off.core)
    const A = { as: w2.tokens.owner, workspace: w2.wsA.id }
    const p = (await off.req('POST', '/projects', { ...A, body: { name: 'Off' } })).body.data
    const made = (await off.req('POST', '/tasks', { ...A, body: { projectId: p.id, title: 'before' } })).body.data
    const read = async () => (await off.req('GET', `/tasks?projectId=${p.id}`, A)).body.data[0].title
    const board = async () =>
      (await off.req('GET', `/board?projectId=${p.id}`, A)).body.data.columns.flatMap((c: { tasks: { title: string }[] }) => c.tasks)[0]
        .title
    expect(await read()).toBe('before')
    expect(await board()).toBe('before')
    // Another connection (another process on the file): with kept answers this would show within
    // 250 ms (the data_version check); with none, on the very next request.
    const other = new Database(off.core.dbPath)
    other.run('UPDATE tasks SET title = ? WHERE id = ?', ['after', made.id])
    other.close()
    expect(await read()).toBe('after')
    expect(await board()).toBe('after')
  } finally {
    off.close()
  }
})
