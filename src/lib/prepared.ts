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

/**
 * Statements whose SQL text takes one of a few shapes (a filter present or not, the caller's kind of
 * visibility): each shape is built once per database, named by `key(shape)`; the values go in
 * placeholders. Keep the shapes few: every one is kept for the life of the database.
 */
export function perShape<C extends { sqlite: Database }, S, T>(key: (shape: S) => string, build: (core: C, shape: S) => T) {
  const shapes = perDatabase((_: C) => new Map<string, T>())
  return (core: C, shape: S): T => {
    const byKey = shapes(core)
    const k = key(shape)
    let s = byKey.get(k)
    if (s === undefined) byKey.set(k, (s = build(core, shape)))
    return s
  }
}
