/**
 * Every input an integrator fills in is described in the OpenAPI document: each parameter (path,
 * query, header) and each request-body property at any depth, after resolving `$ref`s, through
 * arrays and `anyOf`/`oneOf`/`allOf`. The descriptions live next to the zod schemas (`.describe()`).
 */
import { afterAll, expect, test } from 'bun:test'
import { makeTestApp } from './helpers/app'

type Json = Record<string, any>

const t = makeTestApp()
afterAll(() => t.close())
const doc: Json = (await t.req<Json>('GET', '/swagger/json')).body

const resolve = (ref: string): Json =>
  ref
    .slice(2)
    .split('/')
    .reduce<Json>((node, key) => node?.[key], doc)
const deref = (v: Json): Json => (v && typeof v.$ref === 'string' ? deref(resolve(v.$ref)) : v)
const described = (v: Json) => typeof v?.description === 'string' && v.description.trim().length >= 5

/** The body properties without a description, as `path.to.field` (each schema visited once per walk). */
function undescribedProperties(schema: Json, where: string, seen = new Set<Json>()): string[] {
  const s = deref(schema)
  if (!s || typeof s !== 'object' || seen.has(s)) return []
  seen.add(s)
  const out: string[] = []
  for (const [name, prop] of Object.entries<Json>(s.properties ?? {})) {
    if (!described(prop) && !described(deref(prop))) out.push(`${where}.${name}`)
    out.push(...undescribedProperties(prop, `${where}.${name}`, seen))
  }
  if (s.items) out.push(...undescribedProperties(s.items, `${where}[]`, seen))
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const branch of s[key] ?? []) out.push(...undescribedProperties(branch, where, seen))
  return out
}

const operations = Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
  Object.entries<Json>(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
)

test('every parameter (path, query, header) has a description', () => {
  const missing = operations.flatMap(({ name, op }) =>
    (op.parameters ?? []).map(deref).flatMap((p: Json) => (described(p) ? [] : [`${name} ${p.in}:${p.name}`])),
  )
  expect(missing).toEqual([])
  expect(operations.reduce((n, { op }) => n + (op.parameters?.length ?? 0), 0)).toBeGreaterThan(200)
})

test('every request-body property, at any depth and after $ref resolution, has a description', () => {
  const missing = operations.flatMap(({ name, op }) =>
    Object.entries<Json>(op.requestBody?.content ?? {}).flatMap(([type, media]) => undescribedProperties(media.schema, `${name} ${type}`)),
  )
  expect(missing).toEqual([])
})

test('the walk finds what lacks a description (nested, behind a $ref, in array items)', () => {
  const saved = doc.components.schemas.__Probe
  doc.components.schemas.__Probe = { type: 'object', properties: { inner: { type: 'string' } } }
  try {
    const schema = {
      type: 'object',
      properties: {
        a: { type: 'string', description: 'Described enough.' },
        b: { type: 'array', description: 'Described list.', items: { type: 'object', properties: { c: { type: 'integer' } } } },
        d: { $ref: '#/components/schemas/__Probe', description: 'Described ref.' },
      },
    }
    expect(undescribedProperties(schema, 'x')).toEqual(['x.b[].c', 'x.d.inner'])
  } finally {
    if (saved === undefined) delete doc.components.schemas.__Probe
    else doc.components.schemas.__Probe = saved
  }
})
