import type { Core } from '../core'
import { excerpt, ftsTokens, ftsWorkspaceQuery, ftsWorkspaceTiers } from '../lib/fts'
import { type Actor, can } from '../permissions/actor'
import { visibleProjectsSql } from '../permissions/projects'
import type { SearchHit, SearchQuery, SearchType } from './model'

/**
 * How many matches are ranked at most: the newest ones the caller can see. Ranking costs per
 * match, so a common word in a large workspace would otherwise cost in proportion to the workspace;
 * with the window, a search costs about the same at 10,000 and at 1,000,000 documents. A more specific
 * query (two words) narrows the matches and reaches older documents.
 */
export const SEARCH_WINDOW = 1000

type Row = {
  kind: SearchType
  id: string
  score: number
  project_description: string | null
  comment_body: string | null
  task_description: string | null
  project_id: string
  project_name: string
  project_key: string
  project_archived: number | null
  task_id: string | null
  task_title: string | null
  task_number: number | null
  task_archived: number | null
}

/** The excerpt shown for a hit: from the body (description or comment) if a word matches there, else the title. */
function snippetOf(r: Row, tokens: string[]): string {
  const title = r.kind === 'project' ? r.project_name : (r.task_title ?? '')
  const body = r.kind === 'comment' ? r.comment_body : r.kind === 'task' ? r.task_description : r.project_description
  return (body && excerpt(body, tokens)) ?? excerpt(title, tokens) ?? title
}

/**
 * Full-text search over task titles/descriptions, project names/descriptions and comment bodies
 * (one FTS5 index kept by triggers; see migrations 0001, 0005 and 0008). Every MATCH is limited to
 * the caller's workspace inside the index (`ftsWorkspaceQuery`), so a search costs what the
 * workspace holds, not what the server holds; the visibility rule (projects) is part of the query,
 * so hits are ranked among what the caller may see only (the newest SEARCH_WINDOW visible matches).
 * Ranking: relevance tiers (`ftsWorkspaceTiers`: -2 when every word is in the title, -1 when every
 * word matches a whole word), newest first within a tier. The user's text never reaches MATCH as
 * syntax: `ftsQuery` turns it into at most MAX_FTS_TOKENS quoted words.
 *
 * bun:sqlite offers no progress handler to stop a statement after a time budget; each statement's
 * work is bounded instead: the workspace's rows only, at most SEARCH_WINDOW ranked, `limit` (≤ 100)
 * joined, at most MAX_FTS_TOKENS words, and prefix indexes (1-3 characters) so a short word is one
 * doclist, not a merge of every term that starts with it.
 */
export function search(core: Core, actor: Actor, q: SearchQuery): SearchHit[] {
  const match = ftsWorkspaceQuery(actor.workspace.id, q.q)
  const tiers = ftsWorkspaceTiers(actor.workspace.id, q.q)
  const types = q.types.filter((t) => (t === 'project' ? can(actor, 'projects:read') : can(actor, 'tasks:read')))
  if (match === null || tiers === null || types.length === 0) return []
  const limit = q.limit ?? 20
  const visible = visibleProjectsSql(actor)
  // Rank the visible matches using only the FTS row and its search_docs entry (which carries the
  // project, kept by triggers), keep the best `limit`, and only for those cut snippets and join the
  // display columns.
  const kinds = types.map(() => '?').join(', ')
  const visibleParams = visible.params
  const filter = `d.kind IN (${kinds}) AND d.project_id IN (SELECT projects.id FROM projects WHERE ${visible.sql})`
  // Bounded work: only the SEARCH_WINDOW newest visible matches are ranked. The first statement finds
  // the rowid of the SEARCH_WINDOW-th newest one (none when there are fewer), the second ranks from it.
  const bound =
    core.sqlite
      .query<{ rid: number }, (string | number)[]>(
        `SELECT search_fts.rowid AS rid FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
         WHERE search_fts MATCH ? AND ${filter} ORDER BY search_fts.rowid DESC LIMIT 1 OFFSET ${SEARCH_WINDOW - 1}`,
      )
      .get(match, ...types, ...visibleParams)?.rid ?? 0
  // The best `limit` of those, then display columns and texts for them only (snippets are cut in
  // JS: FTS5's snippet() would re-run the full-text query once per hit). Each tier is one more
  // workspace-bounded MATCH from the same rowid on, evaluated once per statement.
  const tier = `(SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid >= ?)`
  const text = `
    WITH hits AS (
      SELECT d.kind AS kind, d.ref_id AS id, d.project_id AS project_id, search_fts.rowid AS rid,
        (CASE WHEN search_fts.rowid IN ${tier} THEN -2 ELSE 0 END) + (CASE WHEN search_fts.rowid IN ${tier} THEN -1 ELSE 0 END) AS score
      FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
      WHERE search_fts MATCH ? AND search_fts.rowid >= ? AND ${filter}
      ORDER BY score, rid DESC
      LIMIT ?
    )
    SELECT hits.kind, hits.id, hits.score,
      projects.id AS project_id, projects.name AS project_name, projects.key AS project_key, projects.archived_at AS project_archived,
      projects.description AS project_description, c.body AS comment_body,
      t.id AS task_id, t.title AS task_title, t.description AS task_description, t.number AS task_number, t.archived_at AS task_archived
    FROM hits
    JOIN projects ON projects.id = hits.project_id
    LEFT JOIN comments c ON hits.kind = 'comment' AND c.id = hits.id
    LEFT JOIN tasks t ON t.id = (CASE hits.kind WHEN 'task' THEN hits.id WHEN 'comment' THEN c.task_id END)
    ORDER BY hits.score, hits.rid DESC`
  const rows = core.sqlite
    .query<Row, (string | number)[]>(text)
    .all(tiers.title, bound, tiers.exact, bound, match, bound, ...types, ...visibleParams, limit)
  const tokens = ftsTokens(q.q)
  return rows.map((r) => ({
    type: r.kind,
    id: r.id,
    title: r.kind === 'project' ? r.project_name : (r.task_title ?? ''),
    snippet: snippetOf(r, tokens),
    score: r.score,
    projectId: r.project_id,
    taskId: r.task_id,
    humanId: r.task_number !== null ? `${r.project_key}-${r.task_number}` : null,
    archived: (r.kind === 'project' ? r.project_archived : r.task_archived) !== null,
  }))
}
