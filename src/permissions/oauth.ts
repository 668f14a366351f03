import type { Principal } from './actor'
import { credentialAllows } from './actor'
import { SCOPES, type Scope } from './matrix'

/**
 * The scopes an OAuth grant may hold: Sally's scopes (SPEC §5) but `keys:write`. A connected app
 * acts as an MCP key of its user; it never mints keys.
 */
export const OAUTH_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'keys:write')

/**
 * The scopes a client asked for (`scope`, space-separated): Sally's scope names. None asked: every
 * grantable scope. An unknown scope, or `keys:write`, is an error naming it (null otherwise).
 */
export function requestedScopes(raw: string | undefined): { scopes: Scope[] } | { unknown: string } {
  const asked = (raw ?? '').split(' ').filter(Boolean)
  if (asked.length === 0) return { scopes: [...OAUTH_SCOPES] }
  for (const s of asked) if (!(OAUTH_SCOPES as readonly string[]).includes(s)) return { unknown: s }
  return { scopes: OAUTH_SCOPES.filter((s) => asked.includes(s)) }
}

/**
 * For `/mcp/oauth`: the scope a tool needs that the grant itself lacks (the client may ask the user
 * for it: 403 `insufficient_scope`), or null. A permission the user's role lacks is not the grant's
 * fault: the tool answers `forbidden` as it would for an MCP key.
 */
export function grantLacks(principal: Principal, permission: Scope | undefined): Scope | null {
  if (!permission || principal.credential.kind !== 'oauth') return null
  return credentialAllows(principal.credential, permission) ? null : permission
}
