// End to end: the compiled binary, copied alone into an empty folder, on a random loopback port.

import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { embeddedMigrations } from '../../src/db/migrations/embedded'
import { VERSION } from '../../src/version'
import { story } from '../helpers/story'
import { threadsOf } from '../helpers/threads'
import { builtBinary, aloneInEmptyFolder as copyAlone, run, type Server, startServer } from './support'

let binary = ''

/** A fresh empty folder holding only a copy of the binary. */
function aloneInEmptyFolder(): string {
  const dir = copyAlone(binary)
  expect(readdirSync(dir)).toEqual(['sally'])
  return dir
}

beforeAll(async () => {
  binary = await builtBinary()
  expect(statSync(binary).mode & 0o111).not.toBe(0)
}, 120_000)

/** Asset URLs a Swagger page loads: stylesheet, script and the spec URL in its config. */
function swaggerUrls(html: string): string[] {
  const tags = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
  const spec = [...html.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]!)
  return [...tags, ...spec]
}

async function checkSwagger(base: string, prefix: string) {
  const res = await fetch(`${base}/swagger`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/html')
  const html = await res.text()
  expect(html).toContain('SwaggerUIBundle')
  expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/)
  const urls = swaggerUrls(html)
  expect(urls.some((u) => u.endsWith('.js'))).toBe(true)
  expect(urls.some((u) => u.endsWith('.css'))).toBe(true)
  for (const u of urls) {
    // On the server itself: an absolute path under the base path, never another host.
    expect(u).not.toMatch(/^(https?:)?\/\//)
    expect(u.startsWith(`${prefix}/swagger`)).toBe(true)
    const origin = new URL(base).origin
    const asset = await fetch(`${origin}${u}`)
    expect(asset.status).toBe(200)
    const type = asset.headers.get('content-type') ?? ''
    const body = await asset.text()
    if (u.endsWith('.js')) expect(type).toContain('javascript')
    if (u.endsWith('.css')) expect(type).toContain('text/css')
    expect(body.length).toBeGreaterThan(1000)
  }
}

describe('compiled binary alone in an empty folder', () => {
  let dir = ''
  let server: Server

  beforeAll(async () => {
    dir = aloneInEmptyFolder()
    server = await startServer(['./sally'], dir)
  }, 30_000)

  afterAll(async () => {
    await server?.stop('SIGKILL')
  })
  // The server's life, from start to restart: each step needs the ones before, so they run in order as one test.
  const { step, run: runStory } = story()

  test('--version and --help answer without touching a database', async () => {
    const empty = aloneInEmptyFolder()
    const v = await run(['./sally', '--version'], empty)
    expect(v.code).toBe(0)
    expect(v.stdout.trim()).toBe(VERSION)
    const h = await run(['./sally', '--help'], empty)
    expect(h.code).toBe(0)
    for (const cmd of ['serve', 'migrate', 'seed', 'backup FILE', '--version', '--help']) expect(h.stdout).toContain(cmd)
    expect(readdirSync(empty)).toEqual(['sally'])
  })

  test('an unknown command or a bad setting exits 1 with one clear line', async () => {
    const empty = aloneInEmptyFolder()
    const u = await run(['./sally', 'frobnicate'], empty)
    expect(u.code).toBe(1)
    expect(u.stderr).toContain('Unknown command "frobnicate"')
    const bad = await run(['./sally', 'serve'], empty, { PORT: 'abc' })
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim().split('\n')[0]).toMatch(/^Invalid configuration: PORT="abc"/)
    expect(existsSync(join(empty, 'data'))).toBe(false)
  })

  step('starts, creates ./data/sally.db and answers /health', async () => {
    expect(existsSync(join(dir, 'data', 'sally.db'))).toBe(true)
    const res = await fetch(`${server.base}/health`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as any
    expect(body).toMatchObject({ ok: true, data: { status: 'ok', version: VERSION, database: 'ok' } })
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  step('binds loopback and logs one JSON line per request with its request id', async () => {
    const res = await fetch(`${server.base}/nope`, { headers: { 'x-request-id': 'e2e-req-1' } })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ ok: false, code: 'not_found', requestId: 'e2e-req-1' })
    await Bun.sleep(50)
    const line = server
      .output()
      .split('\n')
      .find((l) => l.includes('e2e-req-1'))
    expect(line).toBeDefined()
    expect(JSON.parse(line!)).toMatchObject({ method: 'GET', path: '/nope', status: 404, requestId: 'e2e-req-1' })
    expect(server.output()).toContain(`"url":"http://127.0.0.1:${server.port}"`)
  })

  step('/swagger is an HTML page whose assets come from the server itself and load', async () => {
    await checkSwagger(server.base, '')
  })

  step('/swagger/json is an OpenAPI 3 document with the routes and both security schemes', async () => {
    const res = await fetch(`${server.base}/swagger/json`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as any
    expect(String(doc.openapi)).toMatch(/^3\./)
    expect(doc.info.version).toBe(VERSION)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/auth/me']))
    expect(doc.paths['/health'].get.responses['200']).toBeDefined()
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer'])
  })

  step('migrate on the live database exits 0', async () => {
    const r = await run(['./sally', 'migrate'], dir)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('up to date')
  })

  step('seed writes a token to ./.env and, with --email/--password, the first SUPERADMIN', async () => {
    const r = await run(['./sally', 'seed', '--email', 'admin@example.com', '--password', 'correct horse battery'], dir, {
      SALLY_HASH_MEMORY_KIB: '19456',
    })
    expect(r.code).toBe(0)
    const token = r.stdout.trim()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/)
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`SALLY_GLOBAL_API_TOKEN=${token}\n`)
    expect(r.stderr).toContain('Created SUPERADMIN admin@example.com')
    // Without --force the value is kept.
    const again = await run(['./sally', 'seed'], dir)
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe('')
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`SALLY_GLOBAL_API_TOKEN=${token}\n`)
  })

  step('backup FILE writes a consistent copy that opens with its tables and rows', async () => {
    const r = await run(['./sally', 'backup', 'backups/copy.db'], dir)
    expect(r.code).toBe(0)
    const copy = new Database(join(dir, 'backups', 'copy.db'), { readonly: true })
    try {
      expect(copy.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
      const tables = copy
        .query("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((t: any) => t.name)
      expect(tables).toEqual(expect.arrayContaining(['users', 'workspaces', 'workspace_members', '__drizzle_migrations']))
      expect(copy.query('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual({ n: embeddedMigrations.journal.entries.length })
      expect(copy.query("SELECT platform_role AS role FROM users WHERE email = 'admin@example.com'").get()).toEqual({ role: 'SUPERADMIN' })
    } finally {
      copy.close()
    }
  })

  step('SIGTERM exits 0 after checkpointing: no non-empty -wal file is left', async () => {
    const code = await server.stop('SIGTERM')
    expect(code).toBe(0)
    expect(server.output()).toContain('"msg":"stopped"')
    const wal = join(dir, 'data', 'sally.db-wal')
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0)
  })

  step('restarted, it reads the seeded token from ./.env and accepts it as the global credential', async () => {
    const token = /SALLY_GLOBAL_API_TOKEN=(.*)/.exec(readFileSync(join(dir, '.env'), 'utf8'))![1]!
    server = await startServer(['./sally'], dir)
    const me = await fetch(`${server.base}/auth/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect(((await me.json()) as any).data.kind).toBe('global')
    const none = await fetch(`${server.base}/auth/me`)
    expect(none.status).toBe(401)
    expect(((await none.json()) as any).code).toBe('missing_key')
    const wrong = await fetch(`${server.base}/auth/me`, { headers: { authorization: `Bearer ${token.slice(0, -1)}x` } })
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as any).code).toBe('invalid_key')
    expect(await server.stop('SIGINT')).toBe(0)
  })
  test('serves, migrates live, seeds, backs up, stops on SIGTERM, restarts with the seeded token', runStory, 60_000)
})

describe('SALLY_BASE_PATH=/api', () => {
  let server: Server

  beforeAll(async () => {
    server = await startServer(['./sally'], aloneInEmptyFolder(), { SALLY_BASE_PATH: '/api' }, '/api')
  }, 30_000)

  afterAll(async () => {
    await server?.stop('SIGKILL')
  })
  // SIGTERM ends the server the other steps use: one story, in order.
  const { step, run: runStory } = story()

  step('serves /api/health and nothing at /health', async () => {
    expect(server.base.endsWith('/api')).toBe(true)
    expect((await fetch(`${server.base}/health`)).status).toBe(200)
    const origin = new URL(server.base).origin
    expect((await fetch(`${origin}/health`)).status).toBe(404)
  })

  step('/api/swagger loads its assets and spec from under /api', async () => {
    await checkSwagger(server.base, '/api')
    const doc = (await (await fetch(`${server.base}/swagger/json`)).json()) as any
    expect(doc.servers).toEqual([{ url: '/api' }])
    // Paths are relative to the server URL (Swagger UI calls server URL + path: /api/health).
    expect(Object.keys(doc.paths)).toContain('/health')
    expect(Object.keys(doc.paths)).not.toContain('/api/health')
  })

  step('SIGTERM exits 0', async () => {
    expect(await server.stop('SIGTERM')).toBe(0)
  })
  test('serves under /api (health, swagger), then exits 0 on SIGTERM', runStory, 30_000)
})

describe('search in the binary', () => {
  test('runs on a worker thread bundled into the binary: a new account finds its task, and SIGTERM ends the worker', async () => {
    const dir = aloneInEmptyFolder()
    const server = await startServer(['./sally'], dir, { SALLY_ALLOW_SIGNUP: 'true', SALLY_SEARCH_WORKERS: '1' })
    try {
      const call = async (method: string, path: string, body?: unknown, token?: string) => {
        const res = await fetch(`${server.base}${path}`, {
          method,
          headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        })
        return { status: res.status, body: (await res.json()) as any }
      }
      const email = 'quokka@binary.test'
      const password = 'a long enough passphrase'
      expect((await call('POST', '/auth/register', { email, password, name: 'Q' })).status).toBe(201)
      const token = (await call('POST', '/auth/login', { email, password })).body.data.token as string
      const project = await call('POST', '/projects', { name: 'Zoo', key: 'ZOO' }, token)
      expect(project.status).toBe(201)
      const task = await call('POST', '/tasks', { projectId: project.body.data.id, title: 'Feed the quokka' }, token)
      expect(task.status).toBe(201)
      const found = await call('GET', '/search?q=quokk', undefined, token)
      expect(found.status).toBe(200)
      expect(found.body.data).toMatchObject([{ type: 'task', id: task.body.data.id, humanId: 'ZOO-1', snippet: 'Feed the **quokka**' }])
      // The worker started from the binary (a worker that cannot load logs an error and searches inline).
      expect(server.output()).toContain('"msg":"search workers ready","workers":1')
      expect(server.output()).not.toContain('"level":"error"')
      if (process.platform === 'linux') {
        // The search worker's thread runs 10 nice steps (SALLY_SEARCH_WORKER_NICE's default) below the server; its HTTP thread keeps the server's,
        // and so does the checkpoint worker's (src/db/checkpointer.ts: a checkpoint left behind falls back on the HTTP thread).
        expect(server.output()).toContain('"msg":"checkpoint worker ready"')
        const threads = threadsOf(server.proc.pid)
        const main = threads.find((th) => th.id === server.proc.pid)!
        const nices = threads.filter((th) => th.name === 'Worker').map((th) => th.nice)
        expect(nices.sort((a, b) => a - b)).toEqual([main.nice, Math.min(19, main.nice + 10)])
      }
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0)
    }
    expect(server.output()).toContain('"msg":"stopped"')
    const wal = join(dir, 'data', 'sally.db-wal')
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0)
  }, 60_000)
})
