// Lints the OpenAPI document with Redocly (fetched by `bun x` from the npm registry; not a dependency):
//   bun run scripts/openapi-lint.ts            errors fail, warnings are listed
//   bun run scripts/openapi-lint.ts --out FILE also keeps the document
// test/openapi.test.ts checks the same document structurally without the network.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app'
import { testConfig } from '../src/config'
import { openDatabase } from '../src/db/client'
import { runMigrations } from '../src/db/migrate'

const REDOCLY = '@redocly/cli@2.77.0'
const dir = mkdtempSync(join(tmpdir(), 'sally-openapi-'))
try {
  const handle = openDatabase(join(dir, 'sally.db'))
  runMigrations(handle.db)
  const app = createApp({ config: testConfig(), db: handle })
  const res = await app.handle(new Request('http://localhost/swagger/json'))
  if (res.status !== 200) throw new Error(`/swagger/json answered ${res.status}`)
  const outArg = process.argv.indexOf('--out')
  const file = outArg > 0 ? process.argv[outArg + 1]! : join(dir, 'openapi.json')
  writeFileSync(file, JSON.stringify(await res.json(), null, 2))
  handle.sqlite.close()
  const lint = Bun.spawnSync(['bun', 'x', REDOCLY, 'lint', file, '--format=stylish', '--max-problems=500'], {
    stdout: 'inherit',
    stderr: 'inherit',
  })
  process.exitCode = lint.exitCode ?? 1
} finally {
  rmSync(dir, { recursive: true, force: true })
}
