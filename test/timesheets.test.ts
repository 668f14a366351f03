import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { projects, timeEntries } from '../src/db/schema'
import { type DomainEvent, subscribe } from '../src/events'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, seedWorld } from './helpers/fixtures'

/**
 * Time entries: creation and its validation, edits and deletes, the full approval state machine as a
 * table, role rules, listing with filters and pagination. The fake clock is 2026-03-10 12:00 UTC, so
 * 2026-03-11 is the latest day one may log.
 */
const t = makeTestApp()
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
let member2: Awaited<ReturnType<typeof createUser>>
let member2Token: string
/** P: billable by default; owner OWNER, member MEMBER, member2 MEMBER, viewer VIEWER. */
let P: typeof projects.$inferSelect
/** Q: not billable by default; the workspace MEMBER `member` is its OWNER, member2 a MEMBER. */
let Q: typeof projects.$inferSelect
/** R: only the workspace owner. */
let R: typeof projects.$inferSelect
const tasks: Record<'p' | 'p2' | 'q' | 'r', { id: string; humanId: string }> = {} as never

const approved: DomainEvent[] = []
subscribe((_c, _tx, _ctx, e) => {
  if (e.type === 'time_entry.approved') approved.push(e)
})

type Who = 'owner' | 'member' | 'viewer' | 'ownerB' | 'member2'
const as = (who: Who) => ({ as: who === 'member2' ? member2Token : w.tokens[who], workspace: who === 'ownerB' ? w.wsB.id : w.wsA.id })
const _uid = (who: Who) => (who === 'member2' ? member2.id : w.users[who].id)

beforeAll(async () => {
  t.clock.set(Date.parse('2026-03-10T12:00:00Z'))
  w = await seedWorld(t.core)
  member2 = await createUser(t.core, { name: 'Member Two' })
  member2Token = createSession(t.core, member2.id)
  t.core.sqlite
    .query("INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, 'MEMBER', ?)")
    .run(w.wsA.id, member2.id, Date.now())
  const { owner, member, viewer } = w.users
  P = createProjectRow(t.core, w.wsA.id, {
    key: 'TIME',
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
      [member2.id, 'MEMBER'],
      [viewer.id, 'VIEWER'],
    ],
  })
  Q = createProjectRow(t.core, w.wsA.id, {
    key: 'QQ',
    members: [
      [member.id, 'OWNER'],
      [member2.id, 'MEMBER'],
    ],
  })
  R = createProjectRow(t.core, w.wsA.id, { key: 'RR', members: [[owner.id, 'OWNER']] })
  t.db.update(projects).set({ billableByDefault: false }).where(eq(projects.id, Q.id)).run()
  const task = async (projectId: string, title: string, who: Who = 'owner') =>
    (await t.req('POST', '/tasks', { ...as(who), body: { projectId, title } })).body.data
  tasks.p = await task(P.id, 'Build it')
  tasks.p2 = await task(P.id, 'Test it')
  tasks.q = await task(Q.id, 'Q work', 'member')
  tasks.r = await task(R.id, 'Secret')
})

const log = (who: Who, body: Record<string, unknown>, taskRef = tasks.p.id) =>
  t.req('POST', `/tasks/${taskRef}/time-entries`, { ...as(who), body })
async function entry(who: Who, body: Record<string, unknown>, taskRef?: string) {
  const r = await log(who, body, taskRef)
  if (r.status !== 201) throw new Error(`expected 201, got ${r.status} ${r.text}`)
  return r.body.data as { id: string; state: string; minutes: number; billable: boolean; billed: boolean; date: string; userId: string }
}

describe('create', () => {
  test('minutes, with the task, project and person; billable from the project unless given', async () => {
    const r = await log('member', { date: '2026-03-02', minutes: 90, note: 'pairing' })
    expect(r.status).toBe(201)
    expect(r.body.data).toMatchObject({
      projectId: P.id,
      taskId: tasks.p.id,
      userId: w.users.member.id,
      user: { id: w.users.member.id, name: w.users.member.name, handle: w.users.member.handle },
      task: { id: tasks.p.id, humanId: tasks.p.humanId, title: 'Build it' },
      project: { id: P.id, name: P.name },
      date: '2026-03-02',
      minutes: 90,
      note: 'pairing',
      billable: true,
      billed: false,
      state: 'draft',
      rejectionReason: null,
      createdBy: w.users.member.id,
    })
    expect((await entry('member', { date: '2026-03-02', minutes: 10 }, tasks.q.humanId)).billable).toBe(false)
    expect((await entry('member', { date: '2026-03-02', minutes: 10, billable: false })).billable).toBe(false)
    expect((await entry('member', { date: '2026-03-02', minutes: 10, billable: true }, tasks.q.id)).billable).toBe(true)
  })

  test('Idempotency-Key: a retried POST logs the time once', async () => {
    const headers = { 'idempotency-key': 'time-retry-1' }
    const body = { date: '2026-03-01', minutes: 42 }
    const a = await t.req('POST', `/tasks/${tasks.p.id}/time-entries`, { ...as('member'), headers, body })
    const b = await t.req('POST', `/tasks/${tasks.p.id}/time-entries`, { ...as('member'), headers, body })
    expect(a.status).toBe(201)
    expect(b.body.data.id).toBe(a.body.data.id)
    expect(t.db.select().from(timeEntries).where(eq(timeEntries.date, '2026-03-01')).all()).toHaveLength(1)
  })

  test('start/end: times of day on date, or ISO date-times of one day (minutes derived, date taken from them)', async () => {
    expect(await entry('member', { date: '2026-03-03', start: '09:15', end: '11:45' })).toMatchObject({ date: '2026-03-03', minutes: 150 })
    expect(await entry('member', { start: '2026-03-03T13:00:00Z', end: '2026-03-03T13:20:30Z' })).toMatchObject({
      date: '2026-03-03',
      minutes: 21,
    })
    expect(
      await entry('member', { date: '2026-03-03', start: '2026-03-03T22:00:00+02:00', end: '2026-03-03T24:00:00+02:00' }),
    ).toMatchObject({ minutes: 120 })
    expect(await entry('member', { date: '2026-03-03', start: '23:00', end: '24:00' })).toMatchObject({ minutes: 60 })
  })

  const bad: [string, Record<string, unknown>, string, string?][] = [
    ['minutes 0', { date: '2026-03-04', minutes: 0 }, 'minutes must be at least 1', 'minutes'],
    ['minutes 1441', { date: '2026-03-04', minutes: 1441 }, 'minutes must be at most 1440 (24 h)', 'minutes'],
    ['minutes 1.5', { date: '2026-03-04', minutes: 1.5 }, 'minutes must be a whole number', 'minutes'],
    ['minutes as text', { date: '2026-03-04', minutes: '60' }, 'minutes must be a whole number', 'minutes'],
    [
      'minutes and start/end',
      { date: '2026-03-04', minutes: 5, start: '09:00', end: '10:00' },
      'Give either minutes or start and end, not both.',
      'minutes',
    ],
    ['no duration', { date: '2026-03-04' }, 'minutes (1..1440) or start and end are required.', 'minutes'],
    ['start without end', { date: '2026-03-04', start: '09:00' }, 'end is required with start.', 'end'],
    ['end without start', { date: '2026-03-04', end: '09:00' }, 'start is required with end.', 'start'],
    ['end before start', { date: '2026-03-04', start: '10:00', end: '09:00' }, 'end must be after start.', 'end'],
    ['end equals start', { date: '2026-03-04', start: '10:00', end: '10:00' }, 'end must be after start.', 'end'],
    [
      'under a minute',
      { date: '2026-03-04', start: '10:00:00', end: '10:00:20' },
      'start and end must be at least one minute apart.',
      'end',
    ],
    ['two days', { start: '2026-03-04T22:00:00Z', end: '2026-03-05T01:00:00Z' }, 'start and end must be on the same day.', 'end'],
    [
      'not on date',
      { date: '2026-03-04', start: '2026-03-05T09:00:00Z', end: '2026-03-05T10:00:00Z' },
      'start and end must be on date 2026-03-04.',
      'start',
    ],
    [
      'offsets differ',
      { start: '2026-03-04T09:00:00Z', end: '2026-03-04T10:00:00+01:00' },
      'start and end must use the same UTC offset.',
      'end',
    ],
    ['hour 25', { date: '2026-03-04', start: '09:00', end: '25:00' }, 'end is not a valid time of day.', 'end'],
    ['start at 24:00', { date: '2026-03-04', start: '24:00', end: '24:00' }, 'start is not a valid time of day.', 'start'],
    ['9am', { date: '2026-03-04', start: '9am', end: '10am' }, 'start must be a time HH:MM or an ISO date-time', 'start'],
    [
      'times without a date',
      { start: '09:00', end: '10:00' },
      'date is required (YYYY-MM-DD) when start and end are times of day.',
      'date',
    ],
    ['minutes without a date', { minutes: 30 }, 'date is required (YYYY-MM-DD).', 'date'],
    ['not a calendar day', { date: '2026-02-30', minutes: 30 }, 'Not a valid calendar date', 'date'],
    [
      'two days ahead',
      { date: '2026-03-12', minutes: 30 },
      'date may be at most one day in the future (latest allowed: 2026-03-11).',
      'date',
    ],
    ['note too long', { date: '2026-03-04', minutes: 30, note: 'x'.repeat(5001) }, '', 'note'],
    ['unknown user on behalf', { date: '2026-03-04', minutes: 30, userId: 'nobody' }, 'User nobody cannot log time here', 'userId'],
  ]
  test.each(bad)('400: %s', async (_name, body, message, path) => {
    const before = t.db.select().from(timeEntries).all().length
    const r = await log('owner', body)
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
    expect(r.body.error).toContain(message)
    if (path) expect(r.body.issues.map((i: { path: string }) => i.path)).toContain(path)
    expect(t.db.select().from(timeEntries).all().length).toBe(before)
  })

  test('tomorrow is allowed, the day after is not (by the server clock)', async () => {
    expect((await log('member', { date: '2026-03-11', minutes: 30 })).status).toBe(201)
    expect((await log('member', { date: '2026-03-12', minutes: 30 })).status).toBe(400)
    t.clock.advance(86_400_000)
    expect((await log('member', { date: '2026-03-12', minutes: 30 })).status).toBe(201)
    t.clock.advance(-86_400_000)
  })

  test("a person's total for a day is at most 1440 minutes, across all their entries and projects", async () => {
    await entry('member2', { date: '2026-03-05', minutes: 1000 })
    await entry('member2', { date: '2026-03-05', minutes: 300 }, tasks.q.id)
    const over = await log('member2', { date: '2026-03-05', minutes: 141 })
    expect(over.status).toBe(400)
    expect(over.body.error).toBe(
      'A person can log at most 1440 minutes (24 h) per day: 2026-03-05 already has 1300 minutes, so at most 140 more.',
    )
    expect((await log('member2', { date: '2026-03-05', minutes: 140 })).status).toBe(201)
    expect((await log('member2', { date: '2026-03-05', minutes: 1 })).status).toBe(400)
    // Logged on someone's behalf, it counts for that person.
    expect((await log('owner', { date: '2026-03-05', minutes: 1, userId: member2.id })).status).toBe(400)
    expect((await log('owner', { date: '2026-03-06', minutes: 1, userId: member2.id })).status).toBe(201)
  })

  test('an archived task (or project) refuses new time with 400', async () => {
    const task = (await t.req('POST', '/tasks', { ...as('owner'), body: { projectId: P.id, title: 'Done long ago' } })).body.data
    await t.req('POST', `/tasks/${task.id}/archive`, as('owner'))
    const r = await log('member', { date: '2026-03-04', minutes: 30 }, task.id)
    expect(r.status).toBe(400)
    expect(r.body.error).toBe('The task is archived: time cannot be logged on it.')
  })

  test('on behalf: project OWNERs only (workspace OWNER, or a workspace MEMBER owning the project)', async () => {
    const mine = await entry('owner', { date: '2026-03-04', minutes: 30, userId: w.users.member.id })
    expect(mine).toMatchObject({ userId: w.users.member.id })
    expect(t.db.select().from(timeEntries).where(eq(timeEntries.id, mine.id)).get()!.createdBy).toBe(w.users.owner.id)
    const denied = await log('member', { date: '2026-03-04', minutes: 30, userId: w.users.owner.id })
    expect(denied.status).toBe(403)
    expect(denied.body.code).toBe('forbidden')
    // `member` owns Q: may log for member2 there.
    expect((await log('member', { date: '2026-03-04', minutes: 30, userId: member2.id }, tasks.q.id)).status).toBe(201)
    // Someone who cannot see the project cannot have time there.
    const viewerOnQ = await log('member', { date: '2026-03-04', minutes: 30, userId: w.users.viewer.id }, tasks.q.id)
    expect(viewerOnQ.status).toBe(400)
    expect(viewerOnQ.body.issues[0].path).toBe('userId')
  })

  test('who may log: project VIEWER 403; invisible task or other workspace 404; read-only key 403', async () => {
    expect((await log('viewer', { date: '2026-03-04', minutes: 30 })).status).toBe(403)
    expect((await log('member', { date: '2026-03-04', minutes: 30 }, tasks.r.id)).status).toBe(404)
    expect((await log('ownerB', { date: '2026-03-04', minutes: 30 })).status).toBe(404)
    const ro = await createKey(t.core, w.users.member.id, { scopes: ['timesheets:read', 'tasks:read'] })
    const r = await t.req('POST', `/tasks/${tasks.p.id}/time-entries`, {
      as: ro.key,
      workspace: w.wsA.id,
      body: { date: '2026-03-04', minutes: 30 },
    })
    expect(r.status).toBe(403)
    expect(r.body.error).toBe('Missing timesheets:write permission.')
  })
})

type State = 'draft' | 'submitted' | 'approved' | 'rejected' | 'billed'
type Action = 'submit' | 'approve' | 'reject' | 'unlock' | 'bill' | 'edit' | 'delete'

/** An entry of `member` on P brought to `state` through the API. */
async function inState(state: State) {
  const e = await entry('member', { date: '2026-02-10', minutes: 5 })
  const step = async (path: string, who: Who, body?: unknown) => {
    const r = await t.req('POST', `/time-entries/${e.id}/${path}`, { ...as(who), body })
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`)
  }
  if (state !== 'draft') await step('submit', 'member')
  if (state === 'approved' || state === 'billed') await step('approve', 'owner')
  if (state === 'rejected') await step('reject', 'owner', { reason: 'wrong task' })
  if (state === 'billed') await step('bill', 'owner')
  return e.id
}

function act(id: string, action: Action) {
  if (action === 'edit') return t.req('PATCH', `/time-entries/${id}`, { ...as('member'), body: { note: 'edited' } })
  if (action === 'delete') return t.req('DELETE', `/time-entries/${id}`, as('member'))
  const who: Who = action === 'submit' ? 'member' : 'owner'
  return t.req('POST', `/time-entries/${id}/${action}`, { ...as(who), body: action === 'reject' ? { reason: 'too long' } : undefined })
}

const ACTIONS: Action[] = ['submit', 'approve', 'reject', 'unlock', 'bill', 'edit', 'delete']
/** from-state × action → the state after (with billed), or 409. `gone`: deleted. */
const MACHINE: Record<State, Record<Action, State | 409 | 'gone'>> = {
  draft: { submit: 'submitted', approve: 409, reject: 409, unlock: 409, bill: 409, edit: 'draft', delete: 'gone' },
  submitted: { submit: 409, approve: 'approved', reject: 'rejected', unlock: 409, bill: 409, edit: 'draft', delete: 'gone' },
  approved: { submit: 409, approve: 409, reject: 409, unlock: 'draft', bill: 'billed', edit: 409, delete: 409 },
  rejected: { submit: 'submitted', approve: 409, reject: 409, unlock: 409, bill: 409, edit: 'rejected', delete: 'gone' },
  billed: { submit: 409, approve: 409, reject: 409, unlock: 'draft', bill: 409, edit: 409, delete: 409 },
}
const rowState = (id: string): State | 'gone' => {
  const r = t.db.select().from(timeEntries).where(eq(timeEntries.id, id)).get()
  if (!r) return 'gone'
  return r.billed ? 'billed' : r.state
}

describe('state machine (every state × every action)', () => {
  const cases = (Object.keys(MACHINE) as State[]).flatMap((from) => ACTIONS.map((action) => [from, action, MACHINE[from][action]] as const))
  test.each(cases)('%s + %s → %p', async (from, action, expected) => {
    const id = await inState(from)
    expect(rowState(id)).toBe(from)
    const r = await act(id, action)
    if (expected === 409) {
      expect(r.status).toBe(409)
      expect(r.body.code).toBe('conflict')
      // The message names the current state.
      expect(r.body.error).toContain(from === 'billed' ? 'billed' : `is ${from}`)
      expect(rowState(id)).toBe(from)
    } else {
      expect(r.status).toBe(200)
      expect(rowState(id)).toBe(expected)
      if (expected !== 'gone') expect(r.body.data.state).toBe(expected === 'billed' ? 'approved' : expected)
    }
  })

  test('approve publishes time_entry.approved once, records the decision; reject keeps the reason until resubmitted', async () => {
    const id = await inState('submitted')
    const before = approved.length
    const a = await act(id, 'approve')
    expect(a.body.data).toMatchObject({ state: 'approved', decidedBy: w.users.owner.id, decidedAt: new Date(t.clock.now()).toISOString() })
    expect(approved.length).toBe(before + 1)
    expect(approved.at(-1)).toMatchObject({ type: 'time_entry.approved', timeEntryId: id, projectId: P.id, taskId: tasks.p.id })
    const r = await t.req('POST', `/time-entries/${await inState('submitted')}/reject`, {
      ...as('owner'),
      body: { reason: '  wrong task  ' },
    })
    expect(r.body.data).toMatchObject({ state: 'rejected', rejectionReason: 'wrong task' })
    const again = await t.req('POST', `/time-entries/${r.body.data.id}/submit`, as('member'))
    expect(again.body.data).toMatchObject({ state: 'submitted', rejectionReason: null })
  })

  test('reject needs a reason (400); unlock clears billed; editing a submitted entry returns it to draft', async () => {
    const id = await inState('submitted')
    for (const body of [undefined, {}, { reason: '   ' }]) {
      const r = await t.req('POST', `/time-entries/${id}/reject`, { ...as('owner'), body })
      expect(r.status).toBe(400)
    }
    expect(rowState(id)).toBe('submitted')
    const billed = await inState('billed')
    const u = await act(billed, 'unlock')
    expect(u.body.data).toMatchObject({ state: 'draft', billed: false })
    const e = await act(id, 'edit')
    expect(e.body.data).toMatchObject({ state: 'draft', note: 'edited' })
    // A PATCH that changes nothing keeps the state.
    const s = await inState('submitted')
    const same = await t.req('PATCH', `/time-entries/${s}`, { ...as('member'), body: { minutes: 5 } })
    expect(same.body.data.state).toBe('submitted')
  })

  test('billed by PATCH: project owners, approved entries only; unbilling too', async () => {
    const id = await inState('approved')
    const m = await t.req('PATCH', `/time-entries/${id}`, { ...as('member'), body: { billed: true } })
    expect(m.status).toBe(403)
    expect(m.body.error).toBe('Missing timesheets:approve permission.')
    const o = await t.req('PATCH', `/time-entries/${id}`, { ...as('owner'), body: { billed: true } })
    expect(o.body.data).toMatchObject({ state: 'approved', billed: true })
    expect((await t.req('PATCH', `/time-entries/${id}`, { ...as('member'), body: { note: 'x' } })).status).toBe(409)
    const un = await t.req('PATCH', `/time-entries/${id}`, { ...as('owner'), body: { billed: false } })
    expect(un.body.data.billed).toBe(false)
    const draft = await inState('draft')
    const d = await t.req('PATCH', `/time-entries/${draft}`, { ...as('owner'), body: { billed: true } })
    expect(d.status).toBe(409)
    expect(d.body.error).toBe('Time entry is draft; only approved entries can be billed.')
  })

  test('approve/reject/unlock/bill: 403 "Missing timesheets:approve permission." for a project MEMBER; the MEMBER owning Q may', async () => {
    const id = await inState('submitted')
    for (const action of ['approve', 'reject', 'unlock', 'bill'] as const) {
      const r = await t.req('POST', `/time-entries/${id}/${action}`, { ...as('member'), body: { reason: 'x' } })
      expect(r.status).toBe(403)
      expect(r.body).toMatchObject({ code: 'forbidden', error: 'Missing timesheets:approve permission.' })
    }
    const onQ = await entry('member2', { date: '2026-02-11', minutes: 5 }, tasks.q.id)
    expect((await t.req('POST', `/time-entries/${onQ.id}/submit`, as('member2'))).status).toBe(200)
    expect((await t.req('POST', `/time-entries/${onQ.id}/approve`, as('member2'))).status).toBe(403)
    expect((await t.req('POST', `/time-entries/${onQ.id}/approve`, as('member'))).body.data.state).toBe('approved')
  })
})

describe('edit and delete', () => {
  test('the person or a project owner may; another member 403; the day limit counts without the entry itself', async () => {
    const e = await entry('member', { date: '2026-02-20', minutes: 1400 })
    expect((await t.req('PATCH', `/time-entries/${e.id}`, { ...as('member2'), body: { note: 'mine now' } })).status).toBe(403)
    expect((await t.req('DELETE', `/time-entries/${e.id}`, as('member2'))).status).toBe(403)
    const grow = await t.req('PATCH', `/time-entries/${e.id}`, { ...as('member'), body: { minutes: 1440 } })
    expect(grow.status).toBe(200)
    await entry('member', { date: '2026-02-21', minutes: 100 })
    const move = await t.req('PATCH', `/time-entries/${e.id}`, { ...as('member'), body: { date: '2026-02-21' } })
    expect(move.status).toBe(400)
    expect(move.body.error).toContain('2026-02-21 already has 100 minutes')
    const range = await t.req('PATCH', `/time-entries/${e.id}`, {
      ...as('owner'),
      body: { start: '08:00', end: '12:30', note: 'fixed by owner' },
    })
    expect(range.body.data).toMatchObject({ date: '2026-02-20', minutes: 270, note: 'fixed by owner' })
    expect((await t.req('PATCH', `/time-entries/${e.id}`, { ...as('member'), body: { minutes: 0 } })).status).toBe(400)
    expect((await t.req('PATCH', `/time-entries/${e.id}`, { ...as('member'), body: { date: '2026-03-20' } })).status).toBe(400)
    expect((await t.req('DELETE', `/time-entries/${e.id}`, as('owner'))).status).toBe(200)
    expect((await t.req('GET', `/time-entries/${e.id}`, as('owner'))).status).toBe(404)
  })

  test('GET one: visible projects only (404 otherwise, and in another workspace)', async () => {
    const onR = await entry('owner', { date: '2026-02-22', minutes: 5 }, tasks.r.id)
    expect((await t.req('GET', `/time-entries/${onR.id}`, as('owner'))).status).toBe(200)
    expect((await t.req('GET', `/time-entries/${onR.id}`, as('member'))).status).toBe(404)
    expect((await t.req('GET', `/time-entries/${onR.id}`, as('ownerB'))).status).toBe(404)
    expect((await t.req('PATCH', `/time-entries/${onR.id}`, { ...as('member'), body: { note: 'x' } })).status).toBe(404)
  })
})

describe('list', () => {
  let ids: Record<string, string>
  beforeAll(async () => {
    // A clean slate of January entries to filter.
    const client = (await t.req('POST', '/clients', { ...as('owner'), body: { name: 'Acme' } })).body.data
    t.db.update(projects).set({ clientId: client.id }).where(eq(projects.id, Q.id)).run()
    ids = {
      a: (await entry('member', { date: '2026-01-05', minutes: 60 })).id,
      b: (await entry('member2', { date: '2026-01-06', minutes: 30 }, tasks.p2.id)).id,
      c: (await entry('member', { date: '2026-01-06', minutes: 45 }, tasks.q.id)).id,
      d: (await entry('owner', { date: '2026-01-07', minutes: 15 }, tasks.r.id)).id,
      clientId: client.id,
    }
    await t.req('POST', `/time-entries/${ids.a}/submit`, as('member'))
  })
  const list = async (who: Who, qs: string, range = 'from=2026-01-01&to=2026-01-31') => {
    const r = await t.req('GET', `/time-entries?${range}&${qs}`, as(who))
    expect(r.status).toBe(200)
    return r.body.data.map((e: { id: string }) => e.id) as string[]
  }

  test('filters: user, project, task (human id), client, dates, billable, state', async () => {
    expect(await list('owner', '')).toEqual([ids.d, ids.c, ids.b, ids.a])
    expect(await list('owner', `userId=${w.users.member.id}`)).toEqual([ids.c, ids.a])
    expect(await list('owner', `projectId=${P.id}`)).toEqual([ids.b, ids.a])
    expect(await list('owner', `taskId=${tasks.p2.humanId}`)).toEqual([ids.b])
    expect(await list('owner', `clientId=${ids.clientId}`)).toEqual([ids.c])
    expect(await list('owner', '', 'from=2026-01-06&to=2026-01-06')).toEqual([ids.c, ids.b])
    expect(await list('owner', 'billable=false')).toEqual([ids.c])
    expect(await list('owner', 'state=submitted')).toEqual([ids.a])
    expect(await list('owner', 'billed=true')).toEqual([])
    expect((await t.req('GET', '/time-entries?state=done', as('owner'))).status).toBe(400)
    expect((await t.req('GET', '/time-entries?from=2026-13-01', as('owner'))).status).toBe(400)
    expect((await t.req('GET', '/time-entries?cursor=garbage', as('owner'))).status).toBe(400)
  })

  test('cursor pagination walks every entry once, newest day first', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const r: any = await t.req('GET', `/time-entries?limit=3${cursor ? `&cursor=${cursor}` : ''}`, as('owner'))
      seen.push(...r.body.data.map((e: { id: string; date: string }) => `${e.date}.${e.id}`))
      cursor = r.body.nextCursor
    } while (cursor)
    const all = t.db.select().from(timeEntries).where(eq(timeEntries.workspaceId, w.wsA.id)).all()
    expect(seen).toHaveLength(all.length)
    expect(seen).toEqual([...seen].sort().reverse())
  })

  test('a MEMBER sees every entry of the projects they can see, none of the others', async () => {
    expect(await list('member', '')).toEqual([ids.c, ids.b, ids.a])
    expect(await list('viewer', '')).toEqual([ids.b, ids.a])
    expect((await t.req('GET', `/time-entries?projectId=${R.id}`, as('member'))).status).toBe(404)
    expect((await t.req('GET', `/time-entries?taskId=${tasks.r.id}`, as('member'))).status).toBe(404)
  })

  test('a project-scoped key: its project only; the workspace-wide list is 403 scope_violation', async () => {
    const k = await createKey(t.core, w.users.owner.id, { workspaceId: w.wsA.id, projectId: P.id })
    const wide = await t.req('GET', '/time-entries', { as: k.key })
    expect(wide.status).toBe(403)
    expect(wide.body.code).toBe('scope_violation')
    const own = await t.req('GET', `/time-entries?projectId=${P.id}&from=2026-01-01&to=2026-01-31`, { as: k.key })
    expect(own.body.data.map((e: { id: string }) => e.id)).toEqual([ids.b, ids.a])
    expect((await t.req('GET', `/time-entries?projectId=${Q.id}`, { as: k.key })).status).toBe(404)
    expect((await t.req('GET', `/time-entries/${ids.c}`, { as: k.key })).status).toBe(404)
    expect((await t.req('GET', `/time-entries/${ids.a}`, { as: k.key })).status).toBe(200)
  })
})
