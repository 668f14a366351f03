import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { buildApp } from '../app'
import { startBackground, stopBackground } from '../background'
import { ConfigError, loadConfig, type Config } from '../config'
import { createCore } from '../core'
import { closeDatabase, openDatabase } from '../db/client'
import { runMigrations } from '../db/migrate'
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

async function serve(cfg: Config) {
  const handle = openDatabase(cfg.SALLY_DB)
  runMigrations(handle.db)
  const core = createCore({ config: cfg, db: handle })
  const app = buildApp(core)
  startBackground(core)
  app.listen({
    hostname: cfg.HOST,
    port: cfg.PORT,
    maxRequestBodySize: Math.max(cfg.SALLY_MAX_JSON_BYTES, cfg.SALLY_UPLOAD_MAX_BYTES + 64 * 1024),
  })
  const server = app.server!
  core.log.info('listening', { url: `http://${server.hostname}:${server.port}${cfg.SALLY_BASE_PATH}`, version: VERSION, db: cfg.SALLY_DB })
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    core.log.info('shutting down', { signal })
    // Stop accepting; let in-flight requests finish.
    await server.stop(false)
    await stopBackground(core)
    closeDatabase(handle)
    core.log.info('stopped', { signal })
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
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
      const handle = openDatabase(cfg.SALLY_DB)
      const n = runMigrations(handle.db)
      closeDatabase(handle)
      console.log(`Database ${cfg.SALLY_DB} is up to date (${n} migrations known).`)
      return
    }
    case 'seed': {
      const cfg = config()
      try {
        const r = await seed(rest, {
          hashMemoryKib: cfg.SALLY_HASH_MEMORY_KIB,
          openDb: () => {
            const h = openDatabase(cfg.SALLY_DB)
            runMigrations(h.db)
            return h
          },
        })
        for (const m of r.messages) console.error(m)
        if (r.token) console.log(r.token)
      } catch (e) {
        die(`seed: ${(e as Error).message}`)
      }
      return
    }
    case 'backup': {
      const target = rest[0]
      if (!target) die('usage: sally backup FILE')
      const cfg = config()
      const out = resolve(target)
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
