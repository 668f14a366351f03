import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { invites, users, workspaceMembers } from '../src/db/schema'
import { sha256Hex } from '../src/lib/crypto'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'
import { auditOf, lastToken, mails } from './helpers/identity'

const GLOBAL = 'global-token-for-invite-tests-0123456789abc'
const t = makeTestApp({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000', SALLY_GLOBAL_API_TOKEN: GLOBAL })
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const invite = (email: string, role = 'MEMBER', as = w.tokens.owner, ws = w.wsA.id) =>
  t.req('POST', `/workspaces/${ws}/invites`, { as, body: { email, role } })
/** The token of an invite: only the invitee's mail holds it (the answer to the inviter never does). */
const tokenOf = (r: { body: any }) => lastToken(t, r.body.data.email, 'invite')
const memberRole = (wsId: string, userId: string) =>
  t.db
    .select()
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, wsId), eq(workspaceMembers.userId, userId)))
    .get()?.role

describe('create, list, revoke', () => {
  test('OWNER invites: token mailed through the outbox only (never in the answer), stored hashed, audited', async () => {
    const r = await invite('Quinn@Example.com', 'VIEWER')
    expect(r.status).toBe(201)
    const d = r.body.data
    expect(d).toMatchObject({
      workspaceId: w.wsA.id,
      email: 'Quinn@Example.com',
      role: 'VIEWER',
      status: 'pending',
      invitedBy: w.users.owner.id,
    })
    expect(new Date(d.expiresAt).getTime() - t.clock.now()).toBe(7 * 86_400_000)
    expect(d.token).toBeUndefined()
    const m = mails(t, 'quinn@example.com')
    expect(m).toHaveLength(1)
    expect(m[0]!.kind).toBe('invite')
    expect(m[0]!.subject).toContain('Alpha')
    const token = lastToken(t, 'quinn@example.com', 'invite')
    expect(r.text).not.toContain(token)
    const row = t.db.select().from(invites).where(eq(invites.id, d.id)).get()!
    expect(row.tokenHash).toBe(sha256Hex(token))
    expect(auditOf(t, 'invite.created').at(-1)).toMatchObject({
      workspaceId: w.wsA.id,
      targetId: d.id,
      meta: { email: 'Quinn@Example.com', role: 'VIEWER' },
    })
    const list = await t.req('GET', `/workspaces/${w.wsA.id}/invites`, { as: w.tokens.owner })
    const listed = list.body.data.find((x: any) => x.id === d.id)
    expect(listed.status).toBe('pending')
    expect(listed.token).toBeUndefined()
    expect(list.text).not.toContain(token)
  })

  test('MEMBER, VIEWER and read-only keys cannot invite or list; 409 for an existing member; 400 for a bad email', async () => {
    for (const as of [w.tokens.member, w.tokens.viewer]) {
      const r = await invite('someone@example.com', 'MEMBER', as)
      expect(r.status).toBe(403)
      expect(r.body.error).toBe('Missing members:write permission.')
      expect((await t.req('GET', `/workspaces/${w.wsA.id}/invites`, { as })).status).toBe(403)
    }
    const ro = await createKey(t.core, w.users.owner.id, { scopes: ['workspaces:read'] })
    expect((await invite('someone@example.com', 'MEMBER', ro.key)).status).toBe(403)
    const dup = await invite(w.users.member.email.toUpperCase())
    expect(dup.status).toBe(409)
    expect((await invite('not-an-email')).status).toBe(400)
    expect((await invite('x@example.com', 'KING')).status).toBe(400)
  })

  test('a new invite to the same address replaces the pending one', async () => {
    const a = await invite('rita@example.com')
    const aToken = tokenOf(a)
    const b = await invite('RITA@example.com')
    const list = (await t.req('GET', `/workspaces/${w.wsA.id}/invites?status=pending`, { as: w.tokens.owner })).body.data
    expect(list.map((x: any) => x.id)).toContain(b.body.data.id)
    expect(list.map((x: any) => x.id)).not.toContain(a.body.data.id)
    const acc = await t.req('POST', '/auth/accept-invite', { body: { token: aToken, name: 'Rita', password: 'password123' } })
    expect(acc.status).toBe(400)
  })

  test('revoke: the token stops working; revoking twice is harmless; accepted invites are 409', async () => {
    const r = await invite('sam@example.com')
    const del = await t.req('DELETE', `/workspaces/${w.wsA.id}/invites/${r.body.data.id}`, { as: w.tokens.owner })
    expect(del.status).toBe(200)
    expect(del.body.data.status).toBe('revoked')
    expect(auditOf(t, 'invite.revoked').at(-1)).toMatchObject({ targetId: r.body.data.id })
    expect((await t.req('DELETE', `/workspaces/${w.wsA.id}/invites/${r.body.data.id}`, { as: w.tokens.owner })).status).toBe(200)
    const acc = await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(r), name: 'Sam', password: 'password123' } })
    expect(acc.status).toBe(400)
    expect(acc.body.issues[0].path).toBe('token')
    expect(t.db.select().from(users).where(eq(users.email, 'sam@example.com')).get()).toBeUndefined()

    const ok = await invite('sam2@example.com')
    await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(ok), name: 'Sam', password: 'password123' } })
    expect((await t.req('DELETE', `/workspaces/${w.wsA.id}/invites/${ok.body.data.id}`, { as: w.tokens.owner })).status).toBe(409)
    expect((await t.req('DELETE', `/workspaces/${w.wsA.id}/invites/no-such-id`, { as: w.tokens.owner })).status).toBe(404)
  })

  test('list filters by status and paginates', async () => {
    const ws = createWorkspace(t.core, { members: [[w.users.owner.id, 'OWNER']] })
    for (const e of ['l1', 'l2', 'l3']) await invite(`${e}@example.com`, 'MEMBER', w.tokens.owner, ws.id)
    const p1 = await t.req('GET', `/workspaces/${ws.id}/invites?limit=2`, { as: w.tokens.owner })
    expect(p1.body.data).toHaveLength(2)
    const p2 = await t.req('GET', `/workspaces/${ws.id}/invites?limit=2&cursor=${p1.body.nextCursor}`, { as: w.tokens.owner })
    expect(p2.body.data).toHaveLength(1)
    expect((await t.req('GET', `/workspaces/${ws.id}/invites?status=accepted`, { as: w.tokens.owner })).body.data).toEqual([])
    expect((await t.req('GET', `/workspaces/${ws.id}/invites?status=bogus`, { as: w.tokens.owner })).status).toBe(400)
  })
})

describe('POST /auth/accept-invite', () => {
  test('no account yet: creates it (verified) with name and password, joins with the role, returns a session', async () => {
    const r = await invite('Tess@Example.com', 'VIEWER')
    const missing = await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(r) } })
    expect(missing.status).toBe(400)
    expect(missing.body.issues[0].path).toBe('name')
    const weak = await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(r), name: 'Tess', password: 'short' } })
    expect(weak.status).toBe(400)
    expect(weak.body.issues[0].path).toBe('password')

    const acc = await t.req('POST', '/auth/accept-invite', {
      body: { token: tokenOf(r), name: 'Tess T', password: 'password123', handle: 'tess' },
    })
    expect(acc.status).toBe(200)
    const d = acc.body.data
    expect(d).toMatchObject({ workspace: { id: w.wsA.id, slug: w.wsA.slug, name: 'Alpha' }, role: 'VIEWER', created: true })
    expect(d.session.user).toMatchObject({ email: 'Tess@Example.com', name: 'Tess T', handle: 'tess', emailVerified: true })
    expect(acc.headers.get('set-cookie')).toContain(`sally_session=${d.session.token}`)
    const me = await t.req('GET', '/auth/me', { as: d.session.token })
    expect(me.body.data.memberships).toEqual([{ workspaceId: w.wsA.id, slug: w.wsA.slug, name: 'Alpha', role: 'VIEWER', suspended: false }])
    expect((await t.req('POST', '/auth/login', { body: { email: 'tess@example.com', password: 'password123' } })).status).toBe(200)
    expect(auditOf(t, 'invite.accepted').at(-1)).toMatchObject({
      workspaceId: w.wsA.id,
      targetId: r.body.data.id,
      actorUserId: d.session.user.id,
      meta: { role: 'VIEWER', created: true },
    })
    // Single use.
    expect(
      (await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(r), name: 'Tess', password: 'password123' } })).status,
    ).toBe(400)
    const list = await t.req('GET', `/workspaces/${w.wsA.id}/invites?status=accepted`, { as: w.tokens.owner })
    expect(list.body.data.map((x: any) => x.id)).toContain(r.body.data.id)
  })

  test('existing account: joins with its password; a wrong password is 401 and the invite stays usable', async () => {
    const u = await createUser(t.core, { email: 'uma@example.com', password: 'uma-password' })
    const r = await invite('UMA@example.com', 'MEMBER')
    const wrong = await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(r), password: 'nope' } })
    expect(wrong.status).toBe(401)
    expect(wrong.body.code).toBe('invalid_credentials')
    const none = await t.req('POST', '/auth/accept-invite', {
      body: { token: tokenOf(r), name: 'Fake', password: 'another-password' },
    })
    expect(none.status).toBe(401)
    expect(memberRole(w.wsA.id, u.id)).toBeUndefined()
    const ok = await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(r), password: 'uma-password' } })
    expect(ok.status).toBe(200)
    expect(ok.body.data).toMatchObject({ created: false, role: 'MEMBER' })
    expect(ok.body.data.session.user.id).toBe(u.id)
    expect(memberRole(w.wsA.id, u.id)).toBe('MEMBER')
    // The password was not changed by the accept.
    expect((await t.req('POST', '/auth/login', { body: { email: 'uma@example.com', password: 'uma-password' } })).status).toBe(200)
  })

  test('existing account: logged in as that user with a session needs no password; a key of theirs is refused (403)', async () => {
    const u = await createUser(t.core, { email: 'vic@example.com' })
    const r1 = await invite('vic@example.com', 'VIEWER')
    const acc = await t.req('POST', '/auth/accept-invite', { as: createSession(t.core, u.id), body: { token: tokenOf(r1) } })
    expect(acc.status).toBe(200)
    expect(memberRole(w.wsA.id, u.id)).toBe('VIEWER')
    const ws2 = createWorkspace(t.core, { members: [[w.users.owner.id, 'OWNER']] })
    const r2 = await invite('vic@example.com', 'MEMBER', w.tokens.owner, ws2.id)
    const key = await createKey(t.core, u.id)
    const viaKey = await t.req('POST', '/auth/accept-invite', { headers: { 'x-api-key': key.key }, body: { token: tokenOf(r2) } })
    expect(viaKey.status).toBe(403)
    expect(memberRole(ws2.id, u.id)).toBeUndefined()
  })

  test('logged in as someone else: 403, nothing joined; a bad credential: 401; a stale cookie alone is ignored', async () => {
    const u = await createUser(t.core, { email: 'wes@example.com', password: 'password123' })
    const r = await invite('wes@example.com')
    const other = await t.req('POST', '/auth/accept-invite', {
      as: w.tokens.member,
      body: { token: tokenOf(r), password: 'password123' },
    })
    expect(other.status).toBe(403)
    expect(memberRole(w.wsA.id, u.id)).toBeUndefined()
    const fresh = await invite('newbie@example.com')
    expect(
      (
        await t.req('POST', '/auth/accept-invite', {
          as: w.tokens.member,
          body: { token: tokenOf(fresh), name: 'N', password: 'password123' },
        })
      ).status,
    ).toBe(403)
    expect(
      (await t.req('POST', '/auth/accept-invite', { as: 'garbage-token', body: { token: tokenOf(r), password: 'password123' } })).status,
    ).toBe(401)
    const stale = await t.req('POST', '/auth/accept-invite', {
      headers: { cookie: 'sally_session=stale' },
      body: { token: tokenOf(r), password: 'password123' },
    })
    expect(stale.status).toBe(200)
    expect(memberRole(w.wsA.id, u.id)).toBe('MEMBER')
  })

  test('invites expire after 7 days (FakeClock)', async () => {
    const r = await invite('xena@example.com')
    t.clock.advance(7 * 86_400_000 + 1)
    const acc = await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(r), name: 'Xena', password: 'password123' } })
    expect(acc.status).toBe(400)
    const list = await t.req('GET', `/workspaces/${w.wsA.id}/invites?status=expired`, { as: w.tokens.owner })
    expect(list.body.data.map((x: any) => x.id)).toContain(r.body.data.id)
    expect((await t.req('DELETE', `/workspaces/${w.wsA.id}/invites/${r.body.data.id}`, { as: w.tokens.owner })).status).toBe(200)
  })

  test('a suspended workspace cannot be joined', async () => {
    const ws = createWorkspace(t.core, { members: [[w.users.owner.id, 'OWNER']] })
    const r = await invite('yara@example.com', 'MEMBER', w.tokens.owner, ws.id)
    expect((await t.req('POST', `/workspaces/${ws.id}/suspend`, { as: GLOBAL })).status).toBe(200)
    const acc = await t.req('POST', '/auth/accept-invite', { body: { token: tokenOf(r), name: 'Yara', password: 'password123' } })
    expect(acc.status).toBe(403)
    expect(acc.body.error).toBe('Workspace is suspended.')
    expect(t.db.select().from(users).where(eq(users.email, 'yara@example.com')).get()).toBeUndefined()
  })

  test('an unknown token: 400; a malformed body: 400', async () => {
    expect(
      (await t.req('POST', '/auth/accept-invite', { body: { token: 'z'.repeat(43), name: 'Z', password: 'password123' } })).status,
    ).toBe(400)
    expect((await t.req('POST', '/auth/accept-invite', { body: {} })).status).toBe(400)
  })
})

describe('public auth routes are limited per address', () => {
  test('accept-invite and request-password-reset answer 429 past SALLY_LOGIN_RATE_LIMIT_PER_MINUTE', async () => {
    const s = makeTestApp({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '2' })
    try {
      const token = 'q'.repeat(43)
      const bodies: Record<string, object> = {
        '/auth/accept-invite': { token, password: 'password123', name: 'Q' },
        '/auth/request-password-reset': { email: 'a@example.com' },
        '/auth/reset-password': { token, password: 'password123' },
        '/auth/verify-email': { token },
      }
      for (const [path, body] of Object.entries(bodies)) {
        const codes = []
        for (let i = 0; i < 3; i++) codes.push((await s.req('POST', path, { body })).status)
        expect({ path, last: codes[2] }).toEqual({ path, last: 429 })
        const r = await s.req('POST', path, { body })
        expect(r.headers.get('retry-after')).not.toBeNull()
        expect(r.headers.get('x-ratelimit-limit')).toBe('2')
      }
    } finally {
      s.close()
    }
  })
})
