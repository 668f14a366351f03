/**
 * Names must show something: every name or title field refuses values that are empty after trimming,
 * invisible (zero-width characters only) or that contain control characters, with 400
 * validation_error naming the field. Multi-line fields (descriptions, comments, notes) keep line
 * breaks and tabs but refuse NUL and the other control characters. One shared zod rule
 * (src/http/text.ts); the table below walks every field that uses it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'

const t = makeTestApp({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true' })
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())

const ids = { project: '', status: '', label: '', client: '', task: '', todo: '', comment: '', webhook: '' }
const A = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
async function must(method: string, path: string, body: unknown, status = 201) {
  const r = await t.req(method, path, { ...A(), body })
  if (r.status !== status) throw new Error(`${method} ${path}: ${r.status} ${r.text}`)
  return r.body.data
}

beforeAll(async () => {
  w = await seedWorld(t.core)
  const p = await must('POST', '/projects', { name: 'Names', key: 'NAM' })
  ids.project = p.id
  ids.status = p.statuses[0].id
  ids.label = (await must('POST', '/labels', { name: 'names-label' })).id
  ids.client = (await must('POST', '/clients', { name: 'Names client' })).id
  const task = await must('POST', '/tasks', { projectId: p.id, title: 'Names task', todos: [{ text: 'first' }] })
  ids.task = task.id
  ids.todo = task.todos[0].id
  ids.comment = (await must('POST', `/tasks/${task.id}/comments`, { body: 'hello' })).id
  ids.webhook = (await must('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['task.created'] })).id
})

type Field = { name: string; method: string; path: () => string; body: (v: string) => unknown; issuePath: string; as?: 'principal' }

/** Every one-line name or title field. */
const NAME_FIELDS: Field[] = [
  { name: 'project name (create)', method: 'POST', path: () => '/projects', body: (v) => ({ name: v }), issuePath: 'name' },
  { name: 'project name (update)', method: 'PATCH', path: () => `/projects/${ids.project}`, body: (v) => ({ name: v }), issuePath: 'name' },
  {
    name: 'status name (create)',
    method: 'POST',
    path: () => `/projects/${ids.project}/statuses`,
    body: (v) => ({ name: v, category: 'started' }),
    issuePath: 'name',
  },
  {
    name: 'status name (update)',
    method: 'PATCH',
    path: () => `/projects/${ids.project}/statuses/${ids.status}`,
    body: (v) => ({ name: v }),
    issuePath: 'name',
  },
  { name: 'label name (create)', method: 'POST', path: () => '/labels', body: (v) => ({ name: v }), issuePath: 'name' },
  { name: 'label name (update)', method: 'PATCH', path: () => `/labels/${ids.label}`, body: (v) => ({ name: v }), issuePath: 'name' },
  {
    name: 'label name given to a task',
    method: 'POST',
    path: () => '/tasks',
    body: (v) => ({ projectId: ids.project, title: 'ok', labels: ['fine', v] }),
    issuePath: 'labels.1',
  },
  {
    name: 'label name given in a task update',
    method: 'PATCH',
    path: () => `/tasks/${ids.task}`,
    body: (v) => ({ labels: [v] }),
    issuePath: 'labels.0',
  },
  { name: 'client name (create)', method: 'POST', path: () => '/clients', body: (v) => ({ name: v }), issuePath: 'name' },
  { name: 'client name (update)', method: 'PATCH', path: () => `/clients/${ids.client}`, body: (v) => ({ name: v }), issuePath: 'name' },
  {
    name: 'task title (create)',
    method: 'POST',
    path: () => '/tasks',
    body: (v) => ({ projectId: ids.project, title: v }),
    issuePath: 'title',
  },
  { name: 'task title (update)', method: 'PATCH', path: () => `/tasks/${ids.task}`, body: (v) => ({ title: v }), issuePath: 'title' },
  {
    name: 'todo text given with a task',
    method: 'POST',
    path: () => '/tasks',
    body: (v) => ({ projectId: ids.project, title: 'ok', todos: [{ text: v }] }),
    issuePath: 'todos.0.text',
  },
  { name: 'todo text (create)', method: 'POST', path: () => `/tasks/${ids.task}/todos`, body: (v) => ({ text: v }), issuePath: 'text' },
  {
    name: 'todo text (update)',
    method: 'PATCH',
    path: () => `/tasks/${ids.task}/todos/${ids.todo}`,
    body: (v) => ({ text: v }),
    issuePath: 'text',
  },
  {
    name: 'workspace name (create)',
    method: 'POST',
    path: () => '/workspaces',
    body: (v) => ({ name: v }),
    issuePath: 'name',
    as: 'principal',
  },
  {
    name: 'workspace name (update)',
    method: 'PATCH',
    path: () => `/workspaces/${w.wsA.id}`,
    body: (v) => ({ name: v }),
    issuePath: 'name',
    as: 'principal',
  },
  { name: 'API key name', method: 'POST', path: () => '/auth/api-keys', body: (v) => ({ name: v }), issuePath: 'name', as: 'principal' },
  { name: 'MCP key name', method: 'POST', path: () => '/auth/mcp-keys', body: (v) => ({ name: v }), issuePath: 'name', as: 'principal' },
]

/** Refused everywhere a name is expected, with the reason the message gives. */
const BAD_NAMES: [string, string, RegExp][] = [
  ['empty', '', /empty/],
  ['spaces only', '   ', /empty/],
  ['tabs and line breaks only', '\t\n \r', /empty/],
  ['zero-width space only', '\u200b', /visible/],
  ['BOM and zero-width joiner only', '\ufeff\u200d', /visible/],
  ['NUL inside', 'a\u0000b', /control characters/],
  ['line break inside', 'two\nlines', /control characters/],
  ['tab inside', 'tab\there', /control characters/],
  ['escape sequence', '\u001b[31mred', /control characters/],
  ['DEL', 'del\u007f', /control characters/],
]

/** Accepted (trimmed where it has surrounding spaces). */
const GOOD_NAMES: [string, string][] = [
  ['plain', 'Ship it'],
  ['accents and emoji', 'Équipe 🚀 déploiement'],
  ['surrounding spaces (trimmed)', '  padded  '],
  ['a zero-width joiner inside an emoji', '👩\u200d💻 dev'],
]

const call = (f: Field, v: string) =>
  t.req(f.method, f.path(), { as: w.tokens.owner, workspace: f.as ? undefined : w.wsA.id, body: f.body(v) })

describe('names and titles refuse invisible or control-character values (400 validation_error)', () => {
  for (const f of NAME_FIELDS)
    for (const [what, value, reason] of BAD_NAMES)
      test(`${f.name}: ${what}`, async () => {
        const r = await call(f, value)
        expect(r.status).toBe(400)
        expect(r.body.code).toBe('validation_error')
        const issue = (r.body.issues as { path: string; message: string }[]).find((i) => i.path === f.issuePath)
        expect(issue?.message).toMatch(reason)
        expect(r.body.error).toContain(f.issuePath)
      })
})

describe('ordinary names are accepted', () => {
  let n = 0
  for (const f of NAME_FIELDS.filter((f) => !f.name.startsWith('label name given')))
    for (const [what, value] of GOOD_NAMES)
      test(`${f.name}: ${what}`, async () => {
        // Names that must be unique get a suffix; the status under update keeps its own name.
        const unique = f.name.startsWith('label') || f.name.startsWith('status name (create)') ? `${value} ${n++}` : value
        const r = await call(f, unique)
        expect([200, 201]).toContain(r.status)
        if (f.issuePath === 'name' && r.body.data.name !== undefined) expect(r.body.data.name).toBe(unique.trim())
      })
})

type TextField = { name: string; method: string; path: () => string; body: (v: string) => unknown; read: (data: any) => unknown }

/** Multi-line fields: line breaks and tabs stay, NUL and the other controls are refused. */
const TEXT_FIELDS: TextField[] = [
  {
    name: 'project description',
    method: 'PATCH',
    path: () => `/projects/${ids.project}`,
    body: (v) => ({ description: v }),
    read: (d) => d.description,
  },
  {
    name: 'task description',
    method: 'PATCH',
    path: () => `/tasks/${ids.task}`,
    body: (v) => ({ description: v }),
    read: (d) => d.description,
  },
  {
    name: 'comment body',
    method: 'PATCH',
    path: () => `/tasks/${ids.task}/comments/${ids.comment}`,
    body: (v) => ({ body: v }),
    read: (d) => d.body,
  },
  { name: 'client notes', method: 'PATCH', path: () => `/clients/${ids.client}`, body: (v) => ({ notes: v }), read: (d) => d.notes },
  {
    name: 'webhook description',
    method: 'PATCH',
    path: () => `/webhooks/${ids.webhook}`,
    body: (v) => ({ description: v }),
    read: (d) => d.description,
  },
]

describe('multi-line text keeps line breaks and tabs, refuses NUL and other controls', () => {
  for (const f of TEXT_FIELDS) {
    test(`${f.name}: line breaks and tabs accepted`, async () => {
      const value = 'first line\r\n\tindented\nlast'
      const r = await t.req(f.method, f.path(), { ...A(), body: f.body(value) })
      expect(r.status).toBe(200)
      expect(f.read(r.body.data)).toBe(value)
    })
    for (const [what, value] of [
      ['NUL', 'before\u0000after'],
      ['escape', 'a\u001bb'],
      ['form feed', 'a\fb'],
      ['DEL', 'a\u007f'],
    ] as const)
      test(`${f.name}: ${what} refused`, async () => {
        const r = await t.req(f.method, f.path(), { ...A(), body: f.body(value) })
        expect(r.status).toBe(400)
        expect(r.body.code).toBe('validation_error')
        expect(r.body.error).toMatch(/control characters/)
      })
  }

  test('an API key description refuses NUL', async () => {
    const r = await t.req('POST', '/auth/api-keys', { as: w.tokens.owner, body: { name: 'k', description: 'x\u0000' } })
    expect(r.status).toBe(400)
    expect(r.body.issues[0].path).toBe('description')
  })

  test('a comment must show something: blank or invisible bodies are refused', async () => {
    for (const body of ['', '  \n\t ', '\u200b\u200b']) {
      const r = await t.req('POST', `/tasks/${ids.task}/comments`, { ...A(), body: { body } })
      expect([body, r.status, r.body.code]).toEqual([body, 400, 'validation_error'])
    }
  })
})
