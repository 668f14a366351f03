/**
 * Bad-input cases generated from the OpenAPI document (used by test/robustness.test.ts): garbage path
 * parameters, hostile bodies and query strings, all deterministic (seeded PRNG per operation).
 */

export type Schema = {
  $ref?: string
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  enum?: unknown[]
  const?: unknown
  default?: unknown
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  minItems?: number
  pattern?: string
  format?: string
}

export type Parameter = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema?: Schema }

export type Operation = {
  summary?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema?: Schema }> }
  responses?: Record<string, unknown>
}

export type OpenApiDoc = {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, Schema> }
  security?: Record<string, string[]>[]
}

/** A request to make: path with query already applied, and a raw body (string or FormData). */
export type Case = {
  name: string
  path: string
  headers?: Record<string, string>
  body?: string | FormData
  /** A caller must not succeed with this (another workspace's id). */
  mustFail?: boolean
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!,
    hex: (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join(''),
  }
}
export type Rng = ReturnType<typeof prng>

export function hashString(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

/** A well-formed UUID (v7 layout) that no row has. */
export const fakeUuid = (rng: Rng) => `${rng.hex(8)}-${rng.hex(4)}-7${rng.hex(3)}-8${rng.hex(3)}-${rng.hex(12)}`

export function deref(doc: OpenApiDoc, s: Schema | undefined, depth = 0): Schema {
  if (!s) return {}
  if (s.$ref && depth < 20) {
    const name = s.$ref.replace('#/components/schemas/', '')
    return deref(doc, doc.components?.schemas?.[name], depth + 1)
  }
  return s
}

/** The main (non-null) type of a schema. */
export function mainType(doc: OpenApiDoc, schema: Schema | undefined): string {
  const s = deref(doc, schema)
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null') ?? 'null'
  if (s.type) return s.type
  const alt = s.anyOf ?? s.oneOf
  if (alt) for (const a of alt) if (mainType(doc, a) !== 'null') return mainType(doc, a)
  if (s.enum) return typeof s.enum[0]
  if (s.properties) return 'object'
  return 'any'
}

/** Ids of the seeded world, looked up by parameter/property name (`projectId`, `taskIds`, …). */
export type IdLookup = (name: string, path: string) => string | undefined

let uniq = 0

/** A plausible value for a schema (required properties only for objects): the base each case mutates. */
export function sample(doc: OpenApiDoc, schema: Schema | undefined, name: string, ids: IdLookup, path: string): unknown {
  const s = deref(doc, schema)
  const alt = s.anyOf ?? s.oneOf
  if (alt && !s.type) {
    const first = alt.find((a) => mainType(doc, a) !== 'null')
    return sample(doc, first, name, ids, path)
  }
  if (s.const !== undefined) return s.const
  if (s.enum) return s.enum.find((v) => v !== null && v !== '*') ?? s.enum[0]
  const type = mainType(doc, s)
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const k of s.required ?? []) out[k] = sample(doc, s.properties?.[k], k, ids, path)
      return out
    }
    case 'array': {
      const single = name.endsWith('Ids') ? name.slice(0, -1) : name
      const n = Math.max(1, s.minItems ?? 0)
      return Array.from({ length: n }, () => sample(doc, s.items, single, ids, path))
    }
    case 'integer':
    case 'number':
      return Math.min(Math.max(s.minimum ?? 1, 1), s.maximum ?? Number.MAX_SAFE_INTEGER)
    case 'boolean':
      return false
    case 'string': {
      const id = ids(name, path)
      if (id) return id
      const p = s.pattern ?? ''
      if (p.includes('\\d{4}-\\d{2}-\\d{2}')) return new Date().toISOString().slice(0, 10)
      if (p.startsWith('^#')) return '#336699'
      if (p.includes('[A-Z0-9]')) return `RB${(uniq++).toString(36).toUpperCase()}`.slice(0, 10)
      if (p.includes('[a-z0-9')) return `rb${uniq++}`
      if (s.format === 'email' || /email/i.test(name)) return `rb${uniq++}@example.com`
      if (s.format === 'date-time') return new Date().toISOString()
      if (/url/i.test(name)) return 'http://127.0.0.1:9/robustness'
      const len = Math.max(s.minLength ?? 1, 1)
      return `robust ${name} ${uniq++}`.padEnd(len, 'x').slice(0, Math.max(len, Math.min(s.maxLength ?? 40, 40)))
    }
    default:
      return 'x'
  }
}

/** A value of the wrong type: string→123, number→'abc', array→{}, object→[], boolean→'yes'. */
export function wrongType(type: string): unknown {
  switch (type) {
    case 'string':
      return 123
    case 'number':
    case 'integer':
      return 'abc'
    case 'boolean':
      return 'yes'
    case 'array':
      return {}
    case 'object':
      return []
    default:
      return { unexpected: [1, 'two', null] }
  }
}

const nested = (depth: number): unknown => {
  let v: unknown = 'bottom'
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v }
  return v
}

const HUGE = 'x'.repeat(100_000)
/** Strings a date pattern lets through (or nearly) that are no date: Invalid Date must not become a 500. */
const IMPOSSIBLE_DATES = ['2026-02-30', '9999-99-99', '0000-00-00', '2026-13-45T25:61:61Z', '+275760-09-14', '25:99']

/** JSON body cases for an object schema. `base` satisfies the schema as far as a sample can. */
export function bodyCases(
  doc: OpenApiDoc,
  schema: Schema,
  base: Record<string, unknown>,
  rng: Rng,
): { name: string; body: string; contentType?: string | null }[] {
  const json = (name: string, v: unknown) => ({ name, body: JSON.stringify(v) })
  const out: { name: string; body: string; contentType?: string | null }[] = [json('empty object {}', {}), json('base body', base)]
  const props = Object.entries(deref(doc, schema).properties ?? {})
  for (const [k, ps] of props) {
    const type = mainType(doc, ps)
    out.push(json(`${k}: wrong type`, { ...base, [k]: wrongType(type) }))
    out.push(json(`${k}: null`, { ...base, [k]: null }))
    out.push(json(`${k}: 100k string`, { ...base, [k]: HUGE }))
    out.push(json(`${k}: deeply nested junk`, { ...base, [k]: nested(200) }))
    if (type === 'string') {
      for (const v of [
        '',
        '   ',
        '\u0000',
        '\ud800',
        '../../etc/passwd',
        "' OR 1=1 --",
        '<script>alert(1)</script>',
        fakeUuid(rng),
        ...IMPOSSIBLE_DATES,
      ])
        out.push(json(`${k}: string ${JSON.stringify(v)}`, { ...base, [k]: v }))
    }
    if (type === 'integer' || type === 'number') {
      for (const v of [-1, 0, 1.5, 2 ** 64, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2])
        out.push(json(`${k}: number ${v}`, { ...base, [k]: v }))
      out.push({ name: `${k}: 1e999 (Infinity)`, body: JSON.stringify({ ...base, [k]: 0 }).replace(`"${k}":0`, `"${k}":1e999`) })
    }
    if (type === 'array') {
      const item = mainType(doc, deref(doc, ps).items)
      out.push(json(`${k}: [null]`, { ...base, [k]: [null] }))
      out.push(json(`${k}: [wrong item type]`, { ...base, [k]: [wrongType(item)] }))
      out.push(json(`${k}: 10k items`, { ...base, [k]: Array.from({ length: 10_000 }, (_, i) => (item === 'string' ? `i${i}` : i)) }))
      out.push(json(`${k}: duplicate items`, { ...base, [k]: [sampleItem(base[k]), sampleItem(base[k])] }))
    }
    if (type === 'object') out.push(json(`${k}: object with junk keys`, { ...base, [k]: { zzz: 1, inApp: 'no' } }))
    // One level down: each property of an object (or of an array's object items) gone wrong.
    const inner = type === 'object' ? deref(doc, ps) : type === 'array' ? deref(doc, deref(doc, ps).items) : null
    if (inner?.properties) {
      const innerBase = sample(doc, inner, k, () => undefined, '') as Record<string, unknown>
      const wrap = (v: Record<string, unknown>) => (type === 'array' ? [v] : v)
      for (const [ik, is] of Object.entries(inner.properties)) {
        out.push(json(`${k}.${ik}: wrong type`, { ...base, [k]: wrap({ ...innerBase, [ik]: wrongType(mainType(doc, is)) }) }))
        out.push(json(`${k}.${ik}: null`, { ...base, [k]: wrap({ ...innerBase, [ik]: null }) }))
        out.push(json(`${k}.${ik}: 100k string`, { ...base, [k]: wrap({ ...innerBase, [ik]: HUGE }) }))
      }
    }
  }
  out.push(json('null everywhere', Object.fromEntries(props.map(([k]) => [k, null]))))
  out.push(json('unknown extra properties', { ...base, zzzUnknown: 'x', id: fakeUuid(rng), workspaceId: fakeUuid(rng), createdAt: 1 }))
  const rest = Object.keys(base).length ? `,${JSON.stringify(base).slice(1)}` : '}'
  out.push({
    name: '__proto__ / constructor pollution',
    body: `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}${rest}`,
  })
  out.push(json('deeply nested junk (extra key)', { ...base, junk: nested(500) }))
  out.push({ name: '100k-deep array', body: '['.repeat(100_000) + ']'.repeat(100_000) })
  out.push({ name: '50k-deep object', body: `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}` })
  out.push(json('JSON array instead of object', [base]))
  out.push(json('empty JSON array', []))
  for (const raw of [
    'null',
    'true',
    '123',
    '"a string"',
    '{"a":',
    '{',
    "{'a':1}",
    '{"a":1}}',
    'nul',
    'NaN',
    '\u0000',
    '\ufeff{}',
    '{"a":"\\ud800"}',
  ])
    out.push({ name: `raw text ${JSON.stringify(raw)}`, body: raw })
  const text = JSON.stringify(base)
  for (const ct of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    'multipart/form-data; boundary=zzz',
    'application/xml',
    'application/octet-stream',
    'application/json; charset=utf-16',
    'application/vnd.api+json',
    'application/json, text/plain',
    'garbage',
  ])
    out.push({ name: `content-type ${ct}`, body: text, contentType: ct })
  out.push({ name: 'urlencoded form fields', body: 'a=1&b[]=2&name=%00&title=x', contentType: 'application/x-www-form-urlencoded' })
  out.push({ name: 'no content-type', body: text, contentType: null })
  out.push({ name: 'empty body as JSON', body: '' })
  return out
}

const sampleItem = (v: unknown) => (Array.isArray(v) && v.length ? v[0] : 'dup')

/** Query-string cases: wrong types, hostile limit/cursor, repeated and unknown parameters. */
export function queryCases(doc: OpenApiDoc, params: Parameter[], rng: Rng): { name: string; query: string }[] {
  // A lone surrogate cannot be percent-encoded as UTF-8: send its (invalid) CESU bytes instead.
  const enc = (v: string) => (v === '\ud800' ? '%ED%A0%80' : encodeURIComponent(v))
  const q = (pairs: [string, string][]) => pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')
  const out: { name: string; query: string }[] = [{ name: 'unknown parameter', query: 'zzzUnknown=1&__proto__=x' }]
  for (const p of params) {
    const type = mainType(doc, p.schema)
    const bad: string[] =
      type === 'integer' || type === 'number'
        ? ['abc', '-1', '0', '1.5', '1e999', '9'.repeat(400), 'NaN', '0x10', '']
        : type === 'boolean'
          ? ['maybe', '2', '', 'TRUE ']
          : ['', '\u0000', 'x'.repeat(5000), '../../etc', "' OR 1=1 --", fakeUuid(rng), '%00', '\ud800', ...IMPOSSIBLE_DATES]
    if (p.name === 'cursor') bad.push('x', 'eyJpZCI6MX0', '-1', 'null', '2099-01-01T00:00:00Z|zzz', 'A'.repeat(300))
    if (p.name === 'limit') bad.push('-5', '201', '1000000000000', '9007199254740993', '1 ')
    for (const v of bad)
      out.push({ name: `${p.name}=${JSON.stringify(v.length > 40 ? `${v.slice(0, 10)}…(${v.length})` : v)}`, query: q([[p.name, v]]) })
    out.push({
      name: `${p.name} repeated`,
      query: q([
        [p.name, bad[0]!],
        [p.name, bad[1] ?? 'x'],
      ]),
    })
    out.push({ name: `${p.name}[] array syntax`, query: `${encodeURIComponent(p.name)}[]=1&${encodeURIComponent(p.name)}[]=2` })
    out.push({ name: `${p.name} raw %00 and bad percent`, query: `${encodeURIComponent(p.name)}=%00%ZZ%` })
  }
  return out
}

/** Path-parameter garbage: 'x', an unknown UUID, traversal, 500 chars, %00, and another workspace's id. */
export function pathValues(rng: Rng, foreign: string | undefined): { name: string; raw: string; mustFail?: boolean }[] {
  const enc = encodeURIComponent
  const out = [
    { name: "'x'", raw: 'x' },
    { name: 'unknown UUID', raw: fakeUuid(rng) },
    { name: "'../../etc' (encoded)", raw: enc('../../etc') },
    { name: "'..' segment", raw: '..' },
    { name: '500-char string', raw: 'a'.repeat(500) },
    { name: "'%00' (NUL byte)", raw: '%00' },
    { name: "'%00' (literal)", raw: enc('%00') },
    { name: 'bad percent-encoding', raw: '%E0%A4%A' },
    { name: 'SQL-ish', raw: enc("1' OR '1'='1") },
    { name: 'unicode', raw: enc('タスク-💥') },
    { name: 'negative number', raw: '-1' },
  ]
  if (foreign) out.push({ name: "another workspace's id", raw: enc(foreign), mustFail: true } as (typeof out)[number])
  return out
}
