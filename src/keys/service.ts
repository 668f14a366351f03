import { and, eq, isNull } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import { generateKey, type KeyKind } from '../auth/key-format'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { apiKeys } from '../db/schema'
import { badRequest, conflict, notFound } from '../errors'
import { pageLimit, paginate } from '../http/respond'
import { iso } from '../lib/db-errors'
import { hashSecret } from '../lib/password'
import { perShape } from '../lib/prepared'
import { readCache } from '../lib/read-cache'
import { type Principal, requireUser } from '../permissions/actor'
import { capToCaller, requireKeyManageable, requireKeyWithinReach } from '../permissions/keys'
import type { Scope } from '../permissions/matrix'
import { projectAccess } from '../permissions/projects'
import { workspaceOfPrincipal } from '../permissions/workspaces'
import type { ApiKey, CreatedKey, CreateKeyInput, ListKeysQuery } from './model'

type Row = typeof apiKeys.$inferSelect

/** Request facts the audit trail keeps (the service never sees HTTP). */
export type KeyCallContext = { ip?: string | null }

const KIND_NAME: Record<KeyKind, string> = { api: 'API key', mcp: 'MCP key' }

/** What a key's public JSON is made of (a whole row, or the list's columns). */
type ListedKey = Omit<Row, 'lookupId' | 'userId' | 'hash'>

export function toApiKey(core: Core, r: ListedKey): ApiKey {
  const now = core.clock.now()
  // Usage is counted in memory and written every second: add what is not written yet.
  const pending = core.keyUsage.peek(r.id)
  const stored = r.lastUsedAt?.getTime() ?? null
  const lastUsed = pending ? Math.max(stored ?? 0, pending.last) : stored
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    description: r.description,
    prefix: r.prefix,
    scopes: r.scopes,
    workspaceId: r.workspaceId,
    projectId: r.projectId,
    expiresAt: iso(r.expiresAt),
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: lastUsed === null ? null : new Date(lastUsed).toISOString(),
    requestCount: r.requestCount + (pending?.count ?? 0),
    isActive: r.revokedAt === null && (r.expiresAt === null || r.expiresAt.getTime() > now),
    revokedAt: iso(r.revokedAt),
    rateLimitPerHour: r.rateLimitPerHour,
    rotatedFromId: r.rotatedFromId,
  }
}

/** The settings a key is made of (what rotation copies). */
type KeySettings = {
  scopes: Scope[] | null
  workspaceId: string | null
  projectId: string | null
}

/**
 * The pin must be a workspace the owner belongs to (superadmins: any workspace), and the project one
 * the owner can see there; otherwise 404, exactly as if they selected it.
 */
function validateTargets(core: Core, p: Principal, s: KeySettings): void {
  if (!s.workspaceId) return
  requireUser(p)
  const workspace = workspaceOfPrincipal(core, p, s.workspaceId)
  if (s.projectId) projectAccess(core, { ...p, workspace }, s.projectId)
}

function expiryOf(core: Core, input: Pick<CreateKeyInput, 'expiresIn' | 'expiresAt'>): Date | null {
  const now = core.clock.now()
  if (input.expiresIn !== undefined) return new Date(now + Math.max(1, Math.round(input.expiresIn * 1000)))
  if (input.expiresAt !== undefined) {
    const at = Date.parse(input.expiresAt)
    if (!(at > now)) throw badRequest('expiresAt must be in the future.', 'expiresAt')
    return new Date(at)
  }
  return null
}

async function insertKey(
  core: Core,
  p: Principal,
  kind: KeyKind,
  v: KeySettings & {
    name: string
    description: string | null
    rateLimitPerHour: number | null
    expiresAt: Date | null
    rotatedFromId: string | null
  },
  after: (tx: DbOrTx, row: Row) => void,
): Promise<CreatedKey> {
  const user = requireUser(p)
  const { key, lookupId, prefix } = generateKey(kind)
  const hash = await hashSecret(core.config, key)
  const row = core.db.transaction((tx) => {
    const created = tx
      .insert(apiKeys)
      .values({ kind, lookupId, userId: user.id, prefix, hash, ...v, createdAt: new Date(core.clock.now()) })
      .returning()
      .get()
    after(tx, created)
    return created
  })
  return { ...toApiKey(core, row), key }
}

export async function createKey(
  core: Core,
  p: Principal,
  kind: KeyKind,
  input: CreateKeyInput,
  ctx: KeyCallContext = {},
): Promise<CreatedKey> {
  requireUser(p)
  const c = p.credential
  // `metadata.organizationId` is the pin under another name (the model checks they agree).
  const pin = input.workspaceId ?? input.metadata?.organizationId
  // A restricted key creating a key: omitted pin and project default to its own.
  const workspaceId = pin !== undefined ? pin : input.workspaceId === null ? null : (c.workspaceId ?? null)
  const settings: KeySettings = {
    scopes: input.scopes ?? null,
    workspaceId,
    projectId:
      input.projectId !== undefined ? input.projectId : workspaceId && workspaceId === c.workspaceId ? (c.projectId ?? null) : null,
  }
  if (settings.projectId && !settings.workspaceId)
    throw badRequest('A project-scoped key must be pinned to the project’s workspace (workspaceId).', 'projectId')
  // A key creating a key: an omitted expiry or rate limit is its own; a given one may not exceed it.
  const defaultLimit = core.config.SALLY_API_KEY_RATE_LIMIT_PER_HOUR
  const capped = capToCaller(c, { expiresAt: null, rateLimitPerHour: null }, defaultLimit)
  const given = input.expiresIn !== undefined || input.expiresAt !== undefined
  const limits = {
    expiresAt: given ? expiryOf(core, input) : capped.expiresAt,
    rateLimitPerHour: input.rateLimitPerHour !== undefined ? input.rateLimitPerHour : capped.rateLimitPerHour,
  }
  requireKeyWithinReach(c, { ...settings, ...limits }, defaultLimit)
  validateTargets(core, p, settings)
  return insertKey(
    core,
    p,
    kind,
    {
      ...settings,
      ...limits,
      name: input.name,
      description: input.description ?? null,
      rotatedFromId: null,
    },
    (tx, row) =>
      recordAudit(
        core,
        p,
        {
          action: 'key.create',
          workspaceId: row.workspaceId,
          targetType: `${kind}_key`,
          targetId: row.id,
          ip: ctx.ip,
          meta: { kind, name: row.name, prefix: row.prefix, scopes: row.scopes, projectId: row.projectId, expiresAt: iso(row.expiresAt) },
        },
        tx,
      ),
  )
}

function findMine(core: Core, p: Principal, kind: KeyKind, id: string): Row {
  const user = requireUser(p)
  const row = core.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, user.id), eq(apiKeys.kind, kind)))
    .get()
  if (!row) throw notFound(KIND_NAME[kind])
  return row
}

export function getKey(core: Core, p: Principal, kind: KeyKind, id: string): ApiKey {
  return toApiKey(core, findMine(core, p, kind, id))
}

type PageShape = { cursor: boolean; active: boolean | undefined }
/**
 * The key list page as SQL text (one per shape; the values go in ? placeholders, in the order user,
 * kind, [cursor], [now], limit): only the columns the answer shows (not the hash), read with
 * bun:sqlite's `all` (drizzle's row mapping cost more than the query).
 */
export function keyPageSql(s: PageShape): string {
  const conds = ['user_id = ?', 'kind = ?']
  if (s.cursor) conds.push('id < ?')
  if (s.active === true) conds.push('revoked_at IS NULL', '(expires_at IS NULL OR expires_at > ?)')
  if (s.active === false) conds.push('(revoked_at IS NOT NULL OR expires_at <= ?)')
  return `SELECT ${LIST_COLUMNS} FROM api_keys WHERE ${conds.join(' AND ')} ORDER BY id DESC LIMIT ?`
}
const LIST_COLUMNS = `id, kind, name, description, prefix, scopes, workspace_id, project_id, rate_limit_per_hour, expires_at,
  last_used_at, request_count, revoked_at, rotated_from_id, created_at`
type RawKey = {
  id: string
  kind: Row['kind']
  name: string
  description: string | null
  prefix: string
  scopes: string | null
  workspace_id: string | null
  project_id: string | null
  rate_limit_per_hour: number | null
  expires_at: number | null
  last_used_at: number | null
  request_count: number
  revoked_at: number | null
  rotated_from_id: string | null
  created_at: number
}
const date = (ms: number | null) => (ms === null ? null : new Date(ms))
const fromRawKey = (r: RawKey): ListedKey => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  description: r.description,
  prefix: r.prefix,
  scopes: r.scopes === null ? null : (JSON.parse(r.scopes) as string[] | null),
  workspaceId: r.workspace_id,
  projectId: r.project_id,
  rateLimitPerHour: r.rate_limit_per_hour,
  expiresAt: date(r.expires_at),
  lastUsedAt: date(r.last_used_at),
  requestCount: r.request_count,
  revokedAt: date(r.revoked_at),
  rotatedFromId: r.rotated_from_id,
  createdAt: new Date(r.created_at),
})
const pageStatement = perShape(
  (s: PageShape) => `${s.cursor}|${s.active}`,
  (core: Pick<Core, 'sqlite'>, s: PageShape) => core.sqlite.query<RawKey, (string | number)[]>(keyPageSql(s)),
)

export function listKeys(core: Core, p: Principal, kind: KeyKind, q: ListKeysQuery) {
  const user = requireUser(p)
  const limit = pageLimit(q)
  const shape = { cursor: Boolean(q.cursor), active: q.active }
  const params: (string | number)[] = [user.id, kind]
  if (shape.cursor) params.push(q.cursor!)
  if (shape.active !== undefined) params.push(core.clock.now())
  params.push(limit + 1)
  const read = () => pageStatement(core, shape).all(...params)
  // Without the `active` filter the rows do not depend on the time: kept while the database is
  // unchanged (src/lib/read-cache.ts); usage not yet written and isActive are added per request
  // (toApiKey). The usage flush is a bookkeeping write that keeps the caches, so the key also names
  // the flush the rows were read after: their stored counts plus `peek` then add up.
  const key = () => JSON.stringify([core.keyUsage.drains, ...params])
  const raw = shape.active === undefined ? readCache<RawKey[]>(core.sqlite, 'keys.pages').get(key(), read) : read()
  const rows = raw.map(fromRawKey)
  const page = paginate(rows, limit, (r) => r.id)
  return { items: page.items.map((r) => toApiKey(core, r)), nextCursor: page.nextCursor }
}

/** Revokes at once: the row is marked and the verified-key cache entry dropped, so the very next request fails. Idempotent. */
export function revokeKey(core: Core, p: Principal, kind: KeyKind, id: string, ctx: KeyCallContext = {}): ApiKey {
  const current = findMine(core, p, kind, id)
  requireKeyManageable(p.credential, {
    scopes: current.scopes as Scope[] | null,
    workspaceId: current.workspaceId,
    projectId: current.projectId,
  })
  if (current.revokedAt) return toApiKey(core, current)
  const row = core.db.transaction((tx) => {
    const updated = tx
      .update(apiKeys)
      .set({ revokedAt: new Date(core.clock.now()) })
      .where(and(eq(apiKeys.id, current.id), isNull(apiKeys.revokedAt)))
      .returning()
      .get()
    if (!updated) return null
    recordAudit(
      core,
      p,
      {
        action: 'key.revoke',
        workspaceId: updated.workspaceId,
        targetType: `${kind}_key`,
        targetId: updated.id,
        ip: ctx.ip,
        meta: { kind, name: updated.name, prefix: updated.prefix },
      },
      tx,
    )
    return updated
  })
  core.keyCache.deleteKey(current.id)
  return toApiKey(core, row ?? findMine(core, p, kind, id))
}

/**
 * Revokes every live API and MCP key of a user inside `tx` (a password reset) and drops them from the
 * verified-key cache, so the very next request with any of them fails. Returns how many were revoked.
 */
export function revokeAllKeys(core: Core, tx: DbOrTx, userId: string): number {
  const revoked = tx
    .update(apiKeys)
    .set({ revokedAt: new Date(core.clock.now()) })
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id })
    .all()
  for (const k of revoked) core.keyCache.deleteKey(k.id)
  return revoked.length
}

/**
 * Issues a replacement with the same settings (name, description, scopes, pin, project, rate limit,
 * and the same lifetime from now) and revokes the old key in the same transaction. Rotated by a key,
 * the replacement's expiry and rate limit are capped at that key's (never longer, never faster).
 */
export async function rotateKey(core: Core, p: Principal, kind: KeyKind, id: string, ctx: KeyCallContext = {}): Promise<CreatedKey> {
  const old = findMine(core, p, kind, id)
  if (old.revokedAt) throw conflict(`This ${KIND_NAME[kind]} is revoked: create a new one instead.`)
  const settings: KeySettings = { scopes: (old.scopes as Scope[] | null) ?? null, workspaceId: old.workspaceId, projectId: old.projectId }
  const lifetime = old.expiresAt ? old.expiresAt.getTime() - old.createdAt.getTime() : null
  const now = core.clock.now()
  const defaultLimit = core.config.SALLY_API_KEY_RATE_LIMIT_PER_HOUR
  const limits = capToCaller(
    p.credential,
    { expiresAt: lifetime === null ? null : new Date(now + Math.max(1, lifetime)), rateLimitPerHour: old.rateLimitPerHour },
    defaultLimit,
  )
  requireKeyWithinReach(p.credential, { ...settings, ...limits }, defaultLimit)
  // The owner may have lost the pinned workspace or the project since: then there is nothing to rotate into.
  validateTargets(core, p, settings)
  const created = await insertKey(
    core,
    p,
    kind,
    {
      ...settings,
      ...limits,
      name: old.name,
      description: old.description,
      rotatedFromId: old.id,
    },
    (tx, row) => {
      const revoked = tx
        .update(apiKeys)
        .set({ revokedAt: new Date(now) })
        .where(and(eq(apiKeys.id, old.id), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id })
        .get()
      // Revoked meanwhile (a concurrent rotate or revoke): roll back, no second replacement.
      if (!revoked) throw conflict(`This ${KIND_NAME[kind]} was revoked meanwhile.`)
      recordAudit(
        core,
        p,
        {
          action: 'key.rotate',
          workspaceId: row.workspaceId,
          targetType: `${kind}_key`,
          targetId: old.id,
          ip: ctx.ip,
          meta: { kind, name: row.name, oldPrefix: old.prefix, newKeyId: row.id, newPrefix: row.prefix },
        },
        tx,
      )
    },
  )
  core.keyCache.deleteKey(old.id)
  return created
}
