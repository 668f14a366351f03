import type { Database } from 'bun:sqlite'
import { KeyUsageRecorder, MemoryKeyCache, type VerifiedKeyCache } from './auth/key-cache'
import type { Config } from './config'
import type { Db, DbHandle } from './db/client'
import { type Clock, systemClock } from './lib/clock'
import { createLogger, type Logger } from './lib/log'
import { MemoryRateLimiter, type RateLimiter } from './lib/rate-limit'
import type { SearchPool } from './search/pool'

/**
 * Everything services need, built once per app: configuration, database, clock, caches.
 * Services take `core` as their first argument and never see HTTP.
 */
export type Core = {
  config: Config
  db: Db
  sqlite: Database
  dbPath: string
  clock: Clock
  log: Logger
  keyCache: VerifiedKeyCache
  keyUsage: KeyUsageRecorder
  limiter: RateLimiter
  startedAt: number
  /** Search worker threads of a serving process (`startSearchWorkers`); null: searches run inline. */
  searchPool: SearchPool | null
  /** Background jobs (usage flush, mail, webhooks) register their stop functions here. */
  stoppers: (() => void | Promise<void>)[]
}

export type CoreDeps = {
  config: Config
  db: DbHandle
  clock?: Clock
  log?: Logger
  keyCache?: VerifiedKeyCache
  limiter?: RateLimiter
}

export function createCore(deps: CoreDeps): Core {
  const clock = deps.clock ?? systemClock
  return {
    config: deps.config,
    db: deps.db.db,
    sqlite: deps.db.sqlite,
    dbPath: deps.db.path,
    clock,
    log: deps.log ?? createLogger(deps.config.LOG_LEVEL),
    keyCache: deps.keyCache ?? new MemoryKeyCache(),
    keyUsage: new KeyUsageRecorder(),
    limiter: deps.limiter ?? new MemoryRateLimiter(),
    startedAt: clock.now(),
    searchPool: null,
    stoppers: [],
  }
}
