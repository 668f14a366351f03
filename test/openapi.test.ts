/**
 * The OpenAPI document at /swagger/json: complete (summary, tags, bodies, security, workspace headers,
 * error responses with the shared Error schema) and structurally valid OpenAPI 3.1. What the document
 * says is checked against what the routes do: which answer 401 without a credential, which ask for a
 * workspace, which read a body. (`bun run scripts/openapi-lint.ts` also runs Redocly's linter.)
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { ERROR_RESPONSES } from '../src/docs/finish'
import { errorSchema } from '../src/http/respond'
import { makeTestApp } from './helpers/app'
import { createSession, createWorkspace, seedWorld } from './helpers/fixtures'
import { type OpenApiDoc, sample } from './helpers/robustness'

const t = makeTestApp()
afterAll(() => t.close())

type Json = Record<string, any>
const res = await t.req<Json>('GET', '/swagger/json')
const doc = res.body
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const ops = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
  METHODS.filter((m) => (item as Json)[m]).map((method) => ({
    method,
    path,
    op: (item as Json)[method] as Json,
    name: `${method.toUpperCase()} ${path}`,
  })),
)

/** Resolves a local JSON pointer ref (`#/components/...`). */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined
  let node: unknown = doc
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined
    node = (node as Json)[key]
  }
  return node
}
const deref = (v: Json): Json => (v && typeof v.$ref === 'string' ? deref(resolve(v.$ref) as Json) : v)
const isPublic = (op: Json) => Array.isArray(op.security) && op.security.length === 0
const params = (op: Json): Json[] => (op.parameters ?? []).map(deref)

/** Every failure of a check across all operations, in one message. */
function everyOp(check: (o: (typeof ops)[number]) => string | null | undefined) {
  const problems = ops.map((o) => {
    const p = check(o)
    return p ? `${o.name}: ${p}` : null
  })
  expect(problems.filter(Boolean).join('\n')).toBe('')
}

describe('the document', () => {
  test('is served as OpenAPI 3.1 with info, servers and security schemes', () => {
    expect(res.status).toBe(200)
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(typeof doc.info.title).toBe('string')
    expect(typeof doc.info.version).toBe('string')
    expect(doc.servers?.length).toBeGreaterThan(0)
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer'])
    expect(ops.length).toBeGreaterThan(80)
  })

  test('every operation has a summary and tags, and a unique operationId', () => {
    everyOp(({ op }) => {
      if (typeof op.summary !== 'string' || op.summary.trim().length < 5) return 'no summary'
      if (!Array.isArray(op.tags) || op.tags.length === 0 || op.tags.some((x: unknown) => typeof x !== 'string' || !x)) return 'no tags'
      return null
    })
    const ids = ops.map((o) => o.op.operationId)
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true)
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([])
  })

  test('paths are well-formed: no trailing slash, no two templates for one route, path parameters match', () => {
    const shapes = new Map<string, string>()
    for (const path of Object.keys(doc.paths)) {
      expect(path.startsWith('/')).toBe(true)
      if (path !== '/') expect(path.endsWith('/')).toBe(false)
      const shape = path.replace(/\{[^}]+\}/g, '{}')
      expect([path, shapes.get(shape)]).toEqual([path, undefined])
      shapes.set(shape, path)
    }
    everyOp(({ path, op }) => {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort()
      const declared = params(op).filter((p) => p.in === 'path')
      const names = declared.map((p) => p.name).sort()
      if (JSON.stringify(inPath) !== JSON.stringify(names)) return `path parameters ${names} for ${inPath}`
      if (declared.some((p) => p.required !== true)) return 'a path parameter is not required'
      const all = params(op)
      for (const p of all) {
        if (!['path', 'query', 'header', 'cookie'].includes(p.in) || typeof p.name !== 'string') return `bad parameter ${JSON.stringify(p)}`
        if (!p.schema && !p.content) return `parameter ${p.name} has no schema`
      }
      const keys = all.map((p) => `${p.in}:${String(p.name).toLowerCase()}`)
      if (new Set(keys).size !== keys.length) return `duplicate parameters ${keys}`
      return null
    })
  })

  test('every operation documents a success response (GET/DELETE /mcp and /mcp/oauth only answer 405: stateless MCP)', () => {
    everyOp(({ name, op }) => {
      if (/^(GET|DELETE) \/mcp(\/oauth)?$/.test(name)) return null
      return Object.keys(op.responses ?? {}).some((s) => /^[23]/.test(s)) ? null : `no 2xx/3xx among ${Object.keys(op.responses ?? {})}`
    })
  })

  test('every $ref resolves inside the document, and no per-schema $defs are left', () => {
    const broken: string[] = []
    let defs = 0
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`))
      if (typeof node !== 'object' || node === null) return
      const o = node as Json
      if (typeof o.$ref === 'string' && resolve(o.$ref) === undefined) broken.push(`${at}: ${o.$ref}`)
      if ('$defs' in o) defs++
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`)
    }
    walk(doc, '#')
    expect(broken).toEqual([])
    expect(defs).toBe(0)
  })

  test('every operation has responses, each with a description; request bodies have content', () => {
    everyOp(({ op }) => {
      const responses = Object.entries((op.responses ?? {}) as Json)
      if (responses.length === 0) return 'no responses'
      for (const [status, r] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) return `bad status key ${status}`
        if (typeof deref(r).description !== 'string') return `response ${status} has no description`
      }
      if (op.requestBody && Object.keys(deref(op.requestBody).content ?? {}).length === 0) return 'request body without content'
      return null
    })
  })
})

describe('bodies', () => {
  const routes = (t.app as unknown as { getGlobalRoutes(): { method: string; path: string; hooks?: Json }[] }).getGlobalRoutes()
  const docPath = (p: string) => p.replace(/:([^/]+)/g, '{$1}').replace(/\/+$/, '') || '/'

  test('every route that validates a body documents a non-empty JSON or multipart schema', () => {
    const withBody = routes.filter((r) => r.hooks?.body && !r.hooks?.detail?.hide)
    expect(withBody.length).toBeGreaterThan(30)
    const problems: string[] = []
    for (const r of withBody) {
      const op = doc.paths[docPath(r.path)]?.[r.method.toLowerCase()]
      if (!op) {
        problems.push(`${r.method} ${r.path}: not documented`)
        continue
      }
      const content = deref(op.requestBody ?? {}).content ?? {}
      const media = content['application/json'] ?? content['multipart/form-data']
      if (!media) {
        problems.push(`${r.method} ${r.path}: no JSON or multipart body (${Object.keys(content)})`)
        continue
      }
      const schema = deref(media.schema ?? {})
      const props = schema.properties ?? {}
      if (schema.type !== 'object' || Object.keys(props).length === 0) problems.push(`${r.method} ${r.path}: empty body schema`)
      for (const [k, v] of Object.entries(props))
        if (Object.keys(v as Json).length === 0) problems.push(`${r.method} ${r.path}: property ${k} has an empty schema`)
    }
    expect(problems.join('\n')).toBe('')
  })

  test('JSON routes document JSON only (not the form encodings the plugin offers by default)', () => {
    everyOp(({ op }) => {
      const types = Object.keys(deref(op.requestBody ?? {}).content ?? {})
      return types.length > 1 ? `several body types ${types}` : null
    })
  })
})

describe('auth', () => {
  const PUBLIC = [
    'GET /health',
    'POST /auth/login',
    'POST /auth/accept-invite',
    'POST /auth/request-password-reset',
    'POST /auth/reset-password',
    'POST /auth/verify-email',
    'POST /auth/resend-verification',
    'GET /uploads/{id}',
    'GET /auth/config',
    'GET /auth/providers',
    'GET /auth/oidc/{provider}/start',
    'GET /auth/oidc/{provider}/callback',
    'POST /auth/session',
  ]
  /** Calls an operation with a plausible body and required query parameters (validation runs before auth). */
  const call = (method: string, path: string, op: Json, opts: Parameters<typeof t.req>[2] = {}) => {
    const noIds = () => undefined
    const query = params(op)
      .filter((p) => p.in === 'query' && p.required)
      .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(String(sample(doc as OpenApiDoc, p.schema, p.name, noIds, path)))}`)
    const content = deref(op.requestBody ?? {}).content ?? {}
    const schema = content['application/json']?.schema
    let body: unknown = schema ? sample(doc as OpenApiDoc, schema, 'body', noIds, path) : undefined
    const multipart = deref(content['multipart/form-data']?.schema ?? {})
    if (multipart.properties) {
      const form = new FormData()
      for (const [k, v] of Object.entries(multipart.properties as Json)) form.append(k, v.format === 'binary' ? new Blob(['GIF89a']) : 'x')
      body = form
    }
    const url = path.replace(/\{[^}]+\}/g, 'x') + (query.length ? `?${query.join('&')}` : '')
    return t.req(method.toUpperCase(), url, { body, ...opts })
  }

  test('public operations declare `security: []`; all others declare their security explicitly', () => {
    const schemes = Object.keys(doc.components.securitySchemes)
    everyOp(({ name, op }) => {
      if (PUBLIC.includes(name) || name === 'POST /auth/register') return isPublic(op) ? null : 'public route without security: []'
      if (!Array.isArray(op.security) || op.security.length === 0) return 'no security'
      for (const req of op.security) for (const k of Object.keys(req)) if (!schemes.includes(k)) return `unknown security scheme ${k}`
      return null
    })
  })

  test('what the document says matches the routes: without a credential, exactly the secured ones answer 401 missing_key', async () => {
    const problems: string[] = []
    for (const { method, path, op, name } of ops) {
      if (path.startsWith('/swagger')) continue
      const r = await call(method, path, op)
      const refused = r.status === 401 && r.body?.code === 'missing_key'
      if (refused === isPublic(op))
        problems.push(`${name}: documented ${isPublic(op) ? 'public' : 'secured'}, answered ${r.status} ${r.body?.code}`)
    }
    expect(problems.join('\n')).toBe('')
  })

  test('routes that select a workspace document X-Workspace-Id and X-Workspace-Slug', async () => {
    // An OWNER of two workspaces who names neither gets 400 workspace_required from every workspace route
    // that gets as far as choosing one (some refuse the garbage path parameters first).
    const world = await seedWorld(t.core)
    createWorkspace(t.core, { name: 'Second', members: [[world.users.owner.id, 'OWNER']] })
    const asking: string[] = []
    const problems: string[] = []
    for (const { method, path, op, name } of ops) {
      if (path.startsWith('/swagger') || isPublic(op)) continue
      // A session per call: POST /auth/logout ends the one it is called with.
      const r = await call(method, path, op, { as: createSession(t.core, world.users.owner.id) })
      const headers = params(op)
        .filter((p) => p.in === 'header')
        .map((p) => String(p.name).toLowerCase())
      const documents = headers.includes('x-workspace-id') && headers.includes('x-workspace-slug')
      if (r.body?.code === 'workspace_required') {
        asking.push(name)
        if (!documents) problems.push(`${name}: asks for a workspace, documents headers ${headers}`)
      }
      const selected = op['x-sally-auth']?.kind === 'workspace' && !op['x-sally-auth'].path
      if (selected && !documents) problems.push(`${name}: workspace route without the headers`)
      if (!selected && documents) problems.push(`${name}: documents the selection headers it does not read`)
    }
    expect(problems.join('\n')).toBe('')
    expect(asking.length).toBeGreaterThan(40)
  })
})

describe('error responses', () => {
  const sharedError = () => {
    const schemas: Json = {}
    const json = z.toJSONSchema(errorSchema, { io: 'input', unrepresentable: 'any' }) as Json
    Object.assign(schemas, json.$defs ?? {})
    return schemas.Error ?? json
  }

  test('components.schemas.Error is the shared errorSchema from src/http/respond.ts', () => {
    expect(doc.components.schemas.Error).toEqual(sharedError())
  })

  test('every operation lists 400/401/403/404 where they apply, with the shared Error schema', () => {
    everyOp(({ method, op }) => {
      const ps = params(op)
      const workspace = op['x-sally-auth']?.kind === 'workspace' && !op['x-sally-auth'].path
      const hasInput = !!op.requestBody || ps.some((p) => p.in === 'path' || p.in === 'query')
      const need: string[] = []
      if (hasInput || workspace || method !== 'get') need.push('400')
      if (!isPublic(op)) need.push('401', '403', '429')
      if (ps.some((p) => p.in === 'path') || workspace || (op.requestBody && !isPublic(op))) need.push('404')
      if (op.requestBody) need.push('413', '415')
      const missing = need.filter((s) => !op.responses?.[s])
      if (missing.length) return `missing ${missing}`
      for (const status of Object.keys(ERROR_RESPONSES)) {
        const r = op.responses?.[status]
        if (!r) continue
        const schema = deref(r).content?.['application/json']?.schema
        if (schema?.$ref !== '#/components/schemas/Error') return `${status} does not use the Error schema`
      }
      return null
    })
  })
})

describe('with SALLY_BASE_PATH', () => {
  test('paths are relative to the server URL: server URL + path is the route', async () => {
    const api = makeTestApp({ SALLY_BASE_PATH: '/api' })
    try {
      const r = await api.req<Json>('GET', '/swagger/json')
      expect(r.body.servers).toEqual([{ url: '/api' }])
      expect(Object.keys(r.body.paths)).toContain('/health')
      expect(Object.keys(r.body.paths).filter((p) => p.startsWith('/api/'))).toEqual([])
      const health = await api.app.handle(new Request(`http://localhost${r.body.servers[0].url}/health`))
      expect(health.status).toBe(200)
    } finally {
      api.close()
    }
  })
})
