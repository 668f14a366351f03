import { afterAll, beforeAll, expect, test } from 'bun:test'
import { meResponse } from '../src/auth'
import { makeTestApp } from './helpers/app'
import { createKey, seedWorld } from './helpers/fixtures'

// GET /auth/me is not re-validated per request (hot path); every shape it answers must still
// match the documented schema exactly.
const GLOBAL = 'global-token-for-the-me-schema-test-0123456789'
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL })
const creds: Record<string, string> = {}
beforeAll(async () => {
  const w = await seedWorld(t.core)
  creds.session = w.tokens.owner
  creds.allKey = (await createKey(t.core, w.users.member.id)).key
  creds.noUserRead = (await createKey(t.core, w.users.member.id, { scopes: ['tasks:read'] })).key
  creds.pinned = (await createKey(t.core, w.users.owner.id, { workspaceId: w.wsA.id, scopes: ['user:read', 'workspaces:read'] })).key
  creds.expiring = (await createKey(t.core, w.users.viewer.id, { expiresAt: new Date(t.clock.now() + 3_600_000) })).key
  creds.global = GLOBAL
})
afterAll(() => t.close())

test.each(['session', 'allKey', 'noUserRead', 'pinned', 'expiring', 'global'])(
  '/auth/me as %s matches its documented schema',
  async (name) => {
    const r = await t.req('GET', '/auth/me', { as: creds[name] })
    expect(r.status).toBe(200)
    expect(meResponse.parse(r.body)).toEqual(r.body)
  },
)

test('the document carries the schema of the answer', async () => {
  const doc = (await t.req('GET', '/swagger/json')).body
  const schema = doc.paths['/auth/me'].get.responses['200'].content['application/json'].schema
  expect(Object.keys(schema.properties)).toEqual(['ok', 'data'])
  expect(Object.keys(schema.properties.data.properties)).toEqual(expect.arrayContaining(['user', 'memberships', 'credential']))
})
