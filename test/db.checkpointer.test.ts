/**
 * Checkpoints off the request thread (issue 15): a serving process's checkpoint worker copies the
 * WAL into the database file on its own connection, the request thread's automatic checkpoint is a
 * backstop only while it runs, and a stop (or a worker that cannot start) gives the checkpoints back.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { Core } from '../src/core'
import { autocheckpointPages, BACKSTOP_PAGES, DEFAULT_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../src/db/checkpointer'
import { createLogger } from '../src/lib/log'
import { makeTestApp } from './helpers/app'

const t = makeTestApp()
afterAll(() => t.close())

async function until(cond: () => boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await Bun.sleep(5)
  }
}
const stopAll = async (core: Pick<Core, 'stoppers'>) => {
  for (const stop of core.stoppers.splice(0)) await stop()
}

describe('checkpoint worker', () => {
  test('copies committed pages into the database file while the request thread only keeps a backstop', async () => {
    const core: Core = { ...t.core, stoppers: [] }
    expect(autocheckpointPages(core)).toBe(DEFAULT_AUTOCHECKPOINT_PAGES)
    expect(await startCheckpointer(core, 5)).toBe(true)
    expect(autocheckpointPages(core)).toBe(BACKSTOP_PAGES)
    const size = () => statSync(core.dbPath).size
    const before = size()
    // About 600 pages into the WAL in one commit: under either automatic threshold, so only the worker moves them.
    t.sqlite.exec('CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB)')
    const insert = t.sqlite.query('INSERT INTO scratch (body) VALUES (randomblob(2000))')
    t.sqlite.transaction(() => {
      for (let i = 0; i < 1200; i++) insert.run()
    })()
    await until(() => size() >= before + 1200 * 2000)
    // Another connection sees every committed row.
    const { Database } = await import('bun:sqlite')
    const other = new Database(core.dbPath, { readonly: true })
    expect(other.query<{ n: number }, []>('SELECT count(*) AS n FROM scratch').get()!.n).toBe(1200)
    other.close()
    await stopAll(core)
    expect(autocheckpointPages(core)).toBe(DEFAULT_AUTOCHECKPOINT_PAGES)
  })

  test('a worker that cannot open the database leaves the checkpoints to the request thread, and says so', async () => {
    const lines: Record<string, unknown>[] = []
    const core: Core = {
      ...t.core,
      dbPath: join(t.core.dbPath, 'missing', 'sally.db'),
      stoppers: [],
      log: createLogger('debug', (l) => lines.push(JSON.parse(l))),
    }
    expect(await startCheckpointer(core)).toBe(false)
    expect(autocheckpointPages(core)).toBe(DEFAULT_AUTOCHECKPOINT_PAGES)
    expect(lines.some((l) => String(l.msg).startsWith('checkpoint worker stopped'))).toBe(true)
    await stopAll(core)
  })

  test('an in-memory database gets no worker', async () => {
    const core: Core = { ...t.core, dbPath: ':memory:', stoppers: [] }
    expect(await startCheckpointer(core)).toBe(false)
    expect(core.stoppers).toHaveLength(0)
  })
})
