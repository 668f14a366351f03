// POST /auth/session (seed 002): a session from a password or from a provider's ID token, the
// token refusals, the account and linking rules, JWKS rotation, Microsoft's {tenantid} issuer.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { loadConfig } from '../src/config'
import { userIdentities, users } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createUser, createWorkspace } from './helpers/fixtures'
import { auditOf } from './helpers/identity'
import { type FakeProvider, startFakeProvider } from './helpers/oidc-provider'

let idp: FakeProvider
beforeAll(async () => {
  idp = await startFakeProvider()
})
afterAll(() => idp.stop())

const app = (extra: Record<string, string> = {}, base: Record<string, string> = {}) =>
  makeTestApp({ ...idp.env('corp', { ALLOW_SIGNUP: 'true', ...extra }), SALLY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000', ...base })
const session = (t: ReturnType<typeof app>, body: unknown) => t.req('POST', '/auth/session', { body })
const now = () => Math.floor(Date.now() / 1000)

describe('POST /auth/session', () => {
  test('local: answers as login, with accessToken and the checked workspace', async () => {
    const t = app()
    const u = await createUser(t.core, { email: 'pw@corp.test', password: 'a good password' })
    const ws = createWorkspace(t.core, { members: [[u.id, 'MEMBER']] })
    const other = createWorkspace(t.core)
    const r = await session(t, { provider: 'local', email: 'pw@corp.test', password: 'a good password', workspaceId: ws.id })
    expect(r.status).toBe(200)
    expect(r.body.data.accessToken).toBe(r.body.data.token)
    expect(r.body.data.workspace).toEqual({ id: ws.id, slug: ws.slug, name: ws.name, role: 'MEMBER' })
    expect((await t.req('GET', '/auth/me', { as: r.body.data.accessToken })).status).toBe(200)
    const notMine = await session(t, { provider: 'local', email: 'pw@corp.test', password: 'a good password', workspaceId: other.id })
    expect(notMine.status).toBe(404)
    const wrong = await session(t, { provider: 'local', email: 'pw@corp.test', password: 'wrong password' })
    expect(wrong.status).toBe(401)
    expect(wrong.body.code).toBe('invalid_credentials')
    t.close()
  })

  test('idToken: creates the account once, then signs in to it; the same token is accepted once', async () => {
    const t = app()
    idp.state.user = { sub: 'api-1', email: 'api1@corp.test', email_verified: true, name: 'Api One' }
    const token = await idp.sign()
    const r = await session(t, { provider: 'corp', idToken: token })
    expect(r.status).toBe(200)
    expect(r.body.data.user.email).toBe('api1@corp.test')
    expect(r.body.data.workspace).toBeNull()
    const replay = await session(t, { provider: 'corp', idToken: token })
    expect(replay.status).toBe(401)
    const again = await session(t, { provider: 'CORP', idToken: await idp.sign({ jti: 'another' }) })
    expect(again.body.data.user.id).toBe(r.body.data.user.id)
    expect(t.db.select().from(users).all()).toHaveLength(1)
    t.close()
  })

  test.each([
    ['wrong audience', { aud: 'someone-else' }, {}],
    ['wrong issuer', { iss: 'https://evil.test' }, {}],
    ['expired', { iat: now() - 4000, exp: now() - 3600 }, {}],
    ['no exp', { exp: undefined }, {}],
    ['no iat', { iat: undefined }, {}],
  ])('refused: %s', async (_name, claims, _o) => {
    const t = app()
    const r = await session(t, { provider: 'corp', idToken: await idp.sign(claims as Record<string, unknown>) })
    expect(r.status).toBe(401)
    expect(r.body.code).toBe('invalid_credentials')
    expect(t.db.select().from(userIdentities).all()).toHaveLength(0)
    expect(auditOf(t, 'auth.login_failed').at(-1)!.meta).toMatchObject({ method: 'oidc', provider: 'corp', reason: 'invalid_token' })
    t.close()
  })

  test('refused: a bad signature (another key under the right kid), an unknown kid, an HS256 token', async () => {
    const t = app()
    const forged = await idp.sign({}, { key: await idp.makeKey('key-1') })
    expect((await session(t, { provider: 'corp', idToken: forged })).status).toBe(401)
    const unknown = await idp.sign({}, { kid: 'nobody' })
    expect((await session(t, { provider: 'corp', idToken: unknown })).body.error).toContain('unknown key')
    const [h, p] = (await idp.sign()).split('.')
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'key-1' })).toString('base64url')}.${p}.${h}`
    expect((await session(t, { provider: 'corp', idToken: hs })).status).toBe(401)
    t.close()
  })

  test('an extra audience from SALLY_OIDC_<NAME>_AUDIENCES is accepted', async () => {
    const t = app({ AUDIENCES: 'mobile-app' })
    idp.state.user = { sub: 'mob', email: 'mob@corp.test', email_verified: true }
    expect((await session(t, { provider: 'corp', idToken: await idp.sign({ aud: 'mobile-app' }) })).status).toBe(200)
    t.close()
  })

  test('unknown provider: 404', async () => {
    const t = app()
    const r = await session(t, { provider: 'nope', idToken: await idp.sign() })
    expect(r.status).toBe(404)
    t.close()
  })
})

describe('accounts and linking', () => {
  test('an existing account is linked only when email_verified is true', async () => {
    const t = app()
    const u = await createUser(t.core, { email: 'Owner@Corp.test' })
    idp.state.user = { sub: 'taker', email: 'owner@corp.test', email_verified: false }
    const unverified = await session(t, { provider: 'corp', idToken: await idp.sign() })
    expect(unverified.status).toBe(403)
    expect(unverified.body.error).toContain('does not confirm the address')
    expect(t.db.select().from(userIdentities).all()).toHaveLength(0)
    idp.state.user = { sub: 'owner', email: 'owner@corp.test', email_verified: true }
    const verified = await session(t, { provider: 'corp', idToken: await idp.sign() })
    expect(verified.body.data.user.id).toBe(u.id)
    expect(t.db.select().from(userIdentities).all()).toHaveLength(1)
    t.close()
  })

  test('sign-up off: a new address is refused; the provider default follows SALLY_ALLOW_SIGNUP', async () => {
    const t = app({ ALLOW_SIGNUP: 'false' })
    idp.state.user = { sub: 'n1', email: 'n1@corp.test', email_verified: true }
    const r = await session(t, { provider: 'corp', idToken: await idp.sign() })
    expect(r.status).toBe(403)
    expect(r.body.error).toContain('sign-up through corp is off')
    expect(t.db.select().from(users).all()).toHaveLength(0)
    t.close()
    expect(loadConfig({ ...idp.env('corp'), SALLY_ALLOW_SIGNUP: 'true' }).oidcProviders[0]!.allowSignup).toBe(true)
    expect(loadConfig(idp.env('corp')).oidcProviders[0]!.allowSignup).toBe(false)
  })

  test('allowed domains: another domain, or an unverified address, is refused', async () => {
    const t = app({ ALLOWED_DOMAINS: 'corp.test' })
    idp.state.user = { sub: 'd1', email: 'd1@gmail.test', email_verified: true }
    expect((await session(t, { provider: 'corp', idToken: await idp.sign() })).body.error).toContain('limited to verified addresses')
    idp.state.user = { sub: 'd2', email: 'd2@corp.test', email_verified: false }
    expect((await session(t, { provider: 'corp', idToken: await idp.sign() })).status).toBe(403)
    idp.state.user = { sub: 'd3', email: 'd3@corp.test', email_verified: true }
    expect((await session(t, { provider: 'corp', idToken: await idp.sign() })).status).toBe(200)
    t.close()
  })

  test('unlinking: allowed with a password or another identity, refused for the last way in, 404 for another user’s', async () => {
    const t = app()
    const u = await createUser(t.core, { email: 'two@corp.test', password: 'a good password' })
    idp.state.user = { sub: 'two', email: 'two@corp.test', email_verified: true }
    const s = (await session(t, { provider: 'corp', idToken: await idp.sign() })).body.data.token as string
    const [id] = (await t.req('GET', '/auth/identities', { as: s })).body.data
    idp.state.user = { sub: 'stranger', email: 'stranger@corp.test', email_verified: true }
    const other = (await session(t, { provider: 'corp', idToken: await idp.sign() })).body.data.token as string
    expect((await t.req('DELETE', `/auth/identities/${id.id}`, { as: other })).status).toBe(404)
    const del = await t.req('DELETE', `/auth/identities/${id.id}`, { as: s })
    expect(del.status).toBe(200)
    expect(auditOf(t, 'auth.identity_unlinked')[0]!.targetId).toBe(u.id)
    t.close()
  })
})

describe('keys', () => {
  test('JWKS rotation: a token with a new kid refreshes the keys once', async () => {
    const t = app()
    idp.state.user = { sub: 'rot', email: 'rot@corp.test', email_verified: true }
    expect((await session(t, { provider: 'corp', idToken: await idp.sign() })).status).toBe(200)
    const fetched = idp.seen.jwks
    await idp.rotate()
    t.clock.advance(31_000)
    expect((await session(t, { provider: 'corp', idToken: await idp.sign() })).status).toBe(200)
    expect(idp.seen.jwks).toBe(fetched + 1)
    // Unknown kids right after a refresh do not hammer the provider.
    await session(t, { provider: 'corp', idToken: await idp.sign({}, { kid: 'junk-1' }) })
    await session(t, { provider: 'corp', idToken: await idp.sign({}, { kid: 'junk-2' }) })
    expect(idp.seen.jwks).toBe(fetched + 1)
    t.close()
  })

  test('Microsoft {tenantid} issuer: iss must be the tenant of tid', async () => {
    const ms = await startFakeProvider({ tenant: '9188040d-6c67-4c5b-b112-36a304b66dad' })
    const t = makeTestApp({ ...ms.env('microsoft', { ALLOW_SIGNUP: 'true' }) })
    ms.state.user = { sub: 'ms-1', email: 'ms@contoso.test', name: 'Ms' }
    const good = await session(t, { provider: 'microsoft', idToken: await ms.sign() })
    expect(good.status).toBe(200)
    const otherTenant = await ms.sign({ tid: '00000000-0000-0000-0000-000000000001' })
    expect((await session(t, { provider: 'microsoft', idToken: otherTenant })).status).toBe(401)
    const noTid = await ms.sign({ tid: undefined })
    expect((await session(t, { provider: 'microsoft', idToken: noTid })).status).toBe(401)
    expect(t.config.oidcProviders[0]!.label).toBe('Microsoft')
    ms.stop()
    t.close()
  })
})
