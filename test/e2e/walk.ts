// The walk: every operation of a running Sally's own OpenAPI document, driven over real HTTP to a
// success status, in an order that creates what later calls need. Used by test/e2e/walk.test.ts
// against the compiled binary and against the source entry point, so the two can be compared.
import { expect } from 'bun:test'
import { grantTokens } from '../helpers/oauth'
import { type FakeProvider, setCookie } from '../helpers/oidc-provider'
import type { Received } from '../helpers/receiver'
import type { ReceivedMail } from '../helpers/smtp'
import { tokenFromMail, type Walker } from './walker'

/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

export type WalkEnv = {
  w: Walker
  mailbox: ReceivedMail[]
  /** Webhook deliveries the loopback receiver got (parsed JSON bodies). */
  hooks: Received[]
  hookUrl: string
  admin: { email: string; password: string }
}

const today = () => new Date().toISOString().slice(0, 10)

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const v = await probe()
    if (v !== undefined) return v
    await Bun.sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** The whole walk. Each step names what it proves; failures point at the operation. */
export async function walk({ w, mailbox, hooks, hookUrl, admin }: WalkEnv): Promise<void> {
  const pw = 'correct horse battery staple'
  await w.call('GET /health')
  await w.call('GET /auth/config')

  // --- accounts: sign up, verify, sign in ---------------------------------------------------------
  const reg = await w.call('POST /auth/register', { body: { email: 'ada@walk.test', password: pw, name: 'Ada', handle: 'ada' } })
  const personalWs = reg.body.data.workspace.id as string
  const login = async (email: string, password: string) =>
    (await w.call('POST /auth/login', { body: { email, password } })).body.data.token as string
  let ada = await login('ada@walk.test', pw)
  await w.call('GET /events', { as: ada, ws: personalWs, stream: true })
  const sentBefore = mailbox.length
  await w.call('POST /auth/resend-verification', { as: ada, body: { email: 'ada@walk.test' } })
  const verify = await tokenFromMail(mailbox, 'ada@walk.test', /Verification token[^:]*:\n(\S+)/, sentBefore)
  await w.call('POST /auth/verify-email', { body: { token: verify } })
  const me = await w.call('GET /auth/me', { as: ada })
  expect(me.body.data.user.emailVerified).toBe(true)
  const adaId = me.body.data.user.id as string
  await w.call('PATCH /auth/me', { as: ada, body: { name: 'Ada Lovelace' } })

  // --- workspaces and members ----------------------------------------------------------------------
  await w.call('GET /workspaces', { as: ada })
  const ws = (await w.call('POST /workspaces', { as: ada, body: { name: 'Walk Co', slug: 'walk-co' } })).body.data.id as string
  expect(ws).not.toBe(personalWs)
  await w.call('GET /workspaces/{id}', { as: ada, path: { id: ws } })
  await w.call('PATCH /workspaces/{id}', { as: ada, path: { id: ws }, body: { name: 'Walk Company' } })
  const beforeInvite = mailbox.length
  await w.call('POST /workspaces/{id}/invites', { as: ada, path: { id: ws }, body: { email: 'bob@walk.test', role: 'MEMBER' } })
  const inviteToken = await tokenFromMail(mailbox, 'bob@walk.test', /Invite token[^:]*:\n(\S+)/, beforeInvite)
  await w.call('POST /auth/accept-invite', { body: { token: inviteToken, name: 'Bob', handle: 'bob', password: pw } })
  const bob = await login('bob@walk.test', pw)
  const bobId = (await w.call('GET /auth/me', { as: bob })).body.data.user.id as string
  const carol = await w.call('POST /workspaces/{id}/invites', { as: ada, path: { id: ws }, body: { email: 'carol@walk.test' } })
  await w.call('GET /workspaces/{id}/invites', { as: ada, path: { id: ws } })
  await w.call('DELETE /workspaces/{id}/invites/{inviteId}', { as: ada, path: { id: ws, inviteId: carol.body.data.id } })
  await w.call('GET /workspaces/{id}/members', { as: ada, path: { id: ws } })
  await w.call('PATCH /workspaces/{id}/members/{userId}', { as: ada, path: { id: ws, userId: bobId }, body: { role: 'VIEWER' } })
  await w.call('PATCH /workspaces/{id}/members/{userId}', { as: ada, path: { id: ws, userId: bobId }, body: { role: 'MEMBER' } })

  // --- clients, projects, members, statuses, labels ------------------------------------------------
  const A = { as: ada, ws }
  const client = (await w.call('POST /clients', { ...A, body: { name: 'Acme', email: 'ops@acme.test' } })).body.data.id as string
  await w.call('GET /clients', A)
  await w.call('GET /clients/{clientId}', { ...A, path: { clientId: client } })
  await w.call('PATCH /clients/{clientId}', { ...A, path: { clientId: client }, body: { notes: 'Pays on time.' } })
  const project = (await w.call('POST /projects', { ...A, body: { name: 'Website', key: 'WEB', clientId: client } })).body.data.id as string
  await w.call('GET /projects', A)
  await w.call('GET /projects/{projectId}', { ...A, path: { projectId: project } })
  await w.call('PATCH /projects/{projectId}', { ...A, path: { projectId: project }, body: { description: 'The public site.' } })
  await w.call('GET /clients/{clientId}/projects', { ...A, path: { clientId: client } })
  const P = { ...A, path: { projectId: project } }
  await w.call('POST /projects/{projectId}/members', { ...P, body: { userId: bobId, role: 'VIEWER' } })
  await w.call('GET /projects/{projectId}/members', P)
  await w.call('PATCH /projects/{projectId}/members/{userId}', {
    ...A,
    path: { projectId: project, userId: bobId },
    body: { role: 'MEMBER' },
  })
  const statuses = (await w.call('GET /projects/{projectId}/statuses', P)).body.data as { id: string; name: string }[]
  const todo = statuses.find((s) => s.name === 'To Do')!.id
  const done = statuses.find((s) => s.name === 'Done')!.id
  const qa = (await w.call('POST /projects/{projectId}/statuses', { ...P, body: { name: 'QA', category: 'started' } })).body.data
    .id as string
  await w.call('PATCH /projects/{projectId}/statuses/{statusId}', {
    ...A,
    path: { projectId: project, statusId: qa },
    body: { color: '#aa66cc' },
  })
  const label = (await w.call('POST /labels', { ...A, body: { name: 'frontend', color: '#3366ff' } })).body.data.id as string
  await w.call('GET /labels', A)
  await w.call('GET /labels/{labelId}', { ...A, path: { labelId: label } })
  await w.call('PATCH /labels/{labelId}', { ...A, path: { labelId: label }, body: { name: 'front-end' } })

  // --- tasks: create, read, update, move, reorder, archive -----------------------------------------
  const created = await w.call('POST /tasks', {
    ...A,
    headers: { 'idempotency-key': 'walk-create-1' },
    body: {
      projectId: project,
      title: 'Ship the landing page',
      description: 'Hero, pricing and **sign-up**.',
      priority: 'P1',
      status: 'To Do',
      assigneeIds: [bobId],
      labels: ['front-end', 'launch'],
      todos: [{ text: 'Hero copy' }, { text: 'Pricing table' }],
      dueDate: today(),
    },
  })
  const task = created.body.data.id as string
  expect(created.body.data.humanId).toBe('WEB-1')
  const second = (await w.call('POST /tasks', { ...A, body: { projectId: project, title: 'Write the changelog', statusId: todo } })).body
    .data.id as string
  const T = { ...A, path: { taskId: task } }
  await w.call('GET /tasks', { ...A, query: { projectId: project } })
  await w.call('GET /tasks/{taskId}', T)
  await w.call('GET /tasks/{taskId}', { ...A, path: { taskId: 'WEB-1' } })
  await w.call('PATCH /tasks/{taskId}', { ...T, body: { priority: 'P0', title: 'Ship the landing page today' } })
  await w.call('POST /tasks/{taskId}/move', { ...T, body: { statusId: qa } })
  await w.call('POST /tasks/{taskId}/move', { ...A, path: { taskId: second }, body: { statusId: qa, afterTaskId: task } })
  await w.call('POST /tasks/reorder', { ...A, body: { statusId: qa, taskIds: [second, task] } })
  await w.call('POST /tasks/{taskId}/archive', { ...A, path: { taskId: second } })
  await w.call('POST /tasks/{taskId}/unarchive', { ...A, path: { taskId: second } })

  // --- todos and comments (with a mention) ---------------------------------------------------------
  const todos = (await w.call('GET /tasks/{taskId}', T)).body.data.todos as { id: string }[]
  const extra = (await w.call('POST /tasks/{taskId}/todos', { ...T, body: { text: 'Footer links' } })).body.data.id as string
  await w.call('PATCH /tasks/{taskId}/todos/{todoId}', { ...A, path: { taskId: task, todoId: todos[0]!.id }, body: { done: true } })
  await w.call('POST /tasks/{taskId}/todos/reorder', { ...T, body: { todoIds: [extra, todos[1]!.id, todos[0]!.id] } })
  await w.call('DELETE /tasks/{taskId}/todos/{todoId}', { ...A, path: { taskId: task, todoId: extra } })
  const comment = (await w.call('POST /tasks/{taskId}/comments', { ...T, body: { body: '@bob can you take the pricing table?' } })).body
    .data.id as string
  await w.call('GET /tasks/{taskId}/comments', T)
  await w.call('PATCH /tasks/{taskId}/comments/{commentId}', {
    ...A,
    path: { taskId: task, commentId: comment },
    body: { body: '@bob can you take the pricing table, please?' },
  })

  // --- uploads (multipart, ETag) -------------------------------------------------------------------
  const form = new FormData()
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'pixel.png')
  const up = (await w.call('POST /uploads', { ...A, form })).body.data as { id: string }
  const img = await w.call('GET /uploads/{id}', { path: { id: up.id } })
  expect(img.headers.get('content-type')).toBe('image/png')
  await w.call('GET /uploads/{id}', { path: { id: up.id }, headers: { 'if-none-match': img.headers.get('etag')! }, status: 304 })

  // --- notifications (Bob was assigned and mentioned) ----------------------------------------------
  const B = { as: bob, ws }
  const notes = (await w.call('GET /notifications', B)).body.data as { id: string; kind: string }[]
  expect(notes.map((n) => n.kind).sort()).toEqual(['assignment', 'mention'])
  await w.call('POST /notifications/{notificationId}/read', { ...B, path: { notificationId: notes[0]!.id } })
  await w.call('POST /notifications/read-all', B)
  const prefs = (await w.call('GET /notifications/preferences', B)).body.data
  await w.call('PUT /notifications/preferences', { ...B, body: { ...prefs, mention: { ...prefs.mention, email: false } } })

  // --- board and search ----------------------------------------------------------------------------
  await w.call('GET /board', { ...A, query: { projectId: project } })
  await w.call('GET /board', A)
  const found = await w.call('GET /search', { ...A, query: { q: 'landing' } })
  expect(JSON.stringify(found.body.data)).toContain(task)

  // --- time: log, edit, submit → reject → submit → approve → unlock → submit → approve → bill, report
  const entry = (await w.call('POST /tasks/{taskId}/time-entries', { ...T, body: { date: today(), minutes: 45, note: 'Hero layout' } }))
    .body.data.id as string
  const E = { ...A, path: { entryId: entry } }
  await w.call('GET /time-entries', A)
  await w.call('GET /time-entries/{entryId}', E)
  await w.call('PATCH /time-entries/{entryId}', { ...E, body: { minutes: 50 } })
  await w.call('POST /time-entries/{entryId}/submit', E)
  await w.call('POST /time-entries/{entryId}/reject', { ...E, body: { reason: 'Split design from build.' } })
  await w.call('POST /time-entries/{entryId}/submit', E)
  await w.call('POST /time-entries/{entryId}/approve', E)
  await w.call('POST /time-entries/{entryId}/unlock', E)
  await w.call('POST /time-entries/{entryId}/submit', E)
  await w.call('POST /time-entries/{entryId}/approve', E)
  await w.call('POST /time-entries/{entryId}/bill', E)
  const range = { scope: 'workspace', from: today(), to: today() }
  const report = await w.call('GET /timesheets/report', { ...A, query: range })
  expect(report.body.data.totals.minutes).toBe(50)
  const csv = await w.call('GET /timesheets/report', { ...A, query: { ...range, format: 'csv' } })
  expect(csv.headers.get('content-type')).toContain('text/csv')
  expect(csv.text).toContain('50')
  const scratch = (await w.call('POST /tasks/{taskId}/time-entries', { ...T, body: { date: today(), minutes: 5 } })).body.data.id as string
  await w.call('DELETE /time-entries/{entryId}', { ...A, path: { entryId: scratch } })

  // --- webhooks to a loopback receiver --------------------------------------------------------------
  const hook = (await w.call('POST /webhooks', { ...A, body: { url: hookUrl, events: ['task.created', 'task.updated'] } })).body.data
  expect(hook.secret).toBeTruthy()
  const H = { ...A, path: { webhookId: hook.id as string } }
  await w.call('GET /webhooks', A)
  await w.call('GET /webhooks/{webhookId}', H)
  await w.call('PATCH /webhooks/{webhookId}', { ...H, body: { description: 'CI notifier' } })
  await w.call('POST /webhooks/{webhookId}/rotate-secret', H)
  const hooksBefore = hooks.length
  await w.call('POST /webhooks/{webhookId}/test', H)
  await w.call('POST /tasks', { ...A, body: { projectId: project, title: 'Announce the launch' } })
  await waitFor('two webhook deliveries', () => (hooks.length >= hooksBefore + 2 ? true : undefined))
  const deliveries = await waitFor('delivered log rows', async () => {
    const rows = (await w.call('GET /webhooks/{webhookId}/deliveries', H)).body.data as { id: string; status: string }[]
    return rows.length >= 2 && rows.every((r) => r.status === 'succeeded') ? rows : undefined
  })
  const D = { ...A, path: { webhookId: hook.id as string, deliveryId: deliveries[0]!.id } }
  await w.call('GET /webhooks/{webhookId}/deliveries/{deliveryId}', D)
  await w.call('POST /webhooks/{webhookId}/deliveries/{deliveryId}/redeliver', D)

  // --- keys: API key (used), MCP key (used on /mcp), rotate, revoke ---------------------------------
  const apiKey = (await w.call('POST /auth/api-keys', { as: ada, body: { name: 'ci', workspaceId: ws, scopes: ['tasks:read'] } })).body.data
  await w.call('GET /tasks/{taskId}', { as: apiKey.key, path: { taskId: task } })
  await w.call('GET /auth/api-keys', { as: ada })
  await w.call('GET /auth/api-keys/{id}', { as: ada, path: { id: apiKey.id } })
  const rotated = (await w.call('POST /auth/api-keys/{id}/rotate', { as: ada, path: { id: apiKey.id } })).body.data
  await w.call('DELETE /auth/api-keys/{id}', { as: ada, path: { id: rotated.id } })
  const mcpKey = (await w.call('POST /auth/mcp-keys', { as: ada, body: { name: 'agent', workspaceId: ws } })).body.data
  await w.call('GET /auth/mcp-keys', { as: ada })
  await w.call('GET /auth/mcp-keys/{id}', { as: ada, path: { id: mcpKey.id } })
  const mcpHeaders = { accept: 'application/json, text/event-stream' }
  const rpc = (id: number, method: string, params: unknown = {}) => ({
    as: mcpKey.key,
    headers: mcpHeaders,
    body: { jsonrpc: '2.0', id, method, params },
  })
  const init = await w.call(
    'POST /mcp',
    rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'walk', version: '1' } }),
  )
  expect(init.body.result.serverInfo.name).toBeTruthy()
  await w.call('POST /mcp', {
    as: mcpKey.key,
    headers: mcpHeaders,
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
    status: 202,
  })
  const tools = (await w.call('POST /mcp', rpc(2, 'tools/list'))).body.result.tools as { name: string }[]
  expect(tools.length).toBeGreaterThan(5)
  const toolNames = tools.map((t) => t.name)
  const getTool = 'get_task'
  expect(toolNames).toContain(getTool)
  const called = await w.call('POST /mcp', rpc(3, 'tools/call', { name: getTool, arguments: { task } }))
  expect(called.body.result.isError ?? false, JSON.stringify(called.body)).toBe(false)
  await w.call('GET /mcp', { as: mcpKey.key, status: 405 })
  await w.call('DELETE /mcp', { as: mcpKey.key, status: 405 })
  await w.call('POST /mcp', { ...rpc(4, 'tools/list'), headers: { accept: 'text/html' }, status: 406 })
  const mcpRotated = (await w.call('POST /auth/mcp-keys/{id}/rotate', { as: ada, path: { id: mcpKey.id } })).body.data
  await w.call('DELETE /auth/mcp-keys/{id}', { as: ada, path: { id: mcpRotated.id } })

  // --- OAuth: a connected app on /mcp/oauth, listed with the MCP keys, disconnected -----------------
  // The protocol endpoints (/oauth/*, /.well-known/*) are specified by their RFCs and kept out of the
  // document (src/oauth/index.ts); the helpers drive them: registration, consent form, code exchange.
  // Straight to the server (`directBase`), not through a validating proxy that knows only the document.
  const app = await grantTokens((url, init) => fetch(url, init), w.options.directBase ?? w.base, ada, { workspace: ws })
  const orpc = (id: number, method: string, params: unknown = {}) => ({
    as: app.access_token,
    headers: mcpHeaders,
    body: { jsonrpc: '2.0', id, method, params },
  })
  await w.call(
    'POST /mcp/oauth',
    orpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'walk', version: '1' } }),
  )
  const viaOAuth = await w.call('POST /mcp/oauth', orpc(2, 'tools/call', { name: getTool, arguments: { task } }))
  expect(viaOAuth.body.result.isError ?? false, JSON.stringify(viaOAuth.body)).toBe(false)
  await w.call('GET /mcp/oauth', { as: app.access_token, status: 405 })
  await w.call('DELETE /mcp/oauth', { as: app.access_token, status: 405 })
  await w.call('POST /mcp/oauth', { ...orpc(4, 'tools/list'), headers: { accept: 'text/html' }, status: 406 })
  const grants = (await w.call('GET /auth/mcp-grants', { as: ada })).body.data as { id: string; clientId: string }[]
  const grant = grants.find((g) => g.clientId === app.clientId)!
  await w.call('DELETE /auth/mcp-grants/{id}', { as: ada, path: { id: grant.id } })
  await w.call('POST /mcp/oauth', { ...orpc(3, 'tools/list'), status: 401 })

  // --- audit and sessions --------------------------------------------------------------------------
  await w.call('GET /audit-events', A)
  const other = await login('ada@walk.test', pw)
  const sessions = (await w.call('GET /auth/sessions', { as: ada })).body.data as { id: string; current: boolean }[]
  expect(sessions.length).toBeGreaterThanOrEqual(2)
  await w.call('DELETE /auth/sessions/{id}', { as: ada, path: { id: sessions.find((s) => !s.current)!.id } })
  await w.call('GET /auth/me', { as: other, status: 401 })

  // --- the platform's SUPERADMIN suspends and reactivates the workspace ------------------------------
  const root = await login(admin.email, admin.password)
  await w.call('POST /workspaces/{id}/suspend', { as: root, path: { id: ws } })
  await w.call('GET /projects', { ...A, status: 403 })
  await w.call('POST /workspaces/{id}/reactivate', { as: root, path: { id: ws } })

  // --- deletions -----------------------------------------------------------------------------------
  await w.call('DELETE /tasks/{taskId}/comments/{commentId}', { ...A, path: { taskId: task, commentId: comment } })
  await w.call('DELETE /tasks/{taskId}', { ...A, path: { taskId: second } })
  await w.call('DELETE /projects/{projectId}/statuses/{statusId}', {
    ...A,
    path: { projectId: project, statusId: qa },
    query: { moveTasksTo: done },
  })
  await w.call('DELETE /labels/{labelId}', { ...A, path: { labelId: label } })
  await w.call('DELETE /uploads/{id}', { ...A, path: { id: up.id } })
  await w.call('GET /uploads/{id}', { path: { id: up.id }, status: 404 })
  await w.call('DELETE /webhooks/{webhookId}', H)
  await w.call('DELETE /projects/{projectId}/members/{userId}', { ...A, path: { projectId: project, userId: bobId } })
  await w.call('GET /projects/{projectId}/activity', P)
  await w.call('POST /projects/{projectId}/archive', P)
  await w.call('POST /projects/{projectId}/unarchive', P)
  await w.call('DELETE /projects/{projectId}', P)
  await w.call('DELETE /clients/{clientId}', { ...A, path: { clientId: client } })
  await w.call('DELETE /workspaces/{id}/members/{userId}', { as: ada, path: { id: ws, userId: bobId } })

  // --- password reset, then sign out ---------------------------------------------------------------
  const beforeReset = mailbox.length
  await w.call('POST /auth/request-password-reset', { body: { email: 'ada@walk.test' } })
  const reset = await tokenFromMail(mailbox, 'ada@walk.test', /Reset token[^:]*:\n(\S+)/, beforeReset)
  const newPw = 'another correct horse battery'
  await w.call('POST /auth/reset-password', { body: { token: reset, password: newPw } })
  ada = await login('ada@walk.test', newPw)
  await w.call('POST /auth/logout', { as: ada })
  await w.call('GET /auth/me', { as: ada, status: 401 })
  expect(adaId).toBeTruthy()
}

// --- Sign-in providers (OpenID Connect): the fake provider walk.test.ts starts, configured as `corp`. ---
export async function walkOidc(w: Walker, idp: FakeProvider): Promise<void> {
  const providers = await w.call('GET /auth/providers')
  expect(providers.body.data).toEqual([{ name: 'corp', label: 'Corp SSO', startUrl: '/auth/oidc/corp/start' }])
  idp.state.user = { sub: 'walk-1', email: 'sso@walk.test', email_verified: true, name: 'Sso Walker' }
  const start = await w.call('GET /auth/oidc/{provider}/start', {
    path: { provider: 'corp' },
    query: { returnTo: '/board' },
    status: 302,
    redirect: true,
  })
  const flow = setCookie(new Response(null, { headers: start.headers }), 'sally_oidc')!
  const approved = await fetch(start.headers.get('location')!, { redirect: 'manual' })
  const back = new URL(approved.headers.get('location')!)
  const callback = await w.call('GET /auth/oidc/{provider}/callback', {
    redirect: true,
    path: { provider: 'corp' },
    query: Object.fromEntries(back.searchParams),
    headers: { cookie: `sally_oidc=${flow}` },
    status: 302,
  })
  expect(callback.headers.get('location')).toBe('/board')
  const browser = setCookie(new Response(null, { headers: callback.headers }), 'sally_session')!
  // A second identity with the same verified address links to the same account (API flow, seed 002).
  idp.state.user = { sub: 'walk-2', email: 'sso@walk.test', email_verified: true }
  const api = await w.call('POST /auth/session', { body: { provider: 'corp', idToken: await idp.sign() } })
  expect(api.body.data.accessToken).toBe(api.body.data.token)
  const ids = (await w.call('GET /auth/identities', { as: browser })).body.data as { id: string }[]
  expect(ids).toHaveLength(2)
  await w.call('DELETE /auth/identities/{id}', { as: api.body.data.token, path: { id: ids[1]!.id } })
  await w.call('DELETE /auth/identities/{id}', { as: browser, path: { id: ids[0]!.id }, status: 409 })
}
