import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { labels, projects, taskAssignees, tasks, timeEntries, workspaceMembers } from '../src/db/schema'
import { type DomainEvent, subscribe } from '../src/events'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createUser, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
let project: typeof projects.$inferSelect
let other: typeof projects.$inferSelect
let privateProject: typeof projects.$inferSelect
let apiKey: string
afterAll(() => t.close())

/** Events published in this file's workspace A (the bus is process-wide). */
const events: DomainEvent[] = []
subscribe((_core, _tx, ctx, e) => {
  if (w && ctx.workspaceId === w.wsA.id) events.push(e)
})
const lastEvent = (type: DomainEvent['type']) => [...events].reverse().find((e) => e.type === type) as any

beforeAll(async () => {
  w = await seedWorld(t.core)
  const { owner, member, viewer } = w.users
  project = createProjectRow(t.core, w.wsA.id, {
    key: 'SHIP',
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
      [viewer.id, 'VIEWER'],
    ],
  })
  other = createProjectRow(t.core, w.wsA.id, {
    key: 'OPS',
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
    ],
  })
  privateProject = createProjectRow(t.core, w.wsA.id, { key: 'PRIV', members: [[owner.id, 'OWNER']] })
  apiKey = (await createKey(t.core, owner.id, { scopes: null })).key
})

const asOwner = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
const asMember = () => ({ as: w.tokens.member, workspace: w.wsA.id })
const create = async (body: Record<string, unknown>, as = asOwner()) => {
  const r = await t.req('POST', '/tasks', { ...as, body: { projectId: project.id, ...body } })
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`)
  return r.body.data
}

// Seed 000's create-task request, byte for byte; only the placeholder project id is substituted.
const SEED_000_CREATE_TASK = `{
"projectId": "YOUR_PROJECT_ID",
"title": "Ship onboarding flow",
"priority": "P2",
"status": "In Progress",
"labels": ["frontend", "priority"],
"todos": [{ "text": "QA pass" }, { "text": "Deploy" }]
}`

describe('POST /tasks', () => {
  test("seed 000's create-task example works verbatim (API key, X-Workspace-Slug)", async () => {
    const r = await t.req('POST', '/tasks', {
      as: apiKey,
      headers: { 'X-Workspace-Slug': w.wsA.slug, 'Content-Type': 'application/json' },
      body: SEED_000_CREATE_TASK.replace('YOUR_PROJECT_ID', project.id),
    })
    expect(r.status).toBe(201)
    const task = r.body.data
    expect(task).toMatchObject({ title: 'Ship onboarding flow', priority: 'P2', projectId: project.id, archived: false })
    expect(task.status).toMatchObject({ name: 'In Progress', category: 'started' })
    expect(task.labels.map((l: { name: string }) => l.name).sort()).toEqual(['frontend', 'priority'])
    expect(task.todos.map((x: { text: string; done: boolean }) => [x.text, x.done])).toEqual([
      ['QA pass', false],
      ['Deploy', false],
    ])
    expect(task.humanId).toMatch(/^SHIP-\d+$/)
    // Labels were created in the workspace on first use.
    const names = t.db
      .select()
      .from(labels)
      .where(eq(labels.workspaceId, w.wsA.id))
      .all()
      .map((l) => l.name)
    expect(names).toEqual(expect.arrayContaining(['frontend', 'priority']))
    const e = lastEvent('task.created')
    expect(e.taskId).toBe(task.id)
    expect(e.data.id).toBe(task.id)
  })

  test('Idempotency-Key: a retried create replays the first response and creates one task', async () => {
    const headers = { 'idempotency-key': 'create-task-retry-1' }
    const body = { projectId: project.id, title: 'exactly once' }
    const a = await t.req('POST', '/tasks', { ...asOwner(), headers, body })
    const b = await t.req('POST', '/tasks', { ...asOwner(), headers, body })
    expect(a.status).toBe(201)
    expect(b.status).toBe(201)
    expect(b.headers.get('idempotent-replayed')).toBe('true')
    expect(b.body.data.id).toBe(a.body.data.id)
    expect(t.db.select().from(tasks).where(eq(tasks.title, 'exactly once')).all()).toHaveLength(1)
    const other = await t.req('POST', '/tasks', { ...asOwner(), headers, body: { ...body, title: 'something else' } })
    expect(other.status).toBe(409)
  })

  test('human ids count up per project; GET accepts them case-insensitively', async () => {
    const a = await create({ title: 'one' })
    const b = await create({ title: 'two' })
    expect(b.number).toBe(a.number + 1)
    const seq = t.db.select().from(projects).where(eq(projects.id, project.id)).get()!.taskSeq
    expect(seq).toBe(b.number)
    const byHuman = await t.req('GET', `/tasks/${b.humanId.toLowerCase()}`, asMember())
    expect(byHuman.status).toBe(200)
    expect(byHuman.body.data.id).toBe(b.id)
    // Another project counts from 1 on its own (a fresh one: other tests add tasks to OPS).
    const fresh = createProjectRow(t.core, w.wsA.id, { key: 'HIDS', members: [[w.users.owner.id, 'OWNER']] })
    const c = await t.req('POST', '/tasks', { ...asOwner(), body: { projectId: fresh.id, title: 'ops one' } })
    expect(c.body.data.humanId).toBe('HIDS-1')
  })

  test('status: by id, by name (any case), default = first "unstarted" status', async () => {
    const dflt = await create({ title: 'default status' })
    expect(dflt.status.name).toBe('To Do')
    const byName = await create({ title: 'by name', status: 'in REVIEW' })
    expect(byName.status.name).toBe('In Review')
    const byId = await create({ title: 'by id', statusId: byName.statusId })
    expect(byId.statusId).toBe(byName.statusId)
  })

  test('unknown status name → 400 validation_error listing the valid names; a foreign statusId → 400', async () => {
    const r = await t.req('POST', '/tasks', { ...asOwner(), body: { projectId: project.id, title: 'x', status: 'Doing' } })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
    expect(r.body.error).toContain('Backlog, To Do, In Progress, In Review, Done')
    const foreign = await create({ title: 'ops', projectId: other.id })
    const r2 = await t.req('POST', '/tasks', { ...asOwner(), body: { projectId: project.id, title: 'x', statusId: foreign.statusId } })
    expect(r2.status).toBe(400)
  })

  test('defaults and validation: priority P2, bad priority, bad date, empty title, unknown project', async () => {
    const d = await create({ title: 'defaults', description: 'desc', dueDate: '2026-03-01' })
    expect(d).toMatchObject({ priority: 'P2', description: 'desc', dueDate: '2026-03-01', assignees: [], labels: [], todos: [] })
    for (const body of [
      { title: 'x', priority: 'P4' },
      { title: 'x', dueDate: '2026-02-30' },
      { title: 'x', dueDate: '03/01/2026' },
      { title: '   ' },
      { title: 'x', todos: [{ text: '' }] },
      { title: 'x', labels: [''] },
    ]) {
      const r = await t.req('POST', '/tasks', { ...asOwner(), body: { projectId: project.id, ...body } })
      expect({ body, status: r.status, code: r.body.code }).toEqual({ body, status: 400, code: 'validation_error' })
    }
    const r = await t.req('POST', '/tasks', { ...asOwner(), body: { projectId: 'nope', title: 'x' } })
    expect(r.status).toBe(404)
  })

  test('assignees must be able to see the project; labels by id or name reuse existing ones', async () => {
    const { member, viewer, ownerB } = w.users
    await create({ title: 'first use of the label', labels: ['frontend'] }) // creates it unless it exists
    const ok = await create({ title: 'assigned', assigneeIds: [member.id, viewer.id], labels: ['FRONTEND'] })
    expect(ok.assignees.map((a: { id: string }) => a.id).sort()).toEqual([member.id, viewer.id].sort())
    expect(ok.assignees[0]).toHaveProperty('handle')
    expect(ok.labels).toHaveLength(1)
    expect(ok.labels[0].name).toBe('frontend') // the existing label, not a new "FRONTEND"
    const byId = await create({ title: 'label id', labels: [ok.labels[0].id] })
    expect(byId.labels[0].id).toBe(ok.labels[0].id)
    expect(lastEvent('task.created').assigneeIds).toEqual([])
    // Another workspace's user, and a workspace member who is not in the private project.
    for (const [pid, uid] of [
      [project.id, ownerB.id],
      [privateProject.id, member.id],
    ] as const) {
      const r = await t.req('POST', '/tasks', { ...asOwner(), body: { projectId: pid, title: 'x', assigneeIds: [uid] } })
      expect(r.status).toBe(400)
      expect(r.body.issues[0].path).toBe('assigneeIds.0')
    }
  })

  test('mentions in the description resolve to members who can see the project', async () => {
    const { member, ownerB } = w.users
    const task = await create({ title: 'mentions', description: `hi @${member.handle} and @${ownerB.handle}, mail x@${member.handle}` })
    expect(lastEvent('task.created').mentionedUserIds).toEqual([member.id])
    expect(task.id).toBeTruthy()
  })

  test('a VIEWER of the project cannot create (403); a non-member gets 404', async () => {
    const viewerMember = await createUser(t.core)
    t.db.insert(workspaceMembers).values({ workspaceId: w.wsA.id, userId: viewerMember.id, role: 'MEMBER' }).run()
    const r = await t.req('POST', '/tasks', { as: w.tokens.viewer, workspace: w.wsA.id, body: { projectId: project.id, title: 'x' } })
    expect(r.status).toBe(403)
    const r2 = await t.req('POST', '/tasks', { ...asMember(), body: { projectId: privateProject.id, title: 'x' } })
    expect(r2.status).toBe(404)
  })
})

describe('GET /tasks/:taskId', () => {
  test('detail: labels, todos, assignees, comment count, time logged', async () => {
    const task = await create({ title: 'detail', assigneeIds: [w.users.member.id], todos: [{ text: 'a', done: true }, { text: 'b' }] })
    const today = new Date(t.clock.now()).toISOString().slice(0, 10)
    for (const minutes of [30, 45])
      t.db
        .insert(timeEntries)
        .values({
          workspaceId: w.wsA.id,
          projectId: project.id,
          taskId: task.id,
          userId: w.users.member.id,
          date: today,
          minutes,
          billable: true,
        })
        .run()
    const r = await t.req('GET', `/tasks/${task.id}`, asMember())
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ commentCount: 0, timeLoggedMinutes: 75, todoCount: 2, todoDoneCount: 1 })
    expect(r.body.data.assignees).toEqual([{ id: w.users.member.id, name: w.users.member.name, handle: w.users.member.handle }])
  })

  test('invisible or foreign tasks are 404 (never 403)', async () => {
    const priv = (await t.req('POST', '/tasks', { ...asOwner(), body: { projectId: privateProject.id, title: 'secret' } })).body.data
    expect((await t.req('GET', `/tasks/${priv.id}`, asMember())).status).toBe(404)
    expect((await t.req('GET', `/tasks/${priv.humanId}`, asMember())).status).toBe(404)
    expect((await t.req('GET', `/tasks/${priv.id}`, { as: w.tokens.ownerB, workspace: w.wsB.id })).status).toBe(404)
    expect((await t.req('GET', '/tasks/NOPE-1', asOwner())).status).toBe(404)
  })
})

describe('PATCH /tasks/:taskId', () => {
  test('changes fields and publishes task.updated with { field: { from, to } }', async () => {
    const task = await create({ title: 'before', priority: 'P3', assigneeIds: [w.users.member.id] })
    const r = await t.req('PATCH', `/tasks/${task.id}`, {
      ...asMember(),
      body: {
        title: 'after',
        priority: 'P1',
        dueDate: '2026-05-01',
        assigneeIds: [w.users.viewer.id, w.users.member.id],
        labels: ['backend'],
      },
    })
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ title: 'after', priority: 'P1', dueDate: '2026-05-01' })
    const e = lastEvent('task.updated')
    expect(e.changes.title).toEqual({ from: 'before', to: 'after' })
    expect(e.changes.priority).toEqual({ from: 'P3', to: 'P1' })
    expect(e.changes.dueDate).toEqual({ from: null, to: '2026-05-01' })
    expect(e.changes.labels).toEqual({ from: [], to: ['backend'] })
    expect(e.addedAssigneeIds).toEqual([w.users.viewer.id])
    expect(e.data.title).toBe('after')
    const clear = await t.req('PATCH', `/tasks/${task.id}`, { ...asMember(), body: { dueDate: null, assigneeIds: [] } })
    expect(clear.body.data).toMatchObject({ dueDate: null, assignees: [] })
  })

  test('a new description reports only new mentions; a status change moves to the end of that column', async () => {
    const { member, viewer } = w.users
    const task = await create({ title: 'm', description: `@${member.handle}` })
    await t.req('PATCH', `/tasks/${task.id}`, { ...asOwner(), body: { description: `@${member.handle} @${viewer.handle}` } })
    expect(lastEvent('task.updated').mentionedUserIds).toEqual([viewer.id])
    const done = await create({ title: 'already done', status: 'Done' })
    const r = await t.req('PATCH', `/tasks/${task.id}`, { ...asOwner(), body: { status: 'done' } })
    expect(r.body.data.status.name).toBe('Done')
    expect(r.body.data.rank > done.rank).toBe(true)
    const moved = lastEvent('task.moved')
    expect(moved).toMatchObject({ taskId: task.id, fromStatusId: task.statusId, toStatusId: done.statusId })
  })

  test('VIEWER of the project → 403; nothing changes', async () => {
    const task = await create({ title: 'keep' })
    const r = await t.req('PATCH', `/tasks/${task.id}`, { as: w.tokens.viewer, workspace: w.wsA.id, body: { title: 'x' } })
    expect(r.status).toBe(403)
    expect(t.db.select().from(tasks).where(eq(tasks.id, task.id)).get()!.title).toBe('keep')
  })
})

describe('move', () => {
  const column = async (statusId: string) =>
    (await t.req('GET', `/tasks?statusId=${statusId}&limit=200`, asOwner())).body.data.map((x: { title: string }) => x.title)

  test('before/after positions inside a column, and to another column', async () => {
    const a = await create({ title: 'mv-a', status: 'Backlog' })
    const b = await create({ title: 'mv-b', status: 'Backlog' })
    const c = await create({ title: 'mv-c', status: 'Backlog' })
    const backlog = a.statusId
    const before = (await column(backlog)).filter((x: string) => x.startsWith('mv-'))
    expect(before).toEqual(['mv-a', 'mv-b', 'mv-c'])
    let r = await t.req('POST', `/tasks/${c.id}/move`, { ...asMember(), body: { beforeTaskId: a.id } })
    expect(r.status).toBe(200)
    expect((await column(backlog)).filter((x: string) => x.startsWith('mv-'))).toEqual(['mv-c', 'mv-a', 'mv-b'])
    r = await t.req('POST', `/tasks/${c.id}/move`, { ...asMember(), body: { afterTaskId: a.id, beforeTaskId: b.id } })
    expect((await column(backlog)).filter((x: string) => x.startsWith('mv-'))).toEqual(['mv-a', 'mv-c', 'mv-b'])
    r = await t.req('POST', `/tasks/${a.id}/move`, { ...asMember(), body: { status: 'In Review' } })
    expect(r.body.data.status.name).toBe('In Review')
    expect((await column(backlog)).filter((x: string) => x.startsWith('mv-'))).toEqual(['mv-c', 'mv-b'])
    expect(lastEvent('task.moved')).toMatchObject({ taskId: a.id, fromStatusId: backlog, toStatusId: r.body.data.statusId })
  })

  test('anchors must be in the target column; reversed anchors and self anchors → 400; empty body → 400', async () => {
    const a = await create({ title: 'anc-a', status: 'Backlog' })
    const b = await create({ title: 'anc-b', status: 'Backlog' })
    const x = await create({ title: 'anc-x', status: 'Done' })
    for (const body of [
      { statusId: x.statusId, afterTaskId: a.id },
      { afterTaskId: b.id, beforeTaskId: a.id },
      { afterTaskId: x.id, beforeTaskId: a.id },
      { afterTaskId: a.id, beforeTaskId: b.id, statusId: x.statusId },
      {},
    ]) {
      const r = await t.req('POST', `/tasks/${x.id}/move`, { ...asOwner(), body })
      expect({ body, status: r.status }).toEqual({ body, status: 400 })
    }
    const self = await t.req('POST', `/tasks/${a.id}/move`, { ...asOwner(), body: { afterTaskId: a.id } })
    expect(self.status).toBe(400)
  })

  test('to another project: new human number, status mapped by name then category, time entries follow', async () => {
    const task = await create({ title: 'travels', status: 'In Review', assigneeIds: [w.users.member.id, w.users.viewer.id] })
    const today = new Date(t.clock.now()).toISOString().slice(0, 10)
    t.db
      .insert(timeEntries)
      .values({
        workspaceId: w.wsA.id,
        projectId: project.id,
        taskId: task.id,
        userId: w.users.member.id,
        date: today,
        minutes: 10,
        billable: true,
      })
      .run()
    const r = await t.req('POST', `/tasks/${task.id}/move`, { ...asMember(), body: { projectId: other.id } })
    expect(r.status).toBe(200)
    const moved = r.body.data
    expect(moved.id).toBe(task.id)
    expect(moved.projectId).toBe(other.id)
    expect(moved.humanId).toMatch(/^OPS-\d+$/)
    expect(moved.status.name).toBe('In Review') // same name exists there
    // The VIEWER of SHIP is not in OPS: dropped; the MEMBER stays.
    expect(moved.assignees.map((a: { id: string }) => a.id)).toEqual([w.users.member.id])
    expect(t.db.select().from(timeEntries).where(eq(timeEntries.taskId, task.id)).get()!.projectId).toBe(other.id)
    // The old human id still finds the task (test/task-aliases.test.ts covers aliases in full).
    expect((await t.req('GET', `/tasks/${task.humanId}`, asOwner())).body.data.humanId).toBe(moved.humanId)
    expect(lastEvent('task.moved')).toMatchObject({ fromProjectId: project.id, projectId: other.id })
  })

  test('moving into a project the caller cannot write → 404; a VIEWER cannot move', async () => {
    const task = await create({ title: 'stay' })
    const r = await t.req('POST', `/tasks/${task.id}/move`, { ...asMember(), body: { projectId: privateProject.id } })
    expect(r.status).toBe(404)
    const v = await t.req('POST', `/tasks/${task.id}/move`, { as: w.tokens.viewer, workspace: w.wsA.id, body: { status: 'Done' } })
    expect(v.status).toBe(403)
  })
})

describe('reorder', () => {
  test('sets the full order of a column; wrong sets → 400', async () => {
    const p = createProjectRow(t.core, w.wsA.id, { members: [[w.users.member.id, 'MEMBER']] })
    const mk = async (title: string) => (await t.req('POST', '/tasks', { ...asMember(), body: { projectId: p.id, title } })).body.data
    const [a, b, c] = [await mk('a'), await mk('b'), await mk('c')]
    const statusId = a.statusId
    const r = await t.req('POST', '/tasks/reorder', { ...asMember(), body: { statusId, taskIds: [c.id, a.id, b.id] } })
    expect(r.status).toBe(200)
    expect(r.body.data.map((x: { title: string }) => x.title)).toEqual(['c', 'a', 'b'])
    const list = await t.req('GET', `/tasks?statusId=${statusId}`, asMember())
    expect(list.body.data.map((x: { title: string }) => x.title)).toEqual(['c', 'a', 'b'])
    // Only the task that changed place is reported as moved.
    const moved = events.filter((e) => e.type === 'task.moved' && e.projectId === p.id)
    expect(moved.map((e) => (e as { taskId: string }).taskId)).toEqual([c.id])
    for (const taskIds of [[c.id, a.id], [c.id, a.id, b.id, b.id], [c.id, a.id, 'x'], []]) {
      const bad = await t.req('POST', '/tasks/reorder', { ...asMember(), body: { statusId, taskIds } })
      expect(bad.status).toBe(400)
    }
    // Archived tasks are not part of the column's order.
    await t.req('POST', `/tasks/${b.id}/archive`, asMember())
    const ok = await t.req('POST', '/tasks/reorder', { ...asMember(), body: { statusId, taskIds: [a.id, c.id] } })
    expect(ok.status).toBe(200)
    const foreign = await t.req('POST', '/tasks/reorder', { as: w.tokens.ownerB, workspace: w.wsB.id, body: { statusId, taskIds: [] } })
    expect(foreign.status).toBe(404)
  })
})

describe('archive, unarchive, delete', () => {
  test('archived tasks leave the default list and come back', async () => {
    const task = await create({ title: 'archive me' })
    const a = await t.req('POST', `/tasks/${task.id}/archive`, asMember())
    expect(a.body.data).toMatchObject({ archived: true })
    expect(typeof a.body.data.archivedAt).toBe('string')
    expect(lastEvent('task.updated').changes).toEqual({ archived: { from: false, to: true } })
    const ids = async (q: string) =>
      (await t.req('GET', `/tasks?projectId=${project.id}&limit=200${q}`, asMember())).body.data.map((x: { id: string }) => x.id)
    expect(await ids('')).not.toContain(task.id)
    expect(await ids('&archived=true')).toContain(task.id)
    const u = await t.req('POST', `/tasks/${task.id}/unarchive`, asMember())
    expect(u.body.data.archived).toBe(false)
    expect(await ids('')).toContain(task.id)
  })

  test('delete removes the task with its assignees; then 404', async () => {
    const task = await create({ title: 'delete me', assigneeIds: [w.users.member.id], todos: [{ text: 't' }] })
    const r = await t.req('DELETE', `/tasks/${task.id}`, asMember())
    expect(r.status).toBe(200)
    expect(r.body.data).toEqual({ id: task.id, deleted: true })
    expect(lastEvent('task.deleted')).toMatchObject({ taskId: task.id })
    expect((await t.req('GET', `/tasks/${task.id}`, asMember())).status).toBe(404)
    expect(t.db.select().from(taskAssignees).where(eq(taskAssignees.taskId, task.id)).all()).toEqual([])
  })
})

describe('GET /tasks', () => {
  let p: typeof projects.$inferSelect
  const seeded: { id: string; title: string }[] = []
  beforeAll(async () => {
    p = createProjectRow(t.core, w.wsA.id, { key: 'LIST', members: [[w.users.member.id, 'MEMBER']] })
    const specs = [
      { title: 'Alpha parser', priority: 'P0', dueDate: '2026-01-05', labels: ['bug'], assigneeIds: [w.users.member.id] },
      { title: 'Beta renderer', priority: 'P1', dueDate: '2026-01-10', description: 'uses the parser output' },
      { title: 'Gamma docs', priority: 'P3', labels: ['docs'] },
      { title: 'Delta release', priority: 'P2', dueDate: '2026-02-01', status: 'Done' },
      { title: 'Épsilon café', priority: 'P2', dueDate: '2026-01-07' },
    ]
    for (const s of specs) {
      t.clock.advance(1000)
      seeded.push((await t.req('POST', '/tasks', { ...asMember(), body: { projectId: p.id, ...s } })).body.data)
    }
  })
  const titles = async (q: string) => {
    const r = await t.req('GET', `/tasks?projectId=${p.id}${q}`, asMember())
    expect(r.status).toBe(200)
    return r.body.data.map((x: { title: string }) => x.title)
  }

  test('filters: assignee, label (name or id), priority, due range, q (words, prefix, diacritics)', async () => {
    expect(await titles(`&assigneeId=${w.users.member.id}`)).toEqual(['Alpha parser'])
    expect(await titles('&label=BUG')).toEqual(['Alpha parser'])
    const docsLabel = t.db
      .select()
      .from(labels)
      .all()
      .find((l) => l.name === 'docs')!
    expect(await titles(`&label=${docsLabel.id}`)).toEqual(['Gamma docs'])
    expect(await titles('&priority=P2&sort=created&order=asc')).toEqual(['Delta release', 'Épsilon café'])
    expect(await titles('&dueAfter=2026-01-06&dueBefore=2026-01-10&sort=due')).toEqual(['Épsilon café', 'Beta renderer'])
    expect(await titles('&q=parser&sort=created&order=asc')).toEqual(['Alpha parser', 'Beta renderer'])
    expect(await titles('&q=pars')).toHaveLength(2)
    expect(await titles('&q=cafe')).toEqual(['Épsilon café'])
    expect(await titles('&q=%22)(*')).toEqual([])
  })

  test('sorts: created (newest first), priority, due (no date last), rank within a status', async () => {
    expect(await titles('')).toEqual([...seeded].reverse().map((s) => s.title))
    expect(await titles('&sort=priority')).toEqual(['Alpha parser', 'Beta renderer', 'Delta release', 'Épsilon café', 'Gamma docs'])
    expect(await titles('&sort=due')).toEqual(['Alpha parser', 'Épsilon café', 'Beta renderer', 'Delta release', 'Gamma docs'])
    expect(await titles('&sort=rank')).toEqual(['Alpha parser', 'Beta renderer', 'Gamma docs', 'Épsilon café', 'Delta release'])
  })

  test('cursor pagination walks every sort without gaps or repeats', async () => {
    for (const sort of ['created', 'updated', 'due', 'priority', 'rank']) {
      for (const order of ['asc', 'desc']) {
        const all = await titles(`&sort=${sort}&order=${order}&limit=200`)
        const walked: string[] = []
        let cursor: string | null = null
        do {
          const r: { body: { data: { title: string }[]; nextCursor: string | null } } = await t.req(
            'GET',
            `/tasks?projectId=${p.id}&sort=${sort}&order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
            asMember(),
          )
          walked.push(...r.body.data.map((x) => x.title))
          cursor = r.body.nextCursor
        } while (cursor)
        expect({ sort, order, walked }).toEqual({ sort, order, walked: all })
      }
    }
  })

  test('only visible projects; bad cursor and limit > 200 → 400', async () => {
    await t.req('POST', '/tasks', { ...asOwner(), body: { projectId: privateProject.id, title: 'hidden from members' } })
    const mine = await t.req('GET', '/tasks?limit=200&q=hidden', asMember())
    expect(mine.body.data).toEqual([])
    const owners = await t.req('GET', '/tasks?limit=200&q=hidden', asOwner())
    expect(owners.body.data.map((x: { title: string }) => x.title)).toEqual(['hidden from members'])
    const foreign = await t.req('GET', `/tasks?projectId=${p.id}`, { as: w.tokens.ownerB, workspace: w.wsB.id })
    expect(foreign.body.data).toEqual([])
    expect((await t.req('GET', '/tasks?cursor=garbage', asMember())).status).toBe(400)
    expect((await t.req('GET', '/tasks?limit=201', asMember())).status).toBe(400)
    expect((await t.req('GET', '/tasks?sort=bogus', asMember())).status).toBe(400)
  })
})
