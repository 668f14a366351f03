import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { users, workspaceMembers } from '../src/db/schema'
import { cachedJson } from '../src/http/cached-json'
import { ReadCache, readCache } from '../src/lib/read-cache'
import { makeTestApp } from './helpers/app'
import { createKey, createSession, createUser, createWorkspace } from './helpers/fixtures'

const t = makeTestApp()
afterAll(() => t.close())

describe('ReadCache (identity rows on the hot path)', () => {
  test('served from memory while the database is unchanged; any write through this connection empties it', () => {
    const c = new ReadCache<number>(t.sqlite)
    let loads = 0
    const load = () => ++loads
    expect(c.get('k', load)).toBe(1)
    expect(c.get('k', load)).toBe(1)
    expect(loads).toBe(1)
    t.sqlite.exec("INSERT INTO outbox (id, \"to\", subject, body, kind, attempts, created_at) VALUES ('x1', 'a@b.c', 's', 'b', 'k', 0, 0)")
    expect(c.get('k', load)).toBe(2)
  })

  test('a write by another connection (another process on the same file) is seen within 250 ms', async () => {
    const c = new ReadCache<number>(t.sqlite)
    let loads = 0
    c.get('k', () => ++loads)
    const other = new Database(t.core.dbPath)
    other.exec("INSERT INTO outbox (id, \"to\", subject, body, kind, attempts, created_at) VALUES ('x2', 'a@b.c', 's', 'b', 'k', 0, 0)")
    other.close()
    await Bun.sleep(260)
    c.get('k', () => ++loads)
    expect(loads).toBe(2)
  })

  test('bounded by weight: the oldest entries go first; an entry heavier than the bound is not kept', () => {
    const c = new ReadCache<string>(t.sqlite, 10, (v) => v.length)
    let loads = 0
    const load = (v: string) => () => (loads++, v)
    c.get('a', load('xxxx'))
    c.get('b', load('yyyy'))
    c.get('c', load('zzzz')) // 12 > 10: 'a' goes
    expect(loads).toBe(3)
    c.get('b', load('yyyy'))
    c.get('c', load('zzzz'))
    expect(loads).toBe(3)
    c.get('a', load('xxxx')) // reloaded; 'b' goes
    expect(loads).toBe(4)
    c.get('big', load('0123456789A'))
    c.get('big', load('0123456789A'))
    expect(loads).toBe(6)
    c.get('c', load('zzzz')) // still kept
    expect(loads).toBe(6)
  })

  test('nothing is cached inside a transaction (it could roll back)', () => {
    const c = new ReadCache<number>(t.sqlite)
    let loads = 0
    t.sqlite.transaction(() => {
      c.get('k', () => ++loads)
      c.get('k', () => ++loads)
    })()
    expect(loads).toBe(2)
  })

  test('through the API: a cached key sees a role change, a rename and a removal on the very next request', async () => {
    const u = await createUser(t.core, { name: 'Before' })
    const ws = createWorkspace(t.core, { members: [[u.id, 'MEMBER']] })
    const { key } = await createKey(t.core, u.id)
    const s = createSession(t.core, u.id)
    for (const tok of [key, s]) {
      const a = await t.req('GET', '/auth/me', { as: tok })
      expect(a.body.data.memberships[0].role).toBe('MEMBER')
    }
    t.db.update(workspaceMembers).set({ role: 'VIEWER' }).where(eq(workspaceMembers.userId, u.id)).run()
    t.db.update(users).set({ name: 'After', platformRole: 'SUPERADMIN' }).where(eq(users.id, u.id)).run()
    for (const tok of [key, s]) {
      const b = await t.req('GET', '/auth/me', { as: tok })
      expect(b.body.data.memberships[0].role).toBe('VIEWER')
      expect(b.body.data.user).toMatchObject({ name: 'After', platformRole: 'SUPERADMIN' })
    }
    t.db.delete(workspaceMembers).where(eq(workspaceMembers.workspaceId, ws.id)).run()
    expect((await t.req('GET', '/auth/me', { as: key })).body.data.memberships).toEqual([])
    t.db.delete(users).where(eq(users.id, u.id)).run()
    expect((await t.req('GET', '/auth/me', { as: key })).body.code).toBe('invalid_key')
    expect((await t.req('GET', '/auth/me', { as: s })).body.code).toBe('invalid_key')
  })
})

describe('kept answers: the byte budget counts the keys', () => {
  test('a cache of budget B with long keys keeps at most B bytes of keys and answers', async () => {
    const budget = 1024 * 1024
    const core = { sqlite: t.sqlite, config: { ...t.config, SALLY_ANSWER_CACHE_MB: 1 } }
    const keyChars = 4000
    let valueBytes = 0
    for (let i = 0; i < 1000; i++) {
      const key = `${i}:`.padEnd(keyChars, 'visibility-sql ')
      const res = cachedJson(core, 'tasks', key, () => ({ ok: true, data: [i] }))
      valueBytes = Math.max(valueBytes, (await res.arrayBuffer()).byteLength)
    }
    const { entries, weight } = readCache(t.sqlite, 'json:tasks').stats()
    expect(entries).toBeGreaterThan(0)
    expect(weight).toBeLessThanOrEqual(budget)
    // What the kept entries hold at the least: each key as a string (2 bytes a character) and its answer.
    expect(entries * (2 * keyChars + valueBytes)).toBeLessThanOrEqual(budget)
  })

  test('ReadCache passes the key to weigh', () => {
    const c = new ReadCache<string>(t.sqlite, 20, (v, k) => v.length + k.length)
    let loads = 0
    const load = (v: string) => () => (loads++, v)
    c.get('aaaaaaaa', load('xx')) // 10
    c.get('bbbbbbbb', load('yy')) // 20
    expect(c.stats()).toMatchObject({ entries: 2, weight: 20 })
    c.get('cccccccc', load('zz')) // 'aaaaaaaa' goes
    expect(c.stats()).toMatchObject({ entries: 2, weight: 20 })
    c.get('aaaaaaaa', load('xx'))
    expect(loads).toBe(4)
  })
})
