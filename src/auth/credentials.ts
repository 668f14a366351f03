import type { Core } from '../core'
import type { PlatformRole } from '../db/schema/common'
import { AppError } from '../errors'
import { safeEqual, sha256Hex } from '../lib/crypto'
import { verifySecret } from '../lib/password'
import { readCache } from '../lib/read-cache'
import type { Principal, PrincipalUser } from '../permissions/actor'
import type { Scope } from '../permissions/matrix'
import type { CachedKey } from './key-cache'
import { keyKindOf, parseKey } from './key-format'

/** What the transport hands over: raw header values, never a Context. */
export type PresentedCredential = {
  authorization?: string | null
  apiKey?: string | null
  sessionCookie?: string | null
}

type UserRow = { id: string; email: string; name: string; handle: string; platform_role: PlatformRole }
type KeyRow = {
  id: string
  kind: 'api' | 'mcp'
  user_id: string
  hash: string
  scopes: string | null
  workspace_id: string | null
  project_id: string | null
  rate_limit_per_hour: number | null
  expires_at: number | null
  revoked_at: number | null
}
type SessionRow = { session_id: string; expires_at: number; last_seen_at: number; user_id: string }

/** Hot-path statements, prepared once per database. */
const statements = new WeakMap<Core['sqlite'], ReturnType<typeof prepare>>()
function prepare(sqlite: Core['sqlite']) {
  return {
    user: sqlite.query<UserRow, [string]>('SELECT id, email, name, handle, platform_role FROM users WHERE id = ?'),
    key: sqlite.query<KeyRow, [string]>(
      'SELECT id, kind, user_id, hash, scopes, workspace_id, project_id, rate_limit_per_hour, expires_at, revoked_at FROM api_keys WHERE lookup_id = ?',
    ),
    // Two indexed lookups rather than a JOIN: measured ~3x faster on bun:sqlite (scripts/bench/auth.ts).
    session: sqlite.query<SessionRow, [string]>(
      'SELECT id AS session_id, user_id, expires_at, last_seen_at FROM sessions WHERE token_hash = ?',
    ),
    touchSession: sqlite.query<unknown, [number, number, string]>('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?'),
    deleteSession: sqlite.query<unknown, [string]>('DELETE FROM sessions WHERE id = ?'),
  }
}
export function stmts(core: Core) {
  let s = statements.get(core.sqlite)
  if (!s) statements.set(core.sqlite, (s = prepare(core.sqlite)))
  return s
}

/** The caller's user row, from a cache that any database change empties (src/lib/read-cache.ts). */
function userById(core: Core, id: string): UserRow | null {
  return readCache<UserRow | null>(core.sqlite, 'auth.users').get(id, () => stmts(core).user.get(id))
}

const toUser = (r: UserRow): PrincipalUser => ({
  id: r.id,
  email: r.email,
  name: r.name,
  handle: r.handle,
  platformRole: r.platform_role,
})

/** Extracts the presented secret: X-API-Key, else the bearer token, else the session cookie. */
export function presentedSecret(p: PresentedCredential): string | null {
  if (p.apiKey) return p.apiKey.trim() || null
  if (p.authorization) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(p.authorization)
    if (!m) throw new AppError('invalid_key', 'Authorization header must be "Bearer <token>".')
    return m[1]!
  }
  return p.sessionCookie || null
}

/** Counts slow-hash verifications (the login-timing and flood tests read it). */
export const verifyStats = { slowVerifies: 0 }

export type AuthenticateOptions = {
  /**
   * False when the caller's address is over its failed-authentication limit: a key that is not
   * already verified in the cache is then refused (429) before any slow hash runs.
   */
  allowSlowVerify?: boolean
}

/**
 * Resolves a presented credential to a principal, or throws 401 with the SPEC §6 code.
 * A key is checked for shape and checksum before any read, looked up by its public id, verified
 * with the slow hash once, then served from the verified-key cache.
 */
export async function authenticate(core: Core, presented: PresentedCredential, opts: AuthenticateOptions = {}): Promise<Principal> {
  const raw = presentedSecret(presented)
  if (!raw) throw new AppError('missing_key', 'Authentication required: send Authorization: Bearer <token> or X-API-Key.')
  if (keyKindOf(raw)) return authenticateKey(core, raw, opts)
  const global = core.config.SALLY_GLOBAL_API_TOKEN
  if (global && safeEqual(raw, global)) {
    return {
      user: null,
      platformRole: 'SUPERADMIN',
      credential: { kind: 'global', id: null, scopes: null, workspaceId: null, projectId: null, expiresAt: null, rateLimitPerHour: null },
    }
  }
  return authenticateSession(core, raw)
}

/**
 * Per-app state of the slow path: verifications in flight (so N concurrent first requests with one
 * key run the hash once), digests already refused for good (a wrong secret for a known lookup id,
 * a revoked or expired key: none of these can become valid again, so a replayed one never hashes
 * twice), and a cap on concurrent hashes (each argon2id verify holds SALLY_HASH_MEMORY_KIB).
 */
type SlowPath = {
  inflight: Map<string, Promise<CachedKey>>
  refused: Map<string, AppError['code']>
  running: number
  waiting: (() => void)[]
}
const slowPaths = new WeakMap<Core, SlowPath>()
const slowPath = (core: Core) => {
  let s = slowPaths.get(core)
  if (!s) slowPaths.set(core, (s = { inflight: new Map(), refused: new Map(), running: 0, waiting: [] }))
  return s
}
const MAX_REFUSED = 10_000
const MAX_CONCURRENT_VERIFIES = 4
const MAX_WAITING_VERIFIES = 256

const refusal = (code: AppError['code']) =>
  code === 'key_revoked'
    ? new AppError('key_revoked', 'This key has been revoked.')
    : code === 'key_expired'
      ? new AppError('key_expired', 'This key has expired.')
      : new AppError('invalid_key', 'Invalid API key.')

async function authenticateKey(core: Core, raw: string, opts: AuthenticateOptions): Promise<Principal> {
  // A cache hit means this exact string was verified: the shape and checksum need no second look.
  const digest = sha256Hex(raw)
  let cached = core.keyCache.get(digest)
  if (!cached) {
    const parsed = parseKey(raw)
    if (!parsed) throw new AppError('invalid_key', 'Invalid API key.')
    const sp = slowPath(core)
    const refused = sp.refused.get(digest)
    if (refused) throw refusal(refused)
    let pending = sp.inflight.get(digest)
    if (!pending) {
      pending = verifyKeyFromDb(core, raw, parsed.lookupId, digest, opts).finally(() => sp.inflight.delete(digest))
      sp.inflight.set(digest, pending)
    }
    cached = await pending
  }
  const now = core.clock.now()
  if (cached.expiresAt !== null && cached.expiresAt <= now) {
    core.keyCache.deleteKey(cached.keyId)
    throw new AppError('key_expired', 'This key has expired.')
  }
  const user = userById(core, cached.userId)
  if (!user) {
    core.keyCache.deleteKey(cached.keyId)
    throw new AppError('invalid_key', 'Invalid API key.')
  }
  core.keyUsage.record(cached.keyId, now)
  return {
    user: toUser(user),
    platformRole: user.platform_role,
    credential: {
      kind: cached.kind === 'mcp' ? 'mcp_key' : 'api_key',
      id: cached.keyId,
      scopes: cached.scopes,
      workspaceId: cached.workspaceId,
      projectId: cached.projectId,
      expiresAt: cached.expiresAt === null ? null : new Date(cached.expiresAt),
      rateLimitPerHour: cached.rateLimitPerHour,
    },
  }
}

async function withVerifySlot<T>(core: Core, fn: () => Promise<T>): Promise<T> {
  const sp = slowPath(core)
  if (sp.running >= MAX_CONCURRENT_VERIFIES) {
    if (sp.waiting.length >= MAX_WAITING_VERIFIES)
      throw new AppError('rate_limited', 'Too many key verifications in progress; retry shortly.', { headers: { 'retry-after': '1' } })
    await new Promise<void>((resolve) => sp.waiting.push(resolve))
  }
  sp.running++
  try {
    return await fn()
  } finally {
    sp.running--
    sp.waiting.shift()?.()
  }
}

function refuseForGood(core: Core, digest: string, code: AppError['code']): AppError {
  const refused = slowPath(core).refused
  if (refused.size >= MAX_REFUSED) refused.delete(refused.keys().next().value!)
  refused.set(digest, code)
  return refusal(code)
}

async function verifyKeyFromDb(core: Core, raw: string, lookupId: string, digest: string, opts: AuthenticateOptions): Promise<CachedKey> {
  const s = stmts(core)
  const row = s.key.get(lookupId)
  // Unknown lookup id: refused with one indexed read, no hash.
  if (!row) throw new AppError('invalid_key', 'Invalid API key.')
  if (opts.allowSlowVerify === false)
    throw new AppError('rate_limited', 'Too many failed authentication attempts from this address; retry later.', {
      headers: { 'retry-after': '60' },
    })
  const valid = await withVerifySlot(core, () => {
    verifyStats.slowVerifies++
    return verifySecret(raw, row.hash)
  })
  if (!valid) throw refuseForGood(core, digest, 'invalid_key')
  // Re-read after the await: a revocation or rotation that ran while the hash was computed must
  // not be undone by caching the row as it was before.
  const fresh = s.key.get(lookupId)
  if (!fresh || fresh.id !== row.id) throw new AppError('invalid_key', 'Invalid API key.')
  if (fresh.revoked_at !== null) throw refuseForGood(core, digest, 'key_revoked')
  if (fresh.expires_at !== null && fresh.expires_at <= core.clock.now()) throw refuseForGood(core, digest, 'key_expired')
  const entry: CachedKey = {
    keyId: fresh.id,
    kind: fresh.kind,
    userId: fresh.user_id,
    scopes: fresh.scopes === null ? null : (JSON.parse(fresh.scopes) as Scope[] | null),
    workspaceId: fresh.workspace_id,
    projectId: fresh.project_id,
    expiresAt: fresh.expires_at,
    rateLimitPerHour: fresh.rate_limit_per_hour,
  }
  core.keyCache.set(digest, entry)
  return entry
}

const SLIDE_EVERY_MS = 60_000

function authenticateSession(core: Core, raw: string): Principal {
  const s = stmts(core)
  const hash = sha256Hex(raw)
  // The session and its user in one cache entry: one freshness check per request, not two.
  const found = readCache<{ row: SessionRow; user: UserRow | null } | null>(core.sqlite, 'auth.sessions').get(hash, () => {
    const row = s.session.get(hash)
    return row && { row, user: s.user.get(row.user_id) }
  })
  const row = found?.row
  const user = found?.user
  if (!row || !user) throw new AppError('invalid_key', 'Invalid or unknown token.')
  const now = core.clock.now()
  if (row.expires_at <= now) {
    s.deleteSession.run(row.session_id)
    throw new AppError('key_expired', 'Session expired: log in again.')
  }
  const ttl = core.config.SALLY_SESSION_TTL_DAYS * 86_400_000
  let expiresAt = row.expires_at
  if (now - row.last_seen_at >= SLIDE_EVERY_MS) {
    // Sliding expiry, written at most once a minute per session.
    expiresAt = now + ttl
    s.touchSession.run(now, expiresAt, row.session_id)
  }
  return {
    user: toUser(user),
    platformRole: user.platform_role,
    credential: {
      kind: 'session',
      id: row.session_id,
      scopes: null,
      workspaceId: null,
      projectId: null,
      expiresAt: new Date(expiresAt),
      rateLimitPerHour: null,
      renewed: expiresAt !== row.expires_at,
    },
  }
}

/** Writes batched key usage (one transaction). Called every second and at shutdown. */
export function flushKeyUsage(core: Core): number {
  const pending = core.keyUsage.drain()
  if (pending.size === 0) return 0
  const update = core.sqlite.query<unknown, [number, number, string]>(
    'UPDATE api_keys SET request_count = request_count + ?, last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?',
  )
  core.sqlite.transaction(() => {
    for (const [id, p] of pending) update.run(p.count, p.last, id)
  })()
  return pending.size
}

/**
 * The principal of a user acting through `credential` (an OAuth grant's token): the user read as
 * for a key, through the same cache. Null when the user no longer exists.
 */
export function userPrincipal(core: Core, userId: string, credential: Principal['credential']): Principal | null {
  const user = userById(core, userId)
  return user && { user: toUser(user), platformRole: user.platform_role, credential }
}
