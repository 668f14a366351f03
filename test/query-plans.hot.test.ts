import { afterAll, describe, expect, test } from 'bun:test'
import { projectStatements } from '../src/projects/service'
import { STATUSES_SQL } from '../src/tasks/columns'
import { makeTestApp } from './helpers/app'

/**
 * The statements prepared once per database for the hot project reads (GET /projects/:id,
 * GET /projects/:id/statuses, the board's statuses): each is one index search, with no full scan
 * and no sort step (temporary b-tree), before and after ANALYZE.
 */
const t = makeTestApp()
afterAll(() => t.close())

function plan(sql: string, params: unknown[]): string[] {
  return t.sqlite
    .query<{ detail: string }, string[]>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params.map(() => 'x'))
    .map((r) => r.detail)
}

const STATEMENTS: { name: string; sql: () => { sql: string; params: unknown[] }; index: RegExp }[] = [
  {
    name: 'a project’s statuses in board order',
    sql: () => projectStatements(t.core).statuses.getQuery(),
    index: /^SEARCH statuses USING INDEX statuses_project_pos_idx \(project_id=\?\)$/,
  },
  {
    name: 'a project’s member count',
    sql: () => projectStatements(t.core).memberCount.getQuery(),
    index: /^SEARCH project_members USING COVERING INDEX sqlite_autoindex_project_members_1 \(project_id=\?\)$/,
  },
  {
    name: 'the board’s statuses (src/tasks/columns.ts)',
    sql: () => ({ sql: STATUSES_SQL, params: [0] }),
    index: /^SEARCH statuses USING INDEX statuses_project_pos_idx \(project_id=\?\)$/,
  },
]

describe('EXPLAIN QUERY PLAN of the hot prepared statements: one index search, no scan, no temp b-tree', () => {
  for (const analyzed of [false, true])
    for (const s of STATEMENTS)
      test(`${analyzed ? 'after ANALYZE, ' : ''}${s.name}`, () => {
        if (analyzed) t.sqlite.run('ANALYZE')
        const q = s.sql()
        const lines = plan(q.sql, q.params)
        expect(lines.filter((l) => l.includes('TEMP B-TREE') || /^SCAN /.test(l))).toEqual([])
        expect(lines.some((l) => s.index.test(l))).toBe(true)
      })
})
