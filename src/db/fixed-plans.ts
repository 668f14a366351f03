import type { Database } from 'bun:sqlite'

/**
 * The SQLite in Bun 1.4.5 (3.54.1) lets the values bound to some parameters steer a statement's plan: a
 * `LIMIT ?` (sqlite3ExprIsInteger reads it), and the `col = ?` terms of a query with ORDER BY and
 * LIMIT. It marks such a statement, and every later bind of that parameter makes its next run
 * compile the statement again: ~9 µs a run measured on the board's column query (27 µs for 25
 * rows, 17 µs once it stays compiled), on every list page, board column and `.limit(1)` lookup
 * (drizzle binds the limit), although no value of ours changes the plan. SQLite's switch
 * for fixed plans (SQLITE_DBCONFIG_ENABLE_QPSG) cannot be set through bun:sqlite.
 *
 * A parameter written `+?` is the same value to SQLite (unary plus is a no-op and, like a bare
 * parameter, has no affinity) but it is not a bare parameter, so the planner does not read it
 * and the statement stays compiled. This rewrites every `?`/`?NNN` outside quotes and comments.
 * What it gives up: plans that depend on a bound value, i.e. a LIKE prefix range on a bound
 * pattern (Sally's LIKEs are on lower(…) or BINARY-collated columns, where SQLite never does that).
 */
export function fixedPlanSql(sql: string): string {
  /** Where `close` next occurs after `at`, or the end of the text. */
  const end = (close: string, at: number) => {
    const j = sql.indexOf(close, at)
    return j < 0 ? sql.length : j
  }
  let out = ''
  let from = 0
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!
    // A doubled quote inside a literal ('it''s') reads as two literals side by side: the same skip.
    if (c === "'" || c === '"' || c === '`') i = end(c, i + 1)
    else if (c === '[') i = end(']', i + 1)
    else if (c === '-' && sql[i + 1] === '-') i = end('\n', i)
    else if (c === '/' && sql[i + 1] === '*') i = end('*/', i + 2) + 1
    else if (c === '?') {
      out += `${sql.slice(from, i)}+`
      from = i
    }
  }
  return out === '' ? sql : out + sql.slice(from)
}

/** SQL texts rewritten, per process (cache `sql.fixed-plans`; bounded: a text with N placeholders varies with N). */
const rewritten = new Map<string, string>()
export const FIXED_PLAN_TEXTS_MAX = 4_096

function rewrite(sql: string): string {
  let out = rewritten.get(sql)
  if (out === undefined) {
    if (rewritten.size >= FIXED_PLAN_TEXTS_MAX) rewritten.clear()
    rewritten.set(sql, (out = fixedPlanSql(sql)))
  }
  return out
}

/**
 * Makes every statement this connection prepares (`query`, `prepare`, `run` with values; drizzle's
 * go through `prepare`) keep its plan across binds: see fixedPlanSql.
 */
export function keepPlans(sqlite: Database): Database {
  const query = sqlite.query.bind(sqlite)
  const prepare = sqlite.prepare.bind(sqlite)
  const run = sqlite.run.bind(sqlite)
  sqlite.query = ((sql: string) => query(rewrite(sql))) as Database['query']
  sqlite.prepare = ((sql: string, params?: never) => prepare(rewrite(sql), params)) as Database['prepare']
  sqlite.run = ((sql: string, ...values: never[]) => (values.length > 0 ? run(rewrite(sql), ...values) : run(sql))) as Database['run']
  return sqlite
}
