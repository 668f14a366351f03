import { buildApp } from '../app'
import { startBackground, stopBackground } from '../background'
import { type Config, ConfigError, loadConfig } from '../config'
import { type Core, createCore } from '../core'
import { closeDatabase, type DbHandle, openDatabase } from '../db/client'
import { migrationList, runMigrations } from '../db/migrate'
import { liveHub } from '../live/hub'
import { VERSION } from '../version'
import { BackupError, backupDatabase } from './backup'
import { type CommandName, commandHelp, envHelp, isCommand, mainHelp, parseCommand, UsageError } from './help'
import { seed } from './seed'

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
      // Open event streams (GET /events) never end by themselves: end them so in-flight requests can drain.
      liveHub(core)?.closeAll()
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
function openMigrated(cfg: Config): { handle: DbHandle; applied: number } {
  let handle: DbHandle
  try {
    handle = openDatabase(cfg.SALLY_DB)
  } catch (e) {
    die(`Cannot open the database SALLY_DB=${cfg.SALLY_DB}: ${(e as Error).message}`)
  }
  try {
    return { handle, applied: runMigrations(handle.db) }
  } catch (e) {
    handle.sqlite.close()
    die(`Cannot migrate the database ${cfg.SALLY_DB}: ${(e as Error).message}`)
  }
}

async function serve(cfg: Config) {
  const { handle, applied } = openMigrated(cfg)
  const core = createCore({ config: cfg, db: handle })
  if (applied > 0) core.log.info('migrated', { applied, known: migrationList().length })
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

function migrate(cfg: Config) {
  const { handle, applied } = openMigrated(cfg)
  closeDatabase(handle)
  const done = applied === 0 ? 'No pending migrations' : `Applied ${applied} migration${applied === 1 ? '' : 's'}`
  console.log(`${done}; database ${cfg.SALLY_DB} is up to date (${migrationList().length} known).`)
}

async function seedCommand(cfg: Config, argv: string[]) {
  let handle: DbHandle | undefined
  try {
    const r = await seed(argv, { hashMemoryKib: cfg.SALLY_HASH_MEMORY_KIB, openDb: () => (handle = openMigrated(cfg).handle) })
    for (const m of r.messages) console.error(m)
    if (r.token) console.log(r.token)
  } catch (e) {
    die(`seed: ${(e as Error).message}`)
  } finally {
    if (handle) closeDatabase(handle)
  }
}

function help(topic: string | undefined) {
  if (topic === undefined) console.log(mainHelp())
  else if (topic === 'env') console.log(envHelp())
  else if (isCommand(topic)) console.log(commandHelp(topic))
  else throw new UsageError('help', `no help on "${topic}": name a command or env`)
}

async function run(name: CommandName, argv: string[]): Promise<void> {
  const { help: wantsHelp, positionals } = parseCommand(name, argv)
  if (wantsHelp) return console.log(commandHelp(name))
  switch (name) {
    case 'serve':
      return serve(config())
    case 'migrate':
      return migrate(config())
    case 'seed':
      return seedCommand(config(), argv)
    case 'backup':
      return console.log(backupDatabase(config().SALLY_DB, positionals[0]!))
    case 'mcp': {
      const { runStdioMcp } = await import('../mcp/stdio')
      return runStdioMcp()
    }
    case 'help':
      return help(positionals[0])
  }
}

/** `sally [COMMAND] [options]`: no command is `serve`; options first (`sally --port 1`) are serve's, refused as such. */
export async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv
  try {
    if (first === '--version' || first === '-v' || first === 'version') {
      if (rest.length) die(`sally: Unexpected argument '${rest[0]}'\nUsage: sally --version`)
      return console.log(VERSION)
    }
    if (first === '--help' || first === '-h') return await run('help', rest)
    if (first === undefined || first.startsWith('-')) return await run('serve', argv)
    if (!isCommand(first)) die(`Unknown command "${first}": run \`sally --help\` for the list.`)
    return await run(first, rest)
  } catch (e) {
    if (e instanceof UsageError) die(e.describe())
    if (e instanceof BackupError) die(e.message)
    throw e
  }
}
