/**
 * Every route that can answer 409 `conflict` documents it in /swagger/json, with the shared Error
 * schema and the reasons (routes declare them with `conflicts(...)` from src/http/respond.ts;
 * `idempotent: true` adds the Idempotency-Key reason). The table below is the complete list: a 409
 * documented elsewhere fails too, so the document stays exact. Some of the table is also provoked
 * for real below, so "can answer 409" and "documents 409" are tied to behaviour.
 *
 * POST /auth/register (409 when the email is registered) exists only with SALLY_ALLOW_SIGNUP=true,
 * so it is checked on a second app below.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { IDEMPOTENCY_CONFLICT } from '../src/docs/finish'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'

const t = makeTestApp()
afterAll(() => t.close())

type Json = Record<string, any>
let doc: Json

/** METHOD path → a word its 409 description must contain. */
const CONFLICT_ROUTES: Record<string, RegExp> = {
  'POST /projects': /key is already used/,
  'PATCH /projects/{projectId}': /key is already used.*archived/,
  'POST /projects/{projectId}/members': /already a member.*archived/,
  'PATCH /projects/{projectId}/members/{userId}': /last OWNER.*archived/,
  'DELETE /projects/{projectId}/members/{userId}': /last OWNER.*archived/,
  'POST /projects/{projectId}/statuses': /name exists.*archived/,
  'PATCH /projects/{projectId}/statuses/{statusId}': /name exists.*archived/,
  'DELETE /projects/{projectId}/statuses/{statusId}': /moveTasksTo.*last status.*archived/,
  'POST /tasks': /archived/,
  'POST /tasks/reorder': /archived/,
  'PATCH /tasks/{taskId}': /archived/,
  'DELETE /tasks/{taskId}': /archived/,
  'POST /tasks/{taskId}/move': /target project is archived/,
  'POST /tasks/{taskId}/archive': /archived/,
  'POST /tasks/{taskId}/unarchive': /archived/,
  'POST /tasks/{taskId}/todos': /archived/,
  'POST /tasks/{taskId}/todos/reorder': /archived/,
  'PATCH /tasks/{taskId}/todos/{todoId}': /archived/,
  'DELETE /tasks/{taskId}/todos/{todoId}': /archived/,
  'POST /tasks/{taskId}/comments': /archived/,
  'PATCH /tasks/{taskId}/comments/{commentId}': /archived/,
  'DELETE /tasks/{taskId}/comments/{commentId}': /archived/,
  'POST /labels': /name exists/,
  'PATCH /labels/{labelId}': /name exists/,
  'POST /clients': /Idempotency-Key/,
  'POST /uploads': /Idempotency-Key/,
  'POST /tasks/{taskId}/time-entries': /Idempotency-Key/,
  'PATCH /time-entries/{entryId}': /locked/,
  'DELETE /time-entries/{entryId}': /locked/,
  'POST /time-entries/{entryId}/submit': /state/,
  'POST /time-entries/{entryId}/approve': /state/,
  'POST /time-entries/{entryId}/reject': /state/,
  'POST /time-entries/{entryId}/unlock': /state/,
  'POST /time-entries/{entryId}/bill': /state/,
  'POST /webhooks': /maximum number of webhooks/,
  'POST /webhooks/{webhookId}/test': /inactive/,
  'POST /webhooks/{webhookId}/deliveries/{deliveryId}/redeliver': /pending.*inactive/,
  'POST /workspaces': /slug/,
  'PATCH /workspaces/{id}': /slug/,
  'PATCH /workspaces/{id}/members/{userId}': /last OWNER/,
  'DELETE /workspaces/{id}/members/{userId}': /last OWNER/,
  'POST /workspaces/{id}/invites': /already a member/,
  'DELETE /workspaces/{id}/invites/{inviteId}': /already accepted/,
  'POST /auth/api-keys/{id}/rotate': /revoked/,
  'POST /auth/mcp-keys/{id}/rotate': /revoked/,
  'POST /auth/accept-invite': /account with the invited email/,
  'PATCH /auth/me': /handle is taken/,
  'DELETE /auth/identities/{id}': /last way to sign in/,
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch']
const ops = () =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((m) => ({ name: `${m.toUpperCase()} ${path}`, op: (item as Json)[m] as Json })),
  )
const conflictOf = (name: string): Json | undefined => ops().find((o) => o.name === name)?.op.responses?.['409']

beforeAll(async () => {
  doc = (await t.req<Json>('GET', '/swagger/json')).body
})

describe('409 in the OpenAPI document', () => {
  for (const [name, reason] of Object.entries(CONFLICT_ROUTES))
    test(`${name} documents 409 conflict`, () => {
      const r = conflictOf(name)
      expect(r).toBeDefined()
      expect(r!.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' })
      expect(r!.description).toMatch(/^`conflict`: /)
      expect(r!.description).toMatch(reason)
    })

  test('no other route documents a 409', () => {
    const extra = ops()
      .filter((o) => o.op.responses?.['409'] && !(o.name in CONFLICT_ROUTES))
      .map((o) => o.name)
    expect(extra).toEqual([])
  })

  test('every idempotent create documents the Idempotency-Key conflict', () => {
    const idempotent = ops().filter((o) => o.op['x-sally-idempotent'])
    expect(idempotent.length).toBeGreaterThanOrEqual(10)
    for (const o of idempotent)
      expect([o.name, conflictOf(o.name)?.description]).toEqual([o.name, expect.stringContaining(IDEMPOTENCY_CONFLICT)])
  })
})

describe('the documented 409s are real', () => {
  let w: Awaited<ReturnType<typeof seedWorld>>
  const A = () => ({ as: w.tokens.owner, workspace: w.wsA.id })
  beforeAll(async () => {
    w = await seedWorld(t.core)
  })

  test('provoked 409s come from routes that document them', async () => {
    const send = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      t.req(method, path, { ...A(), body, headers })
    const p = (await send('POST', '/projects', { name: 'Conflicts', key: 'CNF' })).body.data
    await send('POST', '/labels', { name: 'dup' })
    const task = (await send('POST', '/tasks', { projectId: p.id, title: 'x' })).body.data
    const provoked: [string, Promise<{ status: number }>][] = []
    const expect409 = (name: string, r: Promise<{ status: number }>) => provoked.push([name, r])
    expect409('POST /projects', send('POST', '/projects', { name: 'Again', key: 'CNF' }))
    expect409('POST /labels', send('POST', '/labels', { name: 'DUP' }))
    expect409('POST /projects/{projectId}/statuses', send('POST', `/projects/${p.id}/statuses`, { name: 'done', category: 'completed' }))
    expect409('DELETE /projects/{projectId}/statuses/{statusId}', send('DELETE', `/projects/${p.id}/statuses/${task.statusId}`))
    expect409('DELETE /projects/{projectId}/members/{userId}', send('DELETE', `/projects/${p.id}/members/${w.users.owner.id}`))
    expect409(
      'PATCH /workspaces/{id}/members/{userId}',
      t.req('PATCH', `/workspaces/${w.wsA.id}/members/${w.users.owner.id}`, { as: w.tokens.owner, body: { role: 'MEMBER' } }),
    )
    for (const [name, r] of provoked) expect([name, (await r).status, conflictOf(name) !== undefined]).toEqual([name, 409, true])

    const key = { 'idempotency-key': 'conflicts-test-key' }
    expect((await send('POST', '/clients', { name: 'One' }, key)).status).toBe(201)
    expect([(await send('POST', '/clients', { name: 'Two' }, key)).status, conflictOf('POST /clients') !== undefined]).toEqual([409, true])

    await send('POST', `/projects/${p.id}/archive`)
    for (const [name, method, path, body] of [
      ['PATCH /tasks/{taskId}', 'PATCH', `/tasks/${task.id}`, { title: 'y' }],
      ['POST /tasks/{taskId}/move', 'POST', `/tasks/${task.id}/move`, { status: 'Done' }],
      ['POST /tasks/{taskId}/comments', 'POST', `/tasks/${task.id}/comments`, { body: 'hi' }],
      ['PATCH /projects/{projectId}', 'PATCH', `/projects/${p.id}`, { name: 'z' }],
    ] as const)
      expect([name, (await send(method, path, body)).status, conflictOf(name) !== undefined]).toEqual([name, 409, true])
  })
})

test('POST /auth/register documents its 409 when sign-up is on', async () => {
  const signup = makeTestApp({ SALLY_ALLOW_SIGNUP: 'true' })
  try {
    const d = (await signup.req<Json>('GET', '/swagger/json')).body
    expect(d.paths['/auth/register'].post.responses['409'].description).toMatch(/account with this email already exists/)
  } finally {
    signup.close()
  }
})
