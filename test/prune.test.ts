import { afterAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { pruneExpiredCredentials } from '../src/auth/prune'
import { sessions, userTokens } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createSession, createUser } from './helpers/fixtures'

const t = makeTestApp()
afterAll(() => t.close())

test('expired sessions and spent tokens are deleted; live ones stay and keep working', async () => {
  const u = await createUser(t.core)
  const now = t.clock.now()
  const live = createSession(t.core, u.id)
  const stale = createSession(t.core, u.id)
  t.db
    .update(sessions)
    .set({ expiresAt: new Date(now - 1) })
    .where(eq(sessions.tokenHash, new Bun.CryptoHasher('sha256').update(stale).digest('hex')))
    .run()
  const day = 86_400_000
  const token = (purpose: 'password_reset' | 'email_verification', expiresAt: number, usedAt: number | null) =>
    t.db
      .insert(userTokens)
      .values({
        userId: u.id,
        purpose,
        tokenHash: crypto.randomUUID(),
        expiresAt: new Date(expiresAt),
        usedAt: usedAt === null ? null : new Date(usedAt),
      })
      .returning()
      .get().id
  const fresh = token('password_reset', now + 3_600_000, null)
  const usedRecently = token('password_reset', now + 3_600_000, now - 60_000)
  const usedLongAgo = token('email_verification', now + day, now - 2 * day)
  const expiredLongAgo = token('password_reset', now - 2 * day, null)

  expect(pruneExpiredCredentials(t.core)).toEqual({ sessions: 1, tokens: 2 })
  const left = t.db
    .select({ id: userTokens.id })
    .from(userTokens)
    .all()
    .map((r) => r.id)
    .sort()
  expect(left).toEqual([fresh, usedRecently].sort())
  expect(left).not.toContain(usedLongAgo)
  expect(left).not.toContain(expiredLongAgo)
  expect((await t.req('GET', '/auth/me', { as: live })).status).toBe(200)
  expect((await t.req('GET', '/auth/me', { as: stale })).status).toBe(401)
  expect(pruneExpiredCredentials(t.core)).toEqual({ sessions: 0, tokens: 0 })
})
