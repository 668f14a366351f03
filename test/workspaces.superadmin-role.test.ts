import { afterAll, beforeAll, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createSession, createUser, createWorkspace } from './helpers/fixtures'

// A SUPERADMIN acts as OWNER everywhere, but `role` in a workspace answer is their real membership
// role, or null where they are not a member (issue 11, finding 6); the global token is a member nowhere.
const GLOBAL = 'global-token-for-superadmin-role-tests-012345'
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL })
afterAll(() => t.close())

let admin: string
let theirs: ReturnType<typeof createWorkspace>
let foreign: ReturnType<typeof createWorkspace>
let owner: Awaited<ReturnType<typeof createUser>>
beforeAll(async () => {
  const a = await createUser(t.core, { superadmin: true })
  owner = await createUser(t.core)
  admin = createSession(t.core, a.id)
  theirs = createWorkspace(t.core, {
    members: [
      [owner.id, 'OWNER'],
      [a.id, 'VIEWER'],
    ],
  })
  foreign = createWorkspace(t.core, { members: [[owner.id, 'OWNER']] })
})

const roleIn = (list: { id: string; role: string | null }[], id: string) => list.find((x) => x.id === id)?.role

test('GET /workspaces: the SUPERADMIN sees every workspace with their real role, null where not a member', async () => {
  const r = await t.req('GET', '/workspaces?limit=200', { as: admin })
  expect(r.status).toBe(200)
  expect(roleIn(r.body.data, theirs.id)).toBe('VIEWER')
  expect(roleIn(r.body.data, foreign.id)).toBeNull()
  const g = await t.req('GET', '/workspaces?limit=200', { as: GLOBAL })
  expect(roleIn(g.body.data, theirs.id)).toBeNull()
  expect(roleIn(g.body.data, foreign.id)).toBeNull()
})

test('GET/PATCH /workspaces/:id and suspend answer the real role too; the SUPERADMIN still acts as OWNER', async () => {
  expect((await t.req('GET', `/workspaces/${theirs.id}`, { as: admin })).body.data.role).toBe('VIEWER')
  expect((await t.req('GET', `/workspaces/${foreign.id}`, { as: admin })).body.data.role).toBeNull()
  const patched = await t.req('PATCH', `/workspaces/${foreign.id}`, { as: admin, body: { name: 'Renamed by admin' } })
  expect(patched.status).toBe(200)
  expect(patched.body.data.role).toBeNull()
  const suspended = await t.req('POST', `/workspaces/${foreign.id}/suspend`, { as: admin })
  expect(suspended.body.data).toMatchObject({ suspended: true, role: null })
  await t.req('POST', `/workspaces/${foreign.id}/reactivate`, { as: admin })
  const made = await t.req('POST', '/workspaces', { as: admin, body: { name: 'For the owner', ownerUserId: owner.id } })
  expect(made.status).toBe(201)
  expect(made.body.data.role).toBeNull()
  expect((await t.req('POST', '/workspaces', { as: admin, body: { name: 'Mine' } })).body.data.role).toBe('OWNER')
  // The owner's own view is unchanged.
  expect((await t.req('GET', `/workspaces/${foreign.id}`, { as: createSession(t.core, owner.id) })).body.data.role).toBe('OWNER')
})

test('GET /auth/me lists only real memberships, with their real roles', async () => {
  const me = await t.req('GET', '/auth/me', { as: admin })
  expect(me.body.data.memberships.map((m: any) => [m.workspaceId, m.role])).toContainEqual([theirs.id, 'VIEWER'])
  expect(me.body.data.memberships.map((m: any) => m.workspaceId)).not.toContain(foreign.id)
})
