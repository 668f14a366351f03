import type { Core } from '../core'
import { readCache } from '../lib/read-cache'

/**
 * A JSON answer served from bytes built once per distinct `key` while the database is unchanged
 * (src/lib/read-cache.ts: any write, from this process or another, empties it; nothing is cached
 * inside a transaction). For hot reads polled by many clients (the board, task lists): a repeat
 * costs a map lookup instead of the queries and the serialization.
 *
 * SALLY_ANSWER_CACHE_MB bounds the bytes kept per route (0: every answer is computed).
 *
 * `key` must determine the answer completely given the database: callers build it from the
 * exact inputs of their queries (the visibility SQL and its parameters, the project and the
 * caller's role in it, every query parameter), after the permission checks have run.
 */
export function cachedJson(core: Pick<Core, 'sqlite' | 'config'>, route: string, key: string, build: () => unknown): Response {
  const budget = core.config.SALLY_ANSWER_CACHE_MB * 1024 * 1024
  const serialize = () => Buffer.from(JSON.stringify(build()))
  const bytes =
    budget === 0 ? serialize() : readCache<Uint8Array>(core.sqlite, `json:${route}`, budget, (b) => b.byteLength).get(key, serialize)
  return new Response(bytes, { headers: { 'content-type': 'application/json' } })
}
