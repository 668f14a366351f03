import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { notifications, outbox, type projects } from '../src/db/schema'
import { publish } from '../src/events'
import { linkBase } from '../src/mail/outbox'
import { makeTestApp } from './helpers/app'
import { createProjectRow, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'

/**
 * Notifications through the real tasks and comments API: assignment and mention rules, visibility,
 * archived tasks, preferences (in-app off → no row; e-mail on → an outbox row in the same transaction),
 * and the list/read routes.
 */
const t = makeTestApp()
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
let alex: Awaited<ReturnType<typeof createUser>>
let alexToken: string
let project: typeof projects.$inferSelect

beforeAll(async () => {
  w = await seedWorld(t.core)
  alex = await createUser(t.core, { name: 'Alex', handle: 'alex_n' })
  alexToken = createSession(t.core, alex.id)
  t.core.sqlite
    .query("INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, 'MEMBER', ?)")
    .run(w.wsA.id, alex.id, Date.now())
  // The VIEWER of A is a workspace member but NOT a member of this project: they cannot see it.
  project = createProjectRow(t.core, w.wsA.id, {
    key: 'PROJ',
    name: 'Onboarding',
    members: [
      [w.users.owner.id, 'OWNER'],
      [w.users.member.id, 'MEMBER'],
      [alex.id, 'MEMBER'],
    ],
  })
})

type Who = 'owner' | 'member' | 'viewer' | 'ownerB' | 'outsider' | 'alex'
const as = (who: Who) => ({ as: who === 'alex' ? alexToken : w.tokens[who], workspace: who === 'ownerB' ? w.wsB.id : w.wsA.id })
const uid = (who: Who) => (who === 'alex' ? alex.id : w.users[who].id)
const rowsOf = (who: Who) =>
  t.db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, uid(who)))
    .all()
const countOf = (who: Who) => rowsOf(who).length
const mailsTo = (who: Who) =>
  t.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.kind, 'notification'), eq(outbox.to, who === 'alex' ? alex.email : w.users[who].email)))
    .all()

async function createTask(body: Record<string, unknown>, who: Who = 'alex') {
  const r = await t.req('POST', '/tasks', { ...as(who), body: { projectId: project.id, ...body } })
  expect(r.status).toBe(201)
  return r.body.data as { id: string; humanId: string; title: string }
}

describe('assignment', () => {
  test('an assignee gets one notification with actor, task, project and text; the actor assigning themselves gets none', async () => {
    const before = { owner: countOf('owner'), alex: countOf('alex') }
    const task = await createTask({ title: 'Ship onboarding flow', assigneeIds: [w.users.owner.id, alex.id] })
    expect(countOf('alex')).toBe(before.alex)
    const list = await t.req('GET', '/notifications', as('owner'))
    expect(list.status).toBe(200)
    expect(list.body.data[0]).toEqual({
      id: expect.any(String),
      kind: 'assignment',
      text: `Alex assigned you to ${task.humanId} Ship onboarding flow`,
      actor: { id: alex.id, name: 'Alex', handle: 'alex_n' },
      task: { id: task.id, humanId: task.humanId, title: 'Ship onboarding flow' },
      project: { id: project.id, name: 'Onboarding' },
      commentId: null,
      read: false,
      readAt: null,
      createdAt: expect.any(String),
    })
    expect(countOf('owner')).toBe(before.owner + 1)
  })

  test('update: only newly added assignees are notified; re-sending the same list adds nothing', async () => {
    const task = await createTask({ title: 'Assign later', assigneeIds: [w.users.owner.id] })
    const before = { owner: countOf('owner'), member: countOf('member') }
    const patch = (ids: string[]) => t.req('PATCH', `/tasks/${task.id}`, { ...as('alex'), body: { assigneeIds: ids } })
    expect((await patch([w.users.owner.id, w.users.member.id])).status).toBe(200)
    expect(countOf('member')).toBe(before.member + 1)
    expect(countOf('owner')).toBe(before.owner)
    expect((await patch([w.users.owner.id, w.users.member.id])).status).toBe(200)
    expect((await patch([w.users.member.id, w.users.owner.id])).status).toBe(200)
    expect(countOf('member')).toBe(before.member + 1)
    // Removed and re-added: a new assignment, a new notification.
    await patch([w.users.owner.id])
    await patch([w.users.owner.id, w.users.member.id])
    expect(countOf('member')).toBe(before.member + 2)
  })

  test('an archived task produces nothing new', async () => {
    const task = await createTask({ title: 'Old work' })
    expect((await t.req('POST', `/tasks/${task.id}/archive`, as('alex'))).status).toBe(200)
    const before = countOf('member')
    const r = await t.req('PATCH', `/tasks/${task.id}`, {
      ...as('alex'),
      body: { assigneeIds: [w.users.member.id], description: `@${w.users.member.handle}` },
    })
    expect(r.status).toBe(200)
    expect(r.body.data.assignees.map((a: { id: string }) => a.id)).toEqual([w.users.member.id])
    expect(countOf('member')).toBe(before)
  })
})

describe('mentions', () => {
  test('in a comment: project members are notified once; non-members, other workspaces and the author are not', async () => {
    const task = await createTask({ title: 'Discuss' })
    const before = { owner: countOf('owner'), viewer: countOf('viewer'), ownerB: countOf('ownerB'), alex: countOf('alex') }
    const { owner, viewer, ownerB } = w.users
    const c = await t.req('POST', `/tasks/${task.id}/comments`, {
      ...as('alex'),
      body: { body: `@${owner.handle} @${viewer.handle} @${ownerB.handle} @alex_n look` },
    })
    expect(c.status).toBe(201)
    expect(countOf('viewer')).toBe(before.viewer)
    expect(countOf('ownerB')).toBe(before.ownerB)
    expect(countOf('alex')).toBe(before.alex)
    const mine = rowsOf('owner').filter((n) => n.commentId === c.body.data.id)
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({
      kind: 'mention',
      text: `Alex mentioned you in ${task.humanId}`,
      taskId: task.id,
      projectId: project.id,
      actorUserId: alex.id,
    })
    // Editing the comment (same mention, and a new one) never notifies the owner twice for it.
    const edit = (body: string) => t.req('PATCH', `/tasks/${task.id}/comments/${c.body.data.id}`, { ...as('alex'), body: { body } })
    expect((await edit(`again @${owner.handle} and @${w.users.member.handle}`)).status).toBe(200)
    expect((await edit(`@${owner.handle}!! @${w.users.member.handle}`)).status).toBe(200)
    expect(rowsOf('owner').filter((n) => n.commentId === c.body.data.id)).toHaveLength(1)
    expect(rowsOf('member').filter((n) => n.commentId === c.body.data.id)).toHaveLength(1)
  })

  test('in a task description (create and update); someone both assigned and mentioned gets only the assignment', async () => {
    const before = { owner: countOf('owner'), member: countOf('member') }
    const task = await createTask({
      title: 'Spec',
      description: `cc @${w.users.owner.handle} @${w.users.member.handle}`,
      assigneeIds: [w.users.member.id],
    })
    const ownerNew = rowsOf('owner').filter((n) => n.taskId === task.id)
    const memberNew = rowsOf('member').filter((n) => n.taskId === task.id)
    expect(ownerNew.map((n) => [n.kind, n.text])).toEqual([['mention', `Alex mentioned you in ${task.humanId}`]])
    expect(memberNew.map((n) => n.kind)).toEqual(['assignment'])
    // Mentioned again in a new description: recorded once per description by the tasks feature.
    await t.req('PATCH', `/tasks/${task.id}`, { ...as('alex'), body: { description: `still cc @${w.users.owner.handle}` } })
    expect(countOf('owner')).toBe(before.owner + 1)
    expect(countOf('member')).toBe(before.member + 1)
  })

  test('a mention of someone who cannot see the task creates nothing, even if an event names them', async () => {
    const task = await createTask({ title: 'Private-ish' })
    const before = { viewer: countOf('viewer'), ownerB: countOf('ownerB') }
    // The comments feature already drops invisible users; the subscriber checks again on its own.
    t.db.transaction((tx) =>
      publish(
        t.core,
        tx,
        { workspaceId: w.wsA.id, actorUserId: alex.id, at: t.clock.now() },
        {
          type: 'task.updated',
          projectId: project.id,
          taskId: task.id,
          changes: {},
          addedAssigneeIds: [w.users.viewer.id, w.users.ownerB.id],
          mentionedUserIds: [w.users.viewer.id, w.users.ownerB.id, w.users.outsider.id],
          data: {},
        },
      ),
    )
    expect(countOf('viewer')).toBe(before.viewer)
    expect(countOf('ownerB')).toBe(before.ownerB)
    expect(countOf('outsider')).toBe(0)
  })

  test('an event about a deleted (or unknown) task creates nothing and does not fail', async () => {
    const before = countOf('owner')
    t.db.transaction((tx) =>
      publish(
        t.core,
        tx,
        { workspaceId: w.wsA.id, actorUserId: alex.id, at: t.clock.now() },
        {
          type: 'comment.created',
          projectId: project.id,
          taskId: 'no-such-task',
          commentId: 'no-such-comment',
          mentionedUserIds: [w.users.owner.id],
          data: {},
        },
      ),
    )
    expect(countOf('owner')).toBe(before)
  })
})

describe('preferences', () => {
  test('defaults: in-app on, e-mail off; PUT is partial; bad bodies are 400', async () => {
    const p = await t.req('GET', '/notifications/preferences', as('member'))
    expect(p.body.data).toEqual({ assignment: { inApp: true, email: false }, mention: { inApp: true, email: false } })
    const u = await t.req('PUT', '/notifications/preferences', { ...as('member'), body: { mention: { email: true } } })
    expect(u.status).toBe(200)
    expect(u.body.data).toEqual({ assignment: { inApp: true, email: false }, mention: { inApp: true, email: true } })
    const u2 = await t.req('PUT', '/notifications/preferences', { ...as('member'), body: { assignment: { inApp: false } } })
    expect(u2.body.data).toEqual({ assignment: { inApp: false, email: false }, mention: { inApp: true, email: true } })
    expect((await t.req('GET', '/notifications/preferences', as('member'))).body.data).toEqual(u2.body.data)
    for (const body of [{ assignment: { inApp: 'yes' } }, { digest: { email: true } }, { mention: { sms: true } }]) {
      const bad = await t.req('PUT', '/notifications/preferences', { ...as('member'), body })
      expect(bad.status).toBe(400)
      expect(bad.body.code).toBe('validation_error')
    }
    // Reset for the next tests.
    await t.req('PUT', '/notifications/preferences', {
      ...as('member'),
      body: { assignment: { inApp: true, email: false }, mention: { inApp: true, email: false } },
    })
  })

  test('inApp off → no row; email on → one outbox mail to the user, in the same transaction', async () => {
    await t.req('PUT', '/notifications/preferences', {
      ...as('member'),
      body: { assignment: { inApp: false, email: true }, mention: { inApp: true, email: false } },
    })
    const beforeRows = countOf('member')
    const beforeMails = mailsTo('member').length
    const task = await createTask({ title: 'Mail me', assigneeIds: [w.users.member.id] })
    expect(countOf('member')).toBe(beforeRows)
    const mails = mailsTo('member')
    expect(mails).toHaveLength(beforeMails + 1)
    const mail = mails.at(-1)!
    expect(mail.subject).toBe(`Alex assigned you to ${task.humanId} Mail me`)
    // The link opens the task's web page (not the API route), on this server's address when
    // SALLY_PUBLIC_URL is unset: /w/<workspace slug>/tasks/<human id>.
    expect(mail.body).toContain(`Link: ${linkBase(t)}/w/${w.wsA.slug}/tasks/${task.humanId}\n`)
    expect(mail.sentAt).toBeNull()
    // A mention: in-app on, mail off → a row and no mail.
    await t.req('POST', `/tasks/${task.id}/comments`, { ...as('alex'), body: { body: `@${w.users.member.handle} see` } })
    expect(countOf('member')).toBe(beforeRows + 1)
    expect(mailsTo('member')).toHaveLength(beforeMails + 1)
    // Both off: nothing at all.
    await t.req('PUT', '/notifications/preferences', {
      ...as('member'),
      body: { assignment: { inApp: false, email: false }, mention: { inApp: false } },
    })
    await createTask({ title: 'Silent', assigneeIds: [w.users.member.id], description: `@${w.users.member.handle}` })
    expect(countOf('member')).toBe(beforeRows + 1)
    expect(mailsTo('member')).toHaveLength(beforeMails + 1)
    await t.req('PUT', '/notifications/preferences', {
      ...as('member'),
      body: { assignment: { inApp: true, email: false }, mention: { inApp: true, email: false } },
    })
  })

  test('a rolled-back cause leaves neither notification nor mail', async () => {
    await t.req('PUT', '/notifications/preferences', { ...as('owner'), body: { assignment: { email: true } } })
    const task = await createTask({ title: 'Rollback' })
    const before = { rows: countOf('owner'), mails: mailsTo('owner').length }
    expect(() =>
      t.db.transaction((tx) => {
        publish(
          t.core,
          tx,
          { workspaceId: w.wsA.id, actorUserId: alex.id, at: t.clock.now() },
          {
            type: 'task.updated',
            projectId: project.id,
            taskId: task.id,
            changes: {},
            addedAssigneeIds: [w.users.owner.id],
            mentionedUserIds: [],
            data: {},
          },
        )
        expect(countOf('owner')).toBe(before.rows + 1) // visible inside the transaction
        throw new Error('the cause failed')
      }),
    ).toThrow('the cause failed')
    expect(countOf('owner')).toBe(before.rows)
    expect(mailsTo('owner')).toHaveLength(before.mails)
    await t.req('PUT', '/notifications/preferences', { ...as('owner'), body: { assignment: { email: false } } })
  })
})

describe('list and read', () => {
  let other: { id: string }
  beforeAll(async () => {
    // A second workspace where the member also gets a notification: never listed in workspace A.
    const ws2 = createWorkspace(t.core, {
      members: [
        [w.users.member.id, 'MEMBER'],
        [alex.id, 'OWNER'],
      ],
    })
    const p2 = createProjectRow(t.core, ws2.id, { key: 'TWO', members: [[w.users.member.id, 'MEMBER']] })
    const r = await t.req('POST', '/tasks', {
      as: alexToken,
      workspace: ws2.id,
      body: { projectId: p2.id, title: 'Elsewhere', assigneeIds: [w.users.member.id] },
    })
    expect(r.status).toBe(201)
    other = t.db.select().from(notifications).where(eq(notifications.workspaceId, ws2.id)).get()!
    // Three fresh notifications for the member in A.
    for (const title of ['N1', 'N2', 'N3']) await createTask({ title, assigneeIds: [w.users.member.id] })
  })

  test('newest first, cursor pagination, unread filter, read and read-all', async () => {
    const all = rowsOf('member').filter((n) => n.workspaceId === w.wsA.id)
    const p1 = await t.req('GET', '/notifications?limit=2', as('member'))
    expect(p1.body.data.map((n: { text: string }) => n.text.split(' ').at(-1))).toEqual(['N3', 'N2'])
    expect(p1.body.nextCursor).toBe(p1.body.data[1].id)
    const ids: string[] = []
    let cursor: string | null = null
    do {
      const page: any = await t.req('GET', `/notifications?limit=3${cursor ? `&cursor=${cursor}` : ''}`, as('member'))
      ids.push(...page.body.data.map((n: { id: string }) => n.id))
      cursor = page.body.nextCursor
    } while (cursor)
    expect(ids).toEqual(
      all
        .map((n) => n.id)
        .sort()
        .reverse(),
    )
    expect(ids).not.toContain(other.id)

    const first = p1.body.data[0]
    const r = await t.req('POST', `/notifications/${first.id}/read`, as('member'))
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ id: first.id, read: true, readAt: new Date(t.clock.now()).toISOString() })
    t.clock.advance(5000)
    const again = await t.req('POST', `/notifications/${first.id}/read`, as('member'))
    expect(again.body.data.readAt).toBe(r.body.data.readAt)
    const unread = await t.req('GET', '/notifications?unread=true&limit=200', as('member'))
    expect(unread.body.data.map((n: { id: string }) => n.id)).not.toContain(first.id)
    expect(unread.body.data).toHaveLength(all.length - 1)

    const ra = await t.req('POST', '/notifications/read-all', as('member'))
    expect(ra.body.data).toEqual({ updated: all.length - 1 })
    expect((await t.req('GET', '/notifications?unread=true', as('member'))).body.data).toEqual([])
    // The other workspace's notification is untouched.
    expect(t.db.select().from(notifications).where(eq(notifications.id, other.id)).get()!.readAt).toBeNull()
  })

  test("another user's notification, or one in another workspace, is 404; bad queries are 400", async () => {
    // A notification of the owner's own (unread), whatever ran before.
    const forOwner = await createTask({ title: 'For the owner', assigneeIds: [w.users.owner.id] })
    const ownerNote = rowsOf('owner').find((n) => n.taskId === forOwner.id)!
    const r = await t.req('POST', `/notifications/${ownerNote.id}/read`, as('member'))
    expect(r.status).toBe(404)
    expect(r.body.code).toBe('not_found')
    expect(t.db.select().from(notifications).where(eq(notifications.id, ownerNote.id)).get()!.readAt).toBeNull()
    expect((await t.req('POST', `/notifications/${other.id}/read`, as('member'))).status).toBe(404)
    expect((await t.req('GET', '/notifications?unread=maybe', as('member'))).status).toBe(400)
    expect((await t.req('GET', '/notifications?limit=500', as('member'))).status).toBe(400)
  })

  test('the global token has no user: 403', async () => {
    const g = makeTestApp({ SALLY_GLOBAL_API_TOKEN: 'global-token-for-notifications-0123456789abcdef' })
    try {
      const ws = createWorkspace(g.core)
      const r = await g.req('GET', '/notifications', { as: 'global-token-for-notifications-0123456789abcdef', workspace: ws.id })
      expect(r.status).toBe(403)
      expect(r.body.code).toBe('forbidden')
    } finally {
      g.close()
    }
  })
})
