import type { MigrationMeta } from 'drizzle-orm/migrator'
import type { Db } from './client'
import { embeddedMigrations } from './migrations/embedded'

/**
 * Applies the migrations compiled into this build (see scripts/embed-migrations.ts).
 * Builds the same list drizzle's folder reader builds (same hashes), so a database migrated
 * from the folder by drizzle-kit and one migrated by the binary are interchangeable.
 */
export function migrationList(): MigrationMeta[] {
  return embeddedMigrations.journal.entries.map((entry) => {
    const query = embeddedMigrations.sql[entry.tag]
    if (query === undefined) throw new Error(`Embedded migration ${entry.tag} is missing`)
    return {
      sql: query.split('--> statement-breakpoint'),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: new Bun.CryptoHasher('sha256').update(query).digest('hex'),
    }
  })
}

/** Applies the pending migrations and returns how many it applied (0 when the database was up to date). */
export function runMigrations(db: Db): number {
  const migrations = migrationList()
  const before = appliedCount(db)
  // drizzle's dialect runs all pending migrations inside one transaction.
  ;(db as any).dialect.migrate(migrations, (db as any).session, {})
  return appliedCount(db) - before
}

/** Rows in drizzle's journal table (one per applied migration); 0 before the first migration. */
function appliedCount(db: Db): number {
  const client = db.$client
  const table = client.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get()
  if (!table) return 0
  return (client.query('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
}
