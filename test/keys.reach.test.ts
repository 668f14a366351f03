import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser, createWorkspace } from './helpers/fixtures'

// A key never creates (or rotates into) a key with more reach than itself: scopes ⊆ its scopes, the
// same pin and project, an expiry no later than its own, a rate limit no higher (issue 11, finding 3).
const DEFAULT_LIMIT = 1000
const t = makeTestApp({ SALLY_API_KEY_RATE_LIMIT_PER_HOUR: String(DEFAULT_LIMIT), SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: '100000' })
afterAll(() => t.close())

const DAY = 86_400_000
let owner: Awaited<ReturnType<typeof createUser>>
let session: string
beforeAll(async () => {
  owner = await createUser(t.core)
  createWorkspace(t.core, { members: [[owner.id, 'OWNER']] })
  session = createSession(t.core, owner.id)
})

const create = (as: string, body: Record<string, unknown> = {}) =>
  t.req('POST', '/auth/api-keys', { as, body: { name: 'minted', scopes: ['tasks:read'], ...body } })

/** A keys:write key of the owner expiring in a day with 100 requests an hour. */
const shortLived = async () =>
  (
    await createKey(t.core, owner.id, {
      scopes: ['keys:write', 'tasks:read', 'user:read'],
      expiresAt: new Date(t.clock.now() + DAY),
      rateLimitPerHour: 100,
    })
  ).key

describe('create', () => {
  test('a key that expires in a day cannot mint a key that never expires or expires later (403)', async () => {
    const k = await shortLived()
    for (const body of [{ expiresIn: 10 * 365 * 86_400 }, { expiresAt: new Date(t.clock.now() + 2 * DAY).toISOString() }]) {
      const r = await create(k, body)
      expect(r.status).toBe(403)
      expect(r.body.code).toBe('scope_violation')
    }
    // Omitted: the new key expires with the key that made it.
    const inherited = await create(k)
    expect(inherited.status).toBe(201)
    expect(Date.parse(inherited.body.data.expiresAt)).toBe(t.clock.now() + DAY)
    const earlier = await create(k, { expiresIn: 3600 })
    expect(earlier.status).toBe(201)
    expect(Date.parse(earlier.body.data.expiresAt)).toBe(t.clock.now() + 3_600_000)
  })

  test('a key limited to 100/h cannot mint a key with a higher (or the default) rate limit (403)', async () => {
    const k = await shortLived()
    for (const rateLimitPerHour of [101, 100_000_000, null]) {
      const r = await create(k, { rateLimitPerHour })
      expect({ rateLimitPerHour, status: r.status, code: r.body.code }).toEqual({ rateLimitPerHour, status: 403, code: 'scope_violation' })
    }
    const inherited = await create(k)
    expect(inherited.body.data.rateLimitPerHour).toBe(100)
    expect((await create(k, { rateLimitPerHour: 50 })).body.data.rateLimitPerHour).toBe(50)
  })

  test('a key on the default limit cannot mint one above it; a session is not narrowed', async () => {
    const k = (await createKey(t.core, owner.id, { scopes: ['keys:write', 'tasks:read'] })).key
    expect((await create(k, { rateLimitPerHour: DEFAULT_LIMIT + 1 })).status).toBe(403)
    const same = await create(k, { rateLimitPerHour: DEFAULT_LIMIT })
    expect(same.status).toBe(201)
    const unbounded = await create(k)
    expect(unbounded.body.data).toMatchObject({ expiresAt: null, rateLimitPerHour: null })
    expect((await create(session, { rateLimitPerHour: 100_000, expiresIn: 10 * 365 * 86_400 })).status).toBe(201)
  })
})

describe('rotate', () => {
  test('rotated by a key, the replacement never outlives or outpaces that key', async () => {
    const k = await shortLived()
    const long = (await create(session, { expiresIn: 365 * 86_400, rateLimitPerHour: 100_000 })).body.data
    const r = await t.req('POST', `/auth/api-keys/${long.id}/rotate`, { as: k })
    expect(r.status).toBe(201)
    expect(Date.parse(r.body.data.expiresAt)).toBeLessThanOrEqual(t.clock.now() + DAY)
    expect(r.body.data.rateLimitPerHour).toBe(100)
    // A key rotating itself keeps its end date and its limit.
    const self = await createKey(t.core, owner.id, {
      scopes: ['keys:write'],
      expiresAt: new Date(t.clock.now() + DAY),
      rateLimitPerHour: 10,
    })
    t.clock.advance(3_600_000)
    const again = await t.req('POST', `/auth/api-keys/${self.id}/rotate`, { as: self.key })
    expect(again.status).toBe(201)
    expect(Date.parse(again.body.data.expiresAt)).toBe(self.row.expiresAt!.getTime())
    expect(again.body.data.rateLimitPerHour).toBe(10)
    // A session rotates with the same lifetime from now, as before.
    const bySession = await t.req('POST', `/auth/api-keys/${long.id}/rotate`, { as: session })
    expect(bySession.status).toBe(409) // already revoked by the first rotation
  })
})
