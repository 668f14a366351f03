import { afterAll, describe, expect, test } from 'bun:test'
import { clientPageStatement } from '../src/clients/service'
import { keyPageSql } from '../src/keys/service'
import { LABELS_BY_IDS_SQL, LABELS_BY_NAMES_SQL } from '../src/labels/service'
import { notificationPageStatement } from '../src/notifications/service'
import type { Actor } from '../src/permissions/actor'
import { STATUS_NAMES_SQL } from '../src/projects/activity'
import { projectPageStatement, projectStatements } from '../src/projects/service'
import { STATUS_BY_ID_SQL, STATUSES_SQL } from '../src/tasks/columns'
import { anchorQuery, MOVE_SQL } from '../src/tasks/move'
import { TASK_EXTRAS_SQL } from '../src/tasks/read'
import { webhookReads } from '../src/webhooks/service'
import { webhookStatements } from '../src/webhooks/subscriber'
import { makeTestApp } from './helpers/app'

/**
 * The statements prepared once per database (src/lib/prepared.ts) on hot paths: the project reads
 * (GET /projects/:id, its statuses, the board's statuses), the webhook lookup every published event
 * runs, and the notifications page and the project, client, key and webhook lists in each of their
 * shapes. Each is an index search, with no full scan and no sort step (temporary b-tree), before
 * and after ANALYZE.
 */
const t = makeTestApp()
afterAll(() => t.close())

function plan(sql: string, params: unknown[]): string[] {
  return t.sqlite
    .query<{ detail: string }, string[]>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params.map(() => 'x'))
    .map((r) => r.detail)
}

/** `index` must match the plan's first line (the table it starts from), not just one of them. */
const STATEMENTS: { name: string; sql: () => { sql: string; params: unknown[] }; index: RegExp; first?: boolean }[] = [
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
  {
    name: 'the webhooks subscribed to an event (every write that publishes one)',
    sql: () => webhookStatements(t.core).subscribed.getQuery(),
    index: /^SEARCH webhooks USING INDEX webhooks_ws_id_idx \(workspace_id=\?\)$/,
  },
]
for (const owner of [true, false])
  for (const pinned of [false, true])
    for (const unread of [false, true])
      for (const cursor of [false, true])
        STATEMENTS.push({
          name: `the notifications page (${owner ? 'OWNER' : 'MEMBER'}${pinned ? ', project key' : ''}${unread ? ', unread' : ''}${cursor ? ', after a cursor' : ''})`,
          sql: () => notificationPageStatement(t.core, { owner, pinned, unread, cursor }).getQuery(),
          index: /^SEARCH notifications USING INDEX notifications_user_idx \(user_id=\? AND workspace_id=\?/,
        })
for (const cursor of [false, true])
  for (const active of [undefined, true, false])
    STATEMENTS.push({
      name: `the key list (${cursor ? 'after a cursor' : 'first page'}, active=${active})`,
      sql: () => {
        const sql = keyPageSql({ cursor, active })
        return { sql, params: [...sql.matchAll(/\?/g)] }
      },
      index: /^SEARCH api_keys USING INDEX api_keys_user_kind_id_idx \(user_id=\? AND kind=\?/,
    })

for (const owner of [true, false])
  for (const pinned of [false, true])
    for (const archived of ['active', 'archived', 'any'] as const)
      for (const client of [false, true])
        for (const cursor of [false, true])
          STATEMENTS.push({
            name: `the project list (${owner ? 'OWNER' : 'MEMBER'}${pinned ? ', project key' : ''}, ${archived}${client ? ', of a client' : ''}${cursor ? ', after a cursor' : ''})`,
            sql: () => projectPageStatement(t.core, { owner, pinned, archived, client, cursor }).getQuery(),
            index: /^SEARCH projects USING INDEX projects_ws_id_idx \(workspace_id=\?/,
          })
for (const archived of [false, true])
  for (const q of [false, true])
    for (const cursor of [false, true])
      STATEMENTS.push({
        name: `the client list (${archived ? 'archived' : 'active'}${q ? ', by name' : ''}${cursor ? ', after a cursor' : ''})`,
        sql: () => clientPageStatement(t.core, { archived, q, cursor }).getQuery(),
        index: /^SEARCH clients USING INDEX clients_ws_id_idx \(workspace_id=\?/,
      })
for (const [name, pick, index] of [
  ['the webhook list, first page', 'first', /^SEARCH webhooks USING INDEX webhooks_ws_id_idx \(workspace_id=\?\)$/],
  ['the webhook list, after a cursor', 'after', /^SEARCH webhooks USING INDEX webhooks_ws_id_idx \(workspace_id=\? AND id>\?\)$/],
  ['one webhook', 'byId', /^SEARCH webhooks USING INDEX sqlite_autoindex_webhooks_1 \(id=\?\)$/],
] as const)
  STATEMENTS.push({ name, sql: () => webhookReads(t.core)[pick].getQuery(), index })
// A move (POST /tasks/:id/move): its anchor starts from the task by id in every visibility shape
// (not from the workspace's projects), its two statuses and its write go by primary key.
for (const [role, pinned] of [
  ['OWNER', false],
  ['MEMBER', false],
  ['MEMBER', true],
] as const)
  STATEMENTS.push({
    name: `a move's anchor task (${role}${pinned ? ', project key' : ''})`,
    sql: () =>
      anchorQuery(
        { user: { id: 'u' }, credential: { projectId: pinned ? 'p' : null }, workspace: { id: 'w', role } } as unknown as Actor,
        't',
      ),
    index: /^SEARCH tasks USING INDEX (tasks_ws_idx \(workspace_id=\? AND id=\?\)|tasks_project_id_idx \(project_id=\? AND id=\?\))$/,
    first: true,
  })
for (const [name, sql, params, index] of [
  ['a move’s status by id', STATUS_BY_ID_SQL, 1, /^SEARCH statuses USING INDEX sqlite_autoindex_statuses_1 \(id=\?\)$/],
  ['a move’s status names (activity)', STATUS_NAMES_SQL, 2, /^SEARCH statuses USING INDEX sqlite_autoindex_statuses_1 \(id=\?\)$/],
  ['a move’s write', MOVE_SQL, 4, /^SEARCH tasks USING INDEX sqlite_autoindex_tasks_1 \(id=\?\)$/],
  // A task write naming labels (POST /tasks, PATCH labels): by id, and by name through the unique lower(name) index.
  ['labels by id', LABELS_BY_IDS_SQL, 2, /^SEARCH l USING INDEX sqlite_autoindex_labels_1 \(id=\?\)$/],
  // Every task answer (GET and each write's event payload): its comment count and logged minutes in one statement.
  ['a task’s comment count', TASK_EXTRAS_SQL, 1, /^SEARCH comments USING COVERING INDEX comments_task_idx \(task_id=\?\)$/],
  ['a task’s logged minutes', TASK_EXTRAS_SQL, 1, /^SEARCH time_entries USING INDEX time_entries_task_idx \(task_id=\?\)$/],
  ['labels by name', LABELS_BY_NAMES_SQL, 2, /^SEARCH labels USING INDEX labels_ws_name_uq \(workspace_id=\? AND <expr>=\?\)$/],
] as const)
  STATEMENTS.push({ name, sql: () => ({ sql, params: Array(params).fill(0) }), index, first: !/FROM json_each\(|\(SELECT count/.test(sql) })

describe('EXPLAIN QUERY PLAN of the hot prepared statements: one index search, no scan, no temp b-tree', () => {
  for (const analyzed of [false, true])
    for (const s of STATEMENTS)
      test(`${analyzed ? 'after ANALYZE, ' : ''}${s.name}`, () => {
        if (analyzed) t.sqlite.run('ANALYZE')
        const q = s.sql()
        const lines = plan(q.sql, q.params)
        // A scan of json_each walks one row's JSON array (a webhook's few event names), not a table;
        // a CONSTANT ROW is the one row of a SELECT of scalar subqueries.
        expect(lines.filter((l) => l.includes('TEMP B-TREE') || /^SCAN (?!json_each |CONSTANT ROW$)/.test(l))).toEqual([])
        if (s.first) expect(lines[0]).toMatch(s.index)
        else expect(lines.some((l) => s.index.test(l))).toBe(true)
      })
})
