/**
 * Robustness, driven by the OpenAPI document: every documented operation (but /swagger*, /mcp and the
 * open-ended /events stream, which test/live.events.test.ts covers) is
 * called as the workspace OWNER with garbage path parameters, hostile bodies and query strings. Each
 * answer must be < 500, and every 4xx the one error envelope with a known code matching its status.
 * New routes are covered as soon as they appear in /swagger/json.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { labels, notifications, projects, sessions, statuses, tasks, todos } from '../src/db/schema'
import { ERROR_STATUS } from '../src/errors'
import { sha256Hex } from '../src/lib/crypto'
import { makeTestApp, type TestResponse } from './helpers/app'
import { createKey, createSession, seedWorld } from './helpers/fixtures'
import {
  bodyCases,
  type Case,
  deref,
  hashString,
  type IdLookup,
  mainType,
  type OpenApiDoc,
  type Operation,
  type Parameter,
  pathValues,
  prng,
  queryCases,
  sample,
} from './helpers/robustness'

// Behind a "proxy": each case comes from its own address, so per-IP limits (login, reset…) do not
// turn the public routes' later cases into 429s before their input is looked at.
const t = makeTestApp({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true', SALLY_TRUST_PROXY: 'true' })
let caseNumber = 0
const nextIp = () => {
  const n = caseNumber++
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
}
afterAll(() => t.close())

// Unhandled errors are logged by the errors plugin with their stack: keep them for the failure message.
const logged: Record<string, unknown>[] = []
const logError = t.core.log.error
t.core.log.error = (msg, fields) => {
  logged.push({ msg, ...fields })
  logError(msg, fields)
}

const world = await seedWorld(t.core)
const { owner, member, ownerB } = world.users

type Ids = Record<string, string>

/** Builds one workspace's objects through the API, as its OWNER; returns their ids by parameter name. */
async function build(token: string, wsId: string, userId: string, otherUserId: string | null, tag: string): Promise<Ids> {
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await t.req(method, path, { as: token, workspace: wsId, body })
    if (r.status >= 300) throw new Error(`seed ${method} ${path} → ${r.status} ${r.text}`)
    return r.body.data
  }
  const client = await call('POST', '/clients', { name: `Client ${tag}` })
  const project = await call('POST', '/projects', { name: `Project ${tag}`, key: `RB${tag}`, clientId: client.id })
  if (otherUserId) {
    await call('POST', `/projects/${project.id}/members`, { userId: otherUserId, role: 'MEMBER' })
  }
  const label = await call('POST', '/labels', { name: `label-${tag}` })
  const task = await call('POST', '/tasks', {
    projectId: project.id,
    title: `Task ${tag}`,
    labels: [label.name],
    todos: [{ text: 'first' }],
    assigneeIds: otherUserId ? [otherUserId] : [],
  })
  const todo = await call('POST', `/tasks/${task.id}/todos`, { text: 'second' })
  const comment = await call('POST', `/tasks/${task.id}/comments`, { body: `A comment ${tag}` })
  const entry = await call('POST', `/tasks/${task.id}/time-entries`, {
    date: new Date(t.clock.now()).toISOString().slice(0, 10),
    minutes: 30,
  })
  const webhook = await call('POST', '/webhooks', { url: `http://127.0.0.1:9/hook-${tag}` })
  const delivery = await call('POST', `/webhooks/${webhook.id}/test`)
  const invite = await call('POST', `/workspaces/${wsId}/invites`, { email: `invitee-${tag}@example.com` })
  const notification = t.db
    .insert(notifications)
    .values({ workspaceId: wsId, userId, kind: 'assignment', taskId: task.id, projectId: project.id, text: 'You were assigned' })
    .returning()
    .get()
  const statusRows = t.db.select().from(statuses).where(eq(statuses.projectId, project.id)).all()
  const session = createSession(t.core, userId)
  const sessionId = t.db
    .select()
    .from(sessions)
    .where(eq(sessions.tokenHash, sha256Hex(session)))
    .get()!.id
  const apiKey = await createKey(t.core, userId, { name: `robust ${tag}` })
  const mcpKey = await createKey(t.core, userId, { kind: 'mcp', name: `robust mcp ${tag}` })
  return {
    workspaceId: wsId,
    projectId: project.id,
    clientId: client.id,
    labelId: label.id,
    taskId: task.id,
    todoId: todo.id ?? todo.todo?.id,
    commentId: comment.id,
    entryId: entry.id,
    webhookId: webhook.id,
    deliveryId: delivery.deliveryId ?? delivery.id,
    inviteId: invite.id ?? invite.invite?.id,
    notificationId: notification.id,
    statusId: statusRows[0]!.id,
    moveTasksTo: statusRows[1]!.id,
    userId: otherUserId ?? userId,
    assigneeId: userId,
    sessionId,
    apiKeyId: apiKey.id,
    mcpKeyId: mcpKey.id,
  }
}

const A = await build(world.tokens.owner, world.wsA.id, owner.id, member.id, 'A')
const B = await build(world.tokens.ownerB, world.wsB.id, ownerB.id, null, 'B')

/** Id for a parameter or body property name; `id` depends on the route it belongs to. */
const lookup =
  (ids: Ids): IdLookup =>
  (name, path) => {
    if (name === 'id') {
      if (path.startsWith('/auth/sessions')) return ids.sessionId
      if (path.startsWith('/auth/api-keys')) return ids.apiKeyId
      if (path.startsWith('/auth/mcp-keys')) return ids.mcpKeyId
      if (path.startsWith('/workspaces')) return ids.workspaceId
      return undefined
    }
    if (name === 'beforeTaskId' || name === 'afterTaskId') return undefined
    return ids[name]
  }
const idsA = lookup(A)
const idsB = lookup(B)

const spec = await t.req<OpenApiDoc>('GET', '/swagger/json')
const doc = spec.body

type Op = { method: string; path: string; op: Operation }
const METHOD_ORDER: Record<string, number> = { get: 0, post: 1, put: 1, patch: 1, delete: 3 }
const ops: Op[] = Object.entries(doc.paths)
  .filter(([path]) => !path.startsWith('/swagger') && path !== '/mcp' && path !== '/events')
  .flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ method, path, op })))
  .map((o, i) => ({ ...o, i }))
  // Reads first, then writes (those without a body after those with one: archive, logout…), deletes last:
  // a case that happens to succeed should not take the seeded objects away from the cases after it.
  .sort((a, b) => {
    const rank = (o: Op) => (METHOD_ORDER[o.method] ?? 2) + (o.method !== 'get' && o.method !== 'delete' && !o.op.requestBody ? 1 : 0)
    return rank(a) - rank(b) || a.i - b.i
  })

const fill = (path: string, values: Record<string, string>) => path.replace(/\{([^}]+)\}/g, (_, n: string) => values[n] ?? n)

function validPathValues(op: Op): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of op.op.parameters ?? []) if (p.in === 'path') out[p.name] = encodeURIComponent(idsA(p.name, op.path) ?? 'x')
  return out
}

/** Valid bodies the schema cannot express (one of two fields required, checked by the service). */
const BASE_HINTS: Record<string, Record<string, unknown>> = {
  'post /tasks/{taskId}/time-entries': { date: new Date(t.clock.now()).toISOString().slice(0, 10), minutes: 5 },
  'post /tasks/{taskId}/move': { statusId: A.moveTasksTo },
}

function casesFor(op: Op): Case[] {
  const rng = prng(hashString(`${op.method} ${op.path}`))
  const params = op.op.parameters ?? []
  const pathParams = params.filter((p) => p.in === 'path')
  const valid = validPathValues(op)
  const base = fill(op.path, valid)
  const out: Case[] = []

  // (a) path parameters, one at a time, the others valid.
  for (const p of pathParams) {
    for (const v of pathValues(rng, idsB(p.name, op.path))) {
      out.push({ name: `path ${p.name} = ${v.name}`, path: fill(op.path, { ...valid, [p.name]: v.raw }), mustFail: v.mustFail })
    }
  }

  // Workspace selection garbage (routes outside a workspace ignore it).
  for (const [name, headers] of [
    ['X-Workspace-Id garbage', { 'x-workspace-id': 'x' }],
    ['X-Workspace-Id of another workspace', { 'x-workspace-id': B.workspaceId! }],
    ['X-Workspace-Id 500 chars', { 'x-workspace-id': 'w'.repeat(500) }],
    ['X-Workspace-Slug traversal', { 'x-workspace-slug': '../../etc' }],
    ['X-Workspace-Id and -Slug disagree', { 'x-workspace-id': A.workspaceId!, 'x-workspace-slug': 'nope' }],
  ] as const) {
    out.push({ name, path: base, headers: { ...headers } })
  }
  out.push({ name: 'query workspaceId garbage', path: `${base}?workspaceId=${encodeURIComponent("' OR 1=1")}&workspace_slug=%00` })

  // (c) query parameters.
  const query = params.filter((p): p is Parameter => p.in === 'query')
  for (const c of queryCases(doc, query, rng)) out.push({ name: `query ${c.name}`, path: `${base}?${c.query}` })

  // (b) bodies.
  const content = op.op.requestBody?.content ?? {}
  const jsonSchema = content['application/json']?.schema
  if (jsonSchema && mainType(doc, jsonSchema) === 'object') {
    const sampled = {
      ...(sample(doc, jsonSchema, 'body', idsA, op.path) as Record<string, unknown>),
      ...BASE_HINTS[`${op.method} ${op.path}`],
    }
    for (const c of bodyCases(doc, deref(doc, jsonSchema), sampled, rng)) {
      const headers: Record<string, string> = {}
      if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json'
      out.push({ name: `body ${c.name}`, path: base, headers, body: c.body })
    }
    // Idempotency-Key (honoured by some creates, ignored elsewhere): blank, too long, reused for another body.
    const json = JSON.stringify(sampled)
    const reuse = `robust-${op.method}-${op.path}`
    for (const [name, key, body] of [
      ['blank', ' ', json],
      ['300 chars', 'k'.repeat(300), json],
      ['first use', reuse, json],
      ['reused with another body', reuse, JSON.stringify({ ...sampled, zzzOther: 1 })],
    ] as const) {
      out.push({
        name: `Idempotency-Key ${name}`,
        path: base,
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body,
      })
    }
  } else if (content['multipart/form-data']) {
    const form = (entries: [string, string | Blob][]) => {
      const f = new FormData()
      for (const [k, v] of entries) f.append(k, v)
      return f
    }
    out.push({ name: 'multipart without the file', path: base, body: form([['other', 'x']]) })
    out.push({ name: 'multipart file as a string', path: base, body: form([['file', 'not a file']]) })
    out.push({
      name: 'multipart junk bytes',
      path: base,
      body: form([['file', new Blob([new Uint8Array(64).fill(7)], { type: 'image/png' })]]),
    })
    out.push({ name: 'multipart empty file', path: base, body: form([['file', new Blob([], { type: 'image/png' })]]) })
    out.push({
      name: 'multipart two files',
      path: base,
      body: form([
        ['file', new Blob(['a'])],
        ['file', new Blob(['b'])],
      ]),
    })
    out.push({ name: 'JSON instead of multipart', path: base, headers: { 'content-type': 'application/json' }, body: '{"file":"x"}' })
    out.push({ name: 'multipart without boundary', path: base, headers: { 'content-type': 'multipart/form-data' }, body: 'junk' })
    out.push({
      name: 'multipart bad boundary',
      path: base,
      headers: { 'content-type': 'multipart/form-data; boundary=zz' },
      body: '--zz\r\njunk',
    })
  } else if (op.method !== 'get' && op.method !== 'head') {
    // No body documented: junk sent anyway must not break the route.
    out.push({ name: 'body malformed JSON (none expected)', path: base, headers: { 'content-type': 'application/json' }, body: '{"a":' })
    out.push({ name: 'body JSON array (none expected)', path: base, headers: { 'content-type': 'application/json' }, body: '[1,2]' })
    out.push({
      name: 'body multipart without boundary (none expected)',
      path: base,
      headers: { 'content-type': 'multipart/form-data' },
      body: 'x',
    })
  }
  return out
}

const CODES = new Set(Object.keys(ERROR_STATUS))

/** The problems with one answer, or null when it is acceptable. */
function check(c: Case, r: TestResponse, publicRoute: boolean): string | null {
  if (r.status >= 500) return `status ${r.status}`
  if (c.mustFail && r.status < 400 && !publicRoute) return `another workspace's id succeeded (${r.status})`
  if (r.status < 400) {
    const json = (r.headers.get('content-type') ?? '').startsWith('application/json')
    return json && (r.body as { ok?: unknown })?.ok !== true ? `status ${r.status} without ok: true: ${r.text.slice(0, 120)}` : null
  }
  const b = r.body as Record<string, unknown>
  if (typeof b !== 'object' || b === null) return `status ${r.status} without a JSON envelope: ${r.text.slice(0, 120)}`
  const problems: string[] = []
  if (b.ok !== false) problems.push('ok is not false')
  if (typeof b.error !== 'string' || !b.error) problems.push('error is not a message')
  if (typeof b.code !== 'string' || !CODES.has(b.code)) problems.push(`unknown code ${JSON.stringify(b.code)}`)
  else if (ERROR_STATUS[b.code as keyof typeof ERROR_STATUS] !== r.status) problems.push(`code ${b.code} with status ${r.status}`)
  if (typeof b.requestId !== 'string' || !b.requestId) problems.push('no requestId')
  return problems.length ? `status ${r.status}: ${problems.join(', ')} ${r.text.slice(0, 120)}` : null
}

const isPublic = (op: Operation) => Array.isArray(op.security) && op.security.length === 0

/**
 * The error statuses the foundation produces must be in the operation's documented responses (src/docs
 * adds them); 409 and a public route's own 401/429 are the feature's to document, not checked here.
 */
function undocumentedStatus(op: Op, r: TestResponse): string | null {
  const central = [400, 401, 403, 404, 413, 415, 429]
  if (!central.includes(r.status) || op.op.responses?.[String(r.status)]) return null
  if (isPublic(op.op) && (r.status === 401 || r.status === 429)) return null
  return `answered ${r.status} ${(r.body as { code?: string })?.code}, which its responses do not list`
}

// On a project and task of its own (the robustness cases may archive or delete A's).
describe('nothing half-written', () => {
  const count = (table: typeof tasks | typeof labels | typeof todos | typeof statuses | typeof projects) => t.db.$count(table)
  const counts = () => ({
    tasks: count(tasks),
    labels: count(labels),
    todos: count(todos),
    statuses: count(statuses),
    projects: count(projects),
  })
  const asOwner = (method: string, path: string, body?: unknown) =>
    t.req(method, path, { as: world.tokens.owner, workspace: A.workspaceId, body })
  const H = { projectId: '', taskId: '' }
  beforeAll(async () => {
    H.projectId = (await asOwner('POST', '/projects', { name: 'Half-written', key: 'RBH' })).body.data.id
    H.taskId = (await asOwner('POST', '/tasks', { projectId: H.projectId, title: 'Whole' })).body.data.id
  })

  // A valid head (new labels, todos, a title) and a tail that fails after labels were created.
  const failing: [string, Record<string, unknown>][] = [
    ['an unknown label id after two new labels', { labels: ['fresh-one', 'fresh-two', '01900000-0000-7000-8000-000000000000'] }],
    ['an unknown assignee', { labels: ['fresh-three'], assigneeIds: ['01900000-0000-7000-8000-000000000001'] }],
    ['an unknown status', { labels: ['fresh-four'], status: 'No such column' }],
    ['an unknown status id', { labels: ['fresh-five'], statusId: '01900000-0000-7000-8000-000000000002' }],
    ['a blank label after a new one', { labels: ['fresh-six', '   '] }],
    ["another workspace's assignee", { labels: ['fresh-seven'], assigneeIds: [ownerB.id] }],
  ]
  for (const [what, tail] of failing) {
    test(`POST /tasks with ${what} leaves no task, labels or todos`, async () => {
      const before = counts()
      const r = await asOwner('POST', '/tasks', { projectId: H.projectId, title: 'Half', todos: [{ text: 'a' }, { text: 'b' }], ...tail })
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(r.status).toBeLessThan(500)
      expect(counts()).toEqual(before)
    })
  }

  test('PATCH /tasks/:id with a failing label list changes nothing (title, labels)', async () => {
    const before = counts()
    const task = t.db.select().from(tasks).where(eq(tasks.id, H.taskId)).get()!
    const r = await asOwner('PATCH', `/tasks/${H.taskId}`, {
      title: 'Renamed half-way',
      labels: ['fresh-patch', '01900000-0000-7000-8000-000000000003'],
    })
    expect(r.status).toBe(400)
    expect(counts()).toEqual(before)
    expect(t.db.select().from(tasks).where(eq(tasks.id, H.taskId)).get()!.title).toBe(task.title)
  })

  test('POST /projects with a duplicate key leaves no project and no statuses', async () => {
    const before = counts()
    const r = await asOwner('POST', '/projects', { name: 'Duplicate', key: 'RBH' })
    expect(r.status).toBe(409)
    expect(r.body.code).toBe('conflict')
    expect(counts()).toEqual(before)
  })

  test("POST /projects with another workspace's client leaves no project and no statuses", async () => {
    const before = counts()
    const r = await asOwner('POST', '/projects', { name: 'Foreign client', key: 'RBFC', clientId: B.clientId })
    expect(r.status).toBeGreaterThanOrEqual(400)
    expect(r.status).toBeLessThan(500)
    expect(counts()).toEqual(before)
  })
})

describe('robustness: bad input is a 4xx envelope, never a 500', () => {
  beforeAll(() => {
    expect(spec.status).toBe(200)
    expect(ops.length).toBeGreaterThan(50)
  })

  for (const op of ops) {
    test(`${op.method.toUpperCase()} ${op.path}`, async () => {
      const failures: string[] = []
      let answered = 0
      for (const c of casesFor(op)) {
        // A session of its own per case: a logout that succeeds cannot turn the next cases into 401s.
        const token = createSession(t.core, owner.id)
        const before = logged.length
        const r = await t.req(op.method.toUpperCase(), c.path, {
          as: token,
          workspace: c.headers?.['x-workspace-id'] ? undefined : A.workspaceId,
          headers: { 'x-forwarded-for': nextIp(), ...c.headers },
          body: c.body,
        })
        answered++
        // ROBUSTNESS_LOG=1 bun test test/robustness.test.ts: every case with its answer, on stderr.
        if (process.env.ROBUSTNESS_LOG)
          console.error(`${op.method.toUpperCase()} ${op.path} [${c.name}] → ${r.status} ${r.text.slice(0, 100)}`)
        const problem = check(c, r, isPublic(op.op)) ?? undocumentedStatus(op, r)
        if (problem) {
          const stack = logged.slice(before).map(
            (l) =>
              `${l.error}\n${String(l.stack ?? '')
                .split('\n')
                .slice(1, 4)
                .join('\n')}`,
          )
          failures.push(
            `${op.method.toUpperCase()} ${op.path} [${c.name}] ${c.path.slice(0, 120)}: ${problem}${stack.length ? `\n${stack.join('\n')}` : ''}`,
          )
        }
      }
      expect(answered).toBeGreaterThan(0)
      expect(failures.join('\n\n')).toBe('')
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })
  }
})

describe('request bodies the foundation refuses before any route', () => {
  const labelBody = (name: string) => JSON.stringify({ name })
  const post = (headers: Record<string, string>, body: string) =>
    t.req('POST', '/labels', { as: world.tokens.owner, workspace: A.workspaceId, headers, body })

  test('a body in a media type no route reads is 415, whatever Elysia would have parsed it as', async () => {
    for (const ct of ['application/xml', 'application/octet-stream', 'text/plain', 'application/vnd.api+json', 'garbage']) {
      const r = await post({ 'content-type': ct }, labelBody(`ct-${ct}`))
      expect([ct, r.status, r.body.code]).toEqual([ct, 415, 'unsupported_media_type'])
    }
    const none = await t.req('PATCH', `/labels/${A.labelId}`, {
      as: world.tokens.owner,
      workspace: A.workspaceId,
      body: labelBody('renamed'),
    })
    expect(none.status).toBe(415)
  })

  test('media types are case-insensitive: Application/JSON is JSON', async () => {
    const r = await post({ 'content-type': 'Application/JSON ; charset=UTF-8' }, labelBody('upper-case-json'))
    expect(r.status).toBe(201)
    expect(r.body.data.name).toBe('upper-case-json')
  })

  test('a deeply nested body is a quick 400, not a slow 500', async () => {
    const started = performance.now()
    const r = await post({ 'content-type': 'application/json' }, '['.repeat(100_000) + ']'.repeat(100_000))
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
    expect(performance.now() - started).toBeLessThan(2000)
    // A shallow nesting passes the depth check and reaches validation (which refuses the unknown field).
    const shallow = await post({ 'content-type': 'application/json' }, JSON.stringify({ name: 'shallow', junk: [[[[[[1]]]]]] }))
    expect([shallow.status, shallow.body.code]).toEqual([400, 'validation_error'])
    expect(shallow.body.error).toContain('junk')
    expect((await post({ 'content-type': 'application/json' }, JSON.stringify({ name: 'shallow' }))).status).toBe(201)
  })
})
