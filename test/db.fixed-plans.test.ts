import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/client'
import { fixedPlanSql, keepPlans } from '../src/db/fixed-plans'

describe('fixedPlanSql', () => {
  test.each([
    ['SELECT * FROM t WHERE a = ? LIMIT ?', 'SELECT * FROM t WHERE a = +? LIMIT +?'],
    ['?', '+?'],
    ['SELECT ?2, ?1', 'SELECT +?2, +?1'],
    ['SELECT * FROM t WHERE id IN (?, ?,?)', 'SELECT * FROM t WHERE id IN (+?, +?,+?)'],
    ['SELECT \'?\', "a?", `b?`, [c?] FROM t WHERE x = ?', 'SELECT \'?\', "a?", `b?`, [c?] FROM t WHERE x = +?'],
    ["SELECT 'it''s ?' WHERE y = ?", "SELECT 'it''s ?' WHERE y = +?"],
    ['SELECT 1 -- why?\nWHERE z = ?', 'SELECT 1 -- why?\nWHERE z = +?'],
    ['SELECT /* a ? b */ ? /**/ ?', 'SELECT /* a ? b */ +? /**/ +?'],
    ['SELECT 1', 'SELECT 1'],
    ["SELECT 'unterminated ?", "SELECT 'unterminated ?"],
  ])('%p', (sql, fixed) => {
    expect(fixedPlanSql(sql)).toBe(fixed)
  })
})

describe('keepPlans', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sally-plans-'))
  const plain = new Database(':memory:', { strict: true })
  const kept = keepPlans(new Database(':memory:', { strict: true }))
  for (const db of [plain, kept]) {
    db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, r REAL, b BLOB, x)')
    db.run('CREATE INDEX t_s ON t (s, n)')
    const insert = db.prepare('INSERT INTO t (n, s, r, b, x) VALUES (?, ?, ?, ?, ?)')
    for (let i = 0; i < 50; i++) insert.run(i, String(i % 7), i / 2, new Uint8Array([i]), i % 10 === 0 ? null : i % 2 ? String(i) : i)
  }

  test('a connection from openDatabase prepares the rewritten text (query, prepare, and drizzle through prepare)', () => {
    const handle = openDatabase(join(dir, 'a.db'))
    try {
      expect(handle.sqlite.query('SELECT ? AS v').toString()).toBe('SELECT +NULL AS v')
      expect(handle.sqlite.prepare('SELECT ? AS v').get(7)).toEqual({ v: 7 })
      handle.sqlite.run('CREATE TABLE k (v)')
      handle.sqlite.run('INSERT INTO k VALUES (?)', ['kept'])
      expect(handle.sqlite.query('SELECT v FROM k').all()).toEqual([{ v: 'kept' }])
    } finally {
      handle.sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  // The same answers with and without the rewrite: comparisons that take a column's affinity, LIMIT
  // and OFFSET, IN lists, NULLs, blobs, row values, and a value used where no column gives affinity.
  test.each([
    ['SELECT id FROM t WHERE n = ? ORDER BY id', ['7']],
    ['SELECT id FROM t WHERE s = ? ORDER BY n LIMIT ?', [3, 2]],
    ['SELECT id FROM t WHERE s = ? AND n > ? ORDER BY n DESC LIMIT ? OFFSET ?', ['1', '10', 3, 1]],
    ['SELECT id FROM t WHERE r = ? ORDER BY id', ['2.5']],
    ['SELECT id FROM t WHERE x = ? OR x = ? ORDER BY id', [4, '5']],
    ['SELECT count(*) AS c FROM t WHERE x = ? OR x = ?', ['4', 5]],
    ['SELECT id FROM t WHERE b = ?', [new Uint8Array([9])]],
    ['SELECT id FROM t WHERE id IN (?, ?, ?) ORDER BY id', [1, '2', 3.0]],
    ['SELECT id FROM t WHERE x IS ? ORDER BY id', [null]],
    ['SELECT id FROM t WHERE (s, n) > (?, ?) ORDER BY s, n LIMIT ?', ['5', 20, 4]],
    ['SELECT ? = 1 AS a, ? || ? AS b, typeof(?) AS c', ['1', 1, 2, 2.5]],
  ])('%p gives the same rows', (sql, values) => {
    const want = plain.query(sql).all(...(values as never[]))
    expect(want.length).toBeGreaterThan(0)
    expect(kept.query(sql).all(...(values as never[]))).toEqual(want)
  })

  test('the board column query keeps its index with the rewritten parameters', () => {
    const plan = kept.query('EXPLAIN QUERY PLAN SELECT id FROM t WHERE s = ? ORDER BY n LIMIT ?').all('1', 5) as { detail: string }[]
    expect(plan.map((p) => p.detail)).toEqual(['SEARCH t USING COVERING INDEX t_s (s=?)'])
  })
})
