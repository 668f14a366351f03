// The CLI: graceful shutdown of a listening server (in-process), and the source entry point's subcommands.

import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../src/app'
import { listen } from '../src/cli/main'
import { configHelp, configSchema, testConfig } from '../src/config'
import { createCore } from '../src/core'
import { openDatabase } from '../src/db/client'
import { runMigrations } from '../src/db/migrate'
import { VERSION } from '../src/version'
import { cliChecks } from './e2e/cli-checks'
import { freePort, ROOT, run, tempDir } from './e2e/support'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A real listening server over a fresh database, with two routes of the test's own. */
function listening(graceMs?: number) {
  const dir = tempDir('sally-cli-')
  dirs.push(dir)
  const dbPath = join(dir, 'sally.db')
  const handle = openDatabase(dbPath)
  runMigrations(handle.db)
  const core = createCore({ config: testConfig({ HOST: '127.0.0.1', PORT: String(freePort()), SALLY_DB: dbPath }), db: handle })
  const app = buildApp(core)
    .get('/slow', async () => {
      await Bun.sleep(400)
      // Still able to use the database: it is closed only after in-flight requests are done.
      return { ok: true, data: handle.sqlite.query('SELECT count(*) AS n FROM users').get() }
    })
    .get(
      '/forever',
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('data: hello\n\n'))
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    )
  const running = listen(app, core, handle, { graceMs })
  const base = `http://127.0.0.1:${running.server.port}`
  return { running, base, handle, dbPath }
}

describe('graceful stop', () => {
  test('finishes an in-flight request, refuses new connections, then checkpoints and closes the database', async () => {
    const s = listening()
    expect((await fetch(`${s.base}/health`)).status).toBe(200)
    const inFlight = fetch(`${s.base}/slow`)
    await Bun.sleep(100)
    const started = performance.now()
    let stopped = false
    const stop = s.running.stop('test').then(() => (stopped = true))
    await Bun.sleep(50)
    // No longer accepting.
    expect(
      await fetch(`${s.base}/health`).then(
        (r) => r.status,
        () => 'refused',
      ),
    ).toBe('refused')
    expect(stopped).toBe(false)
    const res = await inFlight
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, data: { n: 0 } })
    await stop
    expect(performance.now() - started).toBeGreaterThan(200)
    // The handle is closed and the WAL was checkpointed into the main file.
    expect(() => s.handle.sqlite.query('SELECT 1').get()).toThrow()
    const wal = `${s.dbPath}-wal`
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0)
    const reopened = new Database(s.dbPath, { readonly: true })
    expect(reopened.query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'users'").get()).toEqual({ n: 1 })
    reopened.close()
  })

  test('stop is idempotent: a second signal waits for the same shutdown', async () => {
    const s = listening()
    const a = s.running.stop('SIGTERM')
    const b = s.running.stop('SIGINT')
    await Promise.all([a, b])
    expect(() => s.handle.sqlite.query('SELECT 1').get()).toThrow()
  })

  test('a request that never ends is cut after the grace period', async () => {
    const s = listening(300)
    const res = await fetch(`${s.base}/forever`)
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('hello')
    const started = performance.now()
    await s.running.stop('test')
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(290)
    expect(took).toBeLessThan(5000)
    expect(() => s.handle.sqlite.query('SELECT 1').get()).toThrow()
    // The client sees its stream end (closed or reset), not hang.
    const end = await reader.read().then(
      (r) => (r.done ? 'done' : 'more'),
      () => 'reset',
    )
    expect(['done', 'reset']).toContain(end)
  })
})

describe('one port, one server', () => {
  test('listen refuses a port another Sally listens on (no shared port): EADDRINUSE', async () => {
    const s = listening()
    try {
      const handle = openDatabase(':memory:')
      runMigrations(handle.db)
      const core = createCore({ config: testConfig({ HOST: '127.0.0.1', PORT: String(s.running.server.port) }), db: handle })
      expect(() => listen(buildApp(core), core, handle)).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }))
      handle.sqlite.close()
      expect((await fetch(`${s.base}/health`)).status).toBe(200)
    } finally {
      await s.running.stop('test')
    }
  })
})

describe('configuration help', () => {
  test('configHelp describes every configSchema key, and the README table says the same', () => {
    const keys = Object.keys(configSchema.shape)
    expect(Object.keys(configHelp).sort()).toEqual([...keys].sort())
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Command line'))
    const rows = section
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|').map((c) => c.trim()))
      .map(([, name, , meaning]) => [name!.replaceAll('`', ''), meaning])
    expect(Object.fromEntries(rows)).toEqual({ ...configHelp })
  })
})

const SRC = join(ROOT, 'src/index.ts')

cliChecks(
  'source',
  () => {
    const dir = tempDir('sally-cli-')
    dirs.push(dir)
    return { dir, cmd: [process.execPath, SRC] }
  },
  { flags: ['--help'] },
)

describe('source entry point (what scripts/start runs)', () => {
  const src = SRC

  test('--version', async () => {
    const dir = tempDir('sally-cli-')
    dirs.push(dir)
    const v = await run([process.execPath, src, '--version'], dir)
    expect(v).toMatchObject({ code: 0, stdout: `${VERSION}\n` })
  })

  test('migrate creates SALLY_DB and is idempotent', async () => {
    const dir = tempDir('sally-cli-')
    dirs.push(dir)
    const first = await run([process.execPath, src, 'migrate'], dir, { SALLY_DB: 'var/x.db' })
    expect(first.code).toBe(0)
    expect(existsSync(join(dir, 'var', 'x.db'))).toBe(true)
    const second = await run([process.execPath, src, 'migrate'], dir, { SALLY_DB: 'var/x.db' })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('up to date')
  })

  test('a bad setting stops with one line naming the variable', async () => {
    const dir = tempDir('sally-cli-')
    dirs.push(dir)
    const r = await run([process.execPath, src, 'serve'], dir, { SALLY_BASE_PATH: 'api/' })
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('SALLY_BASE_PATH')
  })

  test('`bun run seed` writes .env in the working folder', async () => {
    const dir = tempDir('sally-cli-')
    dirs.push(dir)
    const r = await run([process.execPath, join(ROOT, 'scripts/seed.ts')], dir)
    expect(r.code).toBe(0)
    const token = r.stdout.trim()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/)
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`SALLY_GLOBAL_API_TOKEN=${token}\n`)
  })

  test('a port in use stops the start with one line and exit 1', async () => {
    const dir = tempDir('sally-cli-')
    dirs.push(dir)
    const busy = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    try {
      const r = await run([process.execPath, src, 'serve'], dir, { HOST: '127.0.0.1', PORT: String(busy.port) })
      expect(r.code).toBe(1)
      expect(r.stderr.trim()).toBe(`Cannot listen on 127.0.0.1:${busy.port}: the port is already in use (set PORT to another one)`)
    } finally {
      busy.stop(true)
    }
  })

  test('backup refuses a missing database and an existing target, without creating anything', async () => {
    const dir = tempDir('sally-cli-')
    dirs.push(dir)
    const none = await run([process.execPath, src, 'backup', 'b.db'], dir)
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('No database at SALLY_DB=./data/sally.db')
    expect(existsSync(join(dir, 'data'))).toBe(false)
    expect(existsSync(join(dir, 'b.db'))).toBe(false)
    expect((await run([process.execPath, src, 'migrate'], dir)).code).toBe(0)
    expect((await run([process.execPath, src, 'backup', 'b.db'], dir)).code).toBe(0)
    const again = await run([process.execPath, src, 'backup', 'b.db'], dir)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists')
  })

  test('seed --email migrates SALLY_DB and creates the user; half an account exits 1 with one line', async () => {
    const dir = tempDir('sally-cli-')
    dirs.push(dir)
    const r = await run([process.execPath, src, 'seed', '--email', 'a@example.com', '--password', 'password123'], dir, {
      SALLY_HASH_MEMORY_KIB: '19456',
    })
    expect(r.code).toBe(0)
    expect(existsSync(join(dir, 'data', 'sally.db'))).toBe(true)
    const db = new Database(join(dir, 'data', 'sally.db'), { readonly: true })
    expect(db.query('SELECT platform_role AS role FROM users').all()).toEqual([{ role: 'SUPERADMIN' }])
    db.close()
    const bad = await run([process.execPath, src, 'seed', '--email', 'a@example.com'], dir)
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toBe('seed: --email and --password go together')
  })
})
