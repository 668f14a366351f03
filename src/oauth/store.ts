import { and, desc, eq, isNull, lte } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import { userPrincipal } from '../auth/credentials'
import type { Core } from '../core'
import { oauthCodes, oauthGrants, oauthTokens } from '../db/schema'
import { notFound } from '../errors'
import { randomToken, sha256Hex } from '../lib/crypto'
import { type Principal, requireUser } from '../permissions/actor'
import { requireKeyManageable } from '../permissions/keys'
import type { Scope } from '../permissions/matrix'
import type { OAuthClient } from './clients'
import { OAuthError } from './errors'

export const ACCESS_TTL_MS = 3_600_000
const REFRESH_TTL_MS = 30 * 86_400_000
const CODE_TTL_MS = 60_000
const TOUCH_EVERY_MS = 60_000

/** Token prefixes, so that leaked tokens are recognisable (as keys are). */
const ACCESS_PREFIX = 'sallyoat_'
const REFRESH_PREFIX = 'sallyort_'

export type TokenResponse = {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  refresh_token: string
  scope: string
}

type Grant = typeof oauthGrants.$inferSelect

/** A new code for what the user approved on the consent page. */
export function issueCode(
  core: Core,
  o: {
    client: OAuthClient
    userId: string
    workspaceId: string | null
    scopes: Scope[]
    redirectUri: string
    codeChallenge: string
    resource: string
  },
): string {
  const code = randomToken(32)
  core.db
    .insert(oauthCodes)
    .values({
      codeHash: sha256Hex(code),
      clientId: o.client.clientId,
      clientName: o.client.name,
      userId: o.userId,
      workspaceId: o.workspaceId,
      scopes: o.scopes,
      redirectUri: o.redirectUri,
      codeChallenge: o.codeChallenge,
      resource: o.resource,
      expiresAt: new Date(core.clock.now() + CODE_TTL_MS),
    })
    .run()
  return code
}

/** A fresh access token and refresh token for a grant (inside the caller's transaction). */
function issueTokens(core: Core, grant: Grant): TokenResponse {
  const now = core.clock.now()
  const access = `${ACCESS_PREFIX}${randomToken(32)}`
  const refresh = `${REFRESH_PREFIX}${randomToken(32)}`
  core.db
    .insert(oauthTokens)
    .values([
      { grantId: grant.id, kind: 'access', tokenHash: sha256Hex(access), expiresAt: new Date(now + ACCESS_TTL_MS) },
      { grantId: grant.id, kind: 'refresh', tokenHash: sha256Hex(refresh), expiresAt: new Date(now + REFRESH_TTL_MS) },
    ])
    .run()
  return {
    access_token: access,
    token_type: 'Bearer',
    expires_in: ACCESS_TTL_MS / 1000,
    refresh_token: refresh,
    scope: grant.scopes.join(' '),
  }
}

/**
 * Ends a grant: its access tokens stop working on the next request, its refresh tokens are refused.
 * Audited with why (`reason`) and by whom (null: the protocol itself, on a replayed code or token).
 */
export function revokeGrant(core: Core, grantId: string, reason: string, who: Principal | null = null): void {
  const done = core.db
    .update(oauthGrants)
    .set({ revokedAt: new Date(core.clock.now()) })
    .where(and(eq(oauthGrants.id, grantId), isNull(oauthGrants.revokedAt)))
    .returning({ id: oauthGrants.id, clientId: oauthGrants.clientId, workspaceId: oauthGrants.workspaceId })
    .get()
  if (done)
    recordAudit(core, who, {
      action: 'oauth_grant.revoked',
      workspaceId: done.workspaceId,
      targetType: 'oauth_grant',
      targetId: done.id,
      meta: { clientId: done.clientId, reason },
    })
}

/**
 * Deletes what can never be used again: codes a day after they expired, access tokens once expired,
 * refresh tokens once expired (a used one is kept until then, so that a replay is still detected).
 */
export function pruneOAuth(core: Core): number {
  const now = core.clock.now()
  return core.db.transaction((tx) => {
    const codes = tx
      .delete(oauthCodes)
      .where(lte(oauthCodes.expiresAt, new Date(now - 86_400_000)))
      .returning({ id: oauthCodes.id })
      .all().length
    const tokens = tx
      .delete(oauthTokens)
      .where(lte(oauthTokens.expiresAt, new Date(now)))
      .returning({ id: oauthTokens.id })
      .all().length
    return codes + tokens
  })
}

/** PKCE S256 (RFC 7636): BASE64URL(SHA256(verifier)) equals the challenge. */
function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false
  return new Bun.CryptoHasher('sha256').update(verifier).digest('base64url') === challenge
}

/**
 * The authorization-code grant: a code is good once, for one minute, for the client and redirect
 * URI it was issued to, with the PKCE verifier of its challenge. A code presented a second time
 * revokes the grant its first exchange made (RFC 6749 §4.1.2).
 */
export function exchangeCode(
  core: Core,
  client: OAuthClient,
  p: { code: string; redirectUri?: string; codeVerifier?: string; resource?: string },
): TokenResponse {
  const row = core.db
    .select()
    .from(oauthCodes)
    .where(eq(oauthCodes.codeHash, sha256Hex(p.code)))
    .get()
  const invalid = (why: string) => new OAuthError('invalid_grant', why)
  if (!row || row.clientId !== client.clientId) throw invalid('Unknown authorization code.')
  if (row.usedAt) {
    if (row.grantId) revokeGrant(core, row.grantId, 'authorization code reused')
    throw invalid('This authorization code was used already; the access it granted is revoked.')
  }
  if (row.expiresAt.getTime() <= core.clock.now()) throw invalid('This authorization code has expired.')
  if (p.redirectUri !== row.redirectUri) throw invalid('redirect_uri does not match the authorization request.')
  if (!p.codeVerifier || !pkceMatches(p.codeVerifier, row.codeChallenge)) throw invalid('code_verifier does not match the code_challenge.')
  if (p.resource !== undefined && p.resource !== row.resource)
    throw new OAuthError('invalid_target', 'resource does not match the authorization request.')
  return core.sqlite.transaction(() => {
    const now = new Date(core.clock.now())
    const used = core.db
      .update(oauthCodes)
      .set({ usedAt: now })
      .where(and(eq(oauthCodes.id, row.id), isNull(oauthCodes.usedAt)))
      .returning({ id: oauthCodes.id })
      .get()
    if (!used) throw invalid('This authorization code was used already.')
    const grant = core.db
      .insert(oauthGrants)
      .values({
        userId: row.userId,
        clientId: row.clientId,
        clientName: row.clientName,
        scopes: row.scopes,
        workspaceId: row.workspaceId,
        resource: row.resource,
      })
      .returning()
      .get()
    core.db.update(oauthCodes).set({ grantId: grant.id }).where(eq(oauthCodes.id, row.id)).run()
    return issueTokens(core, grant)
  })()
}

/**
 * The refresh-token grant: each refresh token is good once and is replaced (rotation). One
 * presented again (stolen, or replayed) revokes the whole grant (OAuth 2.1 §4.3.1).
 */
export function refreshTokens(core: Core, client: OAuthClient, p: { refreshToken: string; resource?: string }): TokenResponse {
  const invalid = (why: string) => new OAuthError('invalid_grant', why)
  const found = core.db
    .select({ token: oauthTokens, grant: oauthGrants })
    .from(oauthTokens)
    .innerJoin(oauthGrants, eq(oauthGrants.id, oauthTokens.grantId))
    .where(and(eq(oauthTokens.tokenHash, sha256Hex(p.refreshToken)), eq(oauthTokens.kind, 'refresh')))
    .get()
  if (!found || found.grant.clientId !== client.clientId) throw invalid('Unknown refresh token.')
  const { token, grant } = found
  if (grant.revokedAt) throw invalid('This grant has been revoked.')
  if (token.usedAt) {
    revokeGrant(core, grant.id, 'refresh token reused')
    throw invalid('This refresh token was used already: the grant is revoked (possible token theft).')
  }
  if (token.expiresAt.getTime() <= core.clock.now()) throw invalid('This refresh token has expired.')
  if (p.resource !== undefined && p.resource !== grant.resource)
    throw new OAuthError('invalid_target', 'resource does not match the grant.')
  return core.sqlite.transaction(() => {
    const used = core.db
      .update(oauthTokens)
      .set({ usedAt: new Date(core.clock.now()) })
      .where(and(eq(oauthTokens.id, token.id), isNull(oauthTokens.usedAt)))
      .returning({ id: oauthTokens.id })
      .get()
    if (!used) {
      revokeGrant(core, grant.id, 'refresh token reused')
      throw invalid('This refresh token was used already: the grant is revoked.')
    }
    return issueTokens(core, grant)
  })()
}

/** RFC 7009: revoking either token of a grant ends the grant. Unknown tokens or other clients' are ignored. */
export function revokeToken(core: Core, client: OAuthClient, raw: string): void {
  const found = core.db
    .select({ grantId: oauthGrants.id, clientId: oauthGrants.clientId })
    .from(oauthTokens)
    .innerJoin(oauthGrants, eq(oauthGrants.id, oauthTokens.grantId))
    .where(eq(oauthTokens.tokenHash, sha256Hex(raw)))
    .get()
  if (found && found.clientId === client.clientId) revokeGrant(core, found.grantId, 'revoked by the client (RFC 7009)')
}

type AccessRow = {
  expires_at: number
  grant_id: string
  user_id: string
  scopes: string
  workspace_id: string | null
  resource: string
  revoked_at: number | null
  last_used_at: number | null
}
const statements = new WeakMap<Core['sqlite'], ReturnType<typeof prepare>>()
function prepare(sqlite: Core['sqlite']) {
  return {
    access: sqlite.query<AccessRow, [string]>(
      `SELECT t.expires_at, g.id AS grant_id, g.user_id, g.scopes, g.workspace_id, g.resource, g.revoked_at, g.last_used_at
       FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.token_hash = ? AND t.kind = 'access'`,
    ),
    touch: sqlite.query<unknown, [number, string]>('UPDATE oauth_grants SET last_used_at = ? WHERE id = ?'),
  }
}
const stmts = (core: Core) => {
  let s = statements.get(core.sqlite)
  if (!s) statements.set(core.sqlite, (s = prepare(core.sqlite)))
  return s
}

/**
 * The principal of an access token presented at `resource`: the granting user, narrowed by the
 * grant's scopes and workspace. Read from the database on every request, so revoking a grant
 * takes effect on the very next call. Throws 401 `invalid_token` (RFC 6750) otherwise.
 */
export function authenticateAccessToken(core: Core, raw: string, resource: string): Principal {
  const invalid = (why: string) => new OAuthError('invalid_token', why, 401)
  if (!raw.startsWith(ACCESS_PREFIX)) throw invalid('Not an access token of this server.')
  const s = stmts(core)
  const row = s.access.get(sha256Hex(raw))
  if (!row) throw invalid('Unknown access token.')
  if (row.revoked_at !== null) throw invalid('The grant of this token has been revoked.')
  const now = core.clock.now()
  if (row.expires_at <= now) throw invalid('This access token has expired.')
  if (row.resource !== resource) throw invalid(`This token was issued for another resource, not ${resource}.`)
  const principal = userPrincipal(core, row.user_id, {
    kind: 'oauth',
    id: row.grant_id,
    scopes: JSON.parse(row.scopes) as Scope[],
    workspaceId: row.workspace_id,
    projectId: null,
    expiresAt: new Date(row.expires_at),
    rateLimitPerHour: null,
  })
  if (!principal) throw invalid('The user of this grant no longer exists.')
  if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) s.touch.run(now, row.grant_id)
  return principal
}

/** A grant as the user sees it with their MCP keys ("connected apps"). */
export function grantView(g: Grant) {
  return {
    id: g.id,
    clientId: g.clientId,
    clientName: g.clientName,
    scopes: g.scopes,
    workspaceId: g.workspaceId,
    createdAt: g.createdAt.toISOString(),
    lastUsedAt: g.lastUsedAt?.toISOString() ?? null,
    revokedAt: g.revokedAt?.toISOString() ?? null,
  }
}

/** The caller's active grants (at most 200), newest first, listed like their MCP keys. */
export function listGrants(core: Core, principal: Principal) {
  const me = requireUser(principal)
  const rows = core.db
    .select()
    .from(oauthGrants)
    .where(and(eq(oauthGrants.userId, me.id), isNull(oauthGrants.revokedAt)))
    .orderBy(desc(oauthGrants.id))
    .limit(200)
    .all()
  return rows.map(grantView)
}

/** Revokes one of the caller's grants (404 for anyone else's); idempotent. */
export function revokeGrantOf(core: Core, principal: Principal, id: string) {
  const me = requireUser(principal)
  const g = core.db
    .select()
    .from(oauthGrants)
    .where(and(eq(oauthGrants.id, id), eq(oauthGrants.userId, me.id)))
    .get()
  if (!g) throw notFound('Grant')
  requireKeyManageable(principal.credential, { scopes: g.scopes as Scope[], workspaceId: g.workspaceId, projectId: null })
  revokeGrant(core, g.id, 'revoked by the user', principal)
  return grantView({ ...g, revokedAt: g.revokedAt ?? new Date(core.clock.now()) })
}
