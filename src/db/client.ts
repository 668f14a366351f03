import { Database, type Statement } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { drizzle } from 'drizzle-orm/bun-sqlite'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { keepPlans } from './fixed-plans'
import * as schema from './schema'

export type Db = ReturnType<typeof drizzle<typeof schema>>
/** The database or a transaction on it (`core.db.transaction((tx) => ...)`): what helpers that may run inside a transaction take. */
export type DbOrTx = BaseSQLiteDatabase<'sync', void, typeof schema>

export type DbHandle = { sqlite: Database; db: Db; path: string }

/** Opens (creating if needed) the SQLite file with the pragmas Sally relies on. */
export function openDatabase(path: string): DbHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = keepPlans(new Database(path, { create: true, strict: true }))
  sqlite.exec('PRAGMA journal_mode = WAL')
  sqlite.exec('PRAGMA synchronous = NORMAL')
  sqlite.exec('PRAGMA foreign_keys = ON')
  sqlite.exec('PRAGMA busy_timeout = 5000')
  sqlite.exec('PRAGMA temp_store = MEMORY')
  sqlite.exec('PRAGMA cache_size = -20000')
  const db = drizzle({ client: reusingStatements(sqlite), schema })
  return { sqlite, db, path }
}

/** How many distinct SQL texts drizzle's statements are kept for, per connection (least recently used go first). */
export const DRIZZLE_STATEMENTS_MAX = 2_000

/**
 * The connection as drizzle sees it, with `prepare` reusing one statement per SQL text: drizzle
 * prepares every query it runs, and a fresh bun:sqlite statement costs its compilation plus a
 * first run that reads its columns (measured: a quarter of `GET /projects/:id`). Statements are
 * run to completion synchronously (drizzle's `all`/`get`/`values`/`run`), so sharing one is safe.
 * Bounded: a query whose text varies (an IN list of N ids) cannot grow it without limit.
 */
function reusingStatements(sqlite: Database): Database {
  const kept = new Map<string, Statement>()
  const client = {
    prepare(sql: string): Statement {
      let st = kept.get(sql)
      if (st) kept.delete(sql)
      else {
        st = sqlite.prepare(sql)
        if (kept.size >= DRIZZLE_STATEMENTS_MAX) kept.delete(kept.keys().next().value!)
      }
      kept.set(sql, st)
      return st
    },
    exec: (sql: string) => sqlite.exec(sql),
    query: (sql: string) => sqlite.query(sql),
    transaction: <A extends unknown[], R>(fn: (...args: A) => R) => sqlite.transaction(fn),
  }
  return client as unknown as Database
}

/** Checkpoints the WAL into the main file and closes the handle. */
export function closeDatabase(handle: DbHandle): void {
  try {
    handle.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  } finally {
    handle.sqlite.close()
  }
}
