import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GroupCommit, groupCommit } from '../src/db/group-commit'
import { makeTestApp, type TestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'

/**
 * Group commit (src/db/group-commit.ts): the writes queued in one event-loop turn share one
 * transaction, each in its own savepoint, and are answered only after its COMMIT.
 */

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

/** A database file with a second connection on it, which sees only what was committed. */
function files() {
  const dir = mkdtempSync(join(tmpdir(), 'sally-group-'))
  const path = join(dir, 'g.db')
  const db = new Database(path, { strict: true })
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA foreign_keys = ON')
  db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)')
  db.exec('CREATE TABLE t (x INTEGER NOT NULL, p INTEGER REFERENCES parent (id))')
  const other = new Database(path, { readonly: true })
  cleanups.push(() => {
    other.close()
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const committed = () =>
    other
      .query<{ x: number }, []>('SELECT x FROM t ORDER BY rowid')
      .all()
      .map((r) => r.x)
  const insert = (x: number) => () => db.query('INSERT INTO t (x) VALUES (?)').run(x)
  return { db, committed, insert }
}

describe('GroupCommit', () => {
  test('writes queued together share one COMMIT and are answered after it, in order', async () => {
    const { db, committed, insert } = files()
    const g = new GroupCommit(db, 64)
    const seenInside: number[][] = []
    const answers = [1, 2, 3].map((x) =>
      g.run(() => {
        insert(x)()
        seenInside.push(committed())
        return x * 10
      }),
    )
    // Nothing runs before the end of the turn.
    expect(committed()).toEqual([])
    expect(await Promise.all(answers)).toEqual([10, 20, 30])
    // While the group ran, another connection saw none of it: one transaction, committed at the end.
    expect(seenInside).toEqual([[], [], []])
    expect(committed()).toEqual([1, 2, 3])
    expect(g.stats()).toEqual({ groups: 1, writes: 3 })
    expect(db.inTransaction).toBe(false)
  })

  test('a write that throws is rolled back alone and gets its own error', async () => {
    const { db, committed, insert } = files()
    const g = new GroupCommit(db, 64)
    const ok1 = g.run(insert(1))
    const bad = g.run(() => {
      insert(2)()
      throw new Error('refused')
    })
    // A write that opens its own transaction gets a savepoint inside the group's.
    const nested = g.run(() => db.transaction(() => insert(3)())())
    const [a, b, c] = await Promise.allSettled([ok1, bad, nested])
    expect([a.status, b.status, c.status]).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(String((b as PromiseRejectedResult).reason)).toContain('refused')
    expect(committed()).toEqual([1, 3])
  })

  test('when the COMMIT fails, every write of the group fails and nothing is written', async () => {
    const { db, committed, insert } = files()
    const g = new GroupCommit(db, 64)
    const first = g.run(insert(1))
    // A deferred foreign key is checked at COMMIT: the whole group's COMMIT fails.
    const second = g.run(() => {
      db.exec('PRAGMA defer_foreign_keys = ON')
      db.query('INSERT INTO t (x, p) VALUES (2, 999)').run()
    })
    const settled = await Promise.allSettled([first, second])
    expect(settled.map((r) => r.status === 'rejected' && String(r.reason))).toEqual([
      expect.stringContaining('FOREIGN KEY'),
      expect.stringContaining('FOREIGN KEY'),
    ])
    expect(committed()).toEqual([])
    expect(db.inTransaction).toBe(false)
    // The next group runs normally.
    await g.run(insert(4))
    expect(committed()).toEqual([4])
  })

  test('when a write ends the whole transaction, the writes before it fail and those after it run in the next group', async () => {
    const { db, committed, insert } = files()
    const g = new GroupCommit(db, 64)
    const before = g.run(insert(1))
    const culprit = g.run(() => {
      // What SQLite does on a full disk or an I/O error: the transaction is gone.
      db.exec('ROLLBACK')
      throw new Error('disk full')
    })
    const after = g.run(insert(3))
    const settled = await Promise.allSettled([before, culprit, after])
    expect(settled.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['Error: disk full', 'Error: disk full', 'ok'])
    expect(committed()).toEqual([3])
  })

  test('at most `max` writes per COMMIT; the rest go to the next turn', async () => {
    const { db, committed, insert } = files()
    const g = new GroupCommit(db, 2)
    await Promise.all([1, 2, 3, 4, 5].map((x) => g.run(insert(x))))
    expect(committed()).toEqual([1, 2, 3, 4, 5])
    expect(g.stats()).toEqual({ groups: 3, writes: 5 })
  })

  test('max 1 runs each write at once, alone', async () => {
    const { db, committed, insert } = files()
    const g = new GroupCommit(db, 1)
    const p = g.run(insert(1))
    // Already committed before the caller awaits: no queue, no shared transaction.
    expect(committed()).toEqual([1])
    await p
    await expect(
      g.run(() => {
        throw new Error('no')
      }),
    ).rejects.toThrow('no')
    expect(g.stats()).toEqual({ groups: 0, writes: 0 })
  })
})

describe('task writes over HTTP are grouped', () => {
  let t: TestApp
  afterEach(() => t?.close())

  test('concurrent creates, updates and moves share COMMITs; each answer is its own; a refused one changes nothing', async () => {
    t = makeTestApp()
    const w = await seedWorld(t.core)
    const as = { as: w.tokens.owner, workspace: w.wsA.id }
    const project = (await t.req('POST', '/projects', { ...as, body: { name: 'Grouped', key: 'GRP' } })).body.data
    const before = groupCommit(t.core).stats()
    const creates = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.req('POST', '/tasks', { ...as, body: { projectId: project.id, title: `task ${i}`, labels: ['x'], todos: [{ text: 'a' }] } }),
      ),
    )
    expect(creates.map((r) => r.status)).toEqual(Array(20).fill(201))
    expect(creates.map((r) => r.body.data.title)).toEqual(Array.from({ length: 20 }, (_, i) => `task ${i}`))
    expect(new Set(creates.map((r) => r.body.data.number)).size).toBe(20)
    const after = groupCommit(t.core).stats()
    expect(after.writes - before.writes).toBe(20)
    expect(after.groups - before.groups).toBeLessThan(20)

    const ids = creates.map((r) => r.body.data.id as string)
    const [patched, moved, refused] = await Promise.all([
      t.req('PATCH', `/tasks/${ids[0]}`, { ...as, body: { title: 'renamed' } }),
      t.req('POST', `/tasks/${ids[1]}/move`, { ...as, body: { afterTaskId: ids[5] } }),
      // A viewer may not write: refused inside the group, alone.
      t.req('PATCH', `/tasks/${ids[2]}`, { as: w.tokens.viewer, workspace: w.wsA.id, body: { title: 'not allowed' } }),
    ])
    expect(patched.status).toBe(200)
    expect(patched.body.data.title).toBe('renamed')
    expect(moved.status).toBe(200)
    expect(refused.status).toBe(403)
    const titles = t.sqlite.query<{ title: string }, [string, string]>('SELECT title FROM tasks WHERE id IN (?, ?)').all(ids[0]!, ids[2]!)
    expect(titles.map((r) => r.title).sort()).toEqual(['renamed', 'task 2'])
    const columns: { tasks: { id: string }[] }[] = (await t.req('GET', `/board?projectId=${project.id}`, as)).body.data.columns
    const order = columns.flatMap((c) => c.tasks.map((x) => x.id))
    expect(order).toContain(ids[1])
    expect(order.indexOf(ids[1])).toBe(order.indexOf(ids[5]) + 1)
  })
})
