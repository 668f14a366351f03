/**
 * JSON-RPC batches on /mcp: every message counts against the key's rate limit (a key limited to 3
 * requests an hour cannot create 20 tasks in one batch), and a request holds at most
 * MCP_MAX_MESSAGES messages (413 beyond, nothing run).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { MCP_MAX_MESSAGES } from '../src/mcp'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, seedWorld } from './helpers/fixtures'
import { rawPost, serveMcp } from './helpers/mcp'

const t = makeTestApp()
let url: string
let w: Awaited<ReturnType<typeof seedWorld>>
let projectId: string
beforeAll(async () => {
  url = serveMcp(t)
  w = await seedWorld(t.core)
  projectId = createProjectRow(t.core, w.wsA.id, { members: [[w.users.owner.id, 'OWNER']] }).id
})
afterAll(async () => {
  await t.app.stop(true)
  t.close()
})

const createCall = (id: number, title: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'create_task', arguments: { workspace: w.wsA.id, projectId, title } },
})
const batch = (n: number, title: string) => Array.from({ length: n }, (_, i) => createCall(i + 1, `${title} ${i + 1}`))
const count = (title: string) =>
  t.sqlite.query<{ n: number }, [string]>('SELECT count(*) AS n FROM tasks WHERE title LIKE ?').get(`${title} %`)!.n
const mcpKey = async (rateLimitPerHour: number) => (await createKey(t.core, w.users.owner.id, { kind: 'mcp', rateLimitPerHour })).key

describe('/mcp batches', () => {
  test('a key limited to 3 requests an hour cannot run 20 tool calls in one batch (429, nothing runs)', async () => {
    const key = await mcpKey(3)
    const r = await rawPost(url, key, batch(20, 'Flood'))
    expect(r.status).toBe(429)
    expect(((await r.json()) as { code: string }).code).toBe('rate_limited')
    expect(r.headers.get('retry-after')).not.toBeNull()
    expect(count('Flood')).toBe(0)
  })

  test('each message of a batch counts: a batch of 3 spends the whole hour of a 3/hour key', async () => {
    const key = await mcpKey(3)
    const r = await rawPost(url, key, batch(3, 'Trio'))
    expect(r.status).toBe(200)
    expect(((await r.json()) as unknown[]).length).toBe(3)
    expect(count('Trio')).toBe(3)
    expect(r.headers.get('x-ratelimit-remaining')).toBe('0')
    const next = await rawPost(url, key, createCall(1, 'Trio 4'))
    expect(next.status).toBe(429)
    expect(count('Trio')).toBe(3)
  })

  test('a batch larger than the remaining allowance runs nothing; only its request counts', async () => {
    const key = await mcpKey(5)
    expect((await rawPost(url, key, batch(2, 'Pair'))).status).toBe(200) // 2 of 5 spent
    expect((await rawPost(url, key, batch(4, 'Quad'))).status).toBe(429) // the request counts (3 spent); its 3 more do not fit
    expect(count('Quad')).toBe(0)
    const r = await rawPost(url, key, batch(2, 'Rest')) // the 2 left
    expect(r.status).toBe(200)
    expect(count('Rest')).toBe(2)
    expect((await rawPost(url, key, createCall(1, 'Rest 3'))).status).toBe(429)
  })

  test(`more than ${MCP_MAX_MESSAGES} messages in one request → 413, nothing runs`, async () => {
    const key = await mcpKey(10_000)
    const r = await rawPost(url, key, batch(MCP_MAX_MESSAGES + 1, 'Big'))
    expect(r.status).toBe(413)
    expect(((await r.json()) as { code: string }).code).toBe('payload_too_large')
    expect(count('Big')).toBe(0)
    const fits = await rawPost(url, key, batch(MCP_MAX_MESSAGES, 'Fits'))
    expect(fits.status).toBe(200)
    expect(count('Fits')).toBe(MCP_MAX_MESSAGES)
  })

  test('an empty batch is a 400, not a 500', async () => {
    const r = await rawPost(url, await mcpKey(100), [])
    expect(r.status).toBe(400)
  })
})
