import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../src/app'
import { type ConfigOverrides, testConfig } from '../../src/config'
import { openDatabase } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { FakeClock } from '../../src/lib/clock'

export type ReqOptions = {
  /** Sent as Authorization: Bearer. */
  as?: string | null
  headers?: Record<string, string>
  /** Objects are sent as JSON; strings, FormData and Blobs as they are. */
  body?: unknown
  /** Sent as X-Workspace-Id. */
  workspace?: string
}

export type TestResponse<T = any> = { status: number; body: T; headers: Headers; text: string }

/**
 * A fresh app over a fresh temporary SQLite file, with a fake clock starting now. With `dbPath`, the
 * app opens that file instead (to build a second app over the same database: a restart) and `close()`
 * leaves the file in place.
 */
export function makeTestApp(overrides: ConfigOverrides = {}, opts: { dbPath?: string } = {}) {
  const dir = opts.dbPath ? null : mkdtempSync(join(tmpdir(), 'sally-test-'))
  const handle = openDatabase(opts.dbPath ?? join(dir!, 'sally.db'))
  runMigrations(handle.db)
  const clock = new FakeClock(Date.now())
  const config = testConfig(overrides)
  const app = createApp({ config, db: handle, clock })
  const core = app.core

  async function req<T = any>(method: string, path: string, opts: ReqOptions = {}): Promise<TestResponse<T>> {
    const headers = new Headers(opts.headers)
    if (opts.as) headers.set('authorization', `Bearer ${opts.as}`)
    if (opts.workspace) headers.set('x-workspace-id', opts.workspace)
    let body: RequestInit['body']
    if (opts.body !== undefined) {
      if (typeof opts.body === 'string' || opts.body instanceof FormData || opts.body instanceof Blob)
        body = opts.body as RequestInit['body']
      else {
        body = JSON.stringify(opts.body)
        if (!headers.has('content-type')) headers.set('content-type', 'application/json')
      }
    }
    // In-process Requests carry no Content-Length; send it as a real client would.
    if (typeof body === 'string' && !headers.has('content-length')) headers.set('content-length', String(Buffer.byteLength(body)))
    const res = await app.handle(new Request(`http://localhost${config.SALLY_BASE_PATH}${path}`, { method, headers, body }))
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers, text }
  }

  return {
    app,
    core,
    db: core.db,
    sqlite: core.sqlite,
    clock,
    config,
    req,
    close() {
      handle.sqlite.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type TestApp = ReturnType<typeof makeTestApp>
