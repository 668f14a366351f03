/**
 * The checkpoint worker: one thread with its own read-write connection to the server's database
 * file that copies the WAL back into the database (`PRAGMA wal_checkpoint(PASSIVE)`) every
 * `intervalMs`, so the request thread never does it (src/db/checkpointer.ts). A PASSIVE checkpoint
 * waits for nobody: writers keep appending to the WAL while it runs, and the next write after a
 * complete one starts the WAL over. Commits are durable once in the WAL; this only moves pages on.
 *
 * Messages in: `{ type: 'open', dbPath, intervalMs }` once, `{ type: 'close' }` at shutdown. Out:
 * `{ type: 'ready' }` or `{ type: 'failed', error }` after opening; `{ type: 'error', error }` when a
 * checkpoint fails (once until one succeeds again).
 *
 * An entrypoint of its own: scripts/build.ts lists it so the compiled binary carries it.
 */
import { Database } from 'bun:sqlite'

export type ToCheckpointer = { type: 'open'; dbPath: string; intervalMs: number } | { type: 'close' }
export type FromCheckpointer = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'error'; error: string }

declare const self: Worker

let db: Database | null = null
let timer: Timer | undefined
let failing = false
const reply = (m: FromCheckpointer) => self.postMessage(m)
const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

function checkpoint(conn: Database): void {
  try {
    conn.exec('PRAGMA wal_checkpoint(PASSIVE)')
    failing = false
  } catch (e) {
    if (!failing) reply({ type: 'error', error: message(e) })
    failing = true
  }
}

self.onmessage = (event: MessageEvent<ToCheckpointer>) => {
  const m = event.data
  if (m.type === 'open') {
    try {
      const conn = new Database(m.dbPath, { readwrite: true, create: false, strict: true })
      conn.exec('PRAGMA busy_timeout = 5000')
      // As the server's connection (src/db/client.ts): a checkpoint syncs the WAL, then the database file.
      conn.exec('PRAGMA synchronous = NORMAL')
      // This connection never checkpoints on its own (it writes nothing anyway).
      conn.exec('PRAGMA wal_autocheckpoint = 0')
      // Fails here, not at the first checkpoint, when the file is not a WAL database.
      const mode = conn.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode
      if (mode !== 'wal') throw new Error(`the database is not in WAL mode (${mode})`)
      db = conn
      timer = setInterval(() => checkpoint(conn), m.intervalMs)
      reply({ type: 'ready' })
    } catch (e) {
      reply({ type: 'failed', error: message(e) })
    }
  } else if (m.type === 'close') {
    clearInterval(timer)
    db?.close()
    db = null
    process.exit(0)
  }
}
