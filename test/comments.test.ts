import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { and, eq, isNotNull } from 'drizzle-orm'
import { comments, mentions, type projects } from '../src/db/schema'
import { type DomainEvent, subscribe } from '../src/events'
import { parseMentions } from '../src/tasks/people'
import { makeTestApp } from './helpers/app'
import { createProjectRow, seedWorld } from './helpers/fixtures'

const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
let project: typeof projects.$inferSelect
let task: { id: string; humanId: string }
afterAll(() => t.close())

const events: DomainEvent[] = []
subscribe((_c, _tx, ctx, e) => {
  if (w && ctx.workspaceId === w.wsA.id && e.type.startsWith('comment.')) events.push(e)
})
const last = () => events[events.length - 1] as any

beforeAll(async () => {
  w = await seedWorld(t.core)
  const { owner, member, viewer } = w.users
  project = createProjectRow(t.core, w.wsA.id, {
    key: 'CMT',
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
      [viewer.id, 'VIEWER'],
    ],
  })
})
// Each story discusses a task of its own.
beforeEach(async () => {
  task = (await t.req('POST', '/tasks', { as: w.tokens.member, workspace: w.wsA.id, body: { projectId: project.id, title: 'Discuss' } }))
    .body.data
})

const as = (who: 'owner' | 'member' | 'viewer' | 'ownerB') => ({ as: w.tokens[who], workspace: who === 'ownerB' ? w.wsB.id : w.wsA.id })
const post = (body: string, who: 'owner' | 'member' | 'viewer' = 'member') =>
  t.req('POST', `/tasks/${task.id}/comments`, { ...as(who), body: { body } })

describe('mention parsing', () => {
  test('handles after start, spaces or punctuation; not inside e-mail addresses or @@', () => {
    expect(parseMentions('@alice hi @Bob, (@carol_9) x@dave @@eve @e')).toEqual(['alice', 'bob', 'carol_9'])
    expect(parseMentions('')).toEqual([])
    expect(parseMentions(`@${'a'.repeat(40)}`)).toEqual(['a'.repeat(32)])
  })
})

describe('comments', () => {
  test('create, list (oldest first, paginated), with author and comment count on the task', async () => {
    const a = await post('first')
    expect(a.status).toBe(201)
    expect(a.body.data).toMatchObject({ body: 'first', taskId: task.id, projectId: project.id, edited: false })
    expect(a.body.data.author).toEqual({ id: w.users.member.id, name: w.users.member.name, handle: w.users.member.handle })
    await post('second', 'owner')
    await post('third')
    const page1 = await t.req('GET', `/tasks/${task.humanId}/comments?limit=2`, as('viewer'))
    expect(page1.status).toBe(200)
    expect(page1.body.data.map((c: { body: string }) => c.body)).toEqual(['first', 'second'])
    const page2 = await t.req('GET', `/tasks/${task.id}/comments?limit=2&cursor=${page1.body.nextCursor}`, as('viewer'))
    expect(page2.body.data.map((c: { body: string }) => c.body)).toEqual(['third'])
    expect(page2.body.nextCursor).toBeNull()
    const desc = await t.req('GET', `/tasks/${task.id}/comments?order=desc&limit=1`, as('viewer'))
    expect(desc.body.data[0].body).toBe('third')
    expect((await t.req('GET', `/tasks/${task.id}`, as('viewer'))).body.data.commentCount).toBe(3)
  })

  test('mentions: members who can see the project, reported once per comment, stored with the comment id', async () => {
    const { owner, viewer, ownerB } = w.users
    const r = await post(`ping @${viewer.handle} and @${ownerB.handle} and @nobody_here`)
    const e = last()
    expect(e).toMatchObject({ type: 'comment.created', commentId: r.body.data.id, mentionedUserIds: [viewer.id] })
    expect(e.data.body).toContain('ping')
    const stored = t.db.select().from(mentions).where(eq(mentions.commentId, r.body.data.id)).all()
    expect(stored.map((m) => m.userId)).toEqual([viewer.id])
    // Editing to add another mention reports only the new one; re-saving never repeats.
    const p = await t.req('PATCH', `/tasks/${task.id}/comments/${r.body.data.id}`, {
      ...as('member'),
      body: { body: `ping @${viewer.handle} @${owner.handle}` },
    })
    expect(p.status).toBe(200)
    expect(last()).toMatchObject({ type: 'comment.updated', mentionedUserIds: [owner.id] })
    await t.req('PATCH', `/tasks/${task.id}/comments/${r.body.data.id}`, {
      ...as('member'),
      body: { body: `again @${viewer.handle} @${owner.handle}!` },
    })
    expect(last().mentionedUserIds).toEqual([])
    expect(
      t.db
        .select()
        .from(mentions)
        .where(and(eq(mentions.taskId, task.id), isNotNull(mentions.commentId)))
        .all(),
    ).toHaveLength(2)
  })

  test('author or project OWNER may edit/delete; another member → 403; VIEWER cannot comment', async () => {
    const mine = (await post('by member')).body.data
    const byOwner = (await post('by owner', 'owner')).body.data
    const edited = await t.req('PATCH', `/tasks/${task.id}/comments/${mine.id}`, { ...as('owner'), body: { body: 'moderated' } })
    expect(edited.status).toBe(200)
    expect(edited.body.data.body).toBe('moderated')
    const denied = await t.req('PATCH', `/tasks/${task.id}/comments/${byOwner.id}`, { ...as('member'), body: { body: 'hijack' } })
    expect(denied.status).toBe(403)
    expect(denied.body.code).toBe('forbidden')
    const deniedDel = await t.req('DELETE', `/tasks/${task.id}/comments/${byOwner.id}`, as('member'))
    expect(deniedDel.status).toBe(403)
    expect(t.db.select().from(comments).where(eq(comments.id, byOwner.id)).get()!.body).toBe('by owner')
    const v = await post('viewer says', 'viewer')
    expect(v.status).toBe(403)
    const del = await t.req('DELETE', `/tasks/${task.id}/comments/${mine.id}`, as('member'))
    expect(del.status).toBe(200)
    expect(last()).toMatchObject({ type: 'comment.deleted', commentId: mine.id })
    expect(t.db.select().from(comments).where(eq(comments.id, mine.id)).get()).toBeUndefined()
  })

  test('validation and isolation: empty body 400, unknown comment 404, another workspace 404', async () => {
    expect((await post('   ')).status).toBe(400)
    expect((await t.req('PATCH', `/tasks/${task.id}/comments/nope`, { ...as('member'), body: { body: 'x' } })).status).toBe(404)
    const c = (await post('isolated')).body.data
    expect((await t.req('GET', `/tasks/${task.id}/comments`, as('ownerB'))).status).toBe(404)
    expect((await t.req('DELETE', `/tasks/${task.id}/comments/${c.id}`, as('ownerB'))).status).toBe(404)
    // A comment id under another task of the same project is not found there.
    const other = (await t.req('POST', '/tasks', { ...as('member'), body: { projectId: project.id, title: 'other' } })).body.data
    expect((await t.req('PATCH', `/tasks/${other.id}/comments/${c.id}`, { ...as('member'), body: { body: 'x' } })).status).toBe(404)
  })

  test('Idempotency-Key: a retried comment is created once', async () => {
    const headers = { 'idempotency-key': 'comment-retry-1' }
    const a = await t.req('POST', `/tasks/${task.id}/comments`, { ...as('member'), headers, body: { body: 'once' } })
    const b = await t.req('POST', `/tasks/${task.id}/comments`, { ...as('member'), headers, body: { body: 'once' } })
    expect(a.status).toBe(201)
    expect(b.status).toBe(201)
    expect(b.headers.get('idempotent-replayed')).toBe('true')
    expect(b.body.data.id).toBe(a.body.data.id)
    expect(t.db.select().from(comments).where(eq(comments.body, 'once')).all()).toHaveLength(1)
  })
})
