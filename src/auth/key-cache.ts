import type { Scope } from '../permissions/matrix'
import type { KeyKind } from './key-format'

/** What a verified key allows, kept so the slow hash runs once per key, not per request. */
export type CachedKey = {
  keyId: string
  kind: KeyKind
  userId: string
  scopes: Scope[] | null
  workspaceId: string | null
  projectId: string | null
  expiresAt: number | null
  rateLimitPerHour: number | null
}

/**
 * Verified-key cache keyed by SHA-256 of the presented key. In-memory here; a shared store can
 * implement the same interface when several instances serve one database.
 */
export interface VerifiedKeyCache {
  get(digest: string): CachedKey | undefined
  set(digest: string, key: CachedKey): void
  /** Drops every entry of this key (revocation, rotation, expiry, owner change). */
  deleteKey(keyId: string): void
  deleteUser(userId: string): void
  clear(): void
}

export class MemoryKeyCache implements VerifiedKeyCache {
  private byDigest = new Map<string, CachedKey>()

  constructor(private readonly max = 10_000) {}

  get(digest: string) {
    return this.byDigest.get(digest)
  }

  set(digest: string, key: CachedKey) {
    if (this.byDigest.size >= this.max) {
      // Evict the oldest insertion (Map keeps insertion order).
      const oldest = this.byDigest.keys().next().value
      if (oldest !== undefined) this.byDigest.delete(oldest)
    }
    this.byDigest.set(digest, key)
  }

  deleteKey(keyId: string) {
    for (const [d, k] of this.byDigest) if (k.keyId === keyId) this.byDigest.delete(d)
  }

  deleteUser(userId: string) {
    for (const [d, k] of this.byDigest) if (k.userId === userId) this.byDigest.delete(d)
  }

  clear() {
    this.byDigest.clear()
  }

  get size() {
    return this.byDigest.size
  }
}

/**
 * Batches `lastUsedAt` / `requestCount` updates: counted in memory, written in one transaction
 * every second and at shutdown.
 */
export class KeyUsageRecorder {
  private pending = new Map<string, { count: number; last: number }>()
  /** How many times the counts were drained (written): what was read from the database before a drain no longer adds up with `peek`. */
  drains = 0

  record(keyId: string, at: number) {
    const p = this.pending.get(keyId)
    if (p) {
      p.count++
      p.last = at
    } else this.pending.set(keyId, { count: 1, last: at })
  }

  /** What is counted but not yet written for one key (listings add it to the stored numbers). */
  peek(keyId: string): { count: number; last: number } | undefined {
    return this.pending.get(keyId)
  }

  /** Removes and returns what has been counted since the last flush. */
  drain(): Map<string, { count: number; last: number }> {
    const out = this.pending
    this.pending = new Map()
    this.drains++
    return out
  }

  get size() {
    return this.pending.size
  }
}
