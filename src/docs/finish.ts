import { z } from 'zod'
import { errorSchema } from '../http/respond'
import type { AuthDoc } from '../permissions/plugin'

/**
 * Finishes the document @elysiajs/openapi generates, in one place for every route:
 * - security, the X-Workspace-Id / X-Workspace-Slug headers (not where the path names the workspace),
 *   a line on auth and the permission, from what each route declares to the auth plugin
 *   (`x-sally-auth`, set by its macros, or `publicRoute` for a route anyone may call);
 * - the error responses that apply (400/401/403/404/413/415/429), all with the shared Error schema,
 *   and 409 with its reasons where a route declares them (`conflicts(...)`, or `idempotent: true`);
 * - JSON-only request bodies where the plugin offered its default trio (JSON, form, multipart);
 * - zod's per-schema `$defs` hoisted into `components.schemas` (a `#/$defs/…` ref inside an OpenAPI
 *   document resolves against the document root, where there is no `$defs`: every named model was a
 *   broken reference), and paths relative to the server URL, without a trailing slash.
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

/** The 409 reason of every route with `idempotent: true`. */
export const IDEMPOTENCY_CONFLICT = 'the Idempotency-Key was already used for a different request, or that request is still running'

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const DEFAULT_BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']
const errorRef = { $ref: '#/components/schemas/Error' }
const errorContent = () => ({ 'application/json': { schema: { ...errorRef } } })

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

function finishOperation(method: string, op: Json, isPublic: boolean, documentSecurity: unknown): void {
  const auth = op['x-sally-auth'] as AuthDoc | undefined
  const params: Json[] = op.parameters ?? []
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

  const hasBody = op.requestBody !== undefined
  const hasPathParams = params.some((p) => p.in === 'path')
  const hasInput = hasBody || params.some((p) => p.in === 'path' || p.in === 'query')
  const wanted: ErrorStatus[] = []
  // Any request body is parsed (malformed JSON is a 400 even where none is expected).
  if (hasInput || selected || method !== 'get') wanted.push(400)
  if (!isPublic) wanted.push(401, 403)
  // Ids in the path, the workspace, or ids in the body (another workspace's project, an unknown key pin).
  if (hasPathParams || selected || (hasBody && !isPublic)) wanted.push(404)
  if (hasBody) wanted.push(413, 415)
  if (!isPublic) wanted.push(429)
  op.responses ??= {}
  const conflicts: string[] = [
    ...(Array.isArray(op['x-sally-conflict']) ? op['x-sally-conflict'] : []),
    ...(op['x-sally-idempotent'] ? [IDEMPOTENCY_CONFLICT] : []),
  ]
  delete op['x-sally-conflict']
  if (conflicts.length && op.responses[409] === undefined)
    op.responses[409] = { description: `\`conflict\`: ${conflicts.join('; ')}.`, content: errorContent() }
  for (const status of wanted) {
    const current = op.responses[status]
    if (current === undefined) op.responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status][0]}` }
    else if (isObject(current) && !current.$ref && !current.content) current.content = errorContent()
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
  for (const [status, [name, description]] of Object.entries(ERROR_RESPONSES)) {
    const response: Json = { description, content: errorContent() }
    if (status === '401') response.headers = { 'WWW-Authenticate': { schema: { type: 'string' }, description: '`Bearer`' } }
    if (status === '429') response.headers = { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } }
    doc.components.responses[name] ??= response
  }

  const paths: Json = {}
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    // Paths are relative to the server URL, which carries the base path (`/api/tasks` was `/api/api/tasks`).
    const relative = basePath && path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path
    const key = relative.length > 1 ? relative.replace(/\/+$/, '') : relative
    paths[key] = { ...paths[key], ...(item as Json) }
  }
  doc.paths = paths
  for (const item of Object.values(paths) as Json[]) {
    for (const method of METHODS) {
      const op = item[method]
      if (!isObject(op)) continue
      const isPublic = Array.isArray(op.security) && op.security.length === 0
      finishOperation(method, op, isPublic, doc.security ?? [])
    }
  }
  hoistDefs(doc.paths, doc.components.schemas)
  return doc
}
