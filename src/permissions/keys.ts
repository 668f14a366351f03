import { missingPermission, scopeViolation } from '../errors'
import { type Credential, credentialScopes } from './actor'
import { DEFAULT_KEY_SCOPES, type Scope } from './matrix'

/** Where a key reaches: what it may do, where, and for how long and how fast. */
export type KeyReach = {
  scopes: readonly Scope[] | null
  workspaceId: string | null
  projectId: string | null
  expiresAt: Date | null
  /** Null: the server default (SALLY_API_KEY_RATE_LIMIT_PER_HOUR). */
  rateLimitPerHour: number | null
}

const isKey = (c: Credential) => c.kind === 'api_key' || c.kind === 'mcp_key'

/**
 * A key may manage (revoke) only keys within its own scopes, pin and project. Sessions are not
 * narrowed: a session is its owner.
 */
export function requireKeyManageable(c: Credential, target: Pick<KeyReach, 'scopes' | 'workspaceId' | 'projectId'>): void {
  if (!isKey(c)) return
  const own = new Set(credentialScopes(c))
  for (const s of target.scopes ?? DEFAULT_KEY_SCOPES) if (!own.has(s)) throw missingPermission(s)
  if (c.workspaceId && target.workspaceId !== c.workspaceId)
    throw scopeViolation('This key is pinned to a workspace: it can only manage keys pinned to the same workspace.')
  if (c.projectId && target.projectId !== c.projectId)
    throw scopeViolation('This key is limited to one project: it can only manage keys limited to the same project.')
}

/**
 * A key never creates (or rotates into) a key with more reach than itself: scopes within its own,
 * the same pin and project, an expiry no later than its own and a rate limit no higher than its own
 * (`defaultRateLimit` is what a null limit means). 403 otherwise. Sessions are not narrowed.
 */
export function requireKeyWithinReach(c: Credential, target: KeyReach, defaultRateLimit: number): void {
  requireKeyManageable(c, target)
  if (!isKey(c)) return
  if (c.expiresAt && (!target.expiresAt || target.expiresAt.getTime() > c.expiresAt.getTime()))
    throw scopeViolation(`This key expires at ${c.expiresAt.toISOString()}: it cannot make a key that lives longer.`)
  const own = c.rateLimitPerHour ?? defaultRateLimit
  if ((target.rateLimitPerHour ?? defaultRateLimit) > own)
    throw scopeViolation(`This key is limited to ${own} requests per hour: it cannot make a key with a higher limit.`)
}

/**
 * Caps a key's expiry and rate limit at the calling key's (a session caps nothing): what a key
 * hands out when it is not told otherwise (an omitted expiry or limit, a rotation).
 */
export function capToCaller(
  c: Credential,
  v: Pick<KeyReach, 'expiresAt' | 'rateLimitPerHour'>,
  defaultRateLimit: number,
): Pick<KeyReach, 'expiresAt' | 'rateLimitPerHour'> {
  if (!isKey(c)) return v
  const expiresAt = c.expiresAt && (!v.expiresAt || v.expiresAt > c.expiresAt) ? c.expiresAt : v.expiresAt
  const own = c.rateLimitPerHour ?? defaultRateLimit
  const rateLimitPerHour = (v.rateLimitPerHour ?? defaultRateLimit) > own ? own : v.rateLimitPerHour
  return { expiresAt, rateLimitPerHour }
}
