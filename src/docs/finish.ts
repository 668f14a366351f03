import { z } from 'zod'
import { errorSchema } from '../http/respond'
import type { AuthDoc } from '../permissions/plugin'
import { ownErrorExample, sharedErrorExamples } from './error-examples'
import { TAGS } from './intro'
import { operationIds } from './operation-ids'
import { attachResponseExamples } from './response-examples'

/**
 * Finishes the document @elysiajs/openapi generates, in one place for every route:
 * - security, the X-Workspace-Id / X-Workspace-Slug headers (not where the path names the workspace),
 *   a line on auth and the permission, from what each route declares to the auth plugin
 *   (`x-sally-auth`, set by its macros, or `publicRoute` for a route anyone may call);
 * - the error responses that apply (400/401/403/404/413/415/429), all with the shared Error schema,
 *   and 409 with its reasons where a route declares them (`conflicts(...)`, or `idempotent: true`),
 *   each with a real answer as its example (./error-examples);
 * - JSON-only request bodies where the plugin offered its default trio (JSON, form, multipart);
 * - zod's per-schema `$defs` hoisted into `components.schemas` (a `#/$defs/…` ref inside an OpenAPI
 *   document resolves against the document root, where there is no `$defs`: every named model was a
 *   broken reference), and paths relative to the server URL, without a trailing slash;
 * - stable operationIds (./operation-ids), the tags in reading order (./intro), the rate-limit headers,
 *   `Idempotency-Key` where `idempotent: true`, the extra statuses and media types a route declares
 *   with `documented(...)`, and a zod field's description and example lifted onto its parameter.
 */

type Json = Record<string, any>

export const WORKSPACE_HEADERS_DOC = [
  { name: 'X-Workspace-Id', in: 'header', required: false, schema: { type: 'string' }, description: 'Workspace to act in (id).' },
  { name: 'X-Workspace-Slug', in: 'header', required: false, schema: { type: 'string' }, description: 'Workspace to act in (slug).' },
] as const

/** The shared error responses, by status: component name and the codes it carries (SPEC §6). */
export const ERROR_RESPONSES = {
  400: [
    'BadRequest',
    'Invalid input: `validation_error` (with `issues`: body, query or path), or `workspace_required` (several workspaces, none selected).',
  ],
  401: [
    'Unauthorized',
    'No valid credential: `missing_key`, `invalid_key`, `key_revoked` or `key_expired` (with `WWW-Authenticate: Bearer`).',
  ],
  403: [
    'Forbidden',
    '`forbidden` (the role lacks the permission, or the workspace is suspended) or `scope_violation` (the key’s scopes, workspace pin or project do not allow it).',
  ],
  404: ['NotFound', '`not_found`: it does not exist or the caller cannot see it (existence is never revealed).'],
  413: ['PayloadTooLarge', '`payload_too_large`: the request body is over the size limit.'],
  415: ['UnsupportedMediaType', '`unsupported_media_type`: send `application/json` (uploads: `multipart/form-data`).'],
  429: ['TooManyRequests', '`rate_limited`: too many requests; retry after `Retry-After` seconds (see the `X-RateLimit-*` headers).'],
} as const
type ErrorStatus = keyof typeof ERROR_RESPONSES

/** The headers every rate-limited answer carries (src/lib/rate-limit.ts). */
const RATE_LIMIT_HEADERS: Json = {
  'X-RateLimit-Limit': { schema: { type: 'integer' }, description: 'Requests allowed in the current window.', example: 1000 },
  'X-RateLimit-Remaining': { schema: { type: 'integer' }, description: 'Requests left in the current window.', example: 998 },
  'X-RateLimit-Reset': { schema: { type: 'integer' }, description: 'When the window resets (Unix seconds).', example: 1796083200 },
}

/** The header of the routes with `idempotent: true` (src/idempotency). No example on purpose: a fixed key sent twice with different bodies is a 409. */
export const IDEMPOTENCY_KEY_DOC = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 255 },
  description:
    'Optional. A unique string you choose per logical create (a UUID is ideal, 1 to 255 characters). Sent again with the same body within 24 h, the first answer is replayed (`Idempotent-Replayed: true`) instead of creating twice; with a different body it is 409 `conflict`.',
}

/** Extra facts a route states for the document: statuses its handler can answer beyond the usual ones, and other media types of its 200. */
export type Documented = { errors?: ErrorStatus[]; rateLimited?: boolean; alsoServes?: Record<string, string> }
export const documented = (d: Documented) => ({ 'x-sally-documented': d }) as Record<string, unknown>

/** The 409 reason of every route with `idempotent: true`. */
export const IDEMPOTENCY_CONFLICT = 'the Idempotency-Key was already used for a different request, or that request is still running'

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const DEFAULT_BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']
const errorRef = { $ref: '#/components/schemas/Error' }
/**
 * An error response's body: the Error schema and a real answer (./error-examples): the operation's own
 * (`op`: `METHOD /path`) when one was recorded, else those of other operations with this status, each
 * naming its operation.
 */
function errorContent(status: ErrorStatus | 409, op?: string): Json {
  const own = op === undefined ? undefined : ownErrorExample(op, status)
  return {
    'application/json': { schema: { ...errorRef }, ...(own !== undefined ? { example: own } : { examples: sharedErrorExamples(status) }) },
  }
}

/** The headers of a shared error response: `WWW-Authenticate` on 401, `Retry-After` and the rate-limit headers on 429. */
function errorHeaders(status: ErrorStatus): Json | undefined {
  if (status === 401) return { 'WWW-Authenticate': { schema: { type: 'string' }, description: '`Bearer`', example: 'Bearer' } }
  if (status === 429)
    return {
      'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait before retrying.', example: 60 },
      ...structuredClone(RATE_LIMIT_HEADERS),
    }
  return undefined
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null

/** Moves every `$defs` into `components.schemas` (renaming on a clash) and points its refs there. */
function hoistDefs(node: unknown, schemas: Json): void {
  if (Array.isArray(node)) {
    for (const n of node) hoistDefs(n, schemas)
    return
  }
  if (!isObject(node)) return
  if (isObject(node.$defs)) {
    const defs = node.$defs as Json
    delete node.$defs
    // Same name, same shape (once its refs point at components): shared. Same name, other shape: Name_2.
    const rename = new Map(Object.keys(defs).map((n) => [n, n]))
    const hoisted = (name: string) => {
      const copy = structuredClone(defs[name])
      retarget(copy, rename)
      hoistDefs(copy, {})
      return JSON.stringify(copy)
    }
    for (let changed = true, rounds = 0; changed && rounds < 20; rounds++) {
      changed = false
      for (const name of Object.keys(defs)) {
        const target = rename.get(name)!
        if (schemas[target] !== undefined && JSON.stringify(schemas[target]) !== hoisted(name)) {
          let i = 2
          while (schemas[`${name}_${i}`] !== undefined && JSON.stringify(schemas[`${name}_${i}`]) !== hoisted(name)) i++
          rename.set(name, `${name}_${i}`)
          changed = true
        }
      }
    }
    retarget(node, rename)
    for (const [name, def] of Object.entries(defs)) {
      retarget(def, rename)
      hoistDefs(def, schemas)
      schemas[rename.get(name)!] = def
    }
  }
  if (typeof node.$schema === 'string') delete node.$schema
  for (const v of Object.values(node)) hoistDefs(v, schemas)
}

/**
 * zod writes a nullable enum as `type: [T, 'null']` with an `enum` that lacks null, which rejects
 * null (Prism flagged a workspace's `role: null`): null joins the enum.
 */
function allowNullInEnums(node: unknown): void {
  if (Array.isArray(node)) return void node.forEach(allowNullInEnums)
  if (!isObject(node)) return
  if (Array.isArray(node.type) && node.type.includes('null') && Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null)
  for (const v of Object.values(node)) allowNullInEnums(v)
}

function retarget(node: unknown, rename: Map<string, string>): void {
  if (Array.isArray(node)) {
    for (const n of node) retarget(n, rename)
    return
  }
  if (!isObject(node)) return
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/$defs/')) {
    const name = node.$ref.slice('#/$defs/'.length)
    node.$ref = `#/components/schemas/${rename.get(name) ?? name}`
  }
  for (const [k, v] of Object.entries(node)) if (k !== '$defs') retarget(v, rename)
}

function authLine(auth: AuthDoc): string {
  const parts = [
    auth.kind !== 'workspace'
      ? 'Needs a credential.'
      : auth.path
        ? `Acts in the workspace named by \`${auth.path}\` in the path.`
        : 'Acts in the selected workspace (`X-Workspace-Id` or `X-Workspace-Slug`; the caller’s only workspace when omitted).',
  ]
  if (auth.permission) parts.push(`Permission: \`${auth.permission}\`${auth.orgWide ? ' (project-scoped keys are refused)' : ''}.`)
  if (auth.leave) parts.push('Removing yourself (leaving) needs only to be a member; from a key, with that permission granted to the key.')
  if (auth.superadmin) parts.push('Platform SUPERADMIN (or the global token) only.')
  return parts.join(' ')
}

/** Path parameters by name: the ids come from the list or create answers of the same resource. */
const PATH_PARAM_DOCS: Record<string, string> = {
  id: 'The id of the resource (from its list or create answer).',
  projectId: 'Project id (from `GET /projects` or `POST /projects`).',
  statusId: 'Status id (from `GET /projects/{projectId}/statuses`).',
  taskId: 'Task id, or its human id such as `WEB-1`.',
  todoId: 'Todo id (from the task’s `todos`).',
  commentId: 'Comment id (from `GET /tasks/{taskId}/comments`).',
  labelId: 'Label id (from `GET /labels`).',
  clientId: 'Client id (from `GET /clients`).',
  webhookId: 'Webhook id (from `GET /webhooks`).',
  deliveryId: 'Delivery id (from `GET /webhooks/{webhookId}/deliveries`).',
  entryId: 'Time entry id (from `GET /time-entries`).',
  notificationId: 'Notification id (from `GET /notifications`).',
  userId: 'User id (from the members list).',
  inviteId: 'Invite id (from `GET /workspaces/{id}/invites`).',
  provider: 'Sign-in provider name as configured (from `GET /auth/providers`), e.g. `google`.',
}

/** A zod field's description and example, carried by its JSON Schema, shown on the parameter itself. */
function liftParameterDocs(p: Json): void {
  if (!isObject(p.schema)) return
  if (p.in === 'path' && p.description === undefined) p.description = PATH_PARAM_DOCS[String(p.name)]
  if (p.description === undefined && typeof p.schema.description === 'string') p.description = p.schema.description
  if (p.example === undefined && p.schema.example !== undefined) p.example = p.schema.example
}

function finishOperation(method: string, path: string, op: Json, isPublic: boolean, documentSecurity: unknown): void {
  const key = `${method.toUpperCase()} ${path}`
  const auth = op['x-sally-auth'] as AuthDoc | undefined
  const extra = (op['x-sally-documented'] ?? {}) as Documented
  delete op['x-sally-documented']
  const params: Json[] = op.parameters ?? []
  for (const p of params) liftParameterDocs(p)
  if (op['x-sally-idempotent'] && !params.some((p) => p.in === 'header' && String(p.name).toLowerCase() === 'idempotency-key'))
    params.push(structuredClone(IDEMPOTENCY_KEY_DOC))
  if (params.length) op.parameters = params
  if (!isPublic && op.security === undefined) op.security = structuredClone(documentSecurity)
  const selected = auth?.kind === 'workspace' && !auth.path
  if (selected) {
    const names = new Set(params.map((p) => `${p.in}:${String(p.name).toLowerCase()}`))
    for (const h of WORKSPACE_HEADERS_DOC) if (!names.has(`header:${h.name.toLowerCase()}`)) params.push({ ...h, schema: { ...h.schema } })
    op.parameters = params
  }
  if (auth && auth.kind !== 'public') op.description = op.description ? `${op.description}\n\n${authLine(auth)}` : authLine(auth)

  const content: Json | undefined = op.requestBody?.content
  if (content && DEFAULT_BODY_TYPES.every((t) => t in content) && Object.keys(content).length === DEFAULT_BODY_TYPES.length) {
    op.requestBody.content = { 'application/json': content['application/json'] }
  }
  // A DELETE's body is never required (the one DELETE that reads a body, a status's, also takes it as a query).
  if (method === 'delete' && op.requestBody) op.requestBody.required = false

  const hasBody = op.requestBody !== undefined
  const hasPathParams = params.some((p) => p.in === 'path')
  const hasInput = hasBody || params.some((p) => p.in === 'path' || p.in === 'query')
  const wanted: ErrorStatus[] = []
  // Any request body is parsed (malformed JSON is a 400 even where none is expected).
  if (hasInput || selected || method !== 'get') wanted.push(400)
  if (!isPublic) wanted.push(401, 403)
  // Ids in the path, the workspace, or ids in the body (another workspace's project, an unknown key pin).
  if (hasPathParams || selected || (hasBody && !isPublic)) wanted.push(404)
  // Every body is checked for its media type and size before routing (src/errors/plugin.ts), even where none is read.
  if (hasBody || method !== 'get') wanted.push(413, 415)
  for (const status of extra.errors ?? []) if (!wanted.includes(status)) wanted.push(status)
  const rateLimited = !isPublic || extra.rateLimited === true
  if (rateLimited && !wanted.includes(429)) wanted.push(429)
  wanted.sort()
  op.responses ??= {}
  for (const [status, response] of Object.entries(op.responses as Json)) {
    if (!/^2/.test(status) || !isObject(response) || response.$ref) continue
    if (rateLimited) response.headers = { ...structuredClone(RATE_LIMIT_HEADERS), ...response.headers }
    if (status === '200' && extra.alsoServes)
      for (const [type, description] of Object.entries(extra.alsoServes))
        response.content = { ...response.content, [type]: { schema: { type: 'string', description } } }
  }
  const conflicts: string[] = [
    ...(Array.isArray(op['x-sally-conflict']) ? op['x-sally-conflict'] : []),
    ...(op['x-sally-idempotent'] ? [IDEMPOTENCY_CONFLICT] : []),
  ]
  delete op['x-sally-conflict']
  if (conflicts.length && op.responses[409] === undefined)
    op.responses[409] = { description: `\`conflict\`: ${conflicts.join('; ')}.`, content: errorContent(409, key) }
  // The operation's own recorded answer makes the response its own; without one, the shared response.
  for (const status of wanted) {
    const current = op.responses[status]
    if (current === undefined && ownErrorExample(key, status) !== undefined) {
      const headers = errorHeaders(status)
      op.responses[status] = {
        description: ERROR_RESPONSES[status][1],
        ...(headers ? { headers } : {}),
        content: errorContent(status, key),
      }
    } else if (current === undefined) op.responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status][0]}` }
    else if (isObject(current) && !current.$ref && !current.content) current.content = errorContent(status, key)
  }
}

/** Returns the finished copy of a generated document (the input is left as it is). */
export function finishDocument(generated: Json, basePath = ''): Json {
  const doc = structuredClone(generated)
  doc.components ??= {}
  doc.components.schemas ??= {}
  doc.components.responses ??= {}

  const error = z.toJSONSchema(errorSchema, { io: 'input', unrepresentable: 'any' }) as Json
  hoistDefs(error, doc.components.schemas)
  if (!doc.components.schemas.Error) doc.components.schemas.Error = error

  const paths: Json = {}
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    // Paths are relative to the server URL, which carries the base path (`/api/tasks` was `/api/api/tasks`).
    const relative = basePath && path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path
    const key = relative.length > 1 ? relative.replace(/\/+$/, '') : relative
    paths[key] = { ...paths[key], ...(item as Json) }
  }
  doc.paths = paths
  for (const [path, item] of Object.entries(paths) as [string, Json][]) {
    for (const method of METHODS) {
      const op = item[method]
      if (!isObject(op)) continue
      const isPublic = Array.isArray(op.security) && op.security.length === 0
      finishOperation(method, path, op, isPublic, doc.security ?? [])
    }
  }
  // The shared error responses that an operation still refers to (the others all have their own answer).
  const referenced = JSON.stringify(paths)
  for (const [status, [name, description]] of Object.entries(ERROR_RESPONSES)) {
    if (!referenced.includes(`"#/components/responses/${name}"`)) continue
    const headers = errorHeaders(Number(status) as ErrorStatus)
    doc.components.responses[name] ??= {
      description,
      ...(headers ? { headers } : {}),
      content: errorContent(Number(status) as ErrorStatus),
    }
  }
  const ids = operationIds(paths, (method, path) => {
    const schema = paths[path]?.[method]?.responses?.[200]?.content?.['application/json']?.schema
    return isObject(schema) && schema.properties?.data?.type === 'array'
  })
  for (const [path, item] of Object.entries(paths) as [string, Json][])
    for (const method of Object.keys(item))
      if (isObject(item[method])) item[method].operationId = ids.get(`${method.toUpperCase()} ${path}`)
  doc.tags = structuredClone(TAGS)
  hoistDefs(doc.paths, doc.components.schemas)
  allowNullInEnums(doc.components.schemas)
  allowNullInEnums(doc.paths)
  attachResponseExamples(doc.paths)
  return doc
}
