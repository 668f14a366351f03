import { afterAll, describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { ConfigError, loadConfig } from '../src/config'
import { makeTestApp } from './helpers/app'

const GLOBAL = `${'g'.repeat(20)}lobal-token-for-tests-0123456789`
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL })
// A JSON route of the test's own: the parser, limits and envelope are global hooks, so any route shows them.
t.app.patch('/echo', ({ body }) => ({ ok: true, data: body }), { body: z.object({ name: z.string() }) })
afterAll(() => t.close())

describe('health', () => {
  test('GET /health answers ok with version, uptime and database', async () => {
    const r = await t.req('GET', '/health')
    expect(r.status).toBe(200)
    expect(r.body.ok).toBe(true)
    expect(r.body.data).toMatchObject({ status: 'ok', database: 'ok' })
    expect(typeof r.body.data.version).toBe('string')
    expect(typeof r.body.data.uptimeSeconds).toBe('number')
  })

  test('503 with database "error" when the database cannot answer', async () => {
    const broken = makeTestApp()
    broken.sqlite.close()
    const r = await broken.req('GET', '/health')
    expect(r.status).toBe(503)
    expect(r.body.data.database).toBe('error')
  })
})

describe('error envelope', () => {
  test('unknown route → 404 not_found envelope', async () => {
    const r = await t.req('GET', '/definitely/not/here')
    expect(r.status).toBe(404)
    expect(r.body).toMatchObject({ ok: false, code: 'not_found' })
    expect(typeof r.body.requestId).toBe('string')
    expect(typeof r.body.error).toBe('string')
  })

  test('malformed JSON → 400 validation_error', async () => {
    const r = await t.req('PATCH', '/echo', { body: '{"name":', headers: { 'content-type': 'application/json' } })
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ ok: false, code: 'validation_error' })
  })

  test('schema violations → 400 validation_error with issues', async () => {
    const r = await t.req('PATCH', '/echo', { body: { name: 42 } })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
    expect(r.body.issues[0].path).toBe('name')
  })

  test('JSON body over the limit → 413 payload_too_large', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) })
    const r = await t.req('PATCH', '/echo', { body: big, headers: { 'content-type': 'application/json' } })
    expect(r.status).toBe(413)
    expect(r.body).toMatchObject({ ok: false, code: 'payload_too_large' })
  })
})

describe('request ids', () => {
  test('X-Correlation-Id is echoed back, also in the error body', async () => {
    const r = await t.req('GET', '/nope', { headers: { 'x-correlation-id': 'abc-123' } })
    expect(r.headers.get('x-correlation-id')).toBe('abc-123')
    expect(r.body.requestId).toBe('abc-123')
  })

  test('X-Request-Id is echoed back', async () => {
    const r = await t.req('GET', '/health', { headers: { 'x-request-id': 'req.42' } })
    expect(r.headers.get('x-request-id')).toBe('req.42')
  })

  test('one is generated when absent (and when the given one is unusable)', async () => {
    const a = await t.req('GET', '/health')
    const b = await t.req('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } })
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(b.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'))
  })
})

describe('global token', () => {
  test('accepted as Bearer with SUPERADMIN rights', async () => {
    const r = await t.req('GET', '/auth/me', { as: GLOBAL })
    expect(r.status).toBe(200)
    expect(r.body.data.credential.kind).toBe('global')
  })

  test('missing → 401 missing_key; wrong → 401 invalid_key', async () => {
    const none = await t.req('GET', '/auth/me')
    expect(none.status).toBe(401)
    expect(none.body.code).toBe('missing_key')
    const wrong = await t.req('GET', '/auth/me', { as: `${GLOBAL.slice(0, -1)}X` })
    expect(wrong.status).toBe(401)
    expect(wrong.body.code).toBe('invalid_key')
  })

  test('with no token configured, no bearer value is accepted as global', async () => {
    const bare = makeTestApp()
    for (const v of ['', 'undefined', 'null', GLOBAL]) {
      const r = await bare.req('GET', '/auth/me', { headers: { authorization: `Bearer ${v}` } })
      expect(r.status).toBe(401)
    }
    bare.close()
  })
})

describe('config', () => {
  test('defaults', () => {
    const c = loadConfig({})
    expect(c.HOST).toBe('127.0.0.1')
    expect(c.PORT).toBe(4000)
    expect(c.SALLY_DB).toBe('./data/sally.db')
    expect(c.SALLY_BASE_PATH).toBe('')
    expect(c.SALLY_GLOBAL_API_TOKEN).toBeUndefined()
  })

  test('a bad value stops with one line naming the variable', () => {
    const cases: Record<string, string> = { PORT: 'eighty', LOG_LEVEL: 'loud', SALLY_BASE_PATH: 'api/', SALLY_GLOBAL_API_TOKEN: 'short' }
    for (const [k, v] of Object.entries(cases)) {
      let err: unknown
      try {
        loadConfig({ [k]: v })
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toContain(k)
      expect((err as Error).message).not.toContain('\n')
    }
  })
})

describe('openapi', () => {
  test('/swagger/json documents routes with schemas and both security schemes', async () => {
    const r = await t.req('GET', '/swagger/json')
    expect(r.status).toBe(200)
    expect(r.body.openapi).toMatch(/^3\./)
    expect(Object.keys(r.body.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer'])
    const health = r.body.paths['/health'].get.responses['200'].content['application/json'].schema
    expect(health.properties.data.properties.database).toBeDefined()
  })

  test('request bodies appear with their zod schema (JSON), not as empty content', async () => {
    const r = await t.req('GET', '/swagger/json')
    const login = r.body.paths['/auth/login'].post.requestBody.content['application/json'].schema
    expect(Object.keys(login.properties)).toEqual(expect.arrayContaining(['email', 'password']))
    const empty = Object.entries(r.body.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody && Object.keys(op.requestBody.content ?? {}).length === 0)
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    )
    expect(empty).toEqual([])
  })

  test('/swagger serves the UI with local assets only', async () => {
    const r = await t.req('GET', '/swagger')
    expect(r.status).toBe(200)
    expect(r.text).toContain('swagger-ui')
    expect(r.text).not.toMatch(/(src|href)="https?:\/\//)
    const js = await t.req('GET', '/swagger/assets/swagger-ui-bundle.js')
    expect(js.status).toBe(200)
    expect(js.text.length).toBeGreaterThan(100_000)
  })
})
