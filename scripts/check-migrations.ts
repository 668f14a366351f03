// Fails when src/db/migrations/embedded.ts is stale (run `bun run db:generate`).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderEmbedded } from './embed-migrations'

const file = join(import.meta.dir, '..', 'src', 'db', 'migrations', 'embedded.ts')
if (readFileSync(file, 'utf8') !== renderEmbedded()) {
  console.error('src/db/migrations/embedded.ts is out of date: run `bun run db:generate`.')
  process.exit(1)
}
