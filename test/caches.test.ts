import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CACHES } from '../src/lib/caches'

test('the README lists every cache of src/lib/caches.ts, with its bound', () => {
  const readme = readFileSync(join(import.meta.dir, '..', 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Caches'), readme.indexOf('## Benchmarks'))
  for (const [name, c] of Object.entries(CACHES)) {
    const row = section.split('\n').find((l) => l.startsWith(`| \`${name}\``))
    expect(row, name).toBeDefined()
    expect(row).toContain(c.bound)
  }
})
