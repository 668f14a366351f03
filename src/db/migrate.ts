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

export function runMigrations(db: Db): number {
  const migrations = migrationList()
  // drizzle's dialect runs each pending migration inside one transaction.
  ;(db as any).dialect.migrate(migrations, (db as any).session, {})
  return migrations.length
}
