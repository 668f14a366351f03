import type { Core } from '../core'
import { closeWorker } from '../lib/workers'
import type { FromCheckpointer, ToCheckpointer } from './checkpoint-worker'

/**
 * Checkpoints off the request thread. SQLite's automatic checkpoint runs inside the COMMIT that
 * passes 1,000 WAL pages, on the thread that committed: it copies those pages into the database file
 * and syncs it, which over HTTP cost about half the CPU of a `PATCH /tasks/:id` (bench-results/writes.md).
 * A serving process instead runs the checkpoint worker (src/db/checkpoint-worker.ts), which checkpoints
 * every CHECKPOINT_INTERVAL_MS on a connection of its own, and the request thread's automatic
 * checkpoint stays only as a backstop, at BACKSTOP_PAGES (should the worker fall behind or stop).
 * If the worker cannot start or ends, the request thread checkpoints as before (1,000 pages).
 */
export const CHECKPOINT_INTERVAL_MS = 100
/** The request thread's automatic checkpoint while the worker runs: about 80 MiB of WAL. */
export const BACKSTOP_PAGES = 20_000
/** SQLite's default, restored when the worker is not running. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000
/** How long a stopping worker may take to close its connection before it is terminated. */
const CLOSE_GRACE_MS = 2000

/** The worker module: next to this file from source, `./db/checkpoint-worker.ts` in the compiled binary (see src/search/pool.ts `searchWorkerUrl`). */
export function checkpointWorkerUrl(): URL {
  const here = import.meta.url
  return /\/\$bunfs\/|~BUN\//.test(here) ? new URL('./db/checkpoint-worker.ts', here) : new URL('./checkpoint-worker.ts', here)
}

const setAutocheckpoint = (core: Pick<Core, 'sqlite'>, pages: number) => core.sqlite.exec(`PRAGMA wal_autocheckpoint = ${pages}`)
export const autocheckpointPages = (core: Pick<Core, 'sqlite'>) =>
  core.sqlite.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()!.wal_autocheckpoint

/**
 * Starts the checkpoint worker of a serving process (not for `:memory:`); registers its stopper in
 * `core.stoppers`, which ends the worker and gives the checkpoints back to the request thread.
 * Resolves once the worker is checkpointing (true) or could not start (false).
 */
export function startCheckpointer(core: Core, intervalMs = CHECKPOINT_INTERVAL_MS): Promise<boolean> {
  if (core.dbPath === ':memory:') return Promise.resolve(false)
  const worker = new Worker(checkpointWorkerUrl())
  let running = false
  let stopped = false
  let settle: (ok: boolean) => void = () => {}
  const started = new Promise<boolean>((done) => (settle = done))
  const ended = (why: string) => {
    settle(false)
    if (stopped) return
    stopped = true
    if (running) setAutocheckpoint(core, DEFAULT_AUTOCHECKPOINT_PAGES)
    running = false
    core.log.warn('checkpoint worker stopped: the request thread checkpoints again', { why })
    worker.terminate()
  }
  worker.addEventListener('message', (event: MessageEvent<FromCheckpointer>) => {
    const m = event.data
    if (m.type === 'ready') {
      if (stopped) return
      running = true
      setAutocheckpoint(core, BACKSTOP_PAGES)
      core.log.info('checkpoint worker ready', { intervalMs, backstopPages: BACKSTOP_PAGES })
      settle(true)
    } else if (m.type === 'failed') ended(`could not open the database: ${m.error}`)
    else core.log.warn('checkpoint failed', { error: m.error })
  })
  worker.addEventListener('error', (event: ErrorEvent) => ended(`error: ${event.message}`))
  worker.addEventListener('close', (event: Event) => ended(`exited with code ${(event as CloseEvent).code}`))
  worker.postMessage({ type: 'open', dbPath: core.dbPath, intervalMs } satisfies ToCheckpointer)
  core.stoppers.push(async () => {
    if (stopped) return
    stopped = true
    settle(false)
    if (running) setAutocheckpoint(core, DEFAULT_AUTOCHECKPOINT_PAGES)
    running = false
    await closeWorker(worker, CLOSE_GRACE_MS)
  })
  return started
}
