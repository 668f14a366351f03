import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { buildApp } from '../app'
import { startBackground, stopBackground } from '../background'
import { type Config, ConfigError, loadConfig } from '../config'
import { type Core, createCore } from '../core'
import { closeDatabase, type DbHandle, openDatabase } from '../db/client'
import { migrationList, runMigrations } from '../db/migrate'
import { VERSION } from '../version'
import { seed } from './seed'

const HELP = `Sally ${VERSION}: self-hosted project and task management API.

Usage: sally [command] [options]

Commands:
  serve            Migrate the database and serve the API (default)
  migrate          Apply pending database migrations and exit
  seed [--force] [--email E --password P [--name N] [--workspace W]]
                   Write a new SALLY_GLOBAL_API_TOKEN to ./.env (printed once);
                   optionally create the first SUPERADMIN user and workspace
  backup FILE      Write a consistent copy of the live database to FILE
  mcp              Serve the MCP tools over stdio, calling SALLY_URL with SALLY_API_KEY
  --version        Print the version
  --help           Print this help

Configuration comes from the environment (and ./.env); see the README.`

function die(msg: string): never {
  console.error(msg)
  process.exit(1)
}

function config(): Config {
  try {
    return loadConfig()
  } catch (e) {
    if (e instanceof ConfigError) die(e.message)
    throw e
  }
}

/** How long a graceful stop waits for in-flight requests before closing their connections. */
export const SHUTDOWN_GRACE_MS = 10_000

/** What `listen` needs of an Elysia app (any app: tests add routes of their own). */
export type Listenable = {
  listen(options: { hostname: string; port: number; maxRequestBodySize: number; reusePort: boolean }): unknown
  server: import('bun').Server<any> | null
}

export type RunningServer = {
  server: NonNullable<Listenable['server']>
  /** Stops accepting, waits for in-flight requests, stops background jobs, checkpoints and closes the database. */
  stop(reason: string): Promise<void>
}

/** Listens with `app` (built over `handle`) and returns the graceful stop. Signals are the caller's business. */
export function listen(app: Listenable, core: Core, handle: DbHandle, opts: { graceMs?: number } = {}): RunningServer {
  const graceMs = opts.graceMs ?? SHUTDOWN_GRACE_MS
  const cfg = core.config
  app.listen({
    hostname: cfg.HOST,
    port: cfg.PORT,
    maxRequestBodySize: Math.max(cfg.SALLY_MAX_JSON_BYTES, cfg.SALLY_UPLOAD_MAX_BYTES + 64 * 1024),
    // Elysia asks Bun for SO_REUSEPORT by default, which lets a second server bind the same port and
    // take part of the connections; refused, a busy port fails the start with EADDRINUSE instead.
    reusePort: false,
  })
  const server = app.server!
  core.log.info('listening', { url: `http://${server.hostname}:${server.port}${cfg.SALLY_BASE_PATH}`, version: VERSION, db: cfg.SALLY_DB })
  let stopping: Promise<void> | null = null
  const stop = (reason: string) =>
    (stopping ??= (async () => {
      core.log.info('shutting down', { reason })
      // Stop accepting; the promise settles once in-flight requests have been answered. A request
      // that never ends (a held-open stream) is cut after the grace period.
      let timer: Timer | undefined
      const cut = new Promise<void>((done) => {
        timer = setTimeout(() => {
          core.log.warn('in-flight requests still open after the grace period: closing them', { graceMs })
          void server.stop(true)
          done()
        }, graceMs)
      })
      await Promise.race([server.stop(false), cut])
      clearTimeout(timer)
      await stopBackground(core)
      closeDatabase(handle)
      core.log.info('stopped', { reason })
    })())
  return { server, stop }
}

/** Opens the database named by the configuration and applies pending migrations, or stops with one line. */
function openMigrated(cfg: Config): DbHandle {
  let handle: DbHandle
  try {
    handle = openDatabase(cfg.SALLY_DB)
  } catch (e) {
    die(`Cannot open the database SALLY_DB=${cfg.SALLY_DB}: ${(e as Error).message}`)
  }
  try {
    runMigrations(handle.db)
  } catch (e) {
    handle.sqlite.close()
    die(`Cannot migrate the database ${cfg.SALLY_DB}: ${(e as Error).message}`)
  }
  return handle
}

async function serve(cfg: Config) {
  const handle = openMigrated(cfg)
  const core = createCore({ config: cfg, db: handle })
  const app = buildApp(core)
  startBackground(core)
  let running: RunningServer
  try {
    running = listen(app, core, handle)
  } catch (e) {
    await stopBackground(core)
    closeDatabase(handle)
    const inUse = (e as { code?: string }).code === 'EADDRINUSE'
    die(
      `Cannot listen on ${cfg.HOST}:${cfg.PORT}: ${inUse ? 'the port is already in use (set PORT to another one)' : (e as Error).message}`,
    )
  }
  const onSignal = (signal: string) => {
    running.stop(signal).then(
      () => process.exit(0),
      (e) => {
        console.error(`shutdown failed: ${(e as Error).message}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => onSignal('SIGINT'))
  process.on('SIGTERM', () => onSignal('SIGTERM'))
}

export async function main(argv: string[]): Promise<void> {
  const [cmd = 'serve', ...rest] = argv
  switch (cmd) {
    case '--version':
    case '-v':
    case 'version':
      console.log(VERSION)
      return
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP)
      return
    case 'serve':
      return serve(config())
    case 'migrate': {
      const cfg = config()
      const handle = openMigrated(cfg)
      closeDatabase(handle)
      console.log(`Database ${cfg.SALLY_DB} is up to date (${migrationList().length} migrations known).`)
      return
    }
    case 'seed': {
      const cfg = config()
      let handle: DbHandle | undefined
      try {
        const r = await seed(rest, { hashMemoryKib: cfg.SALLY_HASH_MEMORY_KIB, openDb: () => (handle = openMigrated(cfg)) })
        for (const m of r.messages) console.error(m)
        if (r.token) console.log(r.token)
      } catch (e) {
        die(`seed: ${(e as Error).message}`)
      } finally {
        if (handle) closeDatabase(handle)
      }
      return
    }
    case 'backup': {
      const target = rest[0]
      if (!target) die('usage: sally backup FILE')
      const cfg = config()
      const out = resolve(target)
      if (!existsSync(cfg.SALLY_DB)) die(`No database at SALLY_DB=${cfg.SALLY_DB}: nothing to back up.`)
      if (existsSync(out)) die(`${out} already exists: choose a new file name.`)
      const handle = openDatabase(cfg.SALLY_DB)
      mkdirSync(dirname(out), { recursive: true })
      try {
        // VACUUM INTO is an online, transactionally consistent copy.
        handle.sqlite.query('VACUUM INTO ?').run(out)
      } catch (e) {
        die(`backup failed: ${(e as Error).message}`)
      } finally {
        handle.sqlite.close()
      }
      console.log(`Backup written to ${out}`)
      return
    }
    case 'mcp': {
      const { runStdioMcp } = await import('../mcp/stdio')
      return runStdioMcp()
    }
    default:
      die(`Unknown command "${cmd}".\n\n${HELP}`)
  }
}
