/**
 * The permission-matrix harness: one world with every kind of credential, and `runMatrix(name, rows)`
 * turning a table of (route × credential → status and code) into one `test()` per row. A row that
 * expects a refusal (4xx) also checks that nothing was written (`storedState` before and after).
 *
 *   const m = createMatrix()            // fresh app + world for this file (built in beforeAll)
 *   runMatrix('identity', [
 *     { route: 'GET /auth/me', cred: 'viewer.session', expect: 200 },
 *     { route: 'POST /auth/api-keys', cred: 'owner.allKey', body: { name: 'x' }, expect: [403, 'forbidden'] },
 *     { route: 'GET /labels/:id', cred: 'owner.session', path: (w) => `/labels/${w.ids.labelB}`, expect: [404, 'not_found'] },
 *   ])
 *
 * Credentials (workspace A unless said otherwise):
 *   <role>.session      session of the OWNER / MEMBER / VIEWER of A
 *   <role>.allKey       API key, scopes null (everything the owner may do except keys:write), no pin
 *   <role>.keysKey      API key with every scope including keys:write, no pin
 *   <role>.readonlyKey  API key with the `:read` scopes only
 *   <role>.projectKey   API key pinned to A and limited to `projectA`
 *   <role>.pinnedKey    API key (scopes null) pinned to A
 *   <role>.mcpKey       hosted MCP key (sallymcp_, scopes null) pinned to A
 *   ownerB.session / ownerB.allKey   OWNER of workspace B (and of nothing in A)
 *   outsider.session / outsider.allKey   a user in no workspace
 *   global       the global token (SUPERADMIN, no user)
 *   none         no credential at all
 *   revoked      the owner's revoked key; expired: the owner's key past its expiry (FakeClock)
 *   badChecksum  an atpm_ key whose checksum does not match; unknownKey: valid checksum, unknown lookup id
 *
 * Rows select workspace A with X-Workspace-Id unless `workspace` says otherwise ('B', null for none,
 * or a function of the world). `path` and `body` may be functions of the world (and the test app)
 * so that write rows can create their own target first.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { appendFileSync } from 'node:fs'
import { eq } from 'drizzle-orm'
import { generateKey } from '../../src/auth/key-format'
import type { Config } from '../../src/config'
import { apiKeys } from '../../src/db/schema'
import { SCOPES, type Scope } from '../../src/permissions/matrix'
import { makeTestApp, type TestApp } from './app'
import { createKey, createProjectRow, createSession, seedWorld } from './fixtures'

export const MATRIX_GLOBAL_TOKEN = 'matrix-global-token-0123456789abcdefghijklmnopqrstuvwxyz'

export const ROLES = ['owner', 'member', 'viewer'] as const
export type Role = (typeof ROLES)[number]
export const KEY_KINDS = ['session', 'allKey', 'keysKey', 'readonlyKey', 'projectKey', 'pinnedKey', 'mcpKey'] as const
export type KeyKindName = (typeof KEY_KINDS)[number]

export type CredName =
  | `${Role}.${KeyKindName}`
  | 'ownerB.session'
  | 'ownerB.allKey'
  | 'outsider.session'
  | 'outsider.allKey'
  | 'global'
  | 'none'
  | 'revoked'
  | 'expired'
  | 'badChecksum'
  | 'unknownKey'

export const READ_SCOPES: Scope[] = SCOPES.filter((s) => s.endsWith(':read'))

/** Every credential of the standard identity-matrix column, in a fixed order. */
export const ALL_CREDS: CredName[] = [
  ...ROLES.flatMap((r) => KEY_KINDS.map((k) => `${r}.${k}` as CredName)),
  'ownerB.session',
  'ownerB.allKey',
  'outsider.session',
  'outsider.allKey',
  'global',
  'none',
  'revoked',
  'expired',
  'badChecksum',
  'unknownKey',
]

/** 401 answers that do not depend on the route. */
export const UNAUTHENTICATED: Partial<Record<CredName, Expect>> = {
  none: [401, 'missing_key'],
  revoked: [401, 'key_revoked'],
  expired: [401, 'key_expired'],
  badChecksum: [401, 'invalid_key'],
  unknownKey: [401, 'invalid_key'],
}

export type MatrixWorld = Awaited<ReturnType<typeof buildWorld>>

export type Expect = number | [number, string]

/**
 * Any body (objects as JSON; strings, FormData and Blobs as they are). Spelled `{} | null` rather than
 * `unknown` so that a function body `(w) => ({...})` still gets its parameters typed.
 */
// biome-ignore lint/complexity/noBannedTypes: see above
export type MatrixBody = {} | null

type Dyn<T> = T | ((w: MatrixWorld, t: TestApp) => T | Promise<T>)

export type MatrixRow = {
  /** "METHOD /path" as written in the router; also the request path unless `path` is given. */
  route: string
  cred: CredName
  path?: Dyn<string>
  body?: Dyn<MatrixBody>
  /** 'A' (default), 'B', null for no selector, or an id. */
  workspace?: Dyn<'A' | 'B' | null | string>
  headers?: Record<string, string>
  /** A bare status (2xx: `ok: true` is also checked) or [status, code]. */
  expect: Expect
  /** Shown in the test name (to tell apart rows with the same route and credential). */
  note?: string
  /** False when a 2xx answer is not Sally's `{ ok: true }` envelope (the JSON-RPC of /mcp); `check` then asserts it. */
  envelope?: false
  /** Extra assertions on the response. */
  check?: (res: { status: number; body: any; headers: Headers }, w: MatrixWorld) => void | Promise<void>
  /** An answer that stays open (GET /events): a 2xx is closed unread (body null); set `envelope: false`. */
  stream?: true
}

async function buildWorld(t: TestApp) {
  const core = t.core
  const world = await seedWorld(core)
  const { users, wsA, wsB } = world
  const projectA = createProjectRow(core, wsA.id, {
    name: 'Alpha project',
    members: [
      [users.owner.id, 'OWNER'],
      [users.member.id, 'MEMBER'],
      [users.viewer.id, 'VIEWER'],
    ],
  })
  /** A project of A the MEMBER and VIEWER do not belong to. */
  const projectA2 = createProjectRow(core, wsA.id, { name: 'Alpha private', members: [[users.owner.id, 'OWNER']] })
  const projectB = createProjectRow(core, wsB.id, { name: 'Beta project', members: [[users.ownerB.id, 'OWNER']] })

  const creds: Partial<Record<CredName, string | null>> = { global: MATRIX_GLOBAL_TOKEN, none: null }
  const keyIds: Partial<Record<CredName, string>> = {}
  const add = async (name: CredName, userId: string, o: Parameters<typeof createKey>[2]) => {
    const k = await createKey(core, userId, { name, ...o })
    creds[name] = k.key
    keyIds[name] = k.id
    return k
  }
  await Promise.all(
    ROLES.flatMap((role) => {
      const uid = users[role].id
      creds[`${role}.session`] = world.tokens[role]
      return [
        add(`${role}.allKey`, uid, { scopes: null }),
        add(`${role}.keysKey`, uid, { scopes: [...SCOPES] }),
        add(`${role}.readonlyKey`, uid, { scopes: READ_SCOPES }),
        add(`${role}.projectKey`, uid, { scopes: null, workspaceId: wsA.id, projectId: projectA.id }),
        add(`${role}.pinnedKey`, uid, { scopes: null, workspaceId: wsA.id }),
        add(`${role}.mcpKey`, uid, { kind: 'mcp', scopes: null, workspaceId: wsA.id }),
      ]
    }),
  )
  creds['ownerB.session'] = world.tokens.ownerB
  creds['outsider.session'] = world.tokens.outsider
  await add('ownerB.allKey', users.ownerB.id, { scopes: null })
  await add('outsider.allKey', users.outsider.id, { scopes: null })
  const revoked = await add('revoked', users.owner.id, { scopes: null })
  core.db
    .update(apiKeys)
    .set({ revokedAt: new Date(core.clock.now()) })
    .where(eq(apiKeys.id, revoked.id))
    .run()
  // Expires one minute from now, then the fake clock moves past it (sessions last 30 days, so nothing else expires).
  await add('expired', users.owner.id, { scopes: null, expiresAt: new Date(core.clock.now() + 60_000) })
  t.clock.advance(61_000)

  // A well-formed key with a wrong checksum, and one with a right checksum but unknown lookup id.
  const good = creds['owner.allKey']!
  const last = good.at(-1) === 'A' ? 'B' : 'A'
  creds.badChecksum = good.slice(0, -1) + last
  creds.unknownKey = generateKey('api').key

  return {
    ...world,
    projectA,
    projectA2,
    projectB,
    creds: creds as Record<CredName, string | null>,
    keyIds,
    /** Free slots for ids that later rows create (e.g. a label in B for isolation rows). */
    ids: {} as Record<string, string>,
    /** A fresh session for a user (so rows that end a session do not break other rows). */
    newSession: (userId: string) => createSession(core, userId),
  }
}

export type Matrix = {
  t: TestApp
  world: () => MatrixWorld
  /** Runs an extra setup step after the world exists (e.g. create a label in each workspace). */
  setup: (fn: (w: MatrixWorld, t: TestApp) => void | Promise<void>) => void
}

let current: Matrix | null = null

/**
 * A fresh app (with the global token, and failure/key rate limits raised so that 401 rows do not
 * trip the per-IP limit) and its world, built in beforeAll and closed in afterAll.
 */
export function createMatrix(env: Partial<Record<keyof Config, string>> = {}): Matrix {
  const t = makeTestApp({
    SALLY_GLOBAL_API_TOKEN: MATRIX_GLOBAL_TOKEN,
    SALLY_AUTH_FAILURE_LIMIT_PER_MINUTE: '1000000',
    SALLY_API_KEY_RATE_LIMIT_PER_HOUR: '1000000',
    SALLY_SESSION_RATE_LIMIT_PER_HOUR: '1000000',
    ...env,
  })
  let w: MatrixWorld | null = null
  const setups: ((w: MatrixWorld, t: TestApp) => void | Promise<void>)[] = []
  beforeAll(async () => {
    w = await buildWorld(t)
    for (const s of setups) await s(w, t)
  })
  afterAll(() => t.close())
  // Loaded only to record its tables (no test runs, and neither does afterAll): no database is kept.
  if (process.env[MATRIX_ROUTES_FILE]) t.close()
  const m: Matrix = {
    t,
    world: () => {
      if (!w) throw new Error('matrix world not built yet (use it inside a test)')
      return w
    },
    setup: (fn) => void setups.push(fn),
  }
  current = m
  return m
}

const resolve = async <T>(v: Dyn<T> | undefined, w: MatrixWorld, t: TestApp): Promise<T | undefined> =>
  typeof v === 'function' ? await (v as (w: MatrixWorld, t: TestApp) => T | Promise<T>)(w, t) : v

const label = (e: Expect) => (Array.isArray(e) ? `${e[0]} ${e[1]}` : String(e))

/**
 * Resolves one row (running its `path` / `body` / `workspace` functions, which may create the row's
 * own target) and returns a function that sends its request.
 */
async function prepare(m: Matrix, row: Omit<MatrixRow, 'expect'>) {
  const w = m.world()
  const [method, routePath] = row.route.split(' ') as [string, string]
  const path = (await resolve(row.path, w, m.t)) ?? routePath
  const body = await resolve(row.body, w, m.t)
  const ws = row.workspace === undefined ? 'A' : await resolve(row.workspace, w, m.t)
  const headers: Record<string, string> = { ...row.headers }
  const wsId = ws === 'A' ? w.wsA.id : ws === 'B' ? w.wsB.id : ws
  if (wsId) headers['x-workspace-id'] = wsId
  const token = w.creds[row.cred]
  if (token === undefined) throw new Error(`unknown credential ${row.cred}`)
  if (row.stream) {
    if (token) headers.authorization = `Bearer ${token}`
    return async () => {
      const res = await m.t.app.handle(new Request(`http://localhost${m.t.config.SALLY_BASE_PATH}${path}`, { method, headers }))
      if (res.ok) {
        await res.body?.cancel()
        return { status: res.status, body: null, headers: res.headers, text: '' }
      }
      const text = await res.text()
      return { status: res.status, body: JSON.parse(text), headers: res.headers, text }
    }
  }
  return () => m.t.req(method, path, { as: token, body, headers })
}

/** Sends one row's request and returns the response. Exposed for ad-hoc checks. */
export async function send(m: Matrix, row: Omit<MatrixRow, 'expect'>) {
  return (await prepare(m, row))()
}

/**
 * What authenticating a request writes even when the request is then refused, left out of
 * `storedState`: a session's sliding expiry (columns), the audit rows of the global token and of a
 * refused sign-in (rows kept: the WHERE clause).
 */
const AUTH_COLUMNS: Record<string, string[]> = { sessions: ['last_seen_at', 'expires_at'] }
const AUTH_ROWS_KEPT: Record<string, string> = { audit_events: "action NOT LIKE 'global_token.%' AND action <> 'auth.login_failed'" }

const stateQueries = new WeakMap<TestApp, string>()
/** One SELECT over every table: its name, row count and every row's values quoted and joined. */
function stateQuery(t: TestApp): string {
  let sql = stateQueries.get(t)
  if (sql) return sql
  const tables = t.sqlite
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map(({ name }) => {
      const skip = AUTH_COLUMNS[name] ?? []
      const where = AUTH_ROWS_KEPT[name]
      const cols = t.sqlite
        .query<{ name: string }, []>(`SELECT name FROM pragma_table_info('${name}')`)
        .all()
        .filter((c) => !skip.includes(c.name))
        .map((c) => `quote("${c.name}")`)
      return `SELECT '${name}' AS name, count(*) AS n, group_concat(${cols.join(" || ',' || ")}, char(10)) AS v FROM "${name}"${where ? ` WHERE ${where}` : ''}`
    })
  sql = tables.join(' UNION ALL ')
  stateQueries.set(t, sql)
  return sql
}

/**
 * Everything stored, as one value per table (its row count and a hash of its rows), minus the
 * authentication bookkeeping above: equal before and after a request when the request wrote nothing.
 */
export function storedState(t: TestApp): Record<string, string> {
  const rows = t.sqlite.query<{ name: string; n: number; v: string | null }, []>(stateQuery(t)).all()
  return Object.fromEntries(rows.map((r) => [r.name, `${r.n} rows, hash ${Bun.hash(r.v ?? '').toString(36)}`]))
}

/**
 * `METHOD /path` with every path parameter spelled `{}`, so that a row's `GET /tasks/:id` and the
 * document's `GET /tasks/{taskId}` name the same operation.
 */
export const routeKey = (route: string) => route.replace(/[:][A-Za-z0-9_]+|[{][^}]*[}]/g, '{}')

/** Environment variable naming the file where `runMatrix` appends the routes of its rows. */
export const MATRIX_ROUTES_FILE = 'SALLY_MATRIX_ROUTES_FILE'

/**
 * Every route a matrix table covers, recorded when the table is declared (before any row runs):
 * test/permissions.coverage.test.ts loads the matrix files with no test selected and reads the file
 * named by SALLY_MATRIX_ROUTES_FILE, so the coverage it checks is the tables' own, not a list kept by hand.
 */
function recordCovered(rows: MatrixRow[]): void {
  const file = process.env[MATRIX_ROUTES_FILE]
  if (file && rows.length) appendFileSync(file, `${[...new Set(rows.map((r) => routeKey(r.route)))].join('\n')}\n`)
}

/**
 * One `test()` per row: `<name>: <route> as <cred> → <status> <code>`. A row expecting a refusal
 * (4xx) also checks that the request wrote nothing (`storedState` before and after).
 */
export function runMatrix(name: string, rows: MatrixRow[], matrix?: Matrix) {
  const m = matrix ?? current ?? createMatrix()
  recordCovered(rows)
  for (const row of rows) {
    test(`${name}: ${row.route} as ${row.cred}${row.note ? ` (${row.note})` : ''} → ${label(row.expect)}`, async () => {
      const [status, code] = Array.isArray(row.expect) ? row.expect : [row.expect, undefined]
      const request = await prepare(m, row)
      const before = status >= 400 ? storedState(m.t) : null
      const res = await request()
      const got = { status: res.status, code: res.body?.code, error: res.body?.error }
      if (code) expect(got).toMatchObject({ status, code })
      else {
        expect(got.status).toBe(status)
        if (status < 300 && row.envelope !== false) expect(res.body?.ok).toBe(true)
      }
      if (before) expect(storedState(m.t), 'a refused request must write nothing').toEqual(before)
      await row.check?.(res, m.world())
    })
  }
}

/** Expands one route over many credentials: `rowsFor('GET /auth/me', { 'owner.session': 200, ... })`. */
export function rowsFor(
  route: string,
  expects: Partial<Record<CredName, Expect>>,
  extra: Omit<MatrixRow, 'route' | 'cred' | 'expect'> = {},
): MatrixRow[] {
  return (Object.entries(expects) as [CredName, Expect][]).map(([cred, e]) => ({ route, cred, expect: e, ...extra }))
}
