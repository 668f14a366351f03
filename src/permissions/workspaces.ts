import type { Core } from '../core'
import type { WorkspaceRole } from '../db/schema/common'
import { AppError, notFound, scopeViolation } from '../errors'
import { perDatabase } from '../lib/prepared'
import { readCache } from '../lib/read-cache'
import type { Principal, WorkspaceContext } from './actor'
import { requireWorkspaceActive, workspaceRoleOf } from './rules'

export type WorkspaceSelector = { id?: string | null; slug?: string | null }

type Row = { id: string; slug: string; name: string; suspended_at: number | null; role: WorkspaceRole | null }

function prepare(sqlite: Core['sqlite']) {
  const cols = 'w.id, w.slug, w.name, w.suspended_at, m.role'
  const join = 'LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = ?'
  const byId = sqlite.query<Row, [string, string]>(`SELECT ${cols} FROM workspaces w ${join} WHERE w.id = ?`)
  const bySlug = sqlite.query<Row, [string, string]>(`SELECT ${cols} FROM workspaces w ${join} WHERE w.slug = ?`)
  const mine = sqlite.query<Row, [string]>(
    `SELECT ${cols} FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = ? LIMIT 2`,
  )
  // Every workspace request runs one of these (their joins cost ~10 µs): kept while the database is
  // unchanged (src/lib/read-cache.ts: any write empties the cache, nothing is kept in a transaction).
  const rows = readCache<Row | null>(sqlite, 'workspaces.select')
  const mineRows = readCache<Row[]>(sqlite, 'workspaces.mine')
  return {
    byId: (uid: string, id: string) => rows.get(`id|${uid}|${id}`, () => byId.get(uid, id)),
    bySlug: (uid: string, slug: string) => rows.get(`slug|${uid}|${slug}`, () => bySlug.get(uid, slug)),
    mine: (uid: string) => mineRows.get(uid, () => mine.all(uid)),
  }
}
const stmts = perDatabase((core: Core) => prepare(core.sqlite))

/** Reads the selector from headers and the four query spellings (SPEC §4). */
export function readSelector(headers: Headers, query: Record<string, unknown>): WorkspaceSelector {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)
  return {
    id: str(headers.get('x-workspace-id')) ?? str(query.workspaceId) ?? str(query.workspace_id),
    slug: str(headers.get('x-workspace-slug')) ?? str(query.workspaceSlug) ?? str(query.workspace_slug),
  }
}

/**
 * The workspace `id` as the principal would act in it, ignoring key pins and suspension (what a key's
 * pin may name: src/keys/service.ts); 404 when it does not exist or the principal cannot see it.
 */
export function workspaceOfPrincipal(core: Core, principal: Principal, id: string): WorkspaceContext {
  const row = stmts(core).byId(principal.user?.id ?? '', id)
  const role = row ? workspaceRoleOf(principal, row.role) : null
  if (!row || !role) throw notFound('Workspace')
  return { id: row.id, slug: row.slug, name: row.name, role }
}

/**
 * Resolves the workspace a request acts in, once, before handlers run:
 * explicit selector → that workspace if visible (404 otherwise); none → the caller's only workspace,
 * or 400 `workspace_required`; a pinned key → its workspace, and 403 `scope_violation` for any other.
 * Superadmins (and the global token) see every workspace and act there as OWNER.
 */
export function selectWorkspace(
  core: Core,
  principal: Principal,
  selector: WorkspaceSelector,
  /** `allowSuspended`: only for the SUPERADMIN suspend/reactivate routes; every other rule still applies. */
  opts: { allowSuspended?: boolean } = {},
): WorkspaceContext {
  const s = stmts(core)
  const uid = principal.user?.id ?? ''
  const pin = principal.credential.workspaceId
  let row: Row | null = null
  if (selector.id || selector.slug) {
    row = selector.id ? s.byId(uid, selector.id) : s.bySlug(uid, selector.slug!)
    if (row && selector.id && selector.slug && row.slug !== selector.slug) row = null
    if (pin && row?.id !== pin) {
      // A pinned key names only its own workspace; any other selection is a scope violation,
      // but an invisible one must not be confirmed to exist.
      if (!row || !workspaceRoleOf(principal, row.role)) throw notFound('Workspace')
      throw scopeViolation('This key is restricted to another workspace.')
    }
  } else if (pin) {
    row = s.byId(uid, pin)
  } else if (principal.user) {
    const mine = s.mine(uid)
    if (mine.length === 0)
      throw new AppError('workspace_required', 'You are not a member of any workspace: create one with POST /workspaces.')
    if (mine.length > 1)
      throw new AppError(
        'workspace_required',
        'Select a workspace with the X-Workspace-Id or X-Workspace-Slug header (you belong to several).',
      )
    row = mine[0]!
  } else {
    throw new AppError('workspace_required', 'Select a workspace with the X-Workspace-Id or X-Workspace-Slug header.')
  }
  if (!row) throw notFound('Workspace')
  const role = workspaceRoleOf(principal, row.role)
  if (!role) throw notFound('Workspace')
  if (!opts.allowSuspended) requireWorkspaceActive(row.suspended_at !== null)
  return { id: row.id, slug: row.slug, name: row.name, role }
}
