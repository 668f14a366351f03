/**
 * Request bodies are closed: a field a route does not know is a 400 `validation_error` naming it,
 * not silently dropped (`PATCH /tasks/:id {"prio":"P0"}` used to answer 200 and change nothing).
 * Query strings stay open (the workspace selector parameters are shared by every route).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'

const t = makeTestApp()
afterAll(() => t.close())

let w: Awaited<ReturnType<typeof seedWorld>>
let projectId: string
let taskId: string
beforeAll(async () => {
  w = await seedWorld(t.core)
  projectId = (await asOwner('POST', '/projects', { name: 'Strict' })).body.data.id
  taskId = (await asOwner('POST', '/tasks', { projectId, title: 'Exact', priority: 'P2' })).body.data.id
})
const asOwner = (method: string, path: string, body?: unknown) => t.req(method, path, { as: w.tokens.owner, workspace: w.wsA.id, body })

function expectUnknownField(r: { status: number; body: any }, field: string) {
  expect(r.status).toBe(400)
  expect(r.body.code).toBe('validation_error')
  expect(r.body.error).toContain(field)
  expect(JSON.stringify(r.body.issues)).toContain(field)
}

describe('unknown body fields', () => {
  test('PATCH /tasks/:id {"prio":"P0"}: 400 naming prio, the task unchanged', async () => {
    const r = await asOwner('PATCH', `/tasks/${taskId}`, { prio: 'P0' })
    expectUnknownField(r, 'prio')
    expect((await asOwner('GET', `/tasks/${taskId}`)).body.data.priority).toBe('P2')
    // The known field works.
    expect((await asOwner('PATCH', `/tasks/${taskId}`, { priority: 'P0' })).body.data.priority).toBe('P0')
  })

  test('next to valid fields, the whole request is refused', async () => {
    const r = await asOwner('PATCH', `/tasks/${taskId}`, { title: 'Renamed', dueDate: '2026-01-01', assignee: w.users.member.id })
    expectUnknownField(r, 'assignee')
    expect((await asOwner('GET', `/tasks/${taskId}`)).body.data.title).toBe('Exact')
  })

  test('in nested objects (a todo of a new task, a notification channel)', async () => {
    expectUnknownField(await asOwner('POST', '/tasks', { projectId, title: 'T', todos: [{ text: 'a', checked: true }] }), 'checked')
    expectUnknownField(await asOwner('PUT', '/notifications/preferences', { mention: { inApp: true, sms: true } }), 'sms')
  })

  const cases: [string, string, () => unknown, string][] = [
    ['POST', '/projects', () => ({ name: 'P', colour: '#ff0000' }), 'colour'],
    ['POST', '/tasks', () => ({ projectId, title: 'T', assignee: 'x' }), 'assignee'],
    ['POST', '/labels', () => ({ name: 'bug', colour: '#ff0000' }), 'colour'],
    ['POST', '/clients', () => ({ name: 'C', phone: '1' }), 'phone'],
    ['POST', '/webhooks', () => ({ url: 'https://93.184.215.14/h', secret: 'mine' }), 'secret'],
    ['POST', '/auth/api-keys', () => ({ name: 'k', scope: ['tasks:read'] }), 'scope'],
    ['PATCH', '/auth/me', () => ({ nmae: 'typo' }), 'nmae'],
    ['POST', '/workspaces', () => ({ name: 'W', plan: 'pro' }), 'plan'],
  ]
  for (const [method, path, body, field] of cases) {
    test(`${method} ${path} with ${field}`, async () => expectUnknownField(await asOwner(method, path, body()), field))
  }

  test('public routes too (login with an extra field), before any password work', async () => {
    const r = await t.req('POST', '/auth/login', { body: { email: w.users.owner.email, password: 'password123', remember: true } })
    expectUnknownField(r, 'remember')
  })

  test('query strings stay open: an unknown parameter is ignored', async () => {
    const r = await asOwner('GET', `/tasks?projectId=${projectId}&utm_source=x`)
    expect(r.status).toBe(200)
  })
})

describe('the OpenAPI document', () => {
  type Json = Record<string, any>
  test('every request body object (and object nested in it) has additionalProperties: false', async () => {
    const doc = (await t.req<Json>('GET', '/swagger/json')).body
    const resolve = (s: Json): Json => {
      if (!s?.$ref) return s
      let node: any = doc
      for (const k of String(s.$ref).slice(2).split('/')) node = node?.[k]
      return resolve(node)
    }
    const open: string[] = []
    const walk = (raw: Json | undefined, where: string, seen: Set<Json>) => {
      const s = raw && resolve(raw)
      if (!s || typeof s !== 'object' || seen.has(s)) return
      seen.add(s)
      if ((s.type === 'object' || s.properties) && s.additionalProperties === undefined) open.push(where)
      for (const [k, v] of Object.entries((s.properties ?? {}) as Json)) walk(v, `${where}.${k}`, seen)
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${where}[*]`, seen)
      walk(s.items, `${where}[]`, seen)
      for (const key of ['anyOf', 'oneOf', 'allOf']) for (const [i, v] of (s[key] ?? []).entries()) walk(v, `${where}|${i}`, seen)
    }
    let bodies = 0
    for (const [path, item] of Object.entries(doc.paths as Json))
      for (const [method, op] of Object.entries(item as Json)) {
        const content = (op as Json)?.requestBody?.content as Json | undefined
        if (!content || path.startsWith('/mcp')) continue
        for (const [type, media] of Object.entries(content)) {
          bodies++
          walk((media as Json).schema, `${method.toUpperCase()} ${path} (${type})`, new Set())
        }
      }
    expect(bodies).toBeGreaterThan(30)
    expect(open).toEqual([])
  })
})
