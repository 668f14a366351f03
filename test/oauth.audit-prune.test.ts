// OAuth grants in the audit log (approved, revoked and why), and the prune of what can never be used again.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { auditEvents, oauthCodes, oauthTokens } from '../src/db/schema'
import { pruneOAuth } from '../src/oauth/store'
import { makeTestApp, type TestApp } from './helpers/app'
import { createSession, createUser, createWorkspace } from './helpers/fixtures'
import { type FetchFn, grantTokens, tokenRequest } from './helpers/oauth'

const ISSUER = 'http://localhost'
let t: TestApp
let f: FetchFn
let userId: string
let ws: { id: string }

beforeAll(async () => {
  t = makeTestApp()
  f = (url, init) => t.app.handle(new Request(url, init))
  const user = await createUser(t.core)
  ws = createWorkspace(t.core, { members: [[user.id, 'OWNER']] })
  userId = user.id
})
afterAll(() => t.close())

const actions = () =>
  t.db
    .select()
    .from(auditEvents)
    .all()
    .filter((e) => e.action.startsWith('oauth_grant.'))

test('approving, and revoking by the user or on a replayed refresh token, are audited without secrets', async () => {
  // Only this test's events (the other test approves grants too, and the order is random).
  const session = createSession(t.core, userId) // fresh: the other test moves the clock by weeks
  const earlier = actions().length
  const mine = () => actions().slice(earlier)
  const a = await grantTokens(f, ISSUER, session, { workspace: ws.id })
  const approved = mine().find((e) => e.action === 'oauth_grant.approved')!
  expect(approved).toMatchObject({ workspaceId: ws.id, credential: 'session' })
  expect((approved.meta as any).clientId).toBe(a.clientId)
  const grant = (await t.req('GET', '/auth/mcp-grants', { as: session })).body.data[0]
  await t.req('DELETE', `/auth/mcp-grants/${grant.id}`, { as: session })
  const b = await grantTokens(f, ISSUER, session, { workspace: ws.id })
  const refresh = (token: string) => tokenRequest(f, ISSUER, { grant_type: 'refresh_token', refresh_token: token, client_id: b.clientId })
  await refresh(b.refresh_token)
  await refresh(b.refresh_token)
  const revoked = mine().filter((e) => e.action === 'oauth_grant.revoked')
  expect(revoked.map((e) => (e.meta as any).reason)).toEqual(['revoked by the user', 'refresh token reused'])
  expect(revoked[0]!.targetId).toBe(grant.id)
  const text = JSON.stringify(t.db.select().from(auditEvents).all())
  for (const secret of [a.access_token, a.refresh_token, b.access_token, b.refresh_token]) expect(text).not.toContain(secret)
})

test('prune: expired access tokens go, refresh tokens stay until they expire, codes a day after', async () => {
  const session = createSession(t.core, userId)
  const tk = await grantTokens(f, ISSUER, session, { workspace: ws.id })
  const count = (kind: 'access' | 'refresh') => t.db.select().from(oauthTokens).where(eq(oauthTokens.kind, kind)).all().length
  const codes = () => t.db.select().from(oauthCodes).all().length
  const before = { access: count('access'), refresh: count('refresh'), codes: codes() }
  pruneOAuth(t.core)
  expect({ access: count('access'), refresh: count('refresh'), codes: codes() }).toEqual(before)
  t.clock.advance(3_600_001)
  pruneOAuth(t.core)
  expect(count('access')).toBe(0)
  expect(count('refresh')).toBe(before.refresh)
  t.clock.advance(86_400_000)
  pruneOAuth(t.core)
  expect(codes()).toBe(0)
  // The refresh token still works after its access token was pruned.
  const r = await tokenRequest(f, ISSUER, { grant_type: 'refresh_token', refresh_token: tk.refresh_token, client_id: tk.clientId })
  expect(r.status).toBe(200)
  t.clock.advance(31 * 86_400_000)
  pruneOAuth(t.core)
  expect(count('refresh')).toBe(0)
})
