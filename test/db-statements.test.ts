import type { Statement } from 'bun:sqlite'
import { afterAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { DRIZZLE_STATEMENTS_MAX } from '../src/db/client'
import { users } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createUser } from './helpers/fixtures'

const t = makeTestApp()
afterAll(() => t.close())
const prepare = (sql: string) => (t.db.$client as unknown as { prepare(sql: string): Statement }).prepare(sql)

test('drizzle prepares each SQL text once per database and reuses it; the kept statements are bounded', () => {
  expect(prepare('SELECT 1 AS a')).toBe(prepare('SELECT 1 AS a'))
  for (let i = 0; i < DRIZZLE_STATEMENTS_MAX; i++) prepare(`SELECT ${i + 2} AS a`)
  // The least recently used went first: 'SELECT 1' is prepared afresh, a recent one is kept.
  const recent = prepare(`SELECT ${DRIZZLE_STATEMENTS_MAX + 1} AS a`)
  expect(prepare(`SELECT ${DRIZZLE_STATEMENTS_MAX + 1} AS a`)).toBe(recent)
  const again = prepare('SELECT 1 AS a')
  expect(again.get()).toEqual({ a: 1 })
})

test('a reused statement sees each call’s parameters and the writes before it, in and out of transactions', async () => {
  const a = await createUser(t.core, { name: 'Ann' })
  const b = await createUser(t.core, { name: 'Bob' })
  const nameOf = (id: string) => t.db.select({ name: users.name }).from(users).where(eq(users.id, id)).get()?.name
  expect([nameOf(a.id), nameOf(b.id)]).toEqual(['Ann', 'Bob'])
  t.db.update(users).set({ name: 'Ann 2' }).where(eq(users.id, a.id)).run()
  expect(nameOf(a.id)).toBe('Ann 2')
  expect(() =>
    t.db.transaction((tx) => {
      tx.update(users).set({ name: 'Ann 3' }).where(eq(users.id, a.id)).run()
      expect(nameOf(a.id)).toBe('Ann 3')
      throw new Error('roll back')
    }),
  ).toThrow('roll back')
  expect(nameOf(a.id)).toBe('Ann 2')
})
