// After the walk (test/e2e/walk.ts): provokes, for every operation of the document, each documented
// error status (those with the shared Error schema) and keeps the server's real answers, for the
// OpenAPI document's error examples (scripts/record-examples.ts → src/docs/error-examples.json).
// Each request is built so that the handler never runs with a valid input on a real resource: random
// ids in the path, an invalid body, a refused credential, or an unknown workspace.
import type { ReceivedMail } from '../helpers/smtp'
import { type Answer, type CallOptions, tokenFromMail, type Walker } from './walker'

type Json = Record<string, any>
type Attempt = CallOptions & { rawBody?: string; contentType?: string }
type Auth = { kind: 'public' | 'principal' | 'workspace'; permission?: string; path?: string }

/** op → status → the operation's own real answer. */
export type OwnErrors = Record<string, Record<string, unknown>>
/** A real answer kept for a status and code: the example of operations whose own answer could not be provoked. */
export type SharedError = { op: string; example: unknown }
export type ErrorAnswers = { own: OwnErrors; shared: Record<string, SharedError[]>; unexpected: string[] }

const MCP_HEADERS = { accept: 'application/json, text/event-stream' }
/** Larger than SALLY_MAX_JSON_BYTES' default (1 MiB). */
const OVERSIZED = JSON.stringify({ text: 'x'.repeat(1_100_000) })
const isMcp = (op: string) => / \/mcp(\/|$)/.test(op)
const rnd = () => crypto.randomUUID()

/** Error statuses documented with the shared Error schema. */
function errorStatuses(doc: Json, op: Json): number[] {
  return Object.entries<Json>(op.responses ?? {})
    .filter(([s, r]) => {
      const res = r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r
      return /^4/.test(s) && res?.content?.['application/json']?.schema?.$ref === '#/components/schemas/Error'
    })
    .map(([s]) => Number(s))
}

const resolveRef = (doc: Json, s: Json | undefined): Json | undefined =>
  s?.$ref ? doc.components.schemas[String(s.$ref).split('/').pop()!] : s

/** A body the operation's schema refuses: `{}` when it requires a field, else a field of the wrong type. */
function invalidBody(doc: Json, op: Json): unknown {
  const schema = resolveRef(doc, op.requestBody?.content?.['application/json']?.schema)
  if (!schema) return undefined
  if (schema.type !== 'object' && schema.type !== undefined) return {}
  if (Array.isArray(schema.required) && schema.required.length) return {}
  for (const [name, raw] of Object.entries<Json>(schema.properties ?? {})) {
    const prop = resolveRef(doc, raw)!
    const types = [prop.type].flat()
    if (prop.enum || types.some((t) => ['string', 'integer', 'number', 'boolean', 'array'].includes(t))) return { [name]: { wrong: true } }
  }
  return undefined
}

/** A query the operation refuses: a required parameter left out, or a typed one given a word. */
function invalidQuery(op: Json): Record<string, string> | undefined {
  const params: Json[] = (op.parameters ?? []).filter((p: Json) => p.in === 'query')
  if (params.some((p) => p.required)) return {}
  const typed = params.find((p) => p.schema?.enum || ['integer', 'number', 'boolean'].includes(p.schema?.type))
  return typed ? { [typed.name]: 'not-a-valid-value' } : undefined
}

/** A body the idempotency check sees as another request: its first string field changed. */
function otherBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body
  const key = Object.keys(body).find((k) => typeof (body as Json)[k] === 'string')
  return key ? { ...body, [key]: `${(body as Json)[key]} (again)` } : { ...body, note: 'again' }
}

export async function probeErrors(w: Walker, mailbox: ReceivedMail[]): Promise<ErrorAnswers> {
  const doc = w.doc as unknown as Json
  const pw = 'correct horse battery staple'
  // --- the probe's world: an owner with two workspaces, a viewer, keys --------------------------------
  const reg = await w.call('POST /auth/register', { body: { email: 'owner@errors.test', password: pw, name: 'Owen', handle: 'owen' } })
  const O = reg.body.data.session.token as string
  const W = (await w.call('POST /workspaces', { as: O, body: { name: 'Errors Co', slug: 'errors-co' } })).body.data.id as string
  const before = mailbox.length
  const veraInvite = (
    await w.call('POST /workspaces/{id}/invites', { as: O, path: { id: W }, body: { email: 'vera@errors.test', role: 'VIEWER' } })
  ).body.data.id as string
  const invite = await tokenFromMail(mailbox, 'vera@errors.test', /Invite token[^:]*:\n(\S+)/, before)
  const accepted = await w.call('POST /auth/accept-invite', { body: { token: invite, name: 'Vera', handle: 'vera', password: pw } })
  const V = accepted.body.data.session.token as string
  const key = async (path: string, body: Json) => (await w.call(`POST ${path}`, { as: O, body })).body.data as { id: string; key: string }
  // Two narrow keys: whatever permission a route needs, one of them lacks it.
  const scoped = (await key('/auth/api-keys', { name: 'read tasks', workspaceId: W, scopes: ['tasks:read'] })).key
  const profileOnly = (await key('/auth/api-keys', { name: 'read profile', workspaceId: W, scopes: ['user:read'] })).key
  const limited = (await key('/auth/api-keys', { name: 'one an hour', workspaceId: W, rateLimitPerHour: 1 })).key
  const mcp = (await key('/auth/mcp-keys', { name: 'agent', workspaceId: W })).key
  const limitedMcp = (await key('/auth/mcp-keys', { name: 'agent, one an hour', workspaceId: W, rateLimitPerHour: 1 })).key
  await w.send('GET /auth/me', { as: limited })
  await w.send('POST /mcp', { as: limitedMcp, headers: MCP_HEADERS, body: { jsonrpc: '2.0', id: 1, method: 'ping' } })
  const project = (await w.call('POST /projects', { as: O, ws: W, body: { name: 'Errors', key: 'ERR' } })).body.data.id as string
  const task = (await w.call('POST /tasks', { as: O, ws: W, body: { projectId: project, title: 'Provoke errors' } })).body.data.id as string

  const own: OwnErrors = {}
  const spare: OwnErrors = {}
  const keep = (into: OwnErrors, op: string, status: number, a: Answer) => {
    if (a.body?.ok !== false || a.status !== status) return
    into[op] ??= {}
    into[op][status] ??= a.body
  }

  // Credentials refused for other reasons than their absence (for the shared examples), first: the
  // address's failed-authentication limit is not reached yet.
  const extra: OwnErrors = {}
  keep(extra, 'GET /auth/me', 401, await w.send('GET /auth/me', { as: `atpm_${rnd().replaceAll('-', '')}` }))
  const revoked = await key('/auth/api-keys', { name: 'revoked', workspaceId: W })
  await w.call('DELETE /auth/api-keys/{id}', { as: O, path: { id: revoked.id } })
  keep(extra, 'GET /auth/me (a revoked key)', 401, await w.send('GET /auth/me', { as: revoked.key }))
  const expiring = await key('/auth/api-keys', { name: 'expiring', workspaceId: W, expiresIn: 0.2 })
  await Bun.sleep(300)
  keep(extra, 'GET /auth/me (an expired key)', 401, await w.send('GET /auth/me', { as: expiring.key }))

  /** Answers the document does not list for the operation (or 5xx): reported by the recording script. */
  const unexpected: string[] = []
  const documentedOf = (op: string) => errorStatuses(doc, doc.paths[op.split(' ')[1]!][op.split(' ')[0]!.toLowerCase()])
  const ops = w.operations.toSorted()
  for (const op of ops) {
    const [method, path] = op.split(' ') as [string, string]
    const spec: Json = doc.paths[path][method.toLowerCase()]
    const statuses = errorStatuses(doc, spec)
    if (!statuses.length) continue
    const auth: Auth = spec['x-sally-auth'] ?? { kind: 'public' }
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)
    const paths = (ws: string) => Object.fromEntries(names.map((n) => [n, n === auth.path ? ws : rnd()]))
    const selected = auth.kind === 'workspace' && !auth.path
    const walked = w.firstRequest.get(op) ?? {}
    const valid = { body: walked.body, form: walked.form, query: walked.query, headers: isMcp(op) ? MCP_HEADERS : walked.headers }
    // A multipart route reads its body before the credential is checked: it gets its valid form.
    const inW = { ws: selected ? W : undefined, path: paths(W), headers: isMcp(op) ? MCP_HEADERS : undefined, form: walked.form }
    const asOwner = auth.kind === 'public' ? undefined : O
    const streams = spec.responses[200]?.content?.['text/event-stream'] !== undefined
    const attempts: Record<number, Attempt[]> = {
      401: [{ path: paths(rnd()), headers: inW.headers, form: walked.form }],
      403: isMcp(op)
        ? [{ ...inW, as: scoped, body: { jsonrpc: '2.0', id: 1, method: 'ping' } }]
        : [
            ...(auth.kind === 'workspace' ? [{ ...inW, as: V }] : []),
            ...(auth.permission ? [{ ...inW, as: auth.permission === 'tasks:read' ? profileOnly : scoped }] : []),
            { ...inW, as: mcp },
          ],
      // Unknown ids in a real workspace first (`Task not found.`), else an unknown workspace.
      404: [
        ...(names.some((n) => n !== auth.path) ? [{ ...valid, as: asOwner, ws: selected ? W : undefined, path: paths(W) }] : []),
        { ...valid, as: asOwner, ws: selected ? rnd() : undefined, path: paths(rnd()) },
      ],
      400: [
        ...(invalidBody(doc, spec) !== undefined ? [{ ...inW, as: O, body: invalidBody(doc, spec) }] : []),
        ...(invalidQuery(spec) ? [{ ...inW, as: O, query: invalidQuery(spec) }] : []),
        ...(selected ? [{ ...inW, ws: undefined, as: O }] : []),
        ...(method !== 'GET' ? [{ ...inW, as: O, rawBody: '{"unterminated": ' }] : []),
      ].map((a) => (auth.kind === 'public' ? { ...a, as: undefined } : a)),
      413: isMcp(op)
        ? [{ ...inW, as: mcp, body: Array.from({ length: 21 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })) }]
        : [{ ...inW, as: auth.kind === 'public' ? undefined : O, rawBody: OVERSIZED }],
      415: [{ ...inW, as: auth.kind === 'public' ? undefined : O, rawBody: 'title=x', contentType: 'text/plain' }],
      429: auth.kind === 'public' ? [] : [{ ...inW, as: isMcp(op) ? limitedMcp : limited, body: isMcp(op) ? valid.body : undefined }],
    }
    if (spec.parameters?.some((p: Json) => p.name === 'Idempotency-Key') && walked.body !== undefined) {
      const again = { as: O, ws: W, path: { projectId: project, taskId: task }, headers: { 'idempotency-key': `probe-${rnd()}` } }
      attempts[409] = [
        { ...again, body: walked.body },
        { ...again, body: otherBody(walked.body) },
      ]
    }
    // Besides the documented statuses, the probes whose request never reaches the handler are sent to
    // every operation, so that an answer the document leaves out shows up (without a credential where
    // the route reads no body: a text body on POST /auth/logout must not sign the owner out).
    const noBody = spec.requestBody === undefined
    const refusedEarly =
      method === 'GET' ? [] : [413, 415].map((s) => [s, attempts[s]!.map((a) => (noBody ? { ...a, as: undefined } : a))] as const)
    for (const [s, list] of refusedEarly) if (!statuses.includes(s)) attempts[s] = list
    const tried = [...statuses, ...refusedEarly.map(([s]) => s).filter((s) => !statuses.includes(s))]
    for (const status of tried) {
      for (const attempt of attempts[status] ?? []) {
        // A stream the probe opened (GET /events for a caller it admits) is given up after a second.
        const a = await w.send(op, { ...attempt, signal: AbortSignal.timeout(streams ? 1_000 : 10_000) }).catch(() => undefined)
        if (!a) continue
        if (a.status >= 500 || (a.status >= 400 && !(String(a.status) in spec.responses)))
          unexpected.push(`${op} → ${a.status} ${a.text.slice(0, 160)}`)
        if (a.status === status) keep(own, op, status, a)
        else if (statuses.includes(a.status)) keep(spare, op, a.status, a)
        if (own[op]?.[status]) break
      }
    }
  }

  // The conflicts (409) of the routes' own rules, on real resources of the probe's world.
  const ownerId = reg.body.data.user.id as string
  for (const [op, a] of await provokeConflicts(w, { O, W, ownerId, project, task, veraInvite, revokedKey: revoked.id })) {
    if (a.status >= 500 || (a.status >= 400 && !documentedOf(op).includes(a.status) && a.status !== 409))
      unexpected.push(`${op} → ${a.status} ${a.text.slice(0, 160)}`)
    if (documentedOf(op).includes(409)) keep(own, op, 409, a)
  }

  // Public operations with a per-address limit: their own valid request, sent again until refused.
  for (const op of ops) {
    const [method, path] = op.split(' ') as [string, string]
    const spec: Json = doc.paths[path][method.toLowerCase()]
    const request = w.firstRequest.get(op)
    if (spec['x-sally-auth']?.kind !== 'public' || !errorStatuses(doc, spec).includes(429) || !request || request.form) continue
    for (let i = 0; i < 30 && !own[op]?.[429]; i++) {
      const a = await w.send(op, request)
      keep(a.status === 429 ? own : spare, op, a.status, a)
    }
  }

  // The walk's own error answers, then the ones met on the way, where no probe got that status.
  for (const [op, byStatus] of w.firstError)
    for (const [status, body] of byStatus) if (documentedOf(op).includes(status)) keep(spare, op, status, { status, body } as Answer)
  for (const [op, byStatus] of Object.entries(spare))
    for (const [status, body] of Object.entries(byStatus))
      if (documentedOf(op).includes(Number(status))) keep(own, op, Number(status), { status: Number(status), body } as Answer)

  return { own, shared: sharedByCode([own, extra]), unexpected }
}

/**
 * One real answer per status and code: the first operation in path order that gave it, preferring an
 * answer whose `issues` name the most fields (a validation error that shows its shape).
 */
function sharedByCode(sources: OwnErrors[]): Record<string, SharedError[]> {
  const all = sources.flatMap((source) =>
    Object.keys(source)
      .sort()
      .flatMap((op) =>
        Object.entries(source[op]!).map(([status, example]) => ({ status, op: op.replace(/ \(.*\)$/, ''), example: example as Json })),
      ),
  )
  const named = (e: Json) => (Array.isArray(e.issues) ? e.issues.filter((i: Json) => i.path).length : 0)
  all.sort((a, b) => named(b.example) - named(a.example))
  const shared: Record<string, SharedError[]> = {}
  for (const { status, op, example } of all) {
    const list = (shared[status] ??= [])
    if (example.code && !list.some((s) => (s.example as Json).code === example.code)) list.push({ op, example })
  }
  return shared
}

type World = { O: string; W: string; ownerId: string; project: string; task: string; veraInvite: string; revokedKey: string }

/**
 * Breaks each route's own rules once on real resources (a state a time entry is not in, the last
 * owner, a name or slug taken, an archived project, a revoked key): the answers, most of them 409.
 */
async function provokeConflicts(w: Walker, { O, W, ownerId, project, task, veraInvite, revokedKey }: World): Promise<[string, Answer][]> {
  const answers: [string, Answer][] = []
  const A = { as: O, ws: W }
  const send = async (op: string, o: Attempt = {}) => {
    const a = await w.send(op, { ...A, ...o })
    answers.push([op, a])
    return a
  }
  const today = new Date().toISOString().slice(0, 10)
  // A time entry walked through the states its actions do not apply to.
  const entry = (await w.call('POST /tasks/{taskId}/time-entries', { ...A, path: { taskId: task }, body: { date: today, minutes: 30 } }))
    .body.data.id
  const E = { path: { entryId: entry } }
  for (const action of ['approve', 'unlock', 'bill']) await send(`POST /time-entries/{entryId}/${action}`, E)
  await send('POST /time-entries/{entryId}/reject', { ...E, body: { reason: 'Too early.' } })
  await w.call('POST /time-entries/{entryId}/submit', { ...A, ...E })
  await send('POST /time-entries/{entryId}/submit', E)
  await w.call('POST /time-entries/{entryId}/approve', { ...A, ...E })
  await send('PATCH /time-entries/{entryId}', { ...E, body: { minutes: 40 } })
  await send('DELETE /time-entries/{entryId}', E)
  // The last owner, a slug, a handle, a label name, a project key and a status name taken; a member invited again.
  await send('PATCH /workspaces/{id}/members/{userId}', { path: { id: W, userId: ownerId }, body: { role: 'MEMBER' } })
  await send('DELETE /workspaces/{id}/members/{userId}', { path: { id: W, userId: ownerId } })
  await send('PATCH /projects/{projectId}/members/{userId}', { path: { projectId: project, userId: ownerId }, body: { role: 'MEMBER' } })
  await send('DELETE /projects/{projectId}/members/{userId}', { path: { projectId: project, userId: ownerId } })
  await send('PATCH /workspaces/{id}', { path: { id: W }, body: { slug: 'walk-co' } })
  await send('POST /workspaces/{id}/invites', { path: { id: W }, body: { email: 'vera@errors.test' } })
  await send('DELETE /workspaces/{id}/invites/{inviteId}', { path: { id: W, inviteId: veraInvite } })
  await send('PATCH /auth/me', { body: { handle: 'vera' } })
  await send('POST /auth/api-keys/{id}/rotate', { path: { id: revokedKey } })
  const mcpKey = (await w.call('POST /auth/mcp-keys', { as: O, body: { name: 'revoked agent', workspaceId: W } })).body.data.id
  await w.call('DELETE /auth/mcp-keys/{id}', { as: O, path: { id: mcpKey } })
  await send('POST /auth/mcp-keys/{id}/rotate', { path: { id: mcpKey } })
  await w.call('POST /labels', { ...A, body: { name: 'alpha' } })
  const beta = (await w.call('POST /labels', { ...A, body: { name: 'beta' } })).body.data.id
  await send('PATCH /labels/{labelId}', { path: { labelId: beta }, body: { name: 'ALPHA' } })
  const statuses = (await w.call('GET /projects/{projectId}/statuses', { ...A, path: { projectId: project } })).body.data as {
    id: string
    name: string
  }[]
  const taskStatus = (await w.call('GET /tasks/{taskId}', { ...A, path: { taskId: task } })).body.data.statusId as string
  const other = statuses.find((s) => s.id !== taskStatus)!
  await send('PATCH /projects/{projectId}/statuses/{statusId}', {
    path: { projectId: project, statusId: other.id },
    body: { name: statuses.find((s) => s.id === taskStatus)!.name },
  })
  await send('DELETE /projects/{projectId}/statuses/{statusId}', { path: { projectId: project, statusId: taskStatus } })
  // An archived project: its tasks, todos, comments and statuses are read-only.
  const frozen = (await w.call('POST /projects', { ...A, body: { name: 'Archived', key: 'ARC' } })).body.data.id as string
  await send('PATCH /projects/{projectId}', { path: { projectId: project }, body: { key: 'ARC' } })
  const t = (await w.call('POST /tasks', { ...A, body: { projectId: frozen, title: 'Frozen', todos: [{ text: 'Thaw' }] } })).body.data
  const comment = (await w.call('POST /tasks/{taskId}/comments', { ...A, path: { taskId: t.id }, body: { body: 'Cold.' } })).body.data.id
  await w.call('POST /projects/{projectId}/archive', { ...A, path: { projectId: frozen } })
  const T = { path: { taskId: t.id } }
  const todo = { path: { taskId: t.id, todoId: t.todos[0].id } }
  const note = { path: { taskId: t.id, commentId: comment } }
  await send('PATCH /tasks/{taskId}', { ...T, body: { title: 'Thawed' } })
  await send('POST /tasks/{taskId}/move', { ...T, body: { statusId: t.statusId } })
  await send('POST /tasks/{taskId}/archive', T)
  await send('POST /tasks/{taskId}/unarchive', T)
  await send('POST /tasks/reorder', { body: { statusId: t.statusId, taskIds: [t.id] } })
  await send('POST /tasks/{taskId}/todos/reorder', { ...T, body: { todoIds: [t.todos[0].id] } })
  await send('PATCH /tasks/{taskId}/todos/{todoId}', { ...todo, body: { done: true } })
  await send('DELETE /tasks/{taskId}/todos/{todoId}', todo)
  await send('PATCH /tasks/{taskId}/comments/{commentId}', { ...note, body: { body: 'Warm.' } })
  await send('DELETE /tasks/{taskId}/comments/{commentId}', note)
  await send('DELETE /tasks/{taskId}', T)
  return answers
}
