import { type DocumentDecoration, Elysia } from 'elysia'
import { recordAudit } from '../audit/service'
import { authenticate } from '../auth/credentials'
import type { Core } from '../core'
import { AppError, scopeViolation } from '../errors'
import { isHttps, requestInfo } from '../http/context'
import { rateLimitHeaders } from '../lib/rate-limit'
import { type Actor, actorIn, authorizePrincipal, credentialScopes, effectiveScopes, type Principal } from './actor'
import { refuseCrossSite } from './csrf'
import type { Scope } from './matrix'
import { removalPermission, requireSuperadmin } from './rules'
import { readSelector, selectWorkspace, type WorkspaceSelector } from './workspaces'

/** What a route outside a workspace needs: any credential, optionally one scope. */
export type PrincipalRequirement = true | Scope | { permission?: Scope; allowMcp?: boolean }
/**
 * What a workspace route needs: the workspace-level permission, and whether project-scoped keys are
 * refused. Routes under `/workspaces/:id` name their workspace in the path (`path: 'id'`) instead of
 * the selection headers. `leave`: the path parameter naming a member; removing yourself is leaving
 * (src/permissions/rules.ts `removalPermission`). `superadmin`: platform SUPERADMIN only (what the
 * route does, for the refusal). `allowSuspended`: the suspension check is lifted (reactivating).
 */
export type WorkspaceRequirement =
  | Scope
  | {
      permission: Scope
      orgWide?: boolean
      allowMcp?: boolean
      path?: string
      leave?: string
      superadmin?: string
      allowSuspended?: boolean
      /** The route reads a multipart/form-data body (uploads), which a cookie request may then send. */
      multipart?: boolean
    }

const HOUR = 3_600_000
const MINUTE = 60_000

export const SESSION_COOKIE = 'sally_session'

/**
 * The first `name` cookie of a Cookie header, percent-decoded. A value that does not decode (`%E0%A4%A`)
 * is returned as sent: no session token contains `%`, so it is refused as an unknown token (401).
 */
export function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) {
      const raw = part.slice(i + 1).trim()
      try {
        return decodeURIComponent(raw)
      } catch {
        return raw
      }
    }
  }
  return null
}

const globalUse = new WeakSet<Core>()

/**
 * Authenticates a request and applies per-IP failure limits and per-credential rate limits.
 * Transport-level glue only; the decisions live in auth/credentials and permissions/actor.
 */
export async function authenticateRequest(
  core: Core,
  request: Request,
  headers: Record<string, string | number>,
  o: { allowMcp?: boolean; multipart?: boolean } = {},
): Promise<Principal> {
  const presented = {
    authorization: request.headers.get('authorization'),
    apiKey: request.headers.get('x-api-key'),
    sessionCookie: cookieValue(request.headers.get('cookie'), SESSION_COOKIE),
  }
  // The cookie is the credential only when neither header is sent (auth/credentials presentedSecret).
  if (!presented.apiKey && !presented.authorization && presented.sessionCookie) refuseCrossSite(core.config, request, o)
  const now = core.clock.now()
  const ip = requestInfo(request).ip ?? 'unknown'
  const failBucket = `authfail:${ip}`
  const failLimit = core.config.SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE
  // An address over its failed-authentication limit keeps working with credentials that are valid
  // and cheap to check (a key already verified in the cache, a session, the global token), so that
  // a flood of bad keys from a shared address does not lock its legitimate users out; every failure
  // answers 429, and a key that would need the slow hash is refused before hashing.
  const over = !core.limiter.peek(failBucket, failLimit, MINUTE, now).allowed
  let principal: Principal
  try {
    principal = await authenticate(core, presented, { allowSlowVerify: !over })
  } catch (e) {
    // (rate_limited without `over`: the slow-verification queue is full; not the caller's failure.)
    if (e instanceof AppError && e.code !== 'missing_key' && (over || e.code !== 'rate_limited')) {
      const r = core.limiter.hit(failBucket, failLimit, MINUTE, now)
      if (over) {
        throw new AppError('rate_limited', 'Too many failed authentication attempts from this address; retry later.', {
          headers: rateLimitHeaders({ ...r, allowed: false }, now),
        })
      }
      core.log.warn('authentication failed', { requestId: requestInfo(request).requestId, ip, code: e.code })
    }
    throw e
  }
  const c = principal.credential
  if (c.kind === 'mcp_key' && !o.allowMcp) throw scopeViolation('MCP keys (sallymcp_) are valid only on /mcp.')
  if (c.kind === 'global') {
    const write = request.method !== 'GET' && request.method !== 'HEAD'
    if (write || !globalUse.has(core)) {
      globalUse.add(core)
      recordAudit(core, principal, {
        action: write ? 'global_token.write' : 'global_token.first_use',
        ip,
        meta: { method: request.method, path: new URL(request.url).pathname },
      })
    }
    return principal
  }
  if (c.renewed && !request.headers.has('authorization') && !request.headers.has('x-api-key')) {
    // The session slid forward and came from the cookie: renew the cookie's lifetime with it.
    const token = cookieValue(request.headers.get('cookie'), SESSION_COOKIE)!
    headers['set-cookie'] =
      `${SESSION_COOKIE}=${encodeURIComponent(token)}; Max-Age=${core.config.SALLY_SESSION_TTL_DAYS * 86_400}; Path=/; HttpOnly; SameSite=Lax` +
      (isHttps(core.config, request) ? '; Secure' : '')
  }
  chargeCredential(core, principal, 1, headers)
  return principal
}

/**
 * Counts `cost` requests against the credential's hourly limit, all or none (the request itself
 * costs 1; /mcp charges each further JSON-RPC message of a batch). Sets X-RateLimit-*; 429 when
 * they do not all fit. The global token has no limit.
 */
export function chargeCredential(core: Core, principal: Principal, cost: number, headers: Record<string, string | number>): void {
  const c = principal.credential
  if (c.kind === 'global') return
  const now = core.clock.now()
  const limit =
    c.rateLimitPerHour ??
    (c.kind === 'session' ? core.config.SALLY_SESSION_RATE_LIMIT_PER_HOUR : core.config.SALLY_API_KEY_RATE_LIMIT_PER_HOUR)
  const r = core.limiter.hit(`cred:${c.id}`, limit, HOUR, now, cost)
  Object.assign(headers, rateLimitHeaders(r, now))
  if (!r.allowed) {
    throw new AppError('rate_limited', `Rate limit of ${limit} requests per hour exceeded for this credential.`, {
      headers: rateLimitHeaders(r, now),
    })
  }
}

/**
 * X-Sally-Scopes, memoized per (scope list, role): a cached key hands the same scopes array to every
 * request, so the header string is built once rather than per request.
 */
const scopeHeaders = new WeakMap<readonly Scope[], Map<string, string>>()
function scopesHeader(scopes: readonly Scope[], role: string | null, compute: () => readonly Scope[] = () => scopes): string {
  let byRole = scopeHeaders.get(scopes)
  if (!byRole) scopeHeaders.set(scopes, (byRole = new Map()))
  const k = role ?? ''
  let h = byRole.get(k)
  if (h === undefined) byRole.set(k, (h = compute().join(' ')))
  return h
}

/**
 * The actor of a workspace request, by the same rules everywhere: SPEC §4 selection (404 when
 * invisible, 403 `scope_violation` for another pin, 403 when suspended unless `allowSuspended`),
 * X-Sally-Scopes for keys, project-scoped keys refused on org-wide routes, then role ∩ scopes.
 * Used by the `workspace` macro and by routes that name their workspace in the path.
 */
export function workspaceActor(
  core: Core,
  principal: Principal,
  selector: WorkspaceSelector,
  req: { permission?: Scope; orgWide?: boolean; allowSuspended?: boolean; superadmin?: string },
  headers: Record<string, string>,
): Actor {
  const workspace = selectWorkspace(core, principal, selector, { allowSuspended: req.allowSuspended })
  if (principal.credential.kind === 'api_key' || principal.credential.kind === 'mcp_key')
    headers['x-sally-scopes'] = scopesHeader(credentialScopes(principal.credential), workspace.role, () =>
      effectiveScopes({ ...principal, workspace }),
    )
  const actor = actorIn(principal, workspace, req)
  if (req.superadmin) requireSuperadmin(actor, req.superadmin)
  return actor
}

function normalize<T extends object>(req: Scope | true | T): Partial<T> & { permission?: Scope } {
  if (req === true) return {}
  if (typeof req === 'string') return { permission: req } as Partial<T> & { permission?: Scope }
  return req as Partial<T> & { permission?: Scope }
}

/**
 * What a route requires, for the OpenAPI document: src/docs turns it into security, the workspace
 * headers, the error responses and a line of description (an extension, not read at runtime).
 */
export type AuthDoc = {
  kind: 'principal' | 'workspace' | 'public'
  permission?: Scope
  orgWide?: boolean
  /** The workspace is the path parameter of this name, not the selection headers. */
  path?: string
  leave?: boolean
  superadmin?: boolean
}
const authDoc = (doc: AuthDoc) => ({ 'x-sally-auth': doc }) as DocumentDecoration

/**
 * The declaration of a route anyone may call (no credential): its `detail`, so that the document
 * shows it public and every route declares its access (test/permissions.coverage.test.ts).
 */
export const publicRoute = <T extends DocumentDecoration>(detail: T): T =>
  ({ ...detail, security: [], 'x-sally-auth': { kind: 'public' } satisfies AuthDoc }) as T

/** An id no workspace has: an empty path id selects nothing (never "the caller's only workspace"). */
const NO_WORKSPACE = '-'

function workspaceDoc(opt: Partial<Exclude<WorkspaceRequirement, Scope>>): AuthDoc {
  return {
    kind: 'workspace',
    permission: opt.permission,
    orgWide: opt.orgWide,
    ...(opt.path ? { path: opt.path } : {}),
    ...(opt.leave ? { leave: true } : {}),
    ...(opt.superadmin ? { superadmin: true } : {}),
  }
}

/**
 * The auth plugin. Routes declare what they need and receive a typed `principal` or `actor`:
 *   { principal: true }            any credential (no workspace)
 *   { principal: 'keys:write' }    plus a scope check on the credential
 *   { workspace: 'tasks:write' }   workspace selected (SPEC §4) and role ∩ scopes checked (SPEC §5)
 *   { workspace: { permission: 'webhooks:read', orgWide: true } }  also refuses project-scoped keys
 *   { workspace: { permission: 'workspaces:read', path: 'id' } }    the workspace named by `params.id`
 */
export function authPlugin(core: Core) {
  // Authentication and authorization run in the transform phase, before the body, query and params
  // are validated: a caller without a valid credential or permission learns nothing about a route's
  // input schema (401/403 come before 400). `resolve` then hands the result to the handler, typed.
  const principals = new WeakMap<Request, Principal>()
  const actors = new WeakMap<Request, Actor>()
  return new Elysia({ name: 'auth' }).macro({
    principal: (req: PrincipalRequirement) => ({
      detail: authDoc({ kind: 'principal', permission: normalize(req).permission }),
      async transform({ request, set }) {
        const opt = normalize(req)
        const principal = await authenticateRequest(core, request, set.headers as Record<string, string>, opt)
        if (principal.credential.kind === 'api_key' || principal.credential.kind === 'mcp_key')
          set.headers['x-sally-scopes'] = scopesHeader(credentialScopes(principal.credential), null)
        if (opt.permission) authorizePrincipal(principal, opt.permission)
        principals.set(request, principal)
      },
      resolve({ request }) {
        return { principal: principals.get(request)! }
      },
    }),
    workspace: (req: WorkspaceRequirement) => ({
      detail: authDoc(workspaceDoc(normalize(req))),
      async transform({ request, set, query, params }) {
        const opt = normalize(req)
        const principal = await authenticateRequest(core, request, set.headers as Record<string, string>, opt)
        // Path parameters are not validated yet: read as the route's zod schema would (trimmed).
        const raw = (name: string) => String((params as Record<string, string | undefined>)[name] ?? '').trim()
        const selector = opt.path ? { id: raw(opt.path) || NO_WORKSPACE } : readSelector(request.headers, query)
        const permission =
          opt.leave && opt.permission
            ? removalPermission(principal, raw(opt.leave), opt.permission as 'members:write', 'workspaces:read')
            : opt.permission
        actors.set(request, workspaceActor(core, principal, selector, { ...opt, permission }, set.headers as Record<string, string>))
      },
      resolve({ request }) {
        return { actor: actors.get(request)! }
      },
    }),
  })
}
