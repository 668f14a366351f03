import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { workspaceMembers } from '../src/db/schema'
import { SCOPES, type Scope } from '../src/permissions/matrix'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'

// Any member may leave a workspace (DELETE /workspaces/:id/members/<self>); removing others stays
// workspace-OWNER only, and the last OWNER can neither be removed nor leave.
const t = makeTestApp()
let w: Awaited<ReturnType<typeof seedWorld>>
beforeAll(async () => {
  w = await seedWorld(t.core)
})
afterAll(() => t.close())

const del = (wsId: string, userId: string, as: string) => t.req('DELETE', `/workspaces/${wsId}/members/${userId}`, { as })

test('a MEMBER cannot remove someone else', async () => {
  const r = await del(w.wsA.id, w.users.viewer.id, w.tokens.member)
  expect(r.status).toBe(403)
  expect(r.body.code).toBe('forbidden')
})

/** A fresh user of a fresh workspace (role MEMBER, with an OWNER beside them) and of one of its projects. */
async function joiner() {
  const u = await createUser(t.core)
  const boss = await createUser(t.core)
  const ws = createWorkspace(t.core, {
    members: [
      [boss.id, 'OWNER'],
      [u.id, 'MEMBER'],
    ],
  })
  const project = createProjectRow(t.core, ws.id, {
    members: [
      [boss.id, 'OWNER'],
      [u.id, 'MEMBER'],
    ],
  })
  return { u, ws, project }
}
const READ_ONLY = SCOPES.filter((s) => s.endsWith(':read'))

// Leaving from a key needs the write scope that manages the membership (members:write for a
// workspace, projects:write for a project) granted to the key; the role need not have it.
const leaveTable: { note: string; scopes: Scope[] | null; workspace: number; project: number }[] = [
  { note: 'read-only key', scopes: READ_ONLY, workspace: 403, project: 403 },
  {
    note: 'keys:write but no members:write / projects:write',
    scopes: ['workspaces:read', 'projects:read', 'keys:write'],
    workspace: 403,
    project: 403,
  },
  { note: 'tasks:write only', scopes: ['workspaces:read', 'projects:read', 'tasks:write'], workspace: 403, project: 403 },
  { note: 'members:write', scopes: ['workspaces:read', 'projects:read', 'members:write'], workspace: 200, project: 403 },
  { note: 'projects:write', scopes: ['workspaces:read', 'projects:read', 'projects:write'], workspace: 403, project: 200 },
  { note: 'default scopes (null)', scopes: null, workspace: 200, project: 200 },
]
for (const row of leaveTable) {
  test(`leave with a key: ${row.note} → workspace ${row.workspace}, project ${row.project}`, async () => {
    const { u, ws, project } = await joiner()
    const k = (await createKey(t.core, u.id, { scopes: row.scopes })).key
    const p = await t.req('DELETE', `/projects/${project.id}/members/${u.id}`, { as: k, workspace: ws.id })
    expect(p.status).toBe(row.project)
    if (row.project === 403) expect(p.body.error).toBe('Missing projects:write permission.')
    const r = await del(ws.id, u.id, k)
    expect(r.status).toBe(row.workspace)
    if (row.workspace === 403) expect(r.body.error).toBe('Missing members:write permission.')
    const stillIn = t.db.select().from(workspaceMembers).where(eq(workspaceMembers.userId, u.id)).all().length
    expect(stillIn).toBe(row.workspace === 200 ? 0 : 1)
  })
}

test('a session may always leave a project and a workspace', async () => {
  const { u, ws, project } = await joiner()
  const s = createSession(t.core, u.id)
  expect((await t.req('DELETE', `/projects/${project.id}/members/${u.id}`, { as: s, workspace: ws.id })).status).toBe(200)
  expect((await del(ws.id, u.id, s)).status).toBe(200)
})

test('a VIEWER leaves with a session; the workspace is then invisible to them', async () => {
  const r = await del(w.wsA.id, w.users.viewer.id, w.tokens.viewer)
  expect(r.status).toBe(200)
  expect(r.body.data).toEqual({ userId: w.users.viewer.id, removed: true })
  expect((await t.req('GET', `/workspaces/${w.wsA.id}`, { as: w.tokens.viewer })).status).toBe(404)
  expect((await del(w.wsA.id, w.users.viewer.id, w.tokens.viewer)).status).toBe(404)
})

test('the last OWNER cannot leave (409); with a second OWNER they can', async () => {
  const solo = await createUser(t.core)
  const other = await createUser(t.core)
  const ws = createWorkspace(t.core, {
    members: [
      [solo.id, 'OWNER'],
      [other.id, 'MEMBER'],
    ],
  })
  const token = createSession(t.core, solo.id)
  const r = await del(ws.id, solo.id, token)
  expect(r.status).toBe(409)
  expect(r.body.code).toBe('conflict')
  expect((await t.req('PATCH', `/workspaces/${ws.id}/members/${other.id}`, { as: token, body: { role: 'OWNER' } })).status).toBe(200)
  expect((await del(ws.id, solo.id, token)).status).toBe(200)
})
