import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core'
import type { Core } from '../core'
import { ftsQuery } from '../lib/fts'
import { can, type Actor } from '../permissions/actor'
import { visibleProjects } from '../permissions/projects'
import type { SearchHit, SearchQuery, SearchType } from './model'

const dialect = new SQLiteSyncDialect()

type Row = {
  kind: SearchType
  id: string
  score: number
  snippet: string
  project_id: string
  project_name: string
  project_key: string
  project_archived: number | null
  task_id: string | null
  task_title: string | null
  task_number: number | null
  task_archived: number | null
}

/**
 * Full-text search over task titles/descriptions, project names/descriptions and comment bodies
 * (one FTS5 index kept by triggers; see migration 0001). The visibility rule is part of the query,
 * so hits are ranked (bm25, titles weigh 10× bodies) among what the caller may see only. The user's
 * text never reaches MATCH as syntax: `ftsQuery` turns it into quoted prefix tokens.
 */
export function search(core: Core, actor: Actor, q: SearchQuery): SearchHit[] {
  const match = ftsQuery(q.q)
  const types = q.types.filter((t) => (t === 'project' ? can(actor, 'projects:read') : can(actor, 'tasks:read')))
  if (match === null || types.length === 0) return []
  const limit = q.limit ?? 20
  const visible = dialect.sqlToQuery(visibleProjects(actor))
  // Two steps in one statement: rank and filter every match (bm25 only), keep the best `limit`, and
  // only then build snippets for those (snippet() is the expensive part).
  const text = `
    WITH hits AS (
      SELECT search_fts.rowid AS rid, d.kind AS kind, d.ref_id AS id, bm25(search_fts, 10.0, 1.0) AS score,
        projects.id AS project_id, projects.name AS project_name, projects.key AS project_key, projects.archived_at AS project_archived,
        t.id AS task_id, t.title AS task_title, t.number AS task_number, t.archived_at AS task_archived
      FROM search_fts
      JOIN search_docs d ON d.id = search_fts.rowid
      LEFT JOIN comments c ON d.kind = 'comment' AND c.id = d.ref_id
      LEFT JOIN tasks t ON t.id = (CASE d.kind WHEN 'task' THEN d.ref_id WHEN 'comment' THEN c.task_id END)
      JOIN projects ON projects.id = (CASE d.kind WHEN 'project' THEN d.ref_id ELSE t.project_id END)
      WHERE search_fts MATCH ? AND d.kind IN (${types.map(() => '?').join(', ')}) AND ${visible.sql}
      ORDER BY score, rid
      LIMIT ?
    )
    SELECT hits.*, snippet(search_fts, -1, '**', '**', '…', 16) AS snippet
    FROM hits JOIN search_fts ON search_fts.rowid = hits.rid
    WHERE search_fts MATCH ?
    ORDER BY hits.score, hits.rid`
  const rows = core.sqlite.query<Row, (string | number)[]>(text).all(match, ...types, ...(visible.params as (string | number)[]), limit, match)
  return rows.map((r) => ({
    type: r.kind,
    id: r.id,
    title: r.kind === 'project' ? r.project_name : (r.task_title ?? ''),
    snippet: r.snippet,
    score: r.score,
    projectId: r.project_id,
    taskId: r.task_id,
    humanId: r.task_number !== null ? `${r.project_key}-${r.task_number}` : null,
    archived: (r.kind === 'project' ? r.project_archived : r.task_archived) !== null,
  }))
}
