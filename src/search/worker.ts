/**
 * A search worker: one thread with its own read-only connection to the server's database file
 * (WAL mode lets it read while the main thread writes), running search plans the main thread has
 * already authorized (`runSearch`). It makes no access decision and writes nothing.
 *
 * Messages in: `{ type: 'open', dbPath, niceness }` once, then `{ type: 'search', id, plan }`, and
 * `{ type: 'close' }` at shutdown. Out: `{ type: 'ready' }` or `{ type: 'failed', error }` after
 * opening, `{ type: 'result', id, hits }` or `{ type: 'result', id, error }` per search.
 *
 * On Linux the thread runs `niceness` nice steps below the process (SALLY_SEARCH_WORKER_NICE; this
 * thread only, `lowerThreadPriority`), so on busy cores the HTTP thread wins the CPU and a search
 * waits instead of a /health or a task update.
 *
 * An entrypoint of its own: scripts/build.ts lists it so the compiled binary carries it.
 */
import { Database } from 'bun:sqlite'
import { keepPlans } from '../db/fixed-plans'
import { lowerThreadPriority } from '../lib/thread-priority'
import { runSearch, type SearchPlan } from './run'

export type ToWorker =
  | { type: 'open'; dbPath: string; niceness: number }
  | { type: 'search'; id: number; plan: SearchPlan }
  | { type: 'close' }
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'result'; id: number; hits: unknown[] }
  | { type: 'result'; id: number; error: string }

declare const self: Worker

let db: Database | null = null

function open(path: string): Database {
  const conn = keepPlans(new Database(path, { readonly: true, strict: true }))
  conn.exec('PRAGMA busy_timeout = 5000')
  conn.exec('PRAGMA temp_store = MEMORY')
  conn.exec('PRAGMA cache_size = -20000')
  // Fails here, not at the first search, when the file is not a Sally database.
  conn.query('SELECT 1 FROM search_fts LIMIT 0').all()
  return conn
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data
  const reply = (r: FromWorker) => self.postMessage(r)
  if (m.type === 'search') {
    try {
      if (!db) throw new Error('the search worker has no open database')
      reply({ type: 'result', id: m.id, hits: runSearch(db, m.plan) })
    } catch (e) {
      reply({ type: 'result', id: m.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) })
    }
  } else if (m.type === 'open') {
    lowerThreadPriority(m.niceness)
    try {
      db = open(m.dbPath)
      reply({ type: 'ready' })
    } catch (e) {
      reply({ type: 'failed', error: e instanceof Error ? e.message : String(e) })
    }
  } else if (m.type === 'close') {
    db?.close()
    db = null
    process.exit(0)
  }
}
