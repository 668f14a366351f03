// Every operation of Sally's own OpenAPI document, driven to a success status over real HTTP, twice:
// on the compiled binary alone in an empty folder, and on the source entry point. A 5xx, a status the
// document does not list, or an operation the walk leaves out fails the test, so a new route cannot
// skip the binary. On the binary, each documented error status of each operation is then provoked
// (walk-errors.ts): an answer the document does not list fails too.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { aloneInEmptyFolder, builtBinary, ROOT, tempDir } from './support'
import { walk, walkOidc } from './walk'
import { startWalkServer, WALK_ADMIN, type WalkServer } from './walk-env'
import { probeErrors } from './walk-errors'
import { NO_SUCCESS_BY_DESIGN, Walker } from './walker'

/** `probe`: also provoke every documented error (about 10 s: once, on what ships). */
type Mode = { name: string; prepare: () => Promise<{ cmd: string[]; cwd: string }>; probe: boolean }

const modes: Mode[] = [
  {
    name: 'compiled binary (dist/sally alone in an empty folder)',
    prepare: async () => ({ cmd: ['./sally'], cwd: aloneInEmptyFolder(await builtBinary()) }),
    probe: true,
  },
  {
    name: 'source (bun run src/index.ts)',
    prepare: async () => ({ cmd: [process.execPath, 'run', join(ROOT, 'src/index.ts')], cwd: tempDir() }),
    probe: false,
  },
]

describe.each(modes)('every OpenAPI operation on the $name', (mode) => {
  let env: WalkServer
  let walker: Walker

  beforeAll(async () => {
    const { cmd, cwd } = await mode.prepare()
    env = await startWalkServer(cmd, cwd)
    const doc = await (await fetch(`${env.server.base}/swagger/json`)).json()
    walker = new Walker(env.server.base, doc as any)
  }, 120_000)

  afterAll(async () => {
    await env?.stop()
  })

  // One story (its steps build on each other), so that `bun test --randomize` cannot reorder it.
  test('every call answers a documented, non-5xx status; no operation is left out; no error is logged', async () => {
    try {
      await walk({ w: walker, mailbox: env.mailbox, hooks: env.hooks, hookUrl: env.hookUrl, admin: WALK_ADMIN })
      await walkOidc(walker, env.idp)
      if (mode.probe) {
        // Then every documented error status of every operation, provoked (the document's error examples).
        const errors = await probeErrors(walker, env.mailbox)
        expect(errors.unexpected).toEqual([])
        expect(Object.values(errors.own).reduce((n, byStatus) => n + Object.keys(byStatus).length, 0)).toBeGreaterThan(600)
      }
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- server output (tail) ---\n${env.server.output().slice(-4000)}`)
    }
    expect(env.hooks.every((h) => /^t=\d+,v1=[0-9a-f]{64}$/.test(h.headers.get('x-sally-signature') ?? ''))).toBe(true)

    expect(walker.operations.length).toBeGreaterThan(100)
    expect(walker.missing()).toEqual([])
    for (const [op, { status }] of Object.entries(NO_SUCCESS_BY_DESIGN)) {
      const [method, path] = op.split(' ') as [string, string]
      expect(Object.keys(walker.doc.paths[path]![method.toLowerCase()]!.responses)).toContain(String(status))
    }

    const lines = env.server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level?: string; status?: number; msg?: string })
    expect(lines.filter((l) => l.level === 'error' || (l.status ?? 0) >= 500)).toEqual([])
    expect(env.server.output()).not.toContain('[Sucrose]')
  }, 120_000)
})
