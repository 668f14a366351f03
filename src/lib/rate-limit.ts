/** Result of counting one request against a bucket. `reset` is in epoch seconds. */
export type RateLimitResult = { allowed: boolean; limit: number; remaining: number; reset: number }

/**
 * Counts requests per bucket in fixed windows. The in-memory implementation serves one process;
 * a shared store (e.g. Redis INCR + EXPIRE) can implement the same interface for several instances.
 */
export interface RateLimiter {
  /** Counts `cost` requests (default 1) if they all fit in the window, else none. */
  hit(bucket: string, limit: number, windowMs: number, now: number, cost?: number): RateLimitResult
  peek(bucket: string, limit: number, windowMs: number, now: number): RateLimitResult
}

export class MemoryRateLimiter implements RateLimiter {
  private windows = new Map<string, { start: number; count: number }>()
  private lastSweep = 0

  constructor(private readonly maxBuckets = 100_000) {}

  private window(bucket: string, windowMs: number, now: number) {
    const start = now - (now % windowMs)
    let w = this.windows.get(bucket)
    if (!w || w.start !== start) {
      if (this.windows.size >= this.maxBuckets) this.sweep(now, windowMs)
      w = { start, count: 0 }
      this.windows.set(bucket, w)
    }
    return w
  }

  private sweep(now: number, windowMs: number) {
    if (now - this.lastSweep < 1000 && this.windows.size < this.maxBuckets) return
    this.lastSweep = now
    for (const [k, w] of this.windows) if (w.start + windowMs <= now) this.windows.delete(k)
    // Still full of live windows: drop the oldest half rather than grow without bound.
    if (this.windows.size >= this.maxBuckets) {
      let n = this.windows.size / 2
      for (const k of this.windows.keys()) {
        if (n-- <= 0) break
        this.windows.delete(k)
      }
    }
  }

  private result(w: { start: number; count: number }, limit: number, windowMs: number, allowed: boolean): RateLimitResult {
    return { allowed, limit, remaining: Math.max(0, limit - w.count), reset: Math.ceil((w.start + windowMs) / 1000) }
  }

  hit(bucket: string, limit: number, windowMs: number, now: number, cost = 1): RateLimitResult {
    const w = this.window(bucket, windowMs, now)
    if (w.count + cost > limit) return this.result(w, limit, windowMs, false)
    w.count += cost
    return this.result(w, limit, windowMs, true)
  }

  peek(bucket: string, limit: number, windowMs: number, now: number): RateLimitResult {
    const w = this.window(bucket, windowMs, now)
    return this.result(w, limit, windowMs, w.count < limit)
  }
}

export function rateLimitHeaders(r: RateLimitResult, now: number): Record<string, string> {
  const h: Record<string, string> = {
    'x-ratelimit-limit': String(r.limit),
    'x-ratelimit-remaining': String(r.remaining),
    'x-ratelimit-reset': String(r.reset),
  }
  if (!r.allowed) h['retry-after'] = String(Math.max(1, r.reset - Math.floor(now / 1000)))
  return h
}
