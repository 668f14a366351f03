import { Database } from 'bun:sqlite'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** A backup that did not happen; the message is the one line to print. */
export class BackupError extends Error {
  override name = 'BackupError'
}

/**
 * Writes a consistent copy of the Sally database at `dbPath` to `target` (VACUUM INTO: online and
 * transactionally consistent, the source unchanged) and returns the line to print. Never overwrites
 * `target`; refuses a file that is not a Sally database, leaving nothing behind.
 */
export function backupDatabase(dbPath: string, target: string): string {
  const out = resolve(target)
  if (!existsSync(dbPath)) throw new BackupError(`No database at SALLY_DB=${dbPath}: nothing to back up.`)
  if (existsSync(out)) throw new BackupError(`${out} already exists: choose a new file name.`)
  const started = performance.now()
  let sqlite: Database | undefined
  try {
    sqlite = new Database(dbPath, { readwrite: true, create: false, strict: true })
    sqlite.exec('PRAGMA busy_timeout = 5000')
    // The first read of a file that is not SQLite fails here ("file is not a database").
    const journal = sqlite.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get()
    if (!journal) throw new BackupError('it is not a Sally database (no migrations recorded)')
  } catch (e) {
    sqlite?.close()
    throw new BackupError(`Cannot back up SALLY_DB=${dbPath}: ${(e as Error).message}; nothing written.`)
  }
  try {
    mkdirSync(dirname(out), { recursive: true })
    sqlite.query('VACUUM INTO ?').run(out)
  } catch (e) {
    rmSync(out, { force: true })
    throw new BackupError(`Cannot write the backup to ${out}: ${(e as Error).message}`)
  } finally {
    sqlite.close()
  }
  const ms = Math.round(performance.now() - started)
  return `Backup written to ${out} (${formatBytes(statSync(out).size)}) in ${ms} ms.`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}
