import type { Core } from '../core'
import { readCache } from '../lib/read-cache'

/**
 * Bytes per kept entry besides its answer and its key: the map entry, its record and the Buffer
 * object (~500 bytes measured for small answers on Bun 1.3).
 */
const ENTRY_OVERHEAD = 512

/**
 * What an entry costs: its answer, its key (which holds the visibility SQL and every parameter, often
 * longer than the answer; 2 bytes a character, as a string may be stored) and the overhead.
 */
const entryBytes = (answer: Uint8Array, key: string) => answer.byteLength + 2 * key.length + ENTRY_OVERHEAD

/**
 * A JSON answer served from bytes built once per distinct `key` while the database is unchanged
 * (src/lib/read-cache.ts: any write, from this process or another, empties it; nothing is cached
 * inside a transaction). For hot reads polled by many clients (the board, task lists): a repeat
 * costs a map lookup instead of the queries and the serialization.
 *
 * SALLY_ANSWER_CACHE_MB bounds the bytes kept per route, keys included (0: every answer is computed).
 *
 * `key` must determine the answer completely given the database: callers build it from the
 * exact inputs of their queries (the visibility SQL and its parameters, the project and the
 * caller's role in it, every query parameter), after the permission checks have run.
 */
export function cachedJson(
  core: Pick<Core, 'sqlite' | 'config'>,
  route: 'board' | 'tasks' | 'objects',
  key: string,
  build: () => unknown,
): Response {
  const budget = core.config.SALLY_ANSWER_CACHE_MB * 1024 * 1024
  const headers = { 'content-type': 'application/json' }
  // Nothing kept: the text goes to the Response as it is (no copy into a Buffer).
  if (budget === 0) return new Response(JSON.stringify(build()), { headers })
  const serialize = () => Buffer.from(JSON.stringify(build()))
  return new Response(readCache<Uint8Array>(core.sqlite, `json:${route}`, budget, entryBytes).get(key, serialize), { headers })
}
