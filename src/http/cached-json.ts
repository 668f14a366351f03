import type { Core } from '../core'
import { readCache } from '../lib/read-cache'

/** Bytes of serialized answers each hot read route may keep (per route, per database). */
const MAX_BYTES = 32 * 1024 * 1024

/**
 * A JSON answer served from bytes built once per distinct `key` while the database is unchanged
 * (src/lib/read-cache.ts: any write, from this process or another, empties it; nothing is cached
 * inside a transaction). For hot reads polled by many clients (the board, task lists): a repeat
 * costs a map lookup instead of the queries and the serialization.
 *
 * `key` must determine the answer completely given the database: callers build it from the
 * exact inputs of their queries (the visibility SQL and its parameters, the project and the
 * caller's role in it, every query parameter), after the permission checks have run.
 */
export function cachedJson(core: Pick<Core, 'sqlite'>, route: string, key: string, build: () => unknown): Response {
  const bytes = readCache<Uint8Array>(core.sqlite, `json:${route}`, MAX_BYTES, (b) => b.byteLength).get(key, () =>
    Buffer.from(JSON.stringify(build())),
  )
  return new Response(bytes, { headers: { 'content-type': 'application/json' } })
}
