import { afterAll, beforeAll, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { sessions, workspaceMembers } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, createWorkspace } from './helpers/fixtures'
import { lastToken } from './helpers/identity'

// A credential is never exchanged for more than it has: POST /auth/accept-invite issues a full
// session, so it takes only a session of the invited account or that account's password, never an
// API key, an MCP key or the global token (issue 11, finding 1).
const GLOBAL = 'global-token-for-accept-invite-credentials-0123'
const t = makeTestApp({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000', SALLY_GLOBAL_API_TOKEN: GLOBAL })
afterAll(() => t.close())

let victim: Awaited<ReturnType<typeof createUser>>
let attacker: Awaited<ReturnType<typeof createUser>>
let narrowKey: string
beforeAll(async () => {
  victim = await createUser(t.core, { email: 'victim@example.com', password: 'victim-password' })
  attacker = await createUser(t.core, { email: 'attacker@example.com' })
  const home = createWorkspace(t.core, { members: [[victim.id, 'OWNER']] })
  const project = createProjectRow(t.core, home.id, { members: [[victim.id, 'OWNER']] })
  narrowKey = (await createKey(t.core, victim.id, { scopes: ['tasks:read'], workspaceId: home.id, projectId: project.id })).key
})

/** The attacker invites the victim's address to a workspace of theirs; the token comes from the victim's mailbox. */
async function inviteVictim() {
  const ws = createWorkspace(t.core, { members: [[attacker.id, 'OWNER']] })
  const r = await t.req('POST', `/workspaces/${ws.id}/invites`, {
    as: createSession(t.core, attacker.id),
    body: { email: victim.email },
  })
  expect(r.status).toBe(201)
  return { token: lastToken(t, victim.email, 'invite'), ws }
}

const sessionCount = () => t.db.select().from(sessions).where(eq(sessions.userId, victim.id)).all().length
const joined = (wsId: string) =>
  t.db
    .select()
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, wsId), eq(workspaceMembers.userId, victim.id)))
    .get()

test('a tasks:read key pinned to one project is not exchanged for a full session (403, nothing joined, no session)', async () => {
  const { token, ws } = await inviteVictim()
  const before = sessionCount()
  const presented: Record<string, string>[] = [{ 'x-api-key': narrowKey }, { authorization: `Bearer ${narrowKey}` }]
  for (const headers of presented) {
    const r = await t.req('POST', '/auth/accept-invite', { headers, body: { token } })
    expect(r.status).toBe(403)
    expect(r.body.code).toBe('forbidden')
    expect(r.text).not.toContain('"session"')
    expect(r.headers.get('set-cookie') ?? '').not.toContain('sally_session=')
  }
  expect(sessionCount()).toBe(before)
  expect(joined(ws.id)).toBeUndefined()
  // The invite is still usable by its rightful owner, with the password or a session.
  const ok = await t.req('POST', '/auth/accept-invite', { body: { token, password: 'victim-password' } })
  expect(ok.status).toBe(200)
  expect(joined(ws.id)?.role).toBe('MEMBER')
})

test('a default-scope key is refused too; so are MCP keys and the global token', async () => {
  const { token, ws } = await inviteVictim()
  const keysKey = await createKey(t.core, victim.id, { scopes: null })
  const mcp = await createKey(t.core, victim.id, { kind: 'mcp' })
  for (const as of [keysKey.key, mcp.key, GLOBAL]) {
    const r = await t.req('POST', '/auth/accept-invite', { as, body: { token, password: 'victim-password' } })
    expect({ as: as.slice(0, 9), status: r.status }).toEqual({ as: as.slice(0, 9), status: 403 })
  }
  expect(joined(ws.id)).toBeUndefined()
  const viaSession = await t.req('POST', '/auth/accept-invite', { as: createSession(t.core, victim.id), body: { token } })
  expect(viaSession.status).toBe(200)
  expect(joined(ws.id)?.role).toBe('MEMBER')
})
