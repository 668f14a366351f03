import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { labels } from '../src/db/schema'
import { beginIdempotent, finishIdempotent, IDEMPOTENCY_TTL_MS, requestHash } from '../src/idempotency/service'
import { makeTestApp } from './helpers/app'
import { createKey, seedWorld } from './helpers/fixtures'

const GLOBAL = `${'g'.repeat(20)}lobal-token-for-tests-0123456789`
const t = makeTestApp({ SALLY_GLOBAL_API_TOKEN: GLOBAL })
let w: Awaited<ReturnType<typeof seedWorld>>
afterAll(() => t.close())
beforeAll(async () => {
  w = await seedWorld(t.core)
})

const labelCount = () => t.db.select().from(labels).all().length
const post = (body: unknown, key?: string, as = w.tokens.owner, workspace = w.wsA.id) =>
  t.req('POST', '/labels', { as, workspace, body, headers: key === undefined ? {} : { 'idempotency-key': key } })

describe('Idempotency-Key on creating POSTs', () => {
  test('a retry with the same key replays the first response and creates nothing', async () => {
    const before = labelCount()
    const first = await post({ name: 'retry-me', color: '#fff' }, 'k-1')
    expect(first.status).toBe(201)
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    const again = await post({ color: '#fff', name: 'retry-me' }, 'k-1') // same body, other key order
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.body).toEqual(first.body)
    expect(labelCount()).toBe(before + 1)
  })

  test('the same key with a different body → 409 conflict, nothing created', async () => {
    await post({ name: 'first-body' }, 'k-2')
    const before = labelCount()
    const r = await post({ name: 'second-body' }, 'k-2')
    expect(r.status).toBe(409)
    expect(r.body.code).toBe('conflict')
    expect(labelCount()).toBe(before)
  })

  test('the same key in another workspace (same body) is a different request → 409', async () => {
    const a = await post({ name: 'ws-scoped' }, 'k-ws', GLOBAL, w.wsA.id)
    expect(a.status).toBe(201)
    const b = await post({ name: 'ws-scoped' }, 'k-ws', GLOBAL, w.wsB.id)
    expect(b.status).toBe(409)
  })

  test('keys are per credential: another credential with the same key creates its own', async () => {
    const { key } = await createKey(t.core, w.users.member.id)
    const a = await post({ name: 'per-cred-a' }, 'shared-key')
    const b = await post({ name: 'per-cred-b' }, 'shared-key', key)
    expect(a.status).toBe(201)
    expect(b.status).toBe(201)
    expect(b.headers.get('idempotent-replayed')).toBeNull()
    expect(b.body.data.id).not.toBe(a.body.data.id)
  })

  test('non-2xx results of an executed request are stored and replayed too (as Stripe does)', async () => {
    const existing = await post({ name: 'taken' })
    const first = await post({ name: 'taken' }, 'k-409')
    expect(first.status).toBe(409)
    // Even once the name is free, the retry gets the stored 409.
    await t.req('DELETE', `/labels/${existing.body.data.id}`, { as: w.tokens.owner, workspace: w.wsA.id })
    const again = await post({ name: 'taken' }, 'k-409')
    expect(again.status).toBe(409)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.body).toEqual(first.body)
  })

  test('requests rejected before running (validation, auth) store nothing', async () => {
    const bad = await post({ name: '' }, 'k-bad')
    expect(bad.status).toBe(400)
    const good = await post({ name: 'now-valid' }, 'k-bad')
    expect(good.status).toBe(201)
    const denied = await post({ name: 'viewer-try' }, 'k-viewer', w.tokens.viewer)
    expect(denied.status).toBe(403)
    expect(t.sqlite.query('SELECT count(*) AS n FROM idempotency_keys WHERE key = ?').get('k-viewer')).toEqual({ n: 0 })
  })

  test('keys expire after 24 h: the same key then runs the request again', async () => {
    const first = await post({ name: 'daily' }, 'k-exp')
    await t.req('DELETE', `/labels/${first.body.data.id}`, { as: w.tokens.owner, workspace: w.wsA.id })
    t.clock.advance(IDEMPOTENCY_TTL_MS + 1000)
    const later = await post({ name: 'daily' }, 'k-exp')
    expect(later.status).toBe(201)
    expect(later.headers.get('idempotent-replayed')).toBeNull()
    expect(later.body.data.id).not.toBe(first.body.data.id)
    // Expired rows are purged.
    const old = t.sqlite
      .query<{ n: number }, [number]>('SELECT count(*) AS n FROM idempotency_keys WHERE created_at < ?')
      .get(t.clock.now() - IDEMPOTENCY_TTL_MS)
    expect(old!.n).toBe(0)
  })

  test('an over-long key → 400; without the header nothing is stored', async () => {
    const r = await post({ name: 'long-key' }, 'x'.repeat(256))
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
    expect((await post({ name: 'max-key' }, 'y'.repeat(255))).status).toBe(201)
    const n = t.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM idempotency_keys').get()!.n
    expect((await post({ name: 'no-key' })).status).toBe(201)
    expect(t.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM idempotency_keys').get()!.n).toBe(n)
  })
})

describe('multipart creates (uploads)', () => {
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
  const upload = (bytes: Uint8Array, key: string) => {
    const form = new FormData()
    form.append('file', new File([bytes], 'pixel.png', { type: 'image/png' }))
    return t.req('POST', '/uploads', { as: w.tokens.owner, workspace: w.wsA.id, body: form, headers: { 'idempotency-key': key } })
  }

  test('the same file is replayed; another file under the same key is a 409 (files are fingerprinted by content)', async () => {
    const first = await upload(PNG, 'up-1')
    expect(first.status).toBe(201)
    const again = await upload(PNG, 'up-1')
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.body.data.id).toBe(first.body.data.id)
    const other = Buffer.concat([PNG, Buffer.from([0])])
    const r = await upload(other, 'up-1')
    expect(r.status).toBe(409)
  })
})

describe('idempotency service', () => {
  const hash = requestHash('POST', '/x', null, { a: 1 })

  test('a key still in progress → 409; a 5xx frees it for a retry', () => {
    const r = beginIdempotent(t.core, 'cred-s', 'k', 'POST', '/x', hash)
    expect(r.kind).toBe('new')
    expect(() => beginIdempotent(t.core, 'cred-s', 'k', 'POST', '/x', hash)).toThrow(/in progress/)
    if (r.kind === 'new') finishIdempotent(t.core, r.claim, 500, '')
    const retry = beginIdempotent(t.core, 'cred-s', 'k', 'POST', '/x', hash)
    expect(retry.kind).toBe('new')
    if (retry.kind === 'new') finishIdempotent(t.core, retry.claim, 201, '{"ok":true}')
    expect(beginIdempotent(t.core, 'cred-s', 'k', 'POST', '/x', hash)).toEqual({ kind: 'replay', status: 201, body: '{"ok":true}' })
  })

  test('the hash covers method, path, workspace and body; not key order', () => {
    expect(requestHash('POST', '/x', null, { a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      requestHash('POST', '/x', null, { b: [1, { d: 3, c: 2 }], a: 1 }),
    )
    const variants = [
      requestHash('PUT', '/x', null, { a: 1 }),
      requestHash('POST', '/y', null, { a: 1 }),
      requestHash('POST', '/x', 'ws', { a: 1 }),
      requestHash('POST', '/x', null, { a: 2 }),
    ]
    for (const v of variants) expect(v).not.toBe(hash)
  })
})
