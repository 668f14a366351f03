import type { Core } from '../core'
import type { PlatformRole } from '../db/schema/common'
import { AppError } from '../errors'
import { safeEqual, sha256Hex } from '../lib/crypto'
import { verifySecret } from '../lib/password'
import type { Scope } from '../permissions/matrix'
import type { Principal, PrincipalUser } from '../permissions/actor'
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
type SessionRow = UserRow & { session_id: string; expires_at: number; last_seen_at: number; user_id: string }

/** Hot-path statements, prepared once per database. */
const statements = new WeakMap<Core['sqlite'], ReturnType<typeof prepare>>()
function prepare(sqlite: Core['sqlite']) {
  return {
    user: sqlite.query<UserRow, [string]>('SELECT id, email, name, handle, platform_role FROM users WHERE id = ?'),
    key: sqlite.query<KeyRow, [string]>(
      'SELECT id, kind, user_id, hash, scopes, workspace_id, project_id, rate_limit_per_hour, expires_at, revoked_at FROM api_keys WHERE lookup_id = ?',
    ),
    session: sqlite.query<SessionRow, [string]>(
      `SELECT s.id AS session_id, s.expires_at, s.last_seen_at, s.user_id, u.id, u.email, u.name, u.handle, u.platform_role
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`,
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

/**
 * Resolves a presented credential to a principal, or throws 401 with the SPEC §6 code.
 * A key is checked for shape and checksum before any read, looked up by its public id, verified
 * with the slow hash once, then served from the verified-key cache.
 */
export async function authenticate(core: Core, presented: PresentedCredential): Promise<Principal> {
  const raw = presentedSecret(presented)
  if (!raw) throw new AppError('missing_key', 'Authentication required: send Authorization: Bearer <token> or X-API-Key.')
  if (keyKindOf(raw)) return authenticateKey(core, raw)
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

async function authenticateKey(core: Core, raw: string): Promise<Principal> {
  const parsed = parseKey(raw)
  if (!parsed) throw new AppError('invalid_key', 'Invalid API key.')
  const digest = sha256Hex(raw)
  let cached = core.keyCache.get(digest)
  if (!cached) cached = await verifyKeyFromDb(core, raw, parsed.lookupId, digest)
  const now = core.clock.now()
  if (cached.expiresAt !== null && cached.expiresAt <= now) {
    core.keyCache.deleteKey(cached.keyId)
    throw new AppError('key_expired', 'This key has expired.')
  }
  const user = stmts(core).user.get(cached.userId)
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

async function verifyKeyFromDb(core: Core, raw: string, lookupId: string, digest: string): Promise<CachedKey> {
  const row = stmts(core).key.get(lookupId)
  if (!row) throw new AppError('invalid_key', 'Invalid API key.')
  verifyStats.slowVerifies++
  if (!(await verifySecret(raw, row.hash))) throw new AppError('invalid_key', 'Invalid API key.')
  if (row.revoked_at !== null) throw new AppError('key_revoked', 'This key has been revoked.')
  if (row.expires_at !== null && row.expires_at <= core.clock.now()) throw new AppError('key_expired', 'This key has expired.')
  const entry: CachedKey = {
    keyId: row.id,
    kind: row.kind,
    userId: row.user_id,
    scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as Scope[] | null),
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    expiresAt: row.expires_at,
    rateLimitPerHour: row.rate_limit_per_hour,
  }
  core.keyCache.set(digest, entry)
  return entry
}

const SLIDE_EVERY_MS = 60_000

function authenticateSession(core: Core, raw: string): Principal {
  const s = stmts(core)
  const row = s.session.get(sha256Hex(raw))
  if (!row) throw new AppError('invalid_key', 'Invalid or unknown token.')
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
    user: toUser(row),
    platformRole: row.platform_role,
    credential: {
      kind: 'session',
      id: row.session_id,
      scopes: null,
      workspaceId: null,
      projectId: null,
      expiresAt: new Date(expiresAt),
      rateLimitPerHour: null,
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
