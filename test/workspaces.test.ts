import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { projectMembers, workspaceMembers, workspaces } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'
import { auditOf } from './helpers/identity'

const GLOBAL = 'global-token-for-workspace-tests-0123456789'
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL })
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
let admin: Awaited<ReturnType<typeof createUser>>
let adminToken: string
beforeAll(async () => {
  w = await seedWorld(t.core)
  admin = await createUser(t.core, { superadmin: true })
  adminToken = createSession(t.core, admin.id)
})

describe('GET /workspaces', () => {
  test('mine only, with my role; SUPERADMIN and the global token see all', async () => {
    // Users of their own: other stories add the world's users to more workspaces.
    const me = await createUser(t.core)
    t.db.insert(workspaceMembers).values({ workspaceId: w.wsA.id, userId: me.id, role: 'MEMBER' }).run()
    const mine = await t.req('GET', '/workspaces', { as: createSession(t.core, me.id) })
    expect(mine.status).toBe(200)
    expect(mine.body.data.map((x: any) => [x.id, x.role])).toEqual([[w.wsA.id, 'MEMBER']])
    const none = await t.req('GET', '/workspaces', { as: createSession(t.core, (await createUser(t.core)).id) })
    expect(none.body.data).toEqual([])
    for (const as of [adminToken, GLOBAL]) {
      const all = await t.req('GET', '/workspaces?limit=200', { as })
      const ids = all.body.data.map((x: any) => x.id)
      expect(ids).toContain(w.wsA.id)
      expect(ids).toContain(w.wsB.id)
    }
  })

  test('a pinned key sees its workspace only; a key without workspaces:read is refused', async () => {
    createWorkspace(t.core, { members: [[w.users.viewer.id, 'OWNER']] })
    const pinned = await createKey(t.core, w.users.viewer.id, { workspaceId: w.wsA.id })
    const r = await t.req('GET', '/workspaces', { as: pinned.key })
    expect(r.body.data.map((x: any) => x.id)).toEqual([w.wsA.id])
    const narrow = await createKey(t.core, w.users.viewer.id, { scopes: ['tasks:read'] })
    const n = await t.req('GET', '/workspaces', { as: narrow.key })
    expect(n.status).toBe(403)
    expect(n.body.error).toBe('Missing workspaces:read permission.')
  })

  test('cursor pagination', async () => {
    const u = await createUser(t.core)
    const tok = createSession(t.core, u.id)
    for (let i = 0; i < 3; i++) createWorkspace(t.core, { members: [[u.id, 'VIEWER']] })
    const p1 = await t.req('GET', '/workspaces?limit=2', { as: tok })
    expect(p1.body.data).toHaveLength(2)
    const p2 = await t.req('GET', `/workspaces?limit=2&cursor=${p1.body.nextCursor}`, { as: tok })
    expect(p2.body.data).toHaveLength(1)
    expect(p2.body.nextCursor).toBeNull()
  })
})

describe('POST /workspaces', () => {
  test('the creator becomes OWNER; the slug comes from the name, with a suffix when taken', async () => {
    const u = await createUser(t.core)
    const tok = createSession(t.core, u.id)
    const a = await t.req('POST', '/workspaces', { as: tok, body: { name: 'Design Studio' } })
    expect(a.status).toBe(201)
    expect(a.body.data).toMatchObject({ name: 'Design Studio', slug: 'design-studio', role: 'OWNER', suspended: false })
    const b = await t.req('POST', '/workspaces', { as: tok, body: { name: 'Design  Studio!' } })
    expect(b.body.data.slug).toMatch(/^design-studio-[a-z0-9]{6}$/)
    const m = t.db.select().from(workspaceMembers).where(eq(workspaceMembers.workspaceId, a.body.data.id)).all()
    expect(m).toEqual([expect.objectContaining({ userId: u.id, role: 'OWNER' })])
    expect(auditOf(t, 'workspace.created').at(-1)).toMatchObject({ workspaceId: b.body.data.id, actorUserId: u.id })
  })

  test('an explicit slug that is taken is 409; a malformed one is 400', async () => {
    const r = await t.req('POST', '/workspaces', { as: w.tokens.owner, body: { name: 'X', slug: w.wsA.slug } })
    expect(r.status).toBe(409)
    expect(r.body.code).toBe('conflict')
    for (const slug of ['-bad', 'bad-', 'has space', 'a'.repeat(49), 'ünï']) {
      const b = await t.req('POST', '/workspaces', { as: w.tokens.owner, body: { name: 'X', slug } })
      expect(b.status).toBe(400)
      expect(b.body.issues[0].path).toBe('slug')
    }
    const upper = await t.req('POST', '/workspaces', { as: w.tokens.owner, body: { name: 'X', slug: 'Upper-Case-OK' } })
    expect(upper.body.data.slug).toBe('upper-case-ok')
  })

  test('ownerUserId: SUPERADMIN and the global token (which must give it) only', async () => {
    const target = await createUser(t.core)
    const byAdmin = await t.req('POST', '/workspaces', { as: adminToken, body: { name: 'For target', ownerUserId: target.id } })
    expect(byAdmin.status).toBe(201)
    const owners = t.db.select().from(workspaceMembers).where(eq(workspaceMembers.workspaceId, byAdmin.body.data.id)).all()
    expect(owners.map((o) => [o.userId, o.role])).toEqual([[target.id, 'OWNER']])
    const byGlobal = await t.req('POST', '/workspaces', { as: GLOBAL, body: { name: 'Global made', ownerUserId: target.id } })
    expect(byGlobal.status).toBe(201)
    const noOwner = await t.req('POST', '/workspaces', { as: GLOBAL, body: { name: 'Nobody' } })
    expect(noOwner.status).toBe(400)
    expect(noOwner.body.issues[0].path).toBe('ownerUserId')
    const unknownOwner = await t.req('POST', '/workspaces', { as: GLOBAL, body: { name: 'Nobody', ownerUserId: 'no-such-user' } })
    expect(unknownOwner.status).toBe(400)
    const byUser = await t.req('POST', '/workspaces', { as: w.tokens.owner, body: { name: 'Sneaky', ownerUserId: target.id } })
    expect(byUser.status).toBe(403)
    expect(byUser.body.code).toBe('forbidden')
  })

  test('keys: workspaces:write needed; a pinned key cannot create workspaces', async () => {
    const ro = await createKey(t.core, w.users.owner.id, { scopes: ['workspaces:read'] })
    expect((await t.req('POST', '/workspaces', { as: ro.key, body: { name: 'k' } })).status).toBe(403)
    const pinned = await createKey(t.core, w.users.owner.id, { workspaceId: w.wsA.id })
    const p = await t.req('POST', '/workspaces', { as: pinned.key, body: { name: 'k' } })
    expect(p.status).toBe(403)
    expect(p.body.code).toBe('scope_violation')
    const free = await createKey(t.core, w.users.owner.id)
    expect((await t.req('POST', '/workspaces', { as: free.key, body: { name: 'by key' } })).status).toBe(201)
  })
})

describe('GET/PATCH /workspaces/:id', () => {
  test('members read it; OWNER renames it and changes the slug; 409 on a taken slug', async () => {
    const ws = createWorkspace(t.core, {
      name: 'Old',
      members: [
        [w.users.owner.id, 'OWNER'],
        [w.users.member.id, 'MEMBER'],
      ],
    })
    const g = await t.req('GET', `/workspaces/${ws.id}`, { as: w.tokens.member })
    expect(g.status).toBe(200)
    expect(g.body.data).toMatchObject({ id: ws.id, name: 'Old', role: 'MEMBER' })
    const denied = await t.req('PATCH', `/workspaces/${ws.id}`, { as: w.tokens.member, body: { name: 'New' } })
    expect(denied.status).toBe(403)
    expect(denied.body.error).toBe('Missing workspaces:write permission.')
    const p = await t.req('PATCH', `/workspaces/${ws.id}`, { as: w.tokens.owner, body: { name: 'New', slug: 'brand-new-slug' } })
    expect(p.status).toBe(200)
    expect(p.body.data).toMatchObject({ name: 'New', slug: 'brand-new-slug' })
    const clash = await t.req('PATCH', `/workspaces/${ws.id}`, { as: w.tokens.owner, body: { slug: w.wsB.slug } })
    expect(clash.status).toBe(409)
    const same = await t.req('PATCH', `/workspaces/${ws.id}`, { as: w.tokens.owner, body: { slug: 'brand-new-slug' } })
    expect(same.status).toBe(200)
    // The new slug selects the workspace.
    const sel = await t.req('GET', '/labels', { as: w.tokens.owner, headers: { 'x-workspace-slug': 'brand-new-slug' } })
    expect(sel.status).toBe(200)
  })

  test('a key sees X-Sally-Scopes effective in that workspace', async () => {
    const k = await createKey(t.core, w.users.viewer.id)
    const r = await t.req('GET', `/workspaces/${w.wsA.id}`, { as: k.key })
    expect(r.status).toBe(200)
    const scopes = r.headers.get('x-sally-scopes')!.split(' ')
    expect(scopes).toContain('workspaces:read')
    expect(scopes).not.toContain('workspaces:write')
  })
})

describe('members', () => {
  async function team() {
    const o1 = await createUser(t.core)
    const o2 = await createUser(t.core)
    const m = await createUser(t.core)
    const ws = createWorkspace(t.core, {
      members: [
        [o1.id, 'OWNER'],
        [o2.id, 'OWNER'],
        [m.id, 'MEMBER'],
      ],
    })
    return { o1, o2, m, ws, t1: createSession(t.core, o1.id), t2: createSession(t.core, o2.id), tm: createSession(t.core, m.id) }
  }

  test('list members (any member), paginated', async () => {
    const { ws, tm, o1, m } = await team()
    const r = await t.req('GET', `/workspaces/${ws.id}/members`, { as: tm })
    expect(r.status).toBe(200)
    expect(r.body.data).toHaveLength(3)
    expect(r.body.data.find((x: any) => x.userId === m.id)).toMatchObject({ role: 'MEMBER', handle: m.handle, email: m.email })
    expect(r.body.data.find((x: any) => x.userId === o1.id).role).toBe('OWNER')
    const p1 = await t.req('GET', `/workspaces/${ws.id}/members?limit=2`, { as: tm })
    const p2 = await t.req('GET', `/workspaces/${ws.id}/members?limit=2&cursor=${p1.body.nextCursor}`, { as: tm })
    expect([...p1.body.data, ...p2.body.data].map((x: any) => x.userId).sort()).toEqual(r.body.data.map((x: any) => x.userId).sort())
  })

  test('OWNER changes roles; MEMBER cannot; the last OWNER cannot be demoted (409)', async () => {
    const { ws, t1, tm, o1, o2, m } = await team()
    const denied = await t.req('PATCH', `/workspaces/${ws.id}/members/${o1.id}`, { as: tm, body: { role: 'VIEWER' } })
    expect(denied.status).toBe(403)
    expect(denied.body.error).toBe('Missing members:write permission.')
    const up = await t.req('PATCH', `/workspaces/${ws.id}/members/${m.id}`, { as: t1, body: { role: 'VIEWER' } })
    expect(up.status).toBe(200)
    expect(up.body.data.role).toBe('VIEWER')
    expect(auditOf(t, 'member.role_changed').at(-1)).toMatchObject({
      workspaceId: ws.id,
      targetId: m.id,
      actorUserId: o1.id,
      meta: { from: 'MEMBER', to: 'VIEWER' },
    })
    expect((await t.req('PATCH', `/workspaces/${ws.id}/members/${o2.id}`, { as: t1, body: { role: 'MEMBER' } })).status).toBe(200)
    const last = await t.req('PATCH', `/workspaces/${ws.id}/members/${o1.id}`, { as: t1, body: { role: 'MEMBER' } })
    expect(last.status).toBe(409)
    expect(last.body.code).toBe('conflict')
    expect((await t.req('PATCH', `/workspaces/${ws.id}/members/${o1.id}`, { as: t1, body: { role: 'OWNER' } })).status).toBe(200)
    expect((await t.req('PATCH', `/workspaces/${ws.id}/members/${m.id}`, { as: t1, body: { role: 'ADMIN' } })).status).toBe(400)
    expect((await t.req('PATCH', `/workspaces/${ws.id}/members/${w.users.ownerB.id}`, { as: t1, body: { role: 'MEMBER' } })).status).toBe(
      404,
    )
  })

  test('remove: project memberships in this workspace go too (not elsewhere); the last OWNER stays (409)', async () => {
    const { ws, t1, o1, o2, m } = await team()
    const here = createProjectRow(t.core, ws.id, { members: [[m.id, 'MEMBER']] })
    const elsewhere = createWorkspace(t.core, { members: [[m.id, 'MEMBER']] })
    const there = createProjectRow(t.core, elsewhere.id, { members: [[m.id, 'MEMBER']] })
    const r = await t.req('DELETE', `/workspaces/${ws.id}/members/${m.id}`, { as: t1 })
    expect(r.status).toBe(200)
    expect(r.body.data).toEqual({ userId: m.id, removed: true })
    expect(
      t.db
        .select()
        .from(workspaceMembers)
        .where(and(eq(workspaceMembers.workspaceId, ws.id), eq(workspaceMembers.userId, m.id)))
        .get(),
    ).toBeUndefined()
    expect(
      t.db
        .select()
        .from(projectMembers)
        .where(and(eq(projectMembers.projectId, here.id), eq(projectMembers.userId, m.id)))
        .get(),
    ).toBeUndefined()
    expect(
      t.db
        .select()
        .from(projectMembers)
        .where(and(eq(projectMembers.projectId, there.id), eq(projectMembers.userId, m.id)))
        .get(),
    ).toBeDefined()
    expect(auditOf(t, 'member.removed').at(-1)).toMatchObject({
      workspaceId: ws.id,
      targetId: m.id,
      meta: { role: 'MEMBER', projectMemberships: 1 },
    })
    expect((await t.req('DELETE', `/workspaces/${ws.id}/members/${m.id}`, { as: t1 })).status).toBe(404)

    expect((await t.req('DELETE', `/workspaces/${ws.id}/members/${o2.id}`, { as: t1 })).status).toBe(200)
    const last = await t.req('DELETE', `/workspaces/${ws.id}/members/${o1.id}`, { as: t1 })
    expect(last.status).toBe(409)
    expect(last.body.code).toBe('conflict')
  })

  test('a demoted member’s API key loses write at once; a removed member’s key sees 404', async () => {
    const { ws, t1, o2 } = await team()
    const key = await createKey(t.core, o2.id, { workspaceId: ws.id })
    const invite = () =>
      t.req('POST', `/workspaces/${ws.id}/invites`, { as: key.key, body: { email: `x${crypto.randomUUID()}@example.com` } })
    expect((await invite()).status).toBe(201)
    expect((await t.req('PATCH', `/workspaces/${ws.id}/members/${o2.id}`, { as: t1, body: { role: 'MEMBER' } })).status).toBe(200)
    const after = await invite()
    expect(after.status).toBe(403)
    expect(after.body.error).toBe('Missing members:write permission.')
    // Still cached as verified (no slow hash), still acting with the new role:
    const labels = await t.req('POST', '/labels', { as: key.key, body: { name: `l-${crypto.randomUUID().slice(0, 8)}` } })
    expect(labels.status).toBe(201)
    expect((await t.req('PATCH', `/workspaces/${ws.id}/members/${o2.id}`, { as: t1, body: { role: 'VIEWER' } })).status).toBe(200)
    expect((await t.req('POST', '/labels', { as: key.key, body: { name: 'nope' } })).status).toBe(403)
    expect((await t.req('DELETE', `/workspaces/${ws.id}/members/${o2.id}`, { as: t1 })).status).toBe(200)
    const gone = await t.req('GET', '/labels', { as: key.key })
    expect(gone.status).toBe(404)
    expect((await t.req('GET', `/workspaces/${ws.id}`, { as: key.key })).status).toBe(404)
  })
})

describe('suspension', () => {
  test('SUPERADMIN suspends: sessions and pinned keys get 403 "Workspace is suspended."; reactivate restores', async () => {
    const o = await createUser(t.core)
    const ws = createWorkspace(t.core, { members: [[o.id, 'OWNER']] })
    const tok = createSession(t.core, o.id)
    const pinned = await createKey(t.core, o.id, { workspaceId: ws.id })
    expect((await t.req('GET', '/labels', { as: pinned.key })).status).toBe(200)

    const notAdmin = await t.req('POST', `/workspaces/${ws.id}/suspend`, { as: tok })
    expect(notAdmin.status).toBe(403)
    expect(notAdmin.body.code).toBe('forbidden')
    const s = await t.req('POST', `/workspaces/${ws.id}/suspend`, { as: adminToken })
    expect(s.status).toBe(200)
    expect(s.body.data.suspended).toBe(true)
    expect(auditOf(t, 'workspace.suspended').at(-1)).toMatchObject({ workspaceId: ws.id, actorUserId: admin.id })

    const checks: [string, string, string | undefined][] = [
      ['GET', `/workspaces/${ws.id}`, tok],
      ['PATCH', `/workspaces/${ws.id}`, tok],
      ['GET', `/workspaces/${ws.id}/members`, tok],
      ['POST', `/workspaces/${ws.id}/invites`, tok],
      ['GET', '/labels', pinned.key],
      ['GET', `/workspaces/${ws.id}`, pinned.key],
      ['GET', `/workspaces/${ws.id}`, adminToken],
    ]
    for (const [method, path, as] of checks) {
      const r = await t.req(method, path, {
        as,
        workspace: ws.id,
        body: method === 'GET' ? undefined : path.endsWith('/invites') ? { email: 'y@example.com' } : { name: 'x' },
      })
      expect({ path, status: r.status, code: r.body.code, error: r.body.error }).toEqual({
        path,
        status: 403,
        code: 'forbidden',
        error: 'Workspace is suspended.',
      })
    }
    // Still listed for its members, marked.
    const list = await t.req('GET', '/workspaces', { as: tok })
    expect(list.body.data.find((x: any) => x.id === ws.id).suspended).toBe(true)
    // Suspending again is harmless; an OWNER cannot reactivate.
    expect((await t.req('POST', `/workspaces/${ws.id}/suspend`, { as: GLOBAL })).status).toBe(200)
    expect((await t.req('POST', `/workspaces/${ws.id}/reactivate`, { as: tok })).status).toBe(403)
    const re = await t.req('POST', `/workspaces/${ws.id}/reactivate`, { as: GLOBAL })
    expect(re.status).toBe(200)
    expect(re.body.data.suspended).toBe(false)
    expect((await t.req('GET', '/labels', { as: pinned.key })).status).toBe(200)
    expect(auditOf(t, 'workspace.reactivated').at(-1)).toMatchObject({ workspaceId: ws.id, credential: 'global' })
  })

  test('suspend: non-members get 404, unknown ids 404', async () => {
    const r = await t.req('POST', `/workspaces/${w.wsB.id}/suspend`, { as: w.tokens.owner })
    expect(r.status).toBe(404)
    expect((await t.req('POST', '/workspaces/nope/suspend', { as: adminToken })).status).toBe(404)
    expect(t.db.select().from(workspaces).where(eq(workspaces.id, w.wsB.id)).get()!.suspendedAt).toBeNull()
  })
})

describe('tenant isolation: another workspace’s id is 404 on every /workspaces/:id route', () => {
  const routes: [string, (ids: { ws: string; user: string; invite: string }) => string, unknown?][] = [
    ['GET', (i) => `/workspaces/${i.ws}`],
    ['PATCH', (i) => `/workspaces/${i.ws}`, { name: 'Hijacked' }],
    ['POST', (i) => `/workspaces/${i.ws}/suspend`],
    ['POST', (i) => `/workspaces/${i.ws}/reactivate`],
    ['GET', (i) => `/workspaces/${i.ws}/members`],
    ['PATCH', (i) => `/workspaces/${i.ws}/members/${i.user}`, { role: 'VIEWER' }],
    ['DELETE', (i) => `/workspaces/${i.ws}/members/${i.user}`],
    ['POST', (i) => `/workspaces/${i.ws}/invites`, { email: 'evil@example.com' }],
    ['GET', (i) => `/workspaces/${i.ws}/invites`],
    ['DELETE', (i) => `/workspaces/${i.ws}/invites/${i.invite}`],
  ]
  let inviteB: string
  let inviteA: string
  beforeAll(async () => {
    const tokB = createSession(t.core, w.users.ownerB.id)
    inviteB = (await t.req('POST', `/workspaces/${w.wsB.id}/invites`, { as: tokB, body: { email: 'b-invitee@example.com' } })).body.data.id
    inviteA = (await t.req('POST', `/workspaces/${w.wsA.id}/invites`, { as: w.tokens.owner, body: { email: 'a-invitee@example.com' } }))
      .body.data.id
  })

  for (const [method, path, body] of routes) {
    test(`${method} ${path({ ws: ':id', user: ':userId', invite: ':inviteId' })}`, async () => {
      // A's OWNER (session and key), addressing B's workspace: 404.
      const key = await createKey(t.core, w.users.owner.id)
      for (const as of [w.tokens.owner, key.key]) {
        const r = await t.req(method, path({ ws: w.wsB.id, user: w.users.ownerB.id, invite: inviteB }), { as, body })
        expect({ as: as === key.key ? 'key' : 'session', status: r.status, code: r.body.code }).toEqual({
          as: as === key.key ? 'key' : 'session',
          status: 404,
          code: 'not_found',
        })
      }
    })
  }

  test('B’s member or invite addressed through A’s workspace: 404', async () => {
    expect(
      (await t.req('PATCH', `/workspaces/${w.wsA.id}/members/${w.users.ownerB.id}`, { as: w.tokens.owner, body: { role: 'VIEWER' } }))
        .status,
    ).toBe(404)
    expect((await t.req('DELETE', `/workspaces/${w.wsA.id}/members/${w.users.ownerB.id}`, { as: w.tokens.owner })).status).toBe(404)
    expect((await t.req('DELETE', `/workspaces/${w.wsA.id}/invites/${inviteB}`, { as: w.tokens.owner })).status).toBe(404)
    const tokB = createSession(t.core, w.users.ownerB.id)
    expect((await t.req('DELETE', `/workspaces/${w.wsB.id}/invites/${inviteA}`, { as: tokB })).status).toBe(404)
    const listed = await t.req('GET', `/workspaces/${w.wsA.id}/invites`, { as: w.tokens.owner })
    expect(listed.body.data.map((x: any) => x.id)).not.toContain(inviteB)
  })

  test('a key pinned to A addressing B: 404 when not a member, 403 scope_violation when a member', async () => {
    const pinned = await createKey(t.core, w.users.owner.id, { workspaceId: w.wsA.id })
    expect((await t.req('GET', `/workspaces/${w.wsB.id}`, { as: pinned.key })).status).toBe(404)
    const both = await createUser(t.core)
    createWorkspace(t.core, { members: [[both.id, 'OWNER']] })
    const other = createWorkspace(t.core, { members: [[both.id, 'OWNER']] })
    const mine = t.db
      .select()
      .from(workspaceMembers)
      .where(eq(workspaceMembers.userId, both.id))
      .all()
      .find((x) => x.workspaceId !== other.id)!
    const k = await createKey(t.core, both.id, { workspaceId: mine.workspaceId })
    const r = await t.req('GET', `/workspaces/${other.id}`, { as: k.key })
    expect(r.status).toBe(403)
    expect(r.body.code).toBe('scope_violation')
  })

  test('project-scoped keys cannot use workspace-wide member routes', async () => {
    const p = createProjectRow(t.core, w.wsA.id, { members: [[w.users.owner.id, 'OWNER']] })
    const k = await createKey(t.core, w.users.owner.id, { workspaceId: w.wsA.id, projectId: p.id })
    const r = await t.req('GET', `/workspaces/${w.wsA.id}/members`, { as: k.key })
    expect(r.status).toBe(403)
    expect(r.body.code).toBe('scope_violation')
  })
})
