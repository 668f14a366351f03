import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { recordAudit } from '../src/audit/service'
import { makeTestApp } from './helpers/app'
import { createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'

const GLOBAL = 'audit-test-global-token-0123456789abcdefghijklmn'
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL })
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
const secrets: string[] = []
let pinnedId = ''
let rotatedToId = ''

beforeAll(async () => {
  w = await seedWorld(t.core)
  // Key events in A (pinned keys), in B, and one without a workspace.
  const a = await t.req('POST', '/auth/api-keys', { as: w.tokens.owner, body: { name: 'pinned', workspaceId: w.wsA.id } })
  secrets.push(a.body.data.key)
  pinnedId = a.body.data.id
  const rot = await t.req('POST', `/auth/api-keys/${pinnedId}/rotate`, { as: w.tokens.owner })
  secrets.push(rot.body.data.key)
  rotatedToId = rot.body.data.id
  const mcp = await t.req('POST', '/auth/mcp-keys', { as: w.tokens.member, body: { name: 'agent', workspaceId: w.wsA.id } })
  secrets.push(mcp.body.data.key)
  await t.req('DELETE', `/auth/mcp-keys/${mcp.body.data.id}`, { as: w.tokens.member })
  const b = await t.req('POST', '/auth/api-keys', { as: w.tokens.ownerB, body: { name: 'beta', workspaceId: w.wsB.id } })
  secrets.push(b.body.data.key)
  const loose = await t.req('POST', '/auth/api-keys', { as: w.tokens.owner, body: { name: 'unpinned' } })
  secrets.push(loose.body.data.key)
  await t.req('GET', '/auth/me', { as: GLOBAL })
})

const list = (as: string, query = '', workspace = w.wsA.id) => t.req('GET', `/audit-events${query}`, { as, workspace })

describe('GET /audit-events', () => {
  test('the OWNER sees key creation, rotation and revocation of the workspace, newest first, without secrets', async () => {
    const r = await list(w.tokens.owner)
    expect(r.status).toBe(200)
    const actions = r.body.data.map((e: any) => e.action)
    expect(actions).toEqual(['key.revoke', 'key.create', 'key.rotate', 'key.create'])
    for (const e of r.body.data) expect(e.workspaceId).toBe(w.wsA.id)
    const rotate = r.body.data.find((e: any) => e.action === 'key.rotate')
    expect(rotate).toMatchObject({ actorUserId: w.users.owner.id, credential: 'session', targetType: 'api_key', targetId: pinnedId })
    expect(rotate.meta.newKeyId).toBe(rotatedToId)
    const revoke = r.body.data[0]
    expect(revoke).toMatchObject({ actorUserId: w.users.member.id, targetType: 'mcp_key' })
    const ids = r.body.data.map((e: any) => e.id)
    expect([...ids].sort().reverse()).toEqual(ids)
    for (const s of secrets) expect(r.text).not.toContain(s.slice(9, 40))
  })

  test("another workspace's events are not shown", async () => {
    const a = await list(w.tokens.owner)
    expect(a.body.data.some((e: any) => e.meta?.name === 'beta')).toBe(false)
    const b = await list(w.tokens.ownerB, '', w.wsB.id)
    expect(b.status).toBe(200)
    expect(b.body.data.map((e: any) => e.meta.name)).toEqual(['beta'])
    // Selecting A as the owner of B: not visible.
    expect((await list(w.tokens.ownerB)).status).toBe(404)
  })

  test('cursor pagination and the action filter', async () => {
    const p1 = await list(w.tokens.owner, '?limit=3')
    expect(p1.body.data).toHaveLength(3)
    expect(p1.body.nextCursor).toBe(p1.body.data[2].id)
    const p2 = await list(w.tokens.owner, `?limit=3&cursor=${p1.body.nextCursor}`)
    expect(p2.body.data).toHaveLength(1)
    expect(p2.body.nextCursor).toBeNull()
    const all = (await list(w.tokens.owner)).body.data.map((e: any) => e.id)
    expect([...p1.body.data, ...p2.body.data].map((e: any) => e.id)).toEqual(all)

    const creates = await list(w.tokens.owner, '?action=key.create')
    expect(creates.body.data.map((e: any) => e.action)).toEqual(['key.create', 'key.create'])
    const family = await list(w.tokens.owner, '?action=key.')
    expect(family.body.data).toHaveLength(4)
    expect((await list(w.tokens.owner, '?action=key%')).body.data).toHaveLength(0) // no LIKE injection
    expect((await list(w.tokens.owner, '?limit=500')).body.code).toBe('validation_error')
  })

  test('MEMBER and VIEWER: 403 forbidden (members:write); keys follow role ∩ scopes', async () => {
    for (const tok of [w.tokens.member, w.tokens.viewer]) {
      const r = await list(tok)
      expect(r.status).toBe(403)
      expect(r.body).toMatchObject({ code: 'forbidden', error: 'Missing members:write permission.' })
    }
    expect((await list(w.tokens.outsider)).status).toBe(404)
  })

  test('platform events (no workspace): superadmins only, with platform=true', async () => {
    const own = await list(w.tokens.owner, '?platform=true')
    expect(own.status).toBe(403)
    expect(own.body.code).toBe('forbidden')
    const g = await list(GLOBAL, '?platform=true')
    expect(g.status).toBe(200)
    const actions = g.body.data.map((e: any) => e.action)
    expect(actions).toContain('global_token.first_use')
    expect(actions).toContain('key.create') // the unpinned key
    for (const e of g.body.data) expect(e.workspaceId).toBeNull()
    // A superadmin user, too (acting as OWNER in any workspace).
    const admin = await createUser(t.core, { superadmin: true })
    const s = createSession(t.core, admin.id)
    expect((await list(s, '?platform=true')).status).toBe(200)
    const inA = await list(s)
    expect(inA.status).toBe(200)
    expect(inA.body.data.every((e: any) => e.workspaceId === w.wsA.id)).toBe(true)
  })

  test('every write with the global token is audited', async () => {
    await t.req('POST', '/labels', { as: GLOBAL, workspace: w.wsA.id, body: { name: 'from-global' } })
    const g = await list(GLOBAL, '?platform=true&action=global_token.write')
    expect(g.body.data[0]).toMatchObject({ credential: 'global', actorUserId: null, meta: { method: 'POST', path: '/labels' } })
  })

  test('events recorded by other features appear in their workspace', async () => {
    // A workspace of its own: the stories above count A's events.
    const ws = createWorkspace(t.core, { members: [[w.users.owner.id, 'OWNER']] })
    recordAudit(t.core, null, { action: 'member.remove', workspaceId: ws.id, targetType: 'user', targetId: w.users.viewer.id })
    const r = await list(w.tokens.owner, '?limit=1', ws.id)
    expect(r.body.data[0]).toMatchObject({ action: 'member.remove', credential: null, targetId: w.users.viewer.id })
  })
})
