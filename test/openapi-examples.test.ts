// Every request body example in the OpenAPI document, sent as it is to its route in a fresh app, the
// way Swagger UI's "Try it out" sends it: only the ids (which nobody can know in advance) are filled
// in from the fixture, in the body placeholders (`<project id>`), the path and X-Workspace-Id. No
// example may be refused as invalid (400). The routes that need a mailed token get one that cannot
// be known either: there the only issue may be the token.
import { afterEach, describe, expect, test } from 'bun:test'
import { setWebhookTransport } from '../src/webhooks/url-safety'
import { makeTestApp, type TestApp } from './helpers/app'
import { createSession, createUser, createWorkspace } from './helpers/fixtures'

const apps: TestApp[] = []
afterEach(() => {
  for (const a of apps.splice(0)) a.close()
})

const MAILED_TOKEN = new Set(['POST /auth/reset-password', 'POST /auth/verify-email', 'POST /auth/accept-invite'])

type Op = { method: string; path: string; example: unknown; workspace: boolean }

async function documentedExamples(): Promise<{ ops: Op[]; withoutExample: string[] }> {
  const t = makeTestApp()
  apps.push(t)
  const doc = (await t.req('GET', '/swagger/json')).body
  const ops: Op[] = []
  const withoutExample: string[] = []
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      const json = op.requestBody?.content?.['application/json']
      if (!json) continue
      const schema = json.schema.$ref ? doc.components.schemas[json.schema.$ref.split('/').pop()] : json.schema
      const ex = json.example ?? schema.example
      if (ex === undefined) withoutExample.push(`${method.toUpperCase()} ${path}`)
      else
        ops.push({
          method: method.toUpperCase(),
          path,
          example: ex,
          workspace: (op.parameters ?? []).some((p: any) => p.name === 'X-Workspace-Id'),
        })
    }
  }
  return { ops, withoutExample }
}

/** A fresh app with one of everything the examples' routes act on; returns the ids by name. */
async function world() {
  const t = makeTestApp()
  apps.push(t)
  // No DNS here: a webhook's host name resolves to a public address (example.com's).
  setWebhookTransport(t.core, { resolve: async () => ['93.184.215.14'] })
  const owner = await createUser(t.core)
  const other = await createUser(t.core)
  const as = createSession(t.core, owner.id)
  const ws = createWorkspace(t.core, {
    members: [
      [owner.id, 'OWNER'],
      [other.id, 'MEMBER'],
    ],
  })
  const post = async (path: string, body: unknown) => {
    const r = await t.req('POST', path, { as, workspace: ws.id, body })
    if (r.status >= 300) throw new Error(`fixture ${path} → ${r.status} ${r.text}`)
    return r.body.data
  }
  const project = await post('/projects', { name: 'Fixture', key: 'FIX' })
  const statuses = (await t.req('GET', `/projects/${project.id}/statuses`, { as, workspace: ws.id })).body.data as { id: string }[]
  const spare = await post(`/projects/${project.id}/statuses`, { name: 'Spare', category: 'started' })
  const task = await post('/tasks', {
    projectId: project.id,
    title: 'One',
    statusId: statuses[0]!.id,
    todos: [{ text: 'a' }, { text: 'b' }],
  })
  const task2 = await post('/tasks', { projectId: project.id, title: 'Two', statusId: statuses[0]!.id })
  const comment = await post(`/tasks/${task.id}/comments`, { body: 'hello' })
  const label = await post('/labels', { name: 'fixture' })
  const client = await post('/clients', { name: 'Fixture client' })
  const entry = await post(`/tasks/${task.id}/time-entries`, { date: '2026-11-02', minutes: 30 })
  const submitted = await post(`/tasks/${task.id}/time-entries`, { date: '2026-11-03', minutes: 30 })
  await post(`/time-entries/${submitted.id}/submit`, {})
  const hook = await post('/webhooks', { url: 'https://example.com/fixture' })
  const todos = task.todos as { id: string }[]
  return {
    t,
    as,
    ws: ws.id,
    placeholders: {
      '<project id>': project.id,
      '<status id>': statuses[0]!.id,
      '<task id>': task.id,
      '<another task id>': task2.id,
      '<todo id>': todos[1]!.id,
      '<another todo id>': todos[0]!.id,
      '<user id>': other.id,
    } as Record<string, string>,
    // By route: the path parameters (a status to delete is not the one tasks move to; an entry to reject is submitted).
    path: (op: Op): Record<string, string> => ({
      id: ws.id,
      projectId: project.id,
      statusId: op.method === 'DELETE' ? spare.id : statuses[0]!.id,
      taskId: task.id,
      todoId: todos[0]!.id,
      commentId: comment.id,
      labelId: label.id,
      clientId: client.id,
      webhookId: hook.id,
      entryId: op.path.endsWith('/reject') ? submitted.id : entry.id,
      userId: other.id,
    }),
  }
}

const fill = (v: unknown, ids: Record<string, string>): unknown =>
  typeof v === 'string'
    ? (ids[v] ?? v)
    : Array.isArray(v)
      ? v.map((x) => fill(x, ids))
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, ids)]))
        : v

const { ops, withoutExample } = await documentedExamples()

test('every JSON request body in the document has an example', () => {
  expect(withoutExample).toEqual([])
  expect(ops.length).toBeGreaterThan(35)
})

describe('each example body, sent as it is (ids filled in), is valid', () => {
  test.each(ops.map((o) => [`${o.method} ${o.path}`, o] as const))('%s', async (_, op) => {
    const w = await world()
    const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => w.path(op)[name]!)
    const r = await w.t.req(op.method, path, {
      as: w.as,
      workspace: op.workspace ? w.ws : undefined,
      body: fill(op.example, w.placeholders),
    })
    if (MAILED_TOKEN.has(`${op.method} ${op.path}`)) {
      // The token is the only thing wrong with it.
      expect(r.status, r.text).toBe(400)
      expect(r.body.issues?.map((i: { path: string }) => i.path) ?? ['token'], r.text).toEqual(['token'])
      return
    }
    expect(r.status, `${op.method} ${path} → ${r.text}`).not.toBe(400)
    expect(r.status, `${op.method} ${path} → ${r.text}`).toBeLessThan(500)
  })
})
