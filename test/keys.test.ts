import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { flushKeyUsage, verifyStats } from '../src/auth/credentials'
import { parseKey } from '../src/auth/key-format'
import { startBackground, stopBackground } from '../src/background'
import { apiKeys, users, workspaceMembers } from '../src/db/schema'
import { revokeKey } from '../src/keys/service'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'

const GLOBAL = 'keys-test-global-token-0123456789abcdefghijklmnop'
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL, SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: '100000' })
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
let projectA: { id: string }
let privateA: { id: string }
let projectB: { id: string }
beforeAll(async () => {
  w = await seedWorld(t.core)
  projectA = createProjectRow(t.core, w.wsA.id, {
    members: [
      [w.users.owner.id, 'OWNER'],
      [w.users.member.id, 'MEMBER'],
    ],
  })
  privateA = createProjectRow(t.core, w.wsA.id, { members: [[w.users.owner.id, 'OWNER']] })
  projectB = createProjectRow(t.core, w.wsB.id, { members: [[w.users.ownerB.id, 'OWNER']] })
})

const create = (as: string, body: Record<string, unknown> = {}, kind: 'api' | 'mcp' = 'api') =>
  t.req('POST', `/auth/${kind}-keys`, { as, body: { name: 'script', ...body } })

const me = (key: string) => t.req('GET', '/auth/me', { as: key })

describe('create', () => {
  test('returns the full key once, with its record; only a hash and the prefix are stored', async () => {
    const r = await create(w.tokens.owner, { description: 'CI', rateLimitPerHour: 50 })
    expect(r.status).toBe(201)
    const d = r.body.data
    expect(d.key).toMatch(/^atpm_[0-9A-Za-z]{54}$/)
    expect(parseKey(d.key)).not.toBeNull()
    expect(d).toMatchObject({
      kind: 'api',
      name: 'script',
      description: 'CI',
      scopes: null,
      workspaceId: null,
      projectId: null,
      expiresAt: null,
      lastUsedAt: null,
      requestCount: 0,
      isActive: true,
      revokedAt: null,
      rateLimitPerHour: 50,
    })
    expect(d.prefix).toBe(`atpm_${d.key.slice(5, 9)}…${d.key.slice(-4)}`)
    const row = t.db.select().from(apiKeys).where(eq(apiKeys.id, d.id)).get()!
    expect(row.hash).toStartWith('$argon2id$')
    expect(JSON.stringify(row)).not.toContain(d.key.slice(5))
    expect(await Bun.password.verify(d.key, row.hash)).toBe(true)

    const used = await me(d.key)
    expect(used.status).toBe(200)
    expect(used.body.data.credential).toMatchObject({ kind: 'api_key', keyId: d.id })
    expect(used.headers.get('x-sally-scopes')).not.toContain('keys:write')
    expect(used.headers.get('x-sally-scopes')).toContain('tasks:write')
  })

  test('X-API-Key is accepted as well as Bearer', async () => {
    const { body } = await create(w.tokens.member)
    const r = await t.req('GET', '/auth/me', { headers: { 'x-api-key': body.data.key } })
    expect(r.status).toBe(200)
  })

  test('MCP keys: sallymcp_ prefix, refused outside /mcp with 403 scope_violation, accepted on /mcp', async () => {
    const r = await create(w.tokens.owner, { workspaceId: w.wsA.id }, 'mcp')
    expect(r.status).toBe(201)
    expect(r.body.data.key).toStartWith('sallymcp_')
    expect(r.body.data.kind).toBe('mcp')
    const key = r.body.data.key
    for (const [m, p] of [
      ['GET', '/auth/me'],
      ['GET', '/labels'],
      ['GET', '/auth/mcp-keys'],
      ['POST', '/auth/mcp-keys'],
    ] as const) {
      const x = await t.req(m, p, { as: key, body: m === 'POST' ? { name: 'n' } : undefined })
      expect({ p, status: x.status, code: x.body.code }).toEqual({ p, status: 403, code: 'scope_violation' })
    }
    const mcp = await t.req('GET', '/mcp', { as: key })
    expect(mcp.status).toBe(405) // authenticated and let through: the stateless server offers POST only
    const api = await t.req('GET', '/mcp', { as: (await create(w.tokens.owner)).body.data.key })
    expect(api.status).toBe(403)
    // The two kinds live apart: an MCP key is not listed with API keys and vice versa.
    const list = await t.req('GET', '/auth/api-keys', { as: w.tokens.owner })
    expect(list.body.data.map((k: any) => k.id)).not.toContain(r.body.data.id)
    expect((await t.req('GET', `/auth/api-keys/${r.body.data.id}`, { as: w.tokens.owner })).status).toBe(404)
  })

  test('expiresIn (any positive number of seconds) and expiresAt (ISO, future)', async () => {
    const now = t.clock.now()
    const a = await create(w.tokens.owner, { expiresIn: 90.5 })
    expect(Date.parse(a.body.data.expiresAt)).toBe(now + 90_500)
    const at = new Date(now + 86_400_000).toISOString()
    const b = await create(w.tokens.owner, { expiresAt: at })
    expect(b.body.data.expiresAt).toBe(at)
  })

  test.each([
    ['unknown scope', { scopes: ['tasks:read', 'tasks:destroy'] }],
    ['scopes not an array', { scopes: 'tasks:read' }],
    ['no name', { name: '' }],
    ['negative expiresIn', { expiresIn: -5 }],
    ['zero expiresIn', { expiresIn: 0 }],
    ['expiresAt in the past', { expiresAt: new Date(Date.now() - 60_000).toISOString() }],
    ['expiresAt not a date', { expiresAt: 'tomorrow' }],
    ['both expiries', { expiresIn: 60, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }],
    ['project without pin', { projectId: 'x' }],
    ['rateLimitPerHour 0', { rateLimitPerHour: 0 }],
  ])('400 validation_error: %s', async (_, body) => {
    const r = await create(w.tokens.owner, body)
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
  })

  test('pin: a workspace I belong to; another one → 404', async () => {
    expect((await create(w.tokens.member, { workspaceId: w.wsA.id })).status).toBe(201)
    const r = await create(w.tokens.member, { workspaceId: w.wsB.id })
    expect(r.status).toBe(404)
    expect(r.body.code).toBe('not_found')
    expect((await create(w.tokens.member, { workspaceId: 'no-such-workspace' })).status).toBe(404)
  })

  test('project: visible to me in the pinned workspace; otherwise 404', async () => {
    const ok = await create(w.tokens.member, { workspaceId: w.wsA.id, projectId: projectA.id })
    expect(ok.status).toBe(201)
    expect(ok.body.data).toMatchObject({ workspaceId: w.wsA.id, projectId: projectA.id })
    for (const body of [
      { workspaceId: w.wsA.id, projectId: privateA.id }, // not a member of that project
      { workspaceId: w.wsA.id, projectId: projectB.id }, // another workspace's project
    ]) {
      const r = await create(w.tokens.member, body)
      expect(r.status).toBe(404)
      expect(r.body.code).toBe('not_found')
    }
    // A workspace OWNER sees every project of the workspace.
    expect((await create(w.tokens.owner, { workspaceId: w.wsA.id, projectId: privateA.id })).status).toBe(201)
  })

  test('the global token has no user and cannot own keys (403 forbidden)', async () => {
    for (const [m, p] of [
      ['POST', '/auth/api-keys'],
      ['GET', '/auth/api-keys'],
      ['POST', '/auth/mcp-keys'],
    ] as const) {
      const r = await t.req(m, p, { as: GLOBAL, body: m === 'POST' ? { name: 'g' } : undefined })
      expect({ p, status: r.status, code: r.body.code }).toEqual({ p, status: 403, code: 'forbidden' })
    }
  })
})

describe('keys:write and narrowing', () => {
  test('a key with scopes null cannot create, rotate or revoke keys; sessions can', async () => {
    const k = (await create(w.tokens.owner)).body.data
    for (const [m, p] of [
      ['POST', '/auth/api-keys'],
      ['DELETE', `/auth/api-keys/${k.id}`],
      ['POST', `/auth/api-keys/${k.id}/rotate`],
    ] as const) {
      const r = await t.req(m, p, { as: k.key, body: m === 'POST' && !p.endsWith('rotate') ? { name: 'x' } : undefined })
      expect({ p, status: r.status, code: r.body.code, error: r.body.error }).toEqual({
        p,
        status: 403,
        code: 'forbidden',
        error: 'Missing keys:write permission.',
      })
    }
    // It may still read its owner's keys (user:read).
    expect((await t.req('GET', '/auth/api-keys', { as: k.key })).status).toBe(200)
  })

  test('a key granted keys:write creates keys within its own scopes only', async () => {
    const minter = (await create(w.tokens.owner, { scopes: ['keys:write', 'user:read', 'tasks:read', 'tasks:write'] })).body.data
    const sub = await create(minter.key, { scopes: ['tasks:read'] })
    expect(sub.status).toBe(201)
    expect(sub.body.data.scopes).toEqual(['tasks:read'])
    const broader = await create(minter.key, { scopes: ['tasks:read', 'webhooks:write'] })
    expect(broader.status).toBe(403)
    expect(broader.body).toMatchObject({ code: 'forbidden', error: 'Missing webhooks:write permission.' })
    // null = everything but keys:write, which is broader than this key.
    const everything = await create(minter.key, { scopes: null })
    expect(everything.status).toBe(403)
    expect(everything.body.code).toBe('forbidden')
  })

  test('a pinned key mints keys with its own pin (default) and never another', async () => {
    const pinned = (await create(w.tokens.owner, { scopes: ['keys:write', 'tasks:read'], workspaceId: w.wsA.id })).body.data
    const inherited = await create(pinned.key, { scopes: ['tasks:read'] })
    expect(inherited.status).toBe(201)
    expect(inherited.body.data.workspaceId).toBe(w.wsA.id)
    const unpinned = await create(pinned.key, { scopes: ['tasks:read'], workspaceId: null })
    expect(unpinned.status).toBe(403)
    expect(unpinned.body.code).toBe('scope_violation')
    // The owner of A also owns another workspace: still refused for this key.
    const other = createWorkspace(t.core, { members: [[w.users.owner.id, 'OWNER']] })
    const elsewhere = await create(pinned.key, { scopes: ['tasks:read'], workspaceId: other.id })
    expect(elsewhere.status).toBe(403)
    expect(elsewhere.body.code).toBe('scope_violation')
  })

  test('a narrow key cannot rotate a broader key into a fresh broad key (nor revoke it)', async () => {
    const broad = (await create(w.tokens.owner, { scopes: ['keys:write', 'tasks:read', 'tasks:write', 'webhooks:write'] })).body.data
    const narrow = (await create(w.tokens.owner, { scopes: ['keys:write', 'tasks:read'] })).body.data
    const rot = await t.req('POST', `/auth/api-keys/${broad.id}/rotate`, { as: narrow.key })
    expect(rot.status).toBe(403)
    const del = await t.req('DELETE', `/auth/api-keys/${broad.id}`, { as: narrow.key })
    expect(del.status).toBe(403)
    expect((await me(broad.key)).status).toBe(200)
    // The broad key may revoke the narrow one.
    expect((await t.req('DELETE', `/auth/api-keys/${narrow.id}`, { as: broad.key })).status).toBe(200)
  })
})

describe('list and get', () => {
  test('mine only, newest first, no secrets, cursor pagination, active filter', async () => {
    const u = await createUser(t.core)
    const s = createSession(t.core, u.id)
    const made: string[] = []
    for (let i = 0; i < 5; i++) made.push((await create(s, { name: `k${i}` })).body.data.id)
    await t.req('DELETE', `/auth/api-keys/${made[1]}`, { as: s })
    const p1 = await t.req('GET', '/auth/api-keys?limit=3', { as: s })
    expect(p1.status).toBe(200)
    expect(p1.body.data.map((k: any) => k.name)).toEqual(['k4', 'k3', 'k2'])
    expect(p1.body.nextCursor).toBe(made[2])
    const p2 = await t.req('GET', `/auth/api-keys?limit=3&cursor=${p1.body.nextCursor}`, { as: s })
    expect(p2.body.data.map((k: any) => k.name)).toEqual(['k1', 'k0'])
    expect(p2.body.nextCursor).toBeNull()
    for (const k of [...p1.body.data, ...p2.body.data]) {
      expect(k.key).toBeUndefined()
      expect(k.hash).toBeUndefined()
      expect(Object.keys(k)).toEqual(
        expect.arrayContaining([
          'id',
          'name',
          'description',
          'prefix',
          'scopes',
          'workspaceId',
          'projectId',
          'expiresAt',
          'createdAt',
          'lastUsedAt',
          'requestCount',
          'isActive',
          'revokedAt',
          'rateLimitPerHour',
        ]),
      )
    }
    const active = await t.req('GET', '/auth/api-keys?active=true', { as: s })
    expect(active.body.data).toHaveLength(4)
    const inactive = await t.req('GET', '/auth/api-keys?active=false', { as: s })
    expect(inactive.body.data.map((k: any) => k.id)).toEqual([made[1]])
    expect(inactive.body.data[0]).toMatchObject({ isActive: false })
    expect(typeof inactive.body.data[0].revokedAt).toBe('string')
  })

  test("another user's key id → 404 on get, revoke and rotate", async () => {
    const theirs = (await create(w.tokens.ownerB)).body.data
    for (const [m, p] of [
      ['GET', `/auth/api-keys/${theirs.id}`],
      ['DELETE', `/auth/api-keys/${theirs.id}`],
      ['POST', `/auth/api-keys/${theirs.id}/rotate`],
    ] as const) {
      const r = await t.req(m, p, { as: w.tokens.owner })
      expect({ p, status: r.status, code: r.body.code }).toEqual({ p, status: 404, code: 'not_found' })
    }
    expect((await me(theirs.key)).status).toBe(200)
  })
})

describe('revocation, rotation, expiry', () => {
  test('revocation takes effect on the very next request (cached key)', async () => {
    const k = (await create(w.tokens.owner)).body.data
    expect((await me(k.key)).status).toBe(200)
    const before = verifyStats.slowVerifies
    expect((await me(k.key)).status).toBe(200)
    expect(verifyStats.slowVerifies).toBe(before) // served from the cache
    const del = await t.req('DELETE', `/auth/api-keys/${k.id}`, { as: w.tokens.owner })
    expect(del.status).toBe(200)
    expect(del.body.data).toMatchObject({ id: k.id, isActive: false })
    const next = await me(k.key)
    expect(next.status).toBe(401)
    expect(next.body.code).toBe('key_revoked')
    // Idempotent.
    const again = await t.req('DELETE', `/auth/api-keys/${k.id}`, { as: w.tokens.owner })
    expect(again.status).toBe(200)
    expect(again.body.data.revokedAt).toBe(del.body.data.revokedAt)
  })

  test('a key may revoke itself', async () => {
    const k = (await create(w.tokens.owner, { scopes: ['keys:write', 'user:read'] })).body.data
    expect((await t.req('DELETE', `/auth/api-keys/${k.id}`, { as: k.key })).status).toBe(200)
    expect((await me(k.key)).body.code).toBe('key_revoked')
  })

  test('a revocation that lands while the key is being verified is not undone by the cache', async () => {
    const k = await createKey(t.core, w.users.owner.id)
    const inflight = me(k.key) // runs the slow hash (not cached yet)
    revokeKey(
      t.core,
      {
        user: { ...w.users.owner, platformRole: 'NONE' },
        platformRole: 'NONE',
        credential: { kind: 'session', id: 's', scopes: null, workspaceId: null, projectId: null, expiresAt: null, rateLimitPerHour: null },
      },
      'api',
      k.id,
    )
    await inflight
    const next = await me(k.key)
    expect(next.status).toBe(401)
    expect(next.body.code).toBe('key_revoked')
  })

  test('rotation returns a working key with the same settings; the old one fails at once', async () => {
    const old = (
      await create(w.tokens.member, {
        name: 'deploy',
        description: 'rotating',
        scopes: ['tasks:read', 'projects:read'],
        workspaceId: w.wsA.id,
        projectId: projectA.id,
        rateLimitPerHour: 77,
        expiresIn: 3600,
      })
    ).body.data
    expect((await me(old.key)).status).toBe(200)
    t.clock.advance(600_000)
    const r = await t.req('POST', `/auth/api-keys/${old.id}/rotate`, { as: w.tokens.member })
    expect(r.status).toBe(201)
    const neu = r.body.data
    expect(neu.key).not.toBe(old.key)
    expect(neu.id).not.toBe(old.id)
    expect(neu).toMatchObject({
      name: 'deploy',
      description: 'rotating',
      scopes: ['tasks:read', 'projects:read'],
      workspaceId: w.wsA.id,
      projectId: projectA.id,
      rateLimitPerHour: 77,
      rotatedFromId: old.id,
      isActive: true,
    })
    expect(Date.parse(neu.expiresAt)).toBe(t.clock.now() + 3_600_000) // same lifetime, from now
    expect((await me(old.key)).body.code).toBe('key_revoked')
    const used = await me(neu.key)
    expect(used.status).toBe(200)
    expect(used.body.data.credential.keyId).toBe(neu.id)
    const oldNow = await t.req('GET', `/auth/api-keys/${old.id}`, { as: w.tokens.member })
    expect(oldNow.body.data.isActive).toBe(false)
    // A revoked key cannot be rotated again.
    const twice = await t.req('POST', `/auth/api-keys/${old.id}/rotate`, { as: w.tokens.member })
    expect(twice.status).toBe(409)
    expect(twice.body.code).toBe('conflict')
  })

  test('MCP keys rotate and revoke the same way', async () => {
    const old = (await create(w.tokens.owner, { workspaceId: w.wsA.id }, 'mcp')).body.data
    const r = await t.req('POST', `/auth/mcp-keys/${old.id}/rotate`, { as: w.tokens.owner })
    expect(r.status).toBe(201)
    expect(r.body.data.key).toStartWith('sallymcp_')
    expect((await t.req('GET', '/mcp', { as: old.key })).body.code).toBe('key_revoked')
    expect((await t.req('GET', '/mcp', { as: r.body.data.key })).status).toBe(405)
    expect((await t.req('DELETE', `/auth/mcp-keys/${r.body.data.id}`, { as: w.tokens.owner })).status).toBe(200)
    expect((await t.req('GET', '/mcp', { as: r.body.data.key })).body.code).toBe('key_revoked')
  })

  test('expiry with the fake clock, also for a key already in the cache', async () => {
    const k = (await create(w.tokens.owner, { expiresIn: 60 })).body.data
    expect((await me(k.key)).status).toBe(200)
    t.clock.advance(59_000)
    expect((await me(k.key)).status).toBe(200)
    t.clock.advance(1_000)
    const r = await me(k.key)
    expect(r.status).toBe(401)
    expect(r.body.code).toBe('key_expired')
    // Still expired (now from the database, and not re-verified each time).
    const before = verifyStats.slowVerifies
    expect((await me(k.key)).body.code).toBe('key_expired')
    expect((await me(k.key)).body.code).toBe('key_expired')
    expect(verifyStats.slowVerifies - before).toBeLessThanOrEqual(1)
    const listed = await t.req('GET', `/auth/api-keys/${k.id}`, { as: w.tokens.owner })
    expect(listed.body.data.isActive).toBe(false)
  })
})

describe('owner change', () => {
  test('a deleted owner: the cached key stops working on the next request', async () => {
    const u = await createUser(t.core)
    const k = await createKey(t.core, u.id)
    expect((await me(k.key)).status).toBe(200)
    t.db.delete(users).where(eq(users.id, u.id)).run()
    const r = await me(k.key)
    expect(r.status).toBe(401)
    expect(r.body.code).toBe('invalid_key')
  })

  test('the owner loses the pinned workspace: selecting it answers 404 at once', async () => {
    const u = await createUser(t.core)
    const ws = createWorkspace(t.core, { members: [[u.id, 'MEMBER']] })
    const k = await createKey(t.core, u.id, { workspaceId: ws.id })
    expect((await t.req('GET', '/labels', { as: k.key })).status).toBe(200)
    expect((await t.req('GET', '/labels', { as: k.key, workspace: ws.id })).status).toBe(200)
    t.db.delete(workspaceMembers).where(eq(workspaceMembers.userId, u.id)).run()
    for (const workspace of [undefined, ws.id]) {
      const r = await t.req('GET', '/labels', { as: k.key, workspace })
      expect(r.status).toBe(404)
      expect(r.body.code).toBe('not_found')
    }
    // And the key cannot be rotated into the lost workspace.
    const s = createSession(t.core, u.id)
    const rot = await t.req('POST', `/auth/api-keys/${k.id}/rotate`, { as: s })
    expect(rot.status).toBe(404)
  })

  test('demoting the owner narrows the key at once (X-Sally-Scopes follows the role)', async () => {
    const u = await createUser(t.core)
    const ws = createWorkspace(t.core, { members: [[u.id, 'MEMBER']] })
    const k = await createKey(t.core, u.id, { workspaceId: ws.id })
    const a = await t.req('POST', '/labels', { as: k.key, body: { name: 'before' } })
    expect(a.status).toBe(201)
    expect(a.headers.get('x-sally-scopes')).toContain('tasks:write')
    t.db.update(workspaceMembers).set({ role: 'VIEWER' }).where(eq(workspaceMembers.userId, u.id)).run()
    const b = await t.req('POST', '/labels', { as: k.key, body: { name: 'after' } })
    expect(b.status).toBe(403)
    expect(b.body.error).toBe('Missing tasks:write permission.')
    expect(b.headers.get('x-sally-scopes')).not.toContain('tasks:write')
  })
})

describe('usage counters (batched)', () => {
  test('after N requests and a flush, requestCount = N and lastUsedAt is set; listings include unflushed usage', async () => {
    flushKeyUsage(t.core)
    const k = (await create(w.tokens.owner)).body.data
    const N = 7
    for (let i = 0; i < N; i++) expect((await me(k.key)).status).toBe(200)
    const stored = () => t.db.select().from(apiKeys).where(eq(apiKeys.id, k.id)).get()!
    expect(stored().requestCount).toBe(0) // nothing written per request
    const listed = await t.req('GET', `/auth/api-keys/${k.id}`, { as: w.tokens.owner })
    expect(listed.body.data.requestCount).toBe(N)
    expect(flushKeyUsage(t.core)).toBeGreaterThanOrEqual(1)
    expect(stored().requestCount).toBe(N)
    expect(stored().lastUsedAt?.getTime()).toBe(t.clock.now())
    const again = await t.req('GET', `/auth/api-keys/${k.id}`, { as: w.tokens.owner })
    expect(again.body.data.requestCount).toBe(N) // not counted twice
  })

  test('nothing is lost at a clean stop (stopBackground flushes)', async () => {
    const k = (await create(w.tokens.owner)).body.data
    startBackground(t.core)
    for (let i = 0; i < 5; i++) await me(k.key)
    await stopBackground(t.core)
    expect(t.core.keyUsage.size).toBe(0)
    expect(t.db.select().from(apiKeys).where(eq(apiKeys.id, k.id)).get()!.requestCount).toBe(5)
  })
})
