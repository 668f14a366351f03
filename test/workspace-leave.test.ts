import { afterAll, beforeAll, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser, createWorkspace, seedWorld } from './helpers/fixtures'

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

test('a key without keys:write cannot make its owner leave', async () => {
  const k = await createKey(t.core, w.users.viewer.id)
  const r = await del(w.wsA.id, w.users.viewer.id, k.key)
  expect(r.status).toBe(403)
  expect(r.body.error).toBe('Missing keys:write permission.')
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
