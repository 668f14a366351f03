import type { Database } from 'bun:sqlite'
import { excerpt } from '../lib/fts'
import type { SearchHit, SearchType } from './model'

/**
 * How many matches are ranked at most: the newest ones the caller can see. Ranking costs per
 * match, so a common word in a large workspace would otherwise cost in proportion to the workspace;
 * with the window, a search costs about the same at 10,000 and at 1,000,000 documents. A more specific
 * query (two words) narrows the matches and reaches older documents.
 */
export const SEARCH_WINDOW = 1000

/**
 * An authorized search, ready to run: everything the statements need and nothing else. Built on the
 * main thread by `planSearch` (service.ts), where every access decision is made; run by `runSearch`,
 * inline or in a search worker (worker.ts). Plain data, so it crosses to a worker by structured clone.
 */
export type SearchPlan = {
  /** The caller's workspace: the pool's fairness and queue bound are per workspace. */
  workspaceId: string
  /** Workspace-bounded MATCH expressions (lib/fts): the words, and the two relevance tiers. */
  match: string
  title: string
  exact: string
  /** The user's words, for excerpts. */
  tokens: string[]
  /** The kinds the caller may see and asked for (never empty). */
  types: SearchType[]
  /** The visibility rule (`visibleProjectsSql`): SQL over `projects` and its parameters. */
  visibleSql: string
  visibleParams: (string | number)[]
  limit: number
}

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
 * Runs a search plan on `sqlite` (the server's connection, or a worker's read-only one): two
 * statements, then excerpts cut in JS for the hits. It decides nothing about access: the plan carries
 * the workspace-bounded MATCH and the visibility rule.
 *
 * Ranks the visible matches using only the FTS row and its search_docs entry (which carries the
 * project, kept by triggers), keeps the best `limit`, and only for those cuts snippets and joins the
 * display columns. Bounded work: only the SEARCH_WINDOW newest visible matches are ranked. The first
 * statement finds the rowid of the SEARCH_WINDOW-th newest one (none when there are fewer), the
 * second ranks from it; each tier is one more workspace-bounded MATCH from the same rowid on,
 * evaluated once per statement. (FTS5's snippet() would re-run the full-text query once per hit.)
 */
export function runSearch(sqlite: Database, p: SearchPlan): SearchHit[] {
  const kinds = p.types.map(() => '?').join(', ')
  const filter = `d.kind IN (${kinds}) AND d.project_id IN (SELECT projects.id FROM projects WHERE ${p.visibleSql})`
  const bound =
    sqlite
      .query<{ rid: number }, (string | number)[]>(
        `SELECT search_fts.rowid AS rid FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
         WHERE search_fts MATCH ? AND ${filter} ORDER BY search_fts.rowid DESC LIMIT 1 OFFSET ${SEARCH_WINDOW - 1}`,
      )
      .get(p.match, ...p.types, ...p.visibleParams)?.rid ?? 0
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
  const rows = sqlite
    .query<Row, (string | number)[]>(text)
    .all(p.title, bound, p.exact, bound, p.match, bound, ...p.types, ...p.visibleParams, p.limit)
  return rows.map((r) => ({
    type: r.kind,
    id: r.id,
    title: r.kind === 'project' ? r.project_name : (r.task_title ?? ''),
    snippet: snippetOf(r, p.tokens),
    score: r.score,
    projectId: r.project_id,
    taskId: r.task_id,
    humanId: r.task_number !== null ? `${r.project_key}-${r.task_number}` : null,
    archived: (r.kind === 'project' ? r.project_archived : r.task_archived) !== null,
  }))
}
