import type { Core } from '../core'
import { ftsTokens, ftsWorkspaceQuery, ftsWorkspaceTiers } from '../lib/fts'
import { type Actor, can } from '../permissions/actor'
import { visibleProjectsSql } from '../permissions/projects'
import type { SearchHit, SearchQuery } from './model'
import { runSearch, type SearchPlan } from './run'

export { SEARCH_WINDOW } from './run'

/**
 * The authorized plan of a search, or null when it can match nothing (no word, or no kind the
 * caller may read). Every access decision is made here, on the main thread: the workspace-bounded
 * MATCH (`ftsWorkspaceQuery`: the caller's workspace inside the index), the kinds the actor's
 * permissions allow, and the visibility rule (`visibleProjectsSql`) as SQL and parameters.
 * The user's text never reaches MATCH as syntax: `ftsQuery` turns it into at most MAX_FTS_TOKENS
 * quoted words.
 */
export function planSearch(actor: Actor, q: SearchQuery): SearchPlan | null {
  const match = ftsWorkspaceQuery(actor.workspace.id, q.q)
  const tiers = ftsWorkspaceTiers(actor.workspace.id, q.q)
  const types = q.types.filter((t) => (t === 'project' ? can(actor, 'projects:read') : can(actor, 'tasks:read')))
  if (match === null || tiers === null || types.length === 0) return null
  const visible = visibleProjectsSql(actor)
  return {
    workspaceId: actor.workspace.id,
    match,
    title: tiers.title,
    exact: tiers.exact,
    tokens: ftsTokens(q.q),
    types,
    visibleSql: visible.sql,
    visibleParams: visible.params,
    limit: q.limit ?? 20,
  }
}

/**
 * Full-text search over task titles/descriptions, project names/descriptions and comment bodies
 * (one FTS5 index kept by triggers; see migrations 0001, 0005 and 0008). A search costs what the
 * caller's workspace holds, not what the server holds, and hits are ranked among what the caller may
 * see only (the newest SEARCH_WINDOW visible matches). Ranking: relevance tiers (`ftsWorkspaceTiers`:
 * -2 when every word is in the title, -1 when every word matches a whole word), newest first within
 * a tier.
 *
 * The plan is made here (`planSearch`) and run by a search worker when the server has them
 * (`core.searchPool`, SALLY_SEARCH_WORKERS), so the HTTP thread stays free for other requests;
 * inline otherwise (tests, an in-memory database, 0 workers). Both run the same `runSearch`.
 *
 * bun:sqlite offers no progress handler to stop a statement after a time budget; each statement's
 * work is bounded instead: the workspace's rows only, at most SEARCH_WINDOW ranked, `limit` (≤ 100)
 * joined, at most MAX_FTS_TOKENS words, and prefix indexes (1-3 characters) so a short word is one
 * doclist, not a merge of every term that starts with it.
 */
export async function search(core: Core, actor: Actor, q: SearchQuery): Promise<SearchHit[]> {
  const plan = planSearch(actor, q)
  if (plan === null) return []
  return core.searchPool ? core.searchPool.run(plan) : runSearch(core.sqlite, plan)
}
