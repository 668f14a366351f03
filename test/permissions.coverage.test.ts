/**
 * Every operation of the OpenAPI document declares its access and is in the permission matrix
 * (issue 11; STYLE.md rule 6): a route added without `principal`/`workspace` in its auth macro (or
 * `publicRoute` for one anyone may call), or without rows in a matrix table, fails here.
 *
 * The covered routes are the matrix tables' own: the files that call `runMatrix` are loaded in a
 * child `bun test` that selects no test, and each table appends its routes to a file as it is
 * declared (test/helpers/matrix.ts `recordCovered`).
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { SCOPES } from '../src/permissions/matrix'
import { makeTestApp } from './helpers/app'
import { MATRIX_ROUTES_FILE, routeKey } from './helpers/matrix'

type Json = Record<string, any>
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

// Signup on, so that POST /auth/register is in the document (its matrix row runs with signup off: 404).
const t = makeTestApp({ SALLY_ALLOW_SIGNUP: 'true' })
const doc = (await t.req<Json>('GET', '/swagger/json')).body
t.close()
const ops = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
  METHODS.filter((m) => (item as Json)[m]).map((m) => ({
    name: `${m.toUpperCase()} ${path}`,
    op: (item as Json)[m] as Json,
  })),
)

/** The routes every matrix table declares, as `routeKey`s. */
function matrixRoutes(): { routes: Set<string>; files: string[] } {
  const root = join(import.meta.dir, '..')
  const files = [...new Bun.Glob('test/**/*.test.ts').scanSync({ cwd: root })]
    .filter((f) => !f.includes('/helpers/') && /\brunMatrix\(/.test(readFileSync(join(root, f), 'utf8')))
    .sort()
  const dir = mkdtempSync(join(tmpdir(), 'sally-matrix-routes-'))
  try {
    const out = join(dir, 'routes.txt')
    const r = Bun.spawnSync([process.execPath, 'test', ...files.map((f) => `./${f}`), '-t', '^no test: collect the matrix routes$'], {
      cwd: root,
      env: { ...process.env, [MATRIX_ROUTES_FILE]: out },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    let text = ''
    try {
      text = readFileSync(out, 'utf8')
    } catch {
      throw new Error(`the matrix files recorded no route:\n${r.stderr.toString()}`)
    }
    return { routes: new Set(text.split('\n').filter(Boolean)), files: files.map((f) => relative('test', f)) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('every operation declares its access', () => {
  test('the document has operations to check', () => {
    expect(ops.length).toBeGreaterThan(100)
  })

  test('every operation carries x-sally-auth from its macro, or is declared public', () => {
    const problems = ops.flatMap(({ name, op }) => {
      const auth = op['x-sally-auth']
      const isPublic = Array.isArray(op.security) && op.security.length === 0
      if (!auth) return [`${name}: no access declared (use the auth macro, or publicRoute for a public route)`]
      if (auth.kind === 'public') return isPublic ? [] : [`${name}: declared public but the document asks for a credential`]
      if (isPublic) return [`${name}: needs a credential (${auth.kind}) but the document shows it public`]
      if (auth.kind !== 'principal' && auth.kind !== 'workspace') return [`${name}: unknown kind ${auth.kind}`]
      if (auth.permission !== undefined && !(SCOPES as readonly string[]).includes(auth.permission))
        return [`${name}: unknown permission ${auth.permission}`]
      if (auth.kind === 'workspace' && !auth.permission) return [`${name}: a workspace route without a permission`]
      return []
    })
    expect(problems.join('\n')).toBe('')
  })
})

describe('every operation is in the permission matrix', () => {
  const covered = matrixRoutes()

  test('the matrix files were found and recorded their tables', () => {
    expect(covered.files).toContain('workspaces.matrix.test.ts')
    expect(covered.routes.size).toBeGreaterThan(50)
  })

  test('every operation has rows in a matrix table', () => {
    const missing = ops.map((o) => o.name).filter((name) => !covered.routes.has(routeKey(name)))
    expect(missing.join('\n')).toBe('')
  })

  test('every matrix route names an operation of the document (no stale rows)', () => {
    const known = new Set(ops.map((o) => routeKey(o.name)))
    const stale = [...covered.routes].filter((r) => !known.has(r))
    expect(stale.join('\n')).toBe('')
  })
})
