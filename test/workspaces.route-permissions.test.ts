/**
 * The `/workspaces/:id` routes declare their permission in the auth macro, so authorization runs
 * before the body is validated (issue 11): a caller without the permission learns nothing about the
 * input schema, and the OpenAPI document shows each route's permission.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser, createWorkspace } from './helpers/fixtures'

const t = makeTestApp()
afterAll(() => t.close())

let viewer: string
let owner: string
let ws: ReturnType<typeof createWorkspace>
let viewerId: string
beforeAll(async () => {
  const o = await createUser(t.core)
  const v = await createUser(t.core)
  viewerId = v.id
  ws = createWorkspace(t.core, {
    members: [
      [o.id, 'OWNER'],
      [v.id, 'VIEWER'],
    ],
  })
  owner = createSession(t.core, o.id)
  viewer = createSession(t.core, v.id)
})

test("a VIEWER's malformed PATCH /workspaces/:id is 403 forbidden, not a 400 describing the schema", async () => {
  const r = await t.req('PATCH', `/workspaces/${ws.id}`, { as: viewer, body: { name: 42, slug: ['x'] } })
  expect(r.status).toBe(403)
  expect(r.body).toMatchObject({ ok: false, code: 'forbidden', error: 'Missing workspaces:write permission.' })
  expect(JSON.stringify(r.body)).not.toContain('issues')
})

test("a VIEWER's malformed member and invite writes are 403 too; the OWNER's are 400", async () => {
  const bad = { role: 'EMPEROR' }
  const v = await t.req('PATCH', `/workspaces/${ws.id}/members/${viewerId}`, { as: viewer, body: bad })
  expect([v.status, v.body.code]).toEqual([403, 'forbidden'])
  const i = await t.req('POST', `/workspaces/${ws.id}/invites`, { as: viewer, body: { email: 7 } })
  expect([i.status, i.body.code]).toEqual([403, 'forbidden'])
  const o = await t.req('PATCH', `/workspaces/${ws.id}`, { as: owner, body: { name: 42 } })
  expect([o.status, o.body.code]).toEqual([400, 'validation_error'])
})

test('an invisible workspace is 404 before its body is validated', async () => {
  const other = createWorkspace(t.core)
  const r = await t.req('PATCH', `/workspaces/${other.id}`, { as: viewer, body: { name: 42 } })
  expect([r.status, r.body.code]).toEqual([404, 'not_found'])
})

test('the OpenAPI document shows the permission of every /workspaces/{id} route', async () => {
  const doc = (await t.req('GET', '/swagger/json')).body
  const want: Record<string, string> = {
    'get /workspaces/{id}': 'workspaces:read',
    'patch /workspaces/{id}': 'workspaces:write',
    'post /workspaces/{id}/suspend': 'workspaces:write',
    'post /workspaces/{id}/reactivate': 'workspaces:write',
    'get /workspaces/{id}/members': 'workspaces:read',
    'patch /workspaces/{id}/members/{userId}': 'members:write',
    'delete /workspaces/{id}/members/{userId}': 'members:write',
    'post /workspaces/{id}/invites': 'members:write',
    'get /workspaces/{id}/invites': 'members:write',
    'delete /workspaces/{id}/invites/{inviteId}': 'members:write',
  }
  for (const [key, permission] of Object.entries(want)) {
    const [method, path] = key.split(' ') as [string, string]
    const op = doc.paths[path][method]
    expect({ key, auth: op['x-sally-auth'] }).toMatchObject({ key, auth: { kind: 'workspace', permission } })
    expect(op.description).toContain(`Permission: \`${permission}\``)
  }
})

test('GET and POST /workspaces declare workspaces:read / workspaces:write: a read-only key’s malformed create is 403, not 400', async () => {
  const u = await createUser(t.core)
  const ro = await createKey(t.core, u.id, { scopes: ['workspaces:read'] })
  const r = await t.req('POST', '/workspaces', { as: ro.key, body: { name: ['not a name'] } })
  expect([r.status, r.body.code, r.body.error]).toEqual([403, 'forbidden', 'Missing workspaces:write permission.'])
  const none = await createKey(t.core, u.id, { scopes: ['user:read'] })
  const l = await t.req('GET', '/workspaces?limit=0', { as: none.key })
  expect([l.status, l.body.code]).toEqual([403, 'forbidden'])
  const doc = (await t.req('GET', '/swagger/json')).body
  expect(doc.paths['/workspaces'].get['x-sally-auth']).toEqual({ kind: 'principal', permission: 'workspaces:read' })
  expect(doc.paths['/workspaces'].post['x-sally-auth']).toEqual({ kind: 'principal', permission: 'workspaces:write' })
})
