import { afterAll, beforeAll, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createSession, createUser, createWorkspace } from './helpers/fixtures'

// Seed 004's clients pin a key with `metadata: { organizationId }` at creation: it is honoured as the
// workspace pin (issue 11, finding 4), never silently dropped.
const t = makeTestApp()
afterAll(() => t.close())

let session: string
let mine: ReturnType<typeof createWorkspace>
let other: ReturnType<typeof createWorkspace>
let foreign: ReturnType<typeof createWorkspace>
beforeAll(async () => {
  const u = await createUser(t.core)
  mine = createWorkspace(t.core, { members: [[u.id, 'OWNER']] })
  other = createWorkspace(t.core, { members: [[u.id, 'OWNER']] })
  foreign = createWorkspace(t.core)
  session = createSession(t.core, u.id)
})

const create = (body: Record<string, unknown>) => t.req('POST', '/auth/api-keys', { as: session, body: { name: 'seed 004', ...body } })

test('metadata.organizationId pins the key: another workspace is then 403 scope_violation', async () => {
  const r = await create({ scopes: ['user:read', 'projects:read'], expiresIn: 2592000, metadata: { organizationId: mine.id } })
  expect(r.status).toBe(201)
  expect(r.body.data.workspaceId).toBe(mine.id)
  expect((await t.req('GET', '/projects', { as: r.body.data.key, workspace: mine.id })).status).toBe(200)
  const elsewhere = await t.req('GET', '/projects', { as: r.body.data.key, workspace: other.id })
  expect(elsewhere.status).toBe(403)
  expect(elsewhere.body.code).toBe('scope_violation')
})

test('same rules as workspaceId: a workspace I am not in is 404; a different workspaceId or another metadata field is 400', async () => {
  expect((await create({ metadata: { organizationId: foreign.id } })).status).toBe(404)
  const clash = await create({ workspaceId: mine.id, metadata: { organizationId: other.id } })
  expect(clash.status).toBe(400)
  expect(clash.body.issues[0].path).toBe('metadata.organizationId')
  expect((await create({ workspaceId: mine.id, metadata: { organizationId: mine.id } })).body.data.workspaceId).toBe(mine.id)
  const unknown = await create({ metadata: { team: 'x' } })
  expect(unknown.status).toBe(400)
})
