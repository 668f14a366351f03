import type { Database } from 'bun:sqlite'
import { CACHES, type CacheInfo, type DbCacheName } from './caches'

/**
 * Read caches for the few rows every authenticated request reads (the caller's user, their
 * memberships), valid only while the database is unchanged, so they can never serve stale data:
 *
 * - every write through this process's connection bumps SQLite's `total_changes()` (0.1 µs to read),
 *   which is checked on every use: a role change, a removed member or a deleted user is seen by the
 *   very next request;
 * - writes by another process (the CLI on the same file) bump `PRAGMA data_version`, which costs as
 *   much as a lookup, so it is checked at most every DATA_VERSION_CHECK_MS (250 ms);
 * - nothing is cached while a transaction is open (it could still roll back).
 *
 * Any change to any table empties every cache: simple and safe; the point is to serve bursts of reads
 * (a client polling, a script looping) without touching SQLite. The exception is bookkeeping: writes
 * that no cached answer reads (key usage counters, webhook delivery attempts, the mail outbox,
 * idempotency records) run through `bookkeeping()`, which keeps the caches when nothing else changed.
 * Every cache is listed in src/lib/caches.ts.
 */
const DATA_VERSION_CHECK_MS = 250

type Tracker = {
  total: { values(): unknown[][] }
  dataVersion: { values(): unknown[][] }
  lastTotal: number
  lastData: number
  lastCheck: number
  epoch: number
}

const trackers = new WeakMap<Database, Tracker>()

function tracker(sqlite: Database): Tracker {
  let t = trackers.get(sqlite)
  if (!t) {
    t = {
      total: sqlite.prepare('SELECT total_changes()'),
      dataVersion: sqlite.prepare('PRAGMA data_version'),
      lastTotal: -1,
      lastData: -1,
      lastCheck: -Infinity,
      epoch: 0,
    }
    trackers.set(sqlite, t)
  }
  return t
}

const totalChanges = (t: Tracker) => Number(t.total.values()[0]![0])

/**
 * Runs `write`, a write that no cache reads (bookkeeping: key usage, delivery attempts, outbox,
 * idempotency records), without emptying the caches: when the caches were current before it (no
 * other change since the last check) they stay current after it. Inside a transaction, or after
 * another change not yet seen, it changes nothing (the caches are emptied as for any write).
 * `write` must be synchronous and must not write anything a cache holds (src/lib/caches.ts).
 */
export function bookkeeping<T>(sqlite: Database, write: () => T): T {
  if (sqlite.inTransaction) return write()
  const t = tracker(sqlite)
  const current = totalChanges(t) === t.lastTotal
  const out = write()
  if (current) t.lastTotal = totalChanges(t)
  return out
}

/** A number that changes whenever the database may have changed since the last call. */
export function dbEpoch(sqlite: Database): number {
  const t = tracker(sqlite)
  const total = totalChanges(t)
  let changed = total !== t.lastTotal
  const now = performance.now()
  if (now - t.lastCheck >= DATA_VERSION_CHECK_MS) {
    t.lastCheck = now
    const data = Number(t.dataVersion.values()[0]![0])
    if (data !== t.lastData) {
      t.lastData = data
      changed = true
    }
  }
  if (changed) {
    t.lastTotal = total
    t.epoch++
  }
  return t.epoch
}

export class ReadCache<V> {
  private map = new Map<string, { v: V; w: number }>()
  private epoch = -1
  private weight = 0
  private hits = 0
  private misses = 0

  /**
   * `max` bounds the total weight of the entries (by default each weighs 1: a count); when a new
   * entry would pass it, the oldest entries go first. `weigh` sees the key too, so that a bound in
   * bytes can count what the key costs as well as the value.
   */
  constructor(
    private readonly sqlite: Database,
    private readonly max = 10_000,
    private readonly weigh: (v: V, key: string) => number = () => 1,
  ) {}

  /** How many entries are kept, their total weight, and the lookups served from the cache or loaded (for tests and diagnostics). */
  stats(): { entries: number; weight: number; hits: number; misses: number } {
    return { entries: this.map.size, weight: this.weight, hits: this.hits, misses: this.misses }
  }

  /** The cached value for `key`, or `load()` (cached unless a transaction is open). */
  get(key: string, load: () => V): V {
    if (this.sqlite.inTransaction) return load()
    const e = dbEpoch(this.sqlite)
    if (e !== this.epoch) {
      this.map.clear()
      this.weight = 0
      this.epoch = e
    }
    const hit = this.map.get(key)
    if (hit) {
      this.hits++
      return hit.v
    }
    this.misses++
    const v = load()
    const w = this.weigh(v, key)
    if (w > this.max) return v
    for (const [k, old] of this.map) {
      if (this.weight + w <= this.max) break
      this.map.delete(k)
      this.weight -= old.w
    }
    this.map.set(key, { v, w })
    this.weight += w
    return v
  }
}

const perDb = new WeakMap<Database, Map<string, ReadCache<unknown>>>()

/**
 * The named cache of this database (one per purpose, listed in src/lib/caches.ts, which gives its
 * bound); `max` (overriding the listed bound) and `weigh` apply when it is created.
 */
export function readCache<V>(sqlite: Database, name: DbCacheName, max?: number, weigh?: (v: V, key: string) => number): ReadCache<V> {
  let byName = perDb.get(sqlite)
  if (!byName) perDb.set(sqlite, (byName = new Map()))
  let c = byName.get(name)
  const listed: CacheInfo = CACHES[name]
  if (!c)
    byName.set(name, (c = new ReadCache<unknown>(sqlite, max ?? listed.max, weigh as ((v: unknown, key: string) => number) | undefined)))
  return c as ReadCache<V>
}
