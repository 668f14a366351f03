/**
 * The success answers' examples in the OpenAPI document are real answers recorded from the
 * every-operation walk (scripts/record-examples.ts → src/docs/response-examples.json). Each still
 * validates against the schema its response documents (Ajv, JSON Schema 2020-12 with formats), so an
 * answer whose shape changes fails here until the examples are recorded again; and every 2xx
 * response with a JSON or CSV body carries one.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import { RESPONSE_EXAMPLES } from '../src/docs/response-examples'
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

  test('the document carries them: every 2xx response with a JSON or CSV body has an example', () => {
    const missing: string[] = []
    for (const [path, item] of Object.entries<Json>(doc.paths))
      for (const [method, op] of Object.entries<Json>(item))
        for (const [status, response] of Object.entries<Json>(op.responses ?? {}))
          for (const [type, media] of Object.entries<Json>(/^2/.test(status) ? (response.content ?? {}) : {}))
            if (['application/json', 'text/csv'].includes(type) && media.example === undefined)
              missing.push(`${method.toUpperCase()} ${path} ${status} ${type}`)
    expect(missing).toEqual([])
  })

  test('secrets shown once are masked, not recorded', () => {
    const text = JSON.stringify(RESPONSE_EXAMPLES)
    expect(text).not.toMatch(/(atpm|sallymcp|whsec)_[A-Za-z0-9]{8}/)
    expect(text).toContain('atpm_<secret, shown once>')
  })
})
