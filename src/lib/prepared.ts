import type { Database } from 'bun:sqlite'

/**
 * The one way to keep prepared statements: `build` runs once per database (on first use) and its
 * result is reused by every later call with the same connection; held weakly, so a closed test
 * database lets its statements go. Build bun:sqlite statements (`sqlite.query<Row, Params>(sql)`)
 * or drizzle ones (`db.select()…where(eq(col, sql.placeholder('id'))).prepare()`) in it, never per
 * request: preparing and building SQL text cost more than most of the queries themselves.
 *
 *   const stmts = perDatabase((core) => ({ byId: core.sqlite.query<Row, [string]>('SELECT … WHERE id = ?') }))
 *   stmts(core).byId.get(id)
 */
export function perDatabase<C extends { sqlite: Database }, T>(build: (core: C) => T): (core: C) => T {
  const built = new WeakMap<Database, T>()
  return (core) => {
    let s = built.get(core.sqlite)
    if (s === undefined) built.set(core.sqlite, (s = build(core)))
    return s
  }
}
