import { afterAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { flushKeyUsage } from '../src/auth/credentials'
import { apiKeys } from '../src/db/schema'
import { readCache } from '../src/lib/read-cache'
import { claimDue } from '../src/webhooks/worker'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createUser, createWorkspace } from './helpers/fixtures'

/**
 * API-key traffic writes usage counters every second (and the webhook worker, the mailer and
 * idempotency records write their own rows): these bookkeeping writes keep the read caches, while
 * a real change is seen by the very next request.
 */
const t = makeTestApp()
afterAll(() => t.close())

async function world() {
  const owner = await createUser(t.core)
  const member = await createUser(t.core)
  const ws = createWorkspace(t.core, {
    members: [
      [owner.id, 'OWNER'],
      [member.id, 'MEMBER'],
    ],
  })
  const p = createProjectRow(t.core, ws.id, { members: [[member.id, 'MEMBER']] })
  const ownerKey = (await createKey(t.core, owner.id)).key
  const memberKey = (await createKey(t.core, member.id)).key
  const as = (key: string) => ({ as: key, workspace: ws.id })
  const task = (await t.req('POST', '/tasks', { ...as(ownerKey), body: { projectId: p.id, title: 'first' } })).body.data
  return { owner, member, ws, p, ownerKey, memberKey, as, task }
}

const stats = (name: 'json:tasks' | 'projects.access' | 'auth.users') => readCache(t.sqlite, name).stats()

describe('caches survive bookkeeping writes', () => {
  test('a burst of API-key requests keeps hitting the cache across the usage flush; a rename is seen at once', async () => {
    const w = await world()
    const list = () => t.req('GET', `/tasks?projectId=${w.p.id}`, w.as(w.memberKey))
    expect((await list()).status).toBe(200)
    const before = stats('json:tasks')
    for (let i = 0; i < 5; i++) expect((await list()).body.data[0].title).toBe('first')
    expect(stats('json:tasks').misses).toBe(before.misses)

    // The once-a-second flush, driven directly: counters written, caches kept.
    expect(flushKeyUsage(t.core)).toBeGreaterThan(0)
    const count = t.db.select({ n: apiKeys.requestCount }).from(apiKeys).where(eq(apiKeys.userId, w.member.id)).get()!.n
    expect(count).toBeGreaterThanOrEqual(6)
    // The webhook worker's claim (nothing due here, but it runs) and a second flush: still kept.
    claimDue(t.core, t.clock.now(), 10)
    for (let i = 0; i < 5; i++) {
      expect((await list()).body.data[0].title).toBe('first')
      flushKeyUsage(t.core)
    }
    const after = stats('json:tasks')
    expect(after.misses).toBe(before.misses)
    expect(after.hits).toBe(before.hits + 10)

    // A real change: the very next request sees it.
    const renamed = await t.req('PATCH', `/tasks/${w.task.id}`, { ...w.as(w.ownerKey), body: { title: 'renamed' } })
    expect(renamed.status).toBe(200)
    expect((await list()).body.data[0].title).toBe('renamed')
    expect(stats('json:tasks').misses).toBe(before.misses + 1)
  })

  test('a removed member is refused on the very next request, after a flush kept the access cache warm', async () => {
    const w = await world()
    const get = () => t.req('GET', `/projects/${w.p.id}`, w.as(w.memberKey))
    expect((await get()).status).toBe(200)
    const misses = stats('projects.access').misses
    expect(flushKeyUsage(t.core)).toBeGreaterThan(0)
    expect((await get()).status).toBe(200)
    expect(stats('projects.access').misses).toBe(misses)
    expect((await t.req('DELETE', `/projects/${w.p.id}/members/${w.member.id}`, w.as(w.ownerKey))).status).toBe(200)
    expect(flushKeyUsage(t.core)).toBeGreaterThan(0)
    expect((await get()).status).toBe(404)
  })

  test('a bookkeeping write after an unseen real change does not hide that change', async () => {
    const w = await world()
    const list = () => t.req('GET', `/tasks?projectId=${w.p.id}`, w.as(w.memberKey))
    expect((await list()).body.data[0].title).toBe('first')
    // A real write nobody has read since, then the flush: the next read still sees the write.
    t.sqlite.query('UPDATE tasks SET title = ? WHERE id = ?').run('changed', w.task.id)
    expect(flushKeyUsage(t.core)).toBeGreaterThan(0)
    expect((await list()).body.data[0].title).toBe('changed')
  })

  test('the key list counts every request across usage flushes (its kept rows never hide a flushed count)', async () => {
    const w = await world()
    const mine = async () => {
      const r = await t.req('GET', '/auth/api-keys', w.as(w.memberKey))
      expect(r.status).toBe(200)
      expect(r.body.data).toHaveLength(1) // the member's one key, the one making these requests
      return r.body.data[0].requestCount as number
    }
    const counts: number[] = []
    for (let i = 0; i < 3; i++) {
      counts.push(await mine())
      flushKeyUsage(t.core)
    }
    counts.push(await mine())
    // Each listing is itself a request of that key: the count grows by one each time, flushed or not.
    expect(counts).toEqual([counts[0]!, counts[0]! + 1, counts[0]! + 2, counts[0]! + 3])
  })
})
