import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import {
  clients,
  comments,
  labels,
  mentions,
  notifications,
  projectMembers,
  taskAssignees,
  taskLabels,
  timeEntries,
  todos,
} from '../src/db/schema'
import { type DomainEvent, publish, subscribe } from '../src/events'
import { deriveKey } from '../src/projects/service'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, seedWorld } from './helpers/fixtures'
import { insertTasks } from './helpers/task-rows'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const published: DomainEvent[] = []
subscribe((_c, _tx, _ctx, ev) => {
  published.push(ev)
  if (ev.type === 'project.created' && (ev.data.project as { name: string }).name === 'explode-in-transaction')
    throw new Error('subscriber failed')
})

const A = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
const asUser = (who: 'owner' | 'member' | 'viewer') => ({ as: w.tokens[who], workspace: w.wsA.id })
const count = (sql: string, ...args: string[]) => t.sqlite.query<{ n: number }, string[]>(sql).get(...args)!.n

async function newProject(body: Record<string, unknown> = {}, opts = A()) {
  const r = await t.req('POST', '/projects', { ...opts, body: { name: `Project ${Math.random().toString(36).slice(2, 8)}`, ...body } })
  expect(r.status).toBe(201)
  return r.body.data
}

describe('POST /projects', () => {
  test('creates the project, the default statuses in order and the creator as OWNER; publishes project.created', async () => {
    const p = await newProject({ name: 'Mobile App Redesign', description: 'd', color: '#112233', billableByDefault: false })
    expect(p).toMatchObject({
      key: 'MAR',
      name: 'Mobile App Redesign',
      description: 'd',
      color: '#112233',
      billableByDefault: false,
      archived: false,
      role: 'OWNER',
      memberCount: 1,
    })
    expect(p.statuses.map((s: { name: string; category: string; position: number }) => [s.name, s.category, s.position])).toEqual([
      ['Backlog', 'backlog', 0],
      ['To Do', 'unstarted', 1],
      ['In Progress', 'started', 2],
      ['In Review', 'started', 3],
      ['Done', 'completed', 4],
    ])
    const m = t.db.select().from(projectMembers).where(eq(projectMembers.projectId, p.id)).all()
    expect(m.map((x) => [x.userId, x.role])).toEqual([[w.users.owner.id, 'OWNER']])
    expect(published.some((e) => e.type === 'project.created' && e.projectId === p.id)).toBe(true)
  })

  test('key: given (any case, stored uppercase), unique per workspace (409), derived when absent', async () => {
    expect((await newProject({ key: 'web1' })).key).toBe('WEB1')
    const dup = await t.req('POST', '/projects', { ...A(), body: { name: 'x', key: 'WEB1' } })
    expect(dup.status).toBe(409)
    expect(dup.body.code).toBe('conflict')
    // Another workspace may use the same key.
    expect((await newProject({ key: 'WEB1' }, { as: w.tokens.ownerB, workspace: w.wsB.id })).key).toBe('WEB1')
    expect((await newProject({ name: 'Website' })).key).toBe('WEBS')
    expect((await newProject({ name: 'website' })).key).toBe('WEBS2')
    for (const bad of ['A', 'TOOLONGKEY1', 'WE-B', 'ÄB']) {
      const r = await t.req('POST', '/projects', { ...A(), body: { name: 'x', key: bad } })
      expect(r.status).toBe(400)
      expect(r.body.code).toBe('validation_error')
    }
  })

  test('deriveKey', () => {
    const none = () => false
    expect(deriveKey('Mobile App Redesign', none)).toBe('MAR')
    expect(deriveKey('Café crème', none)).toBe('CC')
    expect(deriveKey('X', none)).toBe('XPR')
    expect(deriveKey('🚀🚀', none)).toBe('PRJ')
    expect(deriveKey('a b c d e f g', none)).toBe('ABCDE')
    const taken = new Set(['ABC', 'ABC2', 'ABC3'])
    expect(deriveKey('abc', (k) => taken.has(k))).toBe('ABC4')
    expect(deriveKey('Abcdefghij', (k) => k.startsWith('ABCD') && k.length < 10 && k !== 'ABCD12')).toBe('ABCD12')
  })

  test('clientId must be a client of this workspace (400 otherwise)', async () => {
    const mine = t.db.insert(clients).values({ workspaceId: w.wsA.id, name: 'Acme' }).returning().get()
    const theirs = t.db.insert(clients).values({ workspaceId: w.wsB.id, name: 'Other' }).returning().get()
    expect((await newProject({ clientId: mine.id })).clientId).toBe(mine.id)
    const r = await t.req('POST', '/projects', { ...A(), body: { name: 'x', clientId: theirs.id } })
    expect(r.status).toBe(400)
    expect(r.body.issues[0].path).toBe('clientId')
  })

  test('one transaction: a failing subscriber leaves no project, status or membership behind', async () => {
    const before = [
      count('SELECT count(*) AS n FROM projects'),
      count('SELECT count(*) AS n FROM statuses'),
      count('SELECT count(*) AS n FROM project_members'),
    ]
    const r = await t.req('POST', '/projects', { ...A(), body: { name: 'explode-in-transaction' } })
    expect(r.status).toBe(500)
    const after = [
      count('SELECT count(*) AS n FROM projects'),
      count('SELECT count(*) AS n FROM statuses'),
      count('SELECT count(*) AS n FROM project_members'),
    ]
    expect(after).toEqual(before)
  })

  test('workspace VIEWER cannot create (403); a project-scoped key is refused (403 scope_violation)', async () => {
    const v = await t.req('POST', '/projects', { ...asUser('viewer'), body: { name: 'x' } })
    expect(v.status).toBe(403)
    expect(v.body.error).toBe('Missing projects:write permission.')
    const p = createProjectRow(t.core, w.wsA.id, { members: [[w.users.member.id, 'OWNER']] })
    const { key } = await createKey(t.core, w.users.member.id, { projectId: p.id })
    const k = await t.req('POST', '/projects', { as: key, workspace: w.wsA.id, body: { name: 'x' } })
    expect(k.status).toBe(403)
    expect(k.body.code).toBe('scope_violation')
  })
})

describe('GET /projects and /projects/:id', () => {
  test('lists only visible projects; filters archived and clientId; paginates by cursor', async () => {
    const u = await createUser(t.core)
    const token = createSession(t.core, u.id)
    t.sqlite.run('INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)', [
      w.wsA.id,
      u.id,
      'MEMBER',
      Date.now(),
    ])
    const opts = { as: token, workspace: w.wsA.id }
    const cl = t.db.insert(clients).values({ workspaceId: w.wsA.id, name: 'C' }).returning().get()
    const mine = [await newProject({ clientId: cl.id }, opts), await newProject({}, opts), await newProject({}, opts)]
    const archived = await newProject({}, opts)
    await t.req('POST', `/projects/${archived.id}/archive`, opts)
    const all = (await t.req('GET', '/projects?limit=200', opts)).body.data.map((p: { id: string }) => p.id)
    expect(all).toEqual(mine.map((p) => p.id))
    const arch = (await t.req('GET', '/projects?archived=true', opts)).body.data.map((p: { id: string }) => p.id)
    expect(arch).toEqual([archived.id])
    const byClient = (await t.req('GET', `/projects?clientId=${cl.id}`, opts)).body.data.map((p: { id: string }) => p.id)
    expect(byClient).toEqual([mine[0]!.id])
    const p1 = await t.req('GET', '/projects?limit=2', opts)
    expect(p1.body.data.length).toBe(2)
    const p2 = await t.req('GET', `/projects?limit=2&cursor=${p1.body.nextCursor}`, opts)
    expect(p2.body.data.map((p: { id: string }) => p.id)).toEqual([mine[2]!.id])
    expect(p2.body.nextCursor).toBeNull()
    // The workspace OWNER sees them all, with role OWNER.
    const owner = (await t.req('GET', '/projects?limit=200', A())).body.data
    expect(owner.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(mine.map((p) => p.id)))
    expect(new Set(owner.map((p: { role: string }) => p.role))).toEqual(new Set(['OWNER']))
  })

  test('GET one: statuses and member count; 404 for a non-member, another workspace, an unknown id', async () => {
    const p = await newProject()
    await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.viewer.id, role: 'VIEWER' } })
    const r = await t.req('GET', `/projects/${p.id}`, asUser('viewer'))
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ id: p.id, memberCount: 2, role: 'VIEWER' })
    expect(r.body.data.statuses).toHaveLength(5)
    expect((await t.req('GET', `/projects/${p.id}`, asUser('member'))).status).toBe(404)
    expect((await t.req('GET', `/projects/${p.id}`, { as: w.tokens.ownerB, workspace: w.wsB.id })).status).toBe(404)
    expect((await t.req('GET', `/projects/${crypto.randomUUID()}`, A())).status).toBe(404)
  })
})

describe('PATCH, archive, unarchive', () => {
  test('PATCH changes fields and records them (from → to) in the activity feed', async () => {
    const p = await newProject({ name: 'Before', key: 'BEF' })
    const r = await t.req('PATCH', `/projects/${p.id}`, {
      ...A(),
      body: { name: 'After', key: 'aft', color: '#abcdef', billableByDefault: true },
    })
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ name: 'After', key: 'AFT', color: '#abcdef' })
    const feed = (await t.req('GET', `/projects/${p.id}/activity`, A())).body.data
    expect(feed[0]).toMatchObject({
      action: 'project.updated',
      actor: { id: w.users.owner.id, handle: w.users.owner.handle },
      changes: { name: { from: 'Before', to: 'After' }, key: { from: 'BEF', to: 'AFT' }, color: { from: null, to: '#abcdef' } },
    })
    expect(feed[0].changes.billableByDefault).toBeUndefined() // unchanged fields are not recorded
  })

  test('PATCH: key conflict 409; project MEMBER 403; VIEWER 403; non-member 404', async () => {
    await newProject({ key: 'TAKEN' })
    const p = await newProject()
    expect((await t.req('PATCH', `/projects/${p.id}`, { ...A(), body: { key: 'TAKEN' } })).status).toBe(409)
    await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'MEMBER' } })
    const m = await t.req('PATCH', `/projects/${p.id}`, { ...asUser('member'), body: { name: 'x' } })
    expect(m.status).toBe(403)
    expect(m.body.error).toBe('Missing projects:write permission.')
    expect((await t.req('PATCH', `/projects/${p.id}`, { ...asUser('viewer'), body: { name: 'x' } })).status).toBe(403)
    const other = await newProject()
    expect((await t.req('PATCH', `/projects/${other.id}`, { ...asUser('member'), body: { name: 'x' } })).status).toBe(404)
  })

  test('archive/unarchive flip the flag once each and are recorded', async () => {
    const p = await newProject()
    const a = await t.req('POST', `/projects/${p.id}/archive`, A())
    expect(a.status).toBe(200)
    expect(a.body.data.archived).toBe(true)
    expect(typeof a.body.data.archivedAt).toBe('string')
    expect((await t.req('POST', `/projects/${p.id}/archive`, A())).body.data.archived).toBe(true)
    const u = await t.req('POST', `/projects/${p.id}/unarchive`, A())
    expect(u.body.data).toMatchObject({ archived: false, archivedAt: null })
    const actions = (await t.req('GET', `/projects/${p.id}/activity`, A())).body.data.map((x: { action: string }) => x.action)
    expect(actions).toEqual(['project.unarchived', 'project.archived', 'project.created'])
  })
})

describe('DELETE /projects/:id', () => {
  test('removes the project and everything in it, in one go; other projects untouched', async () => {
    const p = await newProject()
    const keep = await newProject()
    const [s0, s1] = [p.statuses[0].id, p.statuses[1].id]
    const ids = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: s0, ranks: ['a', 'b', 'c'] })
    insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: s1, ranks: ['a'], archived: true })
    const keptTasks = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: keep.id, statusId: keep.statuses[0].id, ranks: ['a'] })
    const label = t.db.insert(labels).values({ workspaceId: w.wsA.id, name: 'del-test' }).returning().get()
    for (const taskId of [ids[0]!, keptTasks[0]!]) {
      t.db.insert(taskLabels).values({ taskId, labelId: label.id }).run()
      t.db.insert(taskAssignees).values({ taskId, userId: w.users.owner.id }).run()
      t.db.insert(todos).values({ taskId, text: 'x', position: 0 }).run()
      const c = t.db.insert(comments).values({ taskId, authorId: w.users.owner.id, body: 'hi' }).returning().get()
      t.db.insert(mentions).values({ taskId, commentId: c.id, userId: w.users.owner.id }).run()
      const projectId = taskId === ids[0] ? p.id : keep.id
      t.db
        .insert(notifications)
        .values({ workspaceId: w.wsA.id, userId: w.users.owner.id, kind: 'mention', taskId, projectId, commentId: c.id, text: 'x' })
        .run()
      t.db
        .insert(timeEntries)
        .values({ workspaceId: w.wsA.id, projectId, taskId, userId: w.users.owner.id, date: '2026-01-01', minutes: 30, billable: true })
        .run()
    }
    const r = await t.req('DELETE', `/projects/${p.id}`, A())
    expect(r.status).toBe(200)
    expect(r.body.data).toEqual({ id: p.id, deleted: true })
    for (const table of [
      'projects WHERE id',
      'statuses WHERE project_id',
      'project_members WHERE project_id',
      'tasks WHERE project_id',
      'activity WHERE project_id',
      'time_entries WHERE project_id',
      'notifications WHERE project_id',
    ])
      expect(count(`SELECT count(*) AS n FROM ${table} = ?`, p.id)).toBe(0)
    for (const table of ['task_labels', 'task_assignees', 'todos', 'comments', 'mentions'])
      expect(count(`SELECT count(*) AS n FROM ${table} WHERE task_id IN (${ids.map(() => '?').join(',')})`, ...ids)).toBe(0)
    expect(count('SELECT count(*) AS n FROM tasks WHERE project_id = ?', keep.id)).toBe(1)
    for (const table of ['task_labels', 'task_assignees', 'todos', 'comments', 'mentions', 'time_entries', 'notifications'])
      expect(count(`SELECT count(*) AS n FROM ${table} WHERE task_id = ?`, keptTasks[0]!)).toBe(1)
    expect(count('SELECT count(*) AS n FROM labels WHERE id = ?', label.id)).toBe(1) // workspace labels stay
    expect((await t.req('GET', `/projects/${p.id}`, A())).status).toBe(404)
  })

  test('only a project OWNER: project MEMBER → 403, workspace MEMBER who owns it → 200', async () => {
    const p = await newProject()
    await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'MEMBER' } })
    const r = await t.req('DELETE', `/projects/${p.id}`, asUser('member'))
    expect(r.status).toBe(403)
    const own = await newProject({}, asUser('member'))
    expect((await t.req('DELETE', `/projects/${own.id}`, asUser('member'))).status).toBe(200)
  })
})

describe('members', () => {
  test('add (workspace members only), list, change role, remove; member.added published and recorded', async () => {
    const p = await newProject()
    const add = await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'MEMBER' } })
    expect(add.status).toBe(201)
    expect(add.body.data).toMatchObject({ userId: w.users.member.id, role: 'MEMBER', handle: w.users.member.handle })
    expect(published.some((e) => e.type === 'member.added' && e.projectId === p.id && e.userId === w.users.member.id)).toBe(true)
    const again = await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'VIEWER' } })
    expect(again.status).toBe(409)
    for (const userId of [w.users.outsider.id, w.users.ownerB.id, crypto.randomUUID()]) {
      const r = await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId, role: 'MEMBER' } })
      expect(r.status).toBe(400)
      expect(r.body.issues[0].path).toBe('userId')
    }
    const list = await t.req('GET', `/projects/${p.id}/members`, asUser('member'))
    expect(list.body.data.map((m: { userId: string; role: string }) => [m.userId, m.role]).sort()).toEqual(
      [
        [w.users.owner.id, 'OWNER'],
        [w.users.member.id, 'MEMBER'],
      ].sort(),
    )
    const up = await t.req('PATCH', `/projects/${p.id}/members/${w.users.member.id}`, { ...A(), body: { role: 'OWNER' } })
    expect(up.body.data.role).toBe('OWNER')
    const del = await t.req('DELETE', `/projects/${p.id}/members/${w.users.owner.id}`, asUser('member'))
    expect(del.status).toBe(200)
    const feed = (await t.req('GET', `/projects/${p.id}/activity`, asUser('member'))).body.data
    expect(feed.map((a: { action: string }) => a.action)).toEqual(['member.removed', 'member.updated', 'member.added', 'project.created'])
    expect(feed[1].changes).toEqual({ role: { from: 'MEMBER', to: 'OWNER' } })
  })

  test('the last project OWNER cannot be demoted or removed (409)', async () => {
    const p = await newProject({}, asUser('member'))
    const demote = await t.req('PATCH', `/projects/${p.id}/members/${w.users.member.id}`, { ...asUser('member'), body: { role: 'MEMBER' } })
    expect(demote.status).toBe(409)
    const remove = await t.req('DELETE', `/projects/${p.id}/members/${w.users.member.id}`, asUser('member'))
    expect(remove.status).toBe(409)
    // Even the workspace OWNER (OWNER on every project) cannot remove the last project OWNER.
    expect((await t.req('DELETE', `/projects/${p.id}/members/${w.users.member.id}`, A())).status).toBe(409)
  })

  test('project MEMBER cannot manage members (403) but can leave; unknown member → 404', async () => {
    const p = await newProject()
    await t.req('POST', `/projects/${p.id}/members`, { ...A(), body: { userId: w.users.member.id, role: 'MEMBER' } })
    const add = await t.req('POST', `/projects/${p.id}/members`, {
      ...asUser('member'),
      body: { userId: w.users.viewer.id, role: 'VIEWER' },
    })
    expect(add.status).toBe(403)
    expect(
      (await t.req('PATCH', `/projects/${p.id}/members/${w.users.owner.id}`, { ...asUser('member'), body: { role: 'VIEWER' } })).status,
    ).toBe(403)
    expect((await t.req('DELETE', `/projects/${p.id}/members/${w.users.owner.id}`, asUser('member'))).status).toBe(403)
    expect((await t.req('DELETE', `/projects/${p.id}/members/${w.users.viewer.id}`, A())).status).toBe(404)
    expect((await t.req('DELETE', `/projects/${p.id}/members/${w.users.member.id}`, asUser('member'))).status).toBe(200)
    expect((await t.req('GET', `/projects/${p.id}`, asUser('member'))).status).toBe(404)
  })
})

describe('activity feed', () => {
  test('task and comment events become feed rows with actor, changes and the task human id; newest first, paginated', async () => {
    const p = await newProject({ key: 'FEED' })
    const [taskId] = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: p.id, statusId: p.statuses[0].id, ranks: ['a'] })
    const ctx = { workspaceId: w.wsA.id, actorUserId: w.users.owner.id, at: t.clock.now() }
    const base = { projectId: p.id, taskId: taskId! }
    t.db.transaction((tx) => {
      publish(t.core, tx, ctx, { type: 'task.created', ...base, assigneeIds: [], mentionedUserIds: [], data: {} })
      publish(t.core, tx, ctx, {
        type: 'task.updated',
        ...base,
        changes: { title: { from: 'a', to: 'b' } },
        addedAssigneeIds: [],
        mentionedUserIds: [],
        data: {},
      })
      publish(t.core, tx, ctx, {
        type: 'task.moved',
        ...base,
        fromStatusId: p.statuses[0].id,
        toStatusId: p.statuses[2].id,
        fromProjectId: p.id,
        data: {},
      })
      publish(t.core, tx, ctx, { type: 'comment.created', ...base, commentId: 'c1', mentionedUserIds: [], data: {} })
    })
    t.db.transaction((tx) => {
      tx.run(`DELETE FROM tasks WHERE id = '${taskId}'` as never)
      publish(t.core, tx, ctx, { type: 'task.deleted', ...base, data: { key: 'FEED-1', title: 'Task 0' } })
    })
    const feed = (await t.req('GET', `/projects/${p.id}/activity?limit=200`, A())).body.data
    expect(feed.map((a: { action: string }) => a.action)).toEqual([
      'task.deleted',
      'comment.created',
      'task.moved',
      'task.updated',
      'task.created',
      'project.created',
    ])
    for (const a of feed.slice(0, 5)) {
      expect(a.taskId).toBe(taskId)
      expect(a.taskKey).toBe('FEED-1')
      expect(a.actor).toEqual({ id: w.users.owner.id, name: w.users.owner.name, handle: w.users.owner.handle })
    }
    expect(feed[3].changes).toEqual({ title: { from: 'a', to: 'b' } })
    expect(feed[2].changes).toEqual({ statusId: { from: p.statuses[0].id, to: p.statuses[2].id } })
    expect(feed[2].meta).toMatchObject({ fromStatus: 'Backlog', toStatus: 'In Progress' })
    expect(feed[1].meta.commentId).toBe('c1')
    // Pagination walks the same list.
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await t.req(
        'GET',
        `/projects/${p.id}/activity?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        A(),
      )
      seen.push(...page.body.data.map((a) => a.id))
      cursor = page.body.nextCursor
    } while (cursor)
    expect(seen).toEqual(feed.map((a: { id: string }) => a.id))
  })

  test('a move to another project is recorded in both projects', async () => {
    const from = await newProject()
    const to = await newProject()
    const [taskId] = insertTasks(t.core, { workspaceId: w.wsA.id, projectId: to.id, statusId: to.statuses[1].id, ranks: ['a'] })
    t.db.transaction((tx) =>
      publish(
        t.core,
        tx,
        { workspaceId: w.wsA.id, actorUserId: null, at: t.clock.now() },
        {
          type: 'task.moved',
          projectId: to.id,
          taskId: taskId!,
          fromStatusId: from.statuses[0].id,
          toStatusId: to.statuses[1].id,
          fromProjectId: from.id,
          data: {},
        },
      ),
    )
    for (const p of [from, to]) {
      const top = (await t.req('GET', `/projects/${p.id}/activity`, A())).body.data[0]
      expect(top).toMatchObject({ action: 'task.moved', actor: null, changes: { projectId: { from: from.id, to: to.id } } })
    }
  })

  test('non-members cannot read the feed (404)', async () => {
    const p = await newProject()
    expect((await t.req('GET', `/projects/${p.id}/activity`, asUser('member'))).status).toBe(404)
  })
})
