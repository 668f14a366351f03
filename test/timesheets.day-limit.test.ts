import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { timeEntries, workspaceMembers } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createProjectRow, createSession, createUser, seedWorld } from './helpers/fixtures'

/**
 * The 24 h/day rule counts a person's minutes per workspace, and its message shows a total only to
 * callers who can see every entry it counts. Otherwise the OWNER of workspace B could read how much
 * someone logged in workspace A (or a project OWNER how much they logged in projects the owner cannot
 * see), and B could fill the person's days so that they cannot log time in A.
 * The fake clock is 2026-03-10 12:00 UTC.
 */
const t = makeTestApp()
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
/** In workspace A: `member` works on PA; in workspace B (owned by ownerB): on PB. */
const tasks = { a: '', b: '', q: '', s: '' }
let member2Token = ''
let member2Id = ''

const minutesOf = (userId: string, date: string) =>
  t.db
    .select({ m: timeEntries.minutes })
    .from(timeEntries)
    .where(and(eq(timeEntries.userId, userId), eq(timeEntries.date, date)))
    .all()
    .reduce((s, r) => s + r.m, 0)

beforeAll(async () => {
  t.clock.set(Date.parse('2026-03-10T12:00:00Z'))
  w = await seedWorld(t.core)
  const { member, ownerB } = w.users
  // The workspace MEMBER of A is also a MEMBER of B.
  t.db.insert(workspaceMembers).values({ workspaceId: w.wsB.id, userId: member.id, role: 'MEMBER' }).run()
  const PA = createProjectRow(t.core, w.wsA.id, { members: [[member.id, 'MEMBER']] })
  const PB = createProjectRow(t.core, w.wsB.id, {
    members: [
      [ownerB.id, 'OWNER'],
      [member.id, 'MEMBER'],
    ],
  })
  // In A: Q owned by `member` with member2; S has member2 only (member cannot see it).
  const member2 = await createUser(t.core)
  member2Id = member2.id
  member2Token = createSession(t.core, member2.id)
  t.db.insert(workspaceMembers).values({ workspaceId: w.wsA.id, userId: member2.id, role: 'MEMBER' }).run()
  const Q = createProjectRow(t.core, w.wsA.id, {
    members: [
      [member.id, 'OWNER'],
      [member2.id, 'MEMBER'],
    ],
  })
  const S = createProjectRow(t.core, w.wsA.id, { members: [[member2.id, 'MEMBER']] })
  const task = async (projectId: string, as: string, workspace: string) => {
    const r = await t.req('POST', '/tasks', { as, workspace, body: { projectId, title: 'work' } })
    if (r.status !== 201) throw new Error(`fixture task: ${r.status} ${r.text}`)
    return r.body.data.id as string
  }
  tasks.a = await task(PA.id, w.tokens.owner, w.wsA.id)
  tasks.b = await task(PB.id, w.tokens.ownerB, w.wsB.id)
  tasks.q = await task(Q.id, w.tokens.owner, w.wsA.id)
  tasks.s = await task(S.id, w.tokens.owner, w.wsA.id)
})

const log = (as: string, workspace: string, taskId: string, body: Record<string, unknown>) =>
  t.req('POST', `/tasks/${taskId}/time-entries`, { as, workspace, body })

describe('the 24 h/day rule is per workspace', () => {
  test("minutes logged in workspace A do not count against workspace B's limit, nor B's against A's", async () => {
    const { member } = w.users
    const a = await log(w.tokens.member, w.wsA.id, tasks.a, { date: '2026-03-07', minutes: 1000 })
    expect(a.status).toBe(201)
    // B's OWNER fills the person's day in B.
    const b = await log(w.tokens.ownerB, w.wsB.id, tasks.b, { date: '2026-03-07', minutes: 1440, userId: member.id })
    expect(b.status).toBe(201)
    // The person can still log the rest of their day in A.
    const rest = await log(w.tokens.member, w.wsA.id, tasks.a, { date: '2026-03-07', minutes: 440 })
    expect(rest.status).toBe(201)
    expect(minutesOf(member.id, '2026-03-07')).toBe(1000 + 1440 + 440)
  })

  test("B's error message shows B's minutes only, never A's", async () => {
    const { member } = w.users
    expect((await log(w.tokens.member, w.wsA.id, tasks.a, { date: '2026-03-08', minutes: 777 })).status).toBe(201)
    expect((await log(w.tokens.ownerB, w.wsB.id, tasks.b, { date: '2026-03-08', minutes: 1000, userId: member.id })).status).toBe(201)
    const over = await log(w.tokens.ownerB, w.wsB.id, tasks.b, { date: '2026-03-08', minutes: 441, userId: member.id })
    expect(over.status).toBe(400)
    expect(over.body.error).toBe(
      'A person can log at most 1440 minutes (24 h) per day: 2026-03-08 already has 1000 minutes, so at most 440 more.',
    )
    expect(over.body.error).not.toContain('777')
    expect(over.body.error).not.toContain('1777')
    // Nothing was written by the refused request.
    expect(minutesOf(member.id, '2026-03-08')).toBe(1777)
  })
})

describe('the message shows a total only to those who see every entry it counts', () => {
  test('a project OWNER logging for someone gets no total when some of their minutes are in projects the owner cannot see', async () => {
    expect((await log(member2Token, w.wsA.id, tasks.s, { date: '2026-03-09', minutes: 1234 })).status).toBe(201)
    const over = await log(w.tokens.member, w.wsA.id, tasks.q, { date: '2026-03-09', minutes: 207, userId: member2Id })
    expect(over.status).toBe(400)
    expect(over.body.code).toBe('validation_error')
    expect(over.body.error).toBe(`A person can log at most 1440 minutes (24 h) per day: this would take them over it on 2026-03-09.`)
    expect(over.body.error).not.toContain('1234')
    expect(over.body.error).not.toContain('206')
    expect(minutesOf(member2Id, '2026-03-09')).toBe(1234)
    // Within the limit, it is logged.
    expect((await log(w.tokens.member, w.wsA.id, tasks.q, { date: '2026-03-09', minutes: 206, userId: member2Id })).status).toBe(201)
  })

  test('the person themselves, and the workspace OWNER, see the total', async () => {
    expect((await log(member2Token, w.wsA.id, tasks.s, { date: '2026-03-06', minutes: 1200 })).status).toBe(201)
    const expected = 'A person can log at most 1440 minutes (24 h) per day: 2026-03-06 already has 1200 minutes, so at most 240 more.'
    const self = await log(member2Token, w.wsA.id, tasks.q, { date: '2026-03-06', minutes: 241 })
    expect(self.body.error).toBe(expected)
    const owner = await log(w.tokens.owner, w.wsA.id, tasks.q, { date: '2026-03-06', minutes: 241, userId: member2Id })
    expect(owner.body.error).toBe(expected)
    expect(minutesOf(member2Id, '2026-03-06')).toBe(1200)
  })
})
