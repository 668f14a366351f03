import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { asc, eq } from 'drizzle-orm'
import { webhookDeliveries } from '../src/db/schema'
import { enqueueDelivery } from '../src/webhooks/subscriber'
import { runDueDeliveries } from '../src/webhooks/worker'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'
import { receiver } from './helpers/receiver'

// What one workspace can make the server store through webhooks is bounded: 20 webhooks, 500
// deliveries kept per webhook, 64 KiB per stored payload.
const t = makeTestApp({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true', SALLY_WEBHOOK_TIMEOUT_MS: '1000' })
afterAll(() => t.close())
let w: Awaited<ReturnType<typeof seedWorld>>
beforeEach(async () => {
  w = await seedWorld(t.core)
})
const asOwner = (method: string, path: string, body?: unknown) => t.req(method, path, { as: w.tokens.owner, workspace: w.wsA.id, body })
const URL_OK = 'http://127.0.0.1:9/hook'
const rowsOf = (webhookId: string) =>
  t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).orderBy(asc(webhookDeliveries.id)).all()

describe('limits', () => {
  test('a workspace has at most 20 webhooks: the 21st is 409; after a delete there is room again', async () => {
    const ids: string[] = []
    for (let i = 0; i < 20; i++) {
      const r = await asOwner('POST', '/webhooks', { url: URL_OK })
      expect(r.status).toBe(201)
      ids.push(r.body.data.id)
    }
    const over = await asOwner('POST', '/webhooks', { url: URL_OK })
    expect(over.status).toBe(409)
    expect(over.body).toMatchObject({ code: 'conflict', error: 'A workspace can have at most 20 webhooks.' })
    // Another workspace is not affected.
    expect((await t.req('POST', '/webhooks', { as: w.tokens.ownerB, workspace: w.wsB.id, body: { url: URL_OK } })).status).toBe(201)
    expect((await asOwner('DELETE', `/webhooks/${ids[0]}`)).status).toBe(200)
    expect((await asOwner('POST', '/webhooks', { url: URL_OK })).status).toBe(201)
  })

  test('a webhook keeps its newest 500 deliveries; older ones are dropped as new ones are written', async () => {
    const hook = (await asOwner('POST', '/webhooks', { url: URL_OK })).body.data.id
    const written: string[] = []
    t.db.transaction((tx) => {
      for (let i = 0; i < 510; i++)
        written.push(enqueueDelivery(tx, { webhookId: hook, workspaceId: w.wsA.id, event: 'task.created', data: { i }, at: t.clock.now() }))
    })
    const kept = rowsOf(hook).map((r) => r.id)
    expect(kept.length).toBe(500)
    expect(kept).toEqual(written.slice(10))
    // Another webhook's log is not touched.
    const other = (await asOwner('POST', '/webhooks', { url: URL_OK })).body.data.id
    enqueueDelivery(t.db, { webhookId: other, workspaceId: w.wsA.id, event: 'ping', data: {}, at: t.clock.now() })
    expect(rowsOf(other).length).toBe(1)
    expect(rowsOf(hook).length).toBe(500)
  })

  test('a payload over 64 KiB is stored and sent truncated (long strings cut, flagged), ids intact', async () => {
    const rx = receiver()
    try {
      const hook = (await asOwner('POST', '/webhooks', { url: rx.url('/big'), events: ['task.created'] })).body.data.id
      const project = (await asOwner('POST', '/projects', { name: 'Big payloads' })).body.data.id
      const description = 'é'.repeat(100_000) // 200 kB of UTF-8
      const task = await asOwner('POST', '/tasks', { projectId: project, title: 'Huge description', description })
      expect(task.status).toBe(201)
      const [row] = rowsOf(hook)
      expect(Buffer.byteLength(row!.payload)).toBeLessThanOrEqual(64 * 1024)
      const payload = JSON.parse(row!.payload)
      expect(payload).toMatchObject({ id: row!.id, event: 'task.created', workspaceId: w.wsA.id, truncated: true })
      expect(payload.data).toMatchObject({ id: task.body.data.id, title: 'Huge description' })
      expect(payload.data.description.length).toBeLessThan(2000)
      expect(description.startsWith(payload.data.description.slice(0, -1))).toBe(true)
      await runDueDeliveries(t.core)
      expect(rx.received.map((r) => r.body)).toEqual([row!.payload])
      // A small payload is left whole (no flag).
      const small = await asOwner('POST', '/tasks', { projectId: project, title: 'Small', description: 'short' })
      const last = JSON.parse(rowsOf(hook).at(-1)!.payload)
      expect(last.data).toMatchObject({ id: small.body.data.id, description: 'short' })
      expect(last.truncated).toBeUndefined()
    } finally {
      rx.stop()
    }
  })
})
