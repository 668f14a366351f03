/**
 * The success answers' examples in the OpenAPI document are real answers recorded from the
 * every-operation walk (scripts/record-examples.ts → src/docs/response-examples.json). Each still
 * validates against the schema its response documents (Ajv, JSON Schema 2020-12 with formats), so an
 * answer whose shape changes fails here until the examples are recorded again; and every 2xx
 * response with a JSON or CSV body carries one. Likewise every documented error response (the Error
 * schema) carries real answers (src/docs/error-examples.json, provoked by test/e2e/walk-errors.ts).
 */
import { afterAll, describe, expect, test } from 'bun:test'
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import { RESPONSE_EXAMPLES } from '../src/docs/response-examples'
import { ERROR_STATUS } from '../src/errors'
import { makeTestApp } from './helpers/app'

type Json = Record<string, any>

// Sign-up on: POST /auth/register is in the document only then.
const t = makeTestApp({ SALLY_ALLOW_SIGNUP: 'true' })
afterAll(() => t.close())
const doc: Json = (await t.req<Json>('GET', '/swagger/json')).body

const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats(ajv)
// `#/components/...` refs resolve against the document: the response schemas are checked inside it.
ajv.addSchema({ $id: 'sally', components: doc.components })
const inDocument = (schema: Json) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"sally#/components/'))
const responseOf = (op: string, status: number) => {
  const [method, path] = op.split(' ') as [string, string]
  const r = doc.paths[path]?.[method.toLowerCase()]?.responses?.[status]
  return r?.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r
}

/** The ways the example fails its documented schema ('' when it fits). */
function problems(op: string, status: number, type: string, example: unknown): string {
  const media = responseOf(op, status)?.content?.[type]
  if (!media) return `${op}: no ${status} ${type} response documented`
  if (type !== 'application/json') return typeof example === 'string' ? '' : `${op}: a ${type} example must be text`
  const validate = ajv.compile(inDocument(media.schema))
  return validate(example) ? '' : `${op} ${status}: ${ajv.errorsText(validate.errors)}`
}

/** Every error response with the Error schema, by `METHOD /path status`, resolved through its `$ref`, with its examples. */
function errorResponses(d: Json): { where: string; examples: { summary?: string; value: unknown }[] }[] {
  const out: { where: string; examples: { summary?: string; value: unknown }[] }[] = []
  for (const [path, item] of Object.entries<Json>(d.paths))
    for (const [method, op] of Object.entries<Json>(item))
      for (const [status, ref] of Object.entries<Json>(op.responses ?? {})) {
        const response = ref.$ref ? d.components.responses[ref.$ref.split('/').pop()] : ref
        const media = response?.content?.['application/json']
        if (!/^[45]/.test(status) || media?.schema?.$ref !== '#/components/schemas/Error') continue
        const examples = [
          ...(media.example !== undefined ? [{ value: media.example }] : []),
          ...Object.values<Json>(media.examples ?? {}).map((e) => ({ summary: e.summary, value: e.value })),
        ]
        out.push({ where: `${method.toUpperCase()} ${path} ${status}`, examples })
      }
  return out
}

const validateError = ajv.compile(inDocument({ $ref: '#/components/schemas/Error' }))
/** The error responses without an example, and the examples that do not fit the Error schema. */
function errorExampleProblems(d: Json): string[] {
  return errorResponses(d).flatMap(({ where, examples }) =>
    examples.length === 0
      ? [`${where}: no example`]
      : examples.flatMap(({ value }) => (validateError(value) ? [] : [`${where}: ${ajv.errorsText(validateError.errors)}`])),
  )
}

const recorded = Object.entries(RESPONSE_EXAMPLES).flatMap(([op, answers]) => answers.map((a) => ({ op, ...a })))

describe('recorded response examples', () => {
  test('each one validates against the schema of the response it documents', () => {
    expect(recorded.length).toBeGreaterThan(100)
    expect(recorded.map(({ op, status, type, example }) => problems(op, status, type, example)).filter(Boolean)).toEqual([])
  })

  test('an answer that drifted from its schema is caught', () => {
    const task = recorded.find((r) => r.op === 'POST /tasks')!
    const { title: _, ...withoutTitle } = (task.example as Json).data
    expect(problems(task.op, task.status, task.type, { ...(task.example as Json), data: withoutTitle })).toContain(
      "must have required property 'title'",
    )
    expect(problems(task.op, task.status, task.type, { ok: true, data: { ...(task.example as Json).data, priority: 'urgent' } })).not.toBe(
      '',
    )
  })

  test('the document carries them: every response with a JSON, CSV or event-stream body has an example (an image’s bytes have none)', () => {
    const missing: string[] = []
    for (const [path, item] of Object.entries<Json>(doc.paths))
      for (const [method, op] of Object.entries<Json>(item))
        for (const [status, r] of Object.entries<Json>(op.responses ?? {})) {
          const response = r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r
          for (const [type, media] of Object.entries<Json>(response.content ?? {}))
            if (['application/json', 'text/csv', 'text/event-stream'].includes(type) && media.example === undefined && !media.examples)
              missing.push(`${method.toUpperCase()} ${path} ${status} ${type}`)
        }
    expect(missing).toEqual([])
    // Including the answers only a failure gives (recorded in process) and the MCP transport's JSON-RPC errors.
    for (const [path, method, status] of [
      ['/health', 'get', 503],
      ['/search', 'get', 503],
      ['/mcp', 'get', 405],
      ['/mcp', 'post', 406],
      ['/mcp/oauth', 'post', 406],
    ] as const)
      expect(doc.paths[path][method].responses[status].content['application/json'].example).toBeDefined()
  })

  test('secrets shown once are masked, not recorded', () => {
    const text = JSON.stringify(RESPONSE_EXAMPLES)
    expect(text).not.toMatch(/(atpm|sallymcp|whsec)_[A-Za-z0-9]{8}/)
    expect(text).toContain('atpm_<secret, shown once>')
  })
})

describe('recorded error examples', () => {
  const responses = errorResponses(doc)

  test('every documented error response of every operation has a real answer as its example, and it fits the Error schema', () => {
    expect(responses.length).toBeGreaterThan(600)
    expect(errorExampleProblems(doc)).toEqual([])
  })

  test('a missing or drifted error example is caught', () => {
    const broken = structuredClone(doc)
    delete broken.paths['/tasks'].post.responses[404].content['application/json'].example
    broken.paths['/tasks'].get.responses[400].content['application/json'].example.issues = [{ field: 'limit' }]
    const { requestId: _, ...withoutId } = broken.paths['/tasks/{taskId}'].get.responses[401].content['application/json'].example
    broken.paths['/tasks/{taskId}'].get.responses[401].content['application/json'].example = withoutId
    const problems = errorExampleProblems(broken)
    expect(problems).toContain('POST /tasks 404: no example')
    expect(problems.some((p) => p.startsWith('GET /tasks 400: '))).toBe(true)
    expect(problems.some((p) => p.startsWith('GET /tasks/{taskId} 401: ') && p.includes('requestId'))).toBe(true)
  })

  test('nearly every error response is the operation’s own answer; the others name the operation theirs came from', () => {
    const own = responses.filter(({ examples }) => examples.length === 1 && examples[0]!.summary === undefined)
    expect(own.length / responses.length).toBeGreaterThan(0.85)
    const operations = new Set(
      Object.entries<Json>(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)),
    )
    for (const { where, examples } of responses.filter((r) => !own.includes(r)))
      for (const { summary } of examples) {
        const from = /as answered by (\S+ \S+)$/.exec(summary ?? '')?.[1]
        expect(operations.has(from ?? ''), `${where}: ${summary}`).toBe(true)
      }
  })

  test('every client error code the server has is shown by a real answer, under its status', () => {
    const shown = new Set(
      responses.flatMap(({ where, examples }) => examples.map(({ value }) => `${where.split(' ').pop()} ${(value as Json).code}`)),
    )
    const codes = Object.entries(ERROR_STATUS).filter(([, status]) => status < 500)
    expect(codes.filter(([code, status]) => !shown.has(`${status} ${code}`))).toEqual([])
  })

  test('they are distinct answers: each has its own requestId', () => {
    const ids = responses.flatMap(({ examples }) => examples.map(({ value }) => (value as Json).requestId))
    const unique = new Set(ids)
    // An operation without its own answer shows the shared ones: the same ids, once per distinct answer.
    const distinct = new Set(responses.flatMap(({ examples }) => examples.map(({ value }) => JSON.stringify(value))))
    expect(unique.size).toBe(distinct.size)
  })
})
