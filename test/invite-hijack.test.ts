import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Core } from '../src/core'
import { apiKeys } from '../src/db/schema'
import { createLogger } from '../src/lib/log'
import { drainOutbox } from '../src/mail/sender'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser, createWorkspace } from './helpers/fixtures'
import { auditOf, lastToken } from './helpers/identity'

// Account pre-hijacking through invites (issue 11, finding 2): the invite token goes only to the
// invitee's mailbox, and a password reset ends every session and (by default) revokes every key.
const t = makeTestApp({ SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000', SALLY_REQUIRE_EMAIL_VERIFICATION: 'true' })
afterAll(() => t.close())

let inviter: Awaited<ReturnType<typeof createUser>>
let inviterSession: string
let ws: ReturnType<typeof createWorkspace>
beforeAll(async () => {
  inviter = await createUser(t.core)
  inviterSession = createSession(t.core, inviter.id)
  ws = createWorkspace(t.core, { members: [[inviter.id, 'OWNER']] })
})

describe('the invite token is mailed, never handed to the inviter', () => {
  test('POST /workspaces/:id/invites answers the invite without its token; only the invitee mail holds it', async () => {
    const r = await t.req('POST', `/workspaces/${ws.id}/invites`, { as: inviterSession, body: { email: 'target@example.com' } })
    expect(r.status).toBe(201)
    expect(r.body.data.id).toBeString()
    expect(r.body.data.token).toBeUndefined()
    const token = lastToken(t, 'target@example.com', 'invite')
    expect(r.text).not.toContain(token)
    // The listing never had it either.
    expect((await t.req('GET', `/workspaces/${ws.id}/invites`, { as: inviterSession })).text).not.toContain(token)
  })

  test('with no SMTP_URL the invite mail goes to the log like every other mail (token included, for the operator)', async () => {
    const s = makeTestApp()
    try {
      const lines: string[] = []
      ;(s.core as { log: Core['log'] }).log = createLogger('info', (l) => lines.push(l))
      const owner = await createUser(s.core)
      const w2 = createWorkspace(s.core, { members: [[owner.id, 'OWNER']] })
      const r = await s.req('POST', `/workspaces/${w2.id}/invites`, {
        as: createSession(s.core, owner.id),
        body: { email: 'logged@example.com' },
      })
      const token = lastToken(s, 'logged@example.com', 'invite')
      expect(r.text).not.toContain(token)
      await drainOutbox(s.core)
      const mail = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'mail' && l.to === 'logged@example.com')
      expect(mail.body).toContain(token)
    } finally {
      s.close()
    }
  })
})

describe('a password reset ends sessions and revokes keys planted on the account', () => {
  async function plantedAccount(email: string) {
    const u = await createUser(t.core, { email, password: 'old-password' })
    const session = createSession(t.core, u.id)
    const api = await createKey(t.core, u.id, { scopes: null })
    const mcp = await createKey(t.core, u.id, { kind: 'mcp' })
    // Used once, so the verified-key cache holds it: revocation must reach the cache too.
    expect((await t.req('GET', '/auth/me', { as: api.key })).status).toBe(200)
    await t.req('POST', '/auth/request-password-reset', { body: { email } })
    return { u, session, api, mcp, token: lastToken(t, email, 'password_reset') }
  }
  const revokedAt = (id: string) => t.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!.revokedAt

  test('by default: every session ended and every API and MCP key revoked at once', async () => {
    const a = await plantedAccount('owner-a@example.com')
    const r = await t.req('POST', '/auth/reset-password', { body: { token: a.token, password: 'new-password-1' } })
    expect(r.status).toBe(200)
    expect((await t.req('GET', '/auth/me', { as: a.session })).status).toBe(401)
    const me = await t.req('GET', '/auth/me', { as: a.api.key })
    expect(me.status).toBe(401)
    expect(me.body.code).toBe('key_revoked')
    expect(revokedAt(a.api.id)).not.toBeNull()
    expect(revokedAt(a.mcp.id)).not.toBeNull()
    expect(auditOf(t, 'auth.password_reset').at(-1)).toMatchObject({ targetId: a.u.id, meta: { sessionsEnded: 1, keysRevoked: 2 } })
  })

  test('revokeKeys: false keeps the keys (sessions are still ended)', async () => {
    const b = await plantedAccount('owner-b@example.com')
    const r = await t.req('POST', '/auth/reset-password', { body: { token: b.token, password: 'new-password-1', revokeKeys: false } })
    expect(r.status).toBe(200)
    expect((await t.req('GET', '/auth/me', { as: b.session })).status).toBe(401)
    expect((await t.req('GET', '/auth/me', { as: b.api.key })).status).toBe(200)
    expect(revokedAt(b.mcp.id)).toBeNull()
    await t.req('POST', '/auth/request-password-reset', { body: { email: 'owner-b@example.com' } })
    const token = lastToken(t, 'owner-b@example.com', 'password_reset')
    const bad = await t.req('POST', '/auth/reset-password', { body: { token, password: 'new-password-2', revokeKeys: 'no' } })
    expect(bad.status).toBe(400)
    expect(bad.body.issues[0].path).toBe('revokeKeys')
  })
})
