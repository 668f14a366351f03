import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { drizzle } from 'drizzle-orm/bun-sqlite'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import * as schema from './schema'

export type Db = ReturnType<typeof drizzle<typeof schema>>
/** The database or a transaction on it (`core.db.transaction((tx) => ...)`): what helpers that may run inside a transaction take. */
export type DbOrTx = BaseSQLiteDatabase<'sync', void, typeof schema>

export type DbHandle = { sqlite: Database; db: Db; path: string }

/** Opens (creating if needed) the SQLite file with the pragmas Sally relies on. */
export function openDatabase(path: string): DbHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new Database(path, { create: true, strict: true })
  sqlite.exec('PRAGMA journal_mode = WAL')
  sqlite.exec('PRAGMA synchronous = NORMAL')
  sqlite.exec('PRAGMA foreign_keys = ON')
  sqlite.exec('PRAGMA busy_timeout = 5000')
  sqlite.exec('PRAGMA temp_store = MEMORY')
  sqlite.exec('PRAGMA cache_size = -20000')
  const db = drizzle({ client: sqlite, schema })
  return { sqlite, db, path }
}

/** Checkpoints the WAL into the main file and closes the handle. */
export function closeDatabase(handle: DbHandle): void {
  try {
    handle.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  } finally {
    handle.sqlite.close()
  }
}
