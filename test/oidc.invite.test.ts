// Invites accepted through a provider (SPEC §10, issue 13): `start?invite=<token>` signs in with the
// provider and accepts the invite for the account of the invite's address, linking the identity.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { invites, userIdentities, users, workspaceMembers, workspaces } from '../src/db/schema'
import { makeTestApp, type TestApp } from './helpers/app'
import { createSession, createUser, createWorkspace } from './helpers/fixtures'
import { auditOf, lastToken } from './helpers/identity'
import { browserSignIn, type FakeProvider, type Send, startFakeProvider } from './helpers/oidc-provider'

let idp: FakeProvider
beforeAll(async () => {
  idp = await startFakeProvider()
})
afterAll(() => idp.stop())

/** A server whose provider `corp` has sign-up OFF (the invite is what lets a new person in). */
async function world() {
  const t = makeTestApp({ ...idp.env('corp', { ALLOW_SIGNUP: 'false' }), SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' })
  const owner = await createUser(t.core)
  const ws = createWorkspace(t.core, { members: [[owner.id, 'OWNER']] })
  const send: Send = (url, cookie) => t.app.handle(new Request(url, { headers: cookie ? { cookie } : {} }))
  const invite = async (email: string, role = 'MEMBER') => {
    const r = await t.req('POST', `/workspaces/${ws.id}/invites`, { as: createSession(t.core, owner.id), body: { email, role } })
    expect(r.status).toBe(201)
    return lastToken(t, email, 'invite')
  }
  return { t, ws, send, invite }
}

const start = (token: string, returnTo = '/') =>
  `http://localhost/auth/oidc/corp/start?invite=${encodeURIComponent(token)}&returnTo=${encodeURIComponent(returnTo)}`
const roleIn = (t: TestApp, wsId: string, userId: string) =>
  t.db
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, wsId), eq(workspaceMembers.userId, userId)))
    .get()?.role
const inviteRow = (t: TestApp, email: string) => t.db.select().from(invites).where(eq(invites.email, email)).get()!

describe('accepting an invite by signing in with a provider', () => {
  test('a new person, sign-up off: the account of the invite’s address is created, joins with the invite’s role, the identity is linked', async () => {
    const { t, ws, send, invite } = await world()
    const token = await invite('newbie@corp.test', 'VIEWER')
    // Their provider account may use another address: the invite's address names the Sally account.
    idp.state.user = { sub: 'inv-1', email: 'newbie.private@corp.test', email_verified: true, name: 'New Bie' }
    const r = await browserSignIn(send, start(token, '/w/x/projects'))
    expect(r.location).toBe('/w/x/projects')
    const me = await t.req('GET', '/auth/me', { as: r.session! })
    expect(me.status).toBe(200)
    expect(me.body.data.user).toMatchObject({ email: 'newbie@corp.test', name: 'New Bie', emailVerified: true })
    const userId = me.body.data.user.id as string
    expect(roleIn(t, ws.id, userId)).toBe('VIEWER')
    // No personal workspace: the invited workspace is their only one.
    expect(t.db.select().from(workspaces).all()).toHaveLength(1)
    expect(t.db.select().from(userIdentities).where(eq(userIdentities.userId, userId)).all()).toHaveLength(1)
    expect(inviteRow(t, 'newbie@corp.test').acceptedAt).not.toBeNull()
    expect(auditOf(t, 'invite.accepted').at(-1)!.meta).toMatchObject({ role: 'VIEWER', created: true, method: 'oidc', provider: 'corp' })
    // The identity signs in again later, without the invite.
    const again = await browserSignIn(send, 'http://localhost/auth/oidc/corp/start')
    expect((await t.req('GET', '/auth/me', { as: again.session! })).body.data.user.id).toBe(userId)
    t.close()
  })

  test('without the invite the same person is refused (sign-up off)', async () => {
    const { t, send, invite } = await world()
    await invite('someone@corp.test')
    idp.state.user = { sub: 'inv-2', email: 'someone@corp.test', email_verified: true }
    const r = await browserSignIn(send, 'http://localhost/auth/oidc/corp/start')
    expect(r.location).toBe('/signin?error=signup_disabled')
    expect(t.db.select().from(users).where(eq(users.email, 'someone@corp.test')).all()).toHaveLength(0)
    t.close()
  })

  test('an existing account of the invite’s address that the provider vouches for: linked, and it joins', async () => {
    const { t, ws, send, invite } = await world()
    const existing = await createUser(t.core, { email: 'known@corp.test' })
    const token = await invite('known@corp.test')
    idp.state.user = { sub: 'inv-3', email: 'known@corp.test', email_verified: true }
    const r = await browserSignIn(send, start(token))
    expect((await t.req('GET', '/auth/me', { as: r.session! })).body.data.user.id).toBe(existing.id)
    expect(roleIn(t, ws.id, existing.id)).toBe('MEMBER')
    expect(t.db.select().from(userIdentities).where(eq(userIdentities.userId, existing.id)).all()).toHaveLength(1)
    t.close()
  })

  test('an existing account the provider does not vouch for is not taken over through an invite', async () => {
    const { t, ws, send, invite } = await world()
    const existing = await createUser(t.core, { email: 'victim@corp.test' })
    const token = await invite('victim@corp.test')
    for (const user of [
      { sub: 'att-1', email: 'victim@corp.test', email_verified: false },
      { sub: 'att-2', email: 'attacker@corp.test', email_verified: true },
    ]) {
      idp.state.user = user
      const r = await browserSignIn(send, start(token))
      expect(r.location).toBe('/signin?error=invite_existing_account')
      expect(r.session).toBeNull()
    }
    expect(roleIn(t, ws.id, existing.id)).toBeUndefined()
    expect(t.db.select().from(userIdentities).all()).toHaveLength(0)
    expect(inviteRow(t, 'victim@corp.test').acceptedAt).toBeNull()
    t.close()
  })

  test('an identity (or a verified address) of another Sally account cannot accept someone else’s invite', async () => {
    const { t, ws, send, invite } = await world()
    const other = await createUser(t.core, { email: 'other@corp.test' })
    const token = await invite('invitee@corp.test')
    idp.state.user = { sub: 'oth-1', email: 'other@corp.test', email_verified: true }
    const r = await browserSignIn(send, start(token))
    expect(r.location).toBe('/signin?error=invite_other_account')
    expect(roleIn(t, ws.id, other.id)).toBeUndefined()
    expect(inviteRow(t, 'invitee@corp.test').acceptedAt).toBeNull()
    expect(auditOf(t, 'auth.login_failed').at(-1)!.meta).toMatchObject({ method: 'oidc', reason: 'invite_other_account' })
    t.close()
  })

  test('a dead invite fails at the start, before the provider; one used meanwhile fails at the callback', async () => {
    const { t, send, invite } = await world()
    const bogus = await send(start('not-a-real-token'))
    expect(bogus.headers.get('location')).toBe('/signin?error=invite_invalid')
    const token = await invite('twice@corp.test')
    idp.state.user = { sub: 'tw-1', email: 'twice@corp.test', email_verified: true }
    // The invite is accepted elsewhere between the start and the callback.
    const r = await browserSignIn(send, start(token), {
      tamper: () => {
        t.db.update(invites).set({ acceptedAt: new Date() }).where(eq(invites.email, 'twice@corp.test')).run()
      },
    })
    expect(r.location).toBe('/signin?error=invite_invalid')
    expect(t.db.select().from(users).where(eq(users.email, 'twice@corp.test')).all()).toHaveLength(0)
    t.close()
  })

  test('the invite token is not kept in the pending flow nor sent to the provider', async () => {
    const { t, send, invite } = await world()
    const token = await invite('private@corp.test')
    const res = await send(start(token))
    const to = res.headers.get('location')!
    expect(to.startsWith(idp.origin)).toBe(true)
    expect(to).not.toContain(token)
    t.close()
  })

  test('the API flow: POST /auth/session with an ID token and inviteToken accepts it the same way; not with a password', async () => {
    const { t, ws, invite } = await world()
    const token = await invite('api@corp.test')
    idp.state.user = { sub: 'api-1', email: 'api.home@corp.test', email_verified: true, name: 'Api Person' }
    const local = await t.req('POST', '/auth/session', {
      body: { provider: 'local', email: 'api@corp.test', password: 'whatever pw', inviteToken: token },
    })
    expect([local.status, local.body.issues?.[0]?.path]).toEqual([400, 'inviteToken'])
    const bogus = await t.req('POST', '/auth/session', { body: { provider: 'corp', idToken: await idp.sign(), inviteToken: 'nope' } })
    expect([bogus.status, bogus.body.code]).toEqual([400, 'validation_error'])
    const r = await t.req('POST', '/auth/session', {
      body: { provider: 'corp', idToken: await idp.sign({ jti: 'fresh' }), inviteToken: token },
    })
    expect(r.status).toBe(200)
    const me = await t.req('GET', '/auth/me', { as: r.body.data.accessToken })
    expect(me.body.data.user.email).toBe('api@corp.test')
    expect(roleIn(t, ws.id, me.body.data.user.id)).toBe('MEMBER')
    expect(inviteRow(t, 'api@corp.test').acceptedAt).not.toBeNull()
    t.close()
  })
})
