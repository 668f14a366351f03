import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { webhookDeliveries } from '../src/db/schema'
import { enqueueDelivery } from '../src/webhooks/subscriber'
import { runDueDeliveries, startWebhookWorker } from '../src/webhooks/worker'
import { makeTestApp } from './helpers/app'
import { seedWorld } from './helpers/fixtures'
import { receiver } from './helpers/receiver'

// One tenant must not slow another's deliveries: a receiver that never answers in time takes its
// own slots (at most 2 in flight per workspace and destination), not the queue.
const TIMEOUT_MS = 2000
const t = makeTestApp({ SALLY_WEBHOOK_ALLOW_PRIVATE: 'true', SALLY_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) })
afterAll(() => t.close())

// Each test starts with nothing due (another test's leftovers are set aside), so its counts are its own.
let w: Awaited<ReturnType<typeof seedWorld>>
beforeEach(async () => {
  w = await seedWorld(t.core)
  t.db
    .update(webhookDeliveries)
    .set({ status: 'failed', lastError: 'set aside by the test harness' })
    .where(eq(webhookDeliveries.status, 'pending'))
    .run()
})

async function hook(token: string, workspaceId: string, url: string): Promise<string> {
  const r = await t.req('POST', '/webhooks', { as: token, workspace: workspaceId, body: { url, events: ['*'] } })
  expect(r.status).toBe(201)
  return r.body.data.id
}

/** `n` pending deliveries of a webhook, due now (what n events would enqueue). */
function backlog(webhookId: string, workspaceId: string, n: number) {
  t.db.transaction((tx) => {
    for (let i = 0; i < n; i++) enqueueDelivery(tx, { webhookId, workspaceId, event: 'task.created', data: { i }, at: t.clock.now() })
  })
}

const statusOf = (id: string) => t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get()!.status

async function until(cond: () => boolean, ms: number) {
  const end = performance.now() + ms
  while (!cond() && performance.now() < end) await Bun.sleep(5)
}

describe('per-destination fairness', () => {
  test("a slow receiver in workspace A does not delay workspace B's delivery (one run)", async () => {
    const slow = receiver()
    const fast = receiver()
    slow.always({ status: 200, delayMs: TIMEOUT_MS * 3 })
    try {
      const a = await hook(w.tokens.owner, w.wsA.id, slow.url('/slow'))
      const b = await hook(w.tokens.ownerB, w.wsB.id, fast.url('/fast'))
      backlog(a, w.wsA.id, 30) // queued first
      backlog(b, w.wsB.id, 1)
      const started = performance.now()
      const run = runDueDeliveries(t.core)
      await until(() => fast.received.length > 0, TIMEOUT_MS * 3)
      const waited = performance.now() - started
      expect(fast.received.length).toBe(1)
      expect(waited).toBeLessThan(TIMEOUT_MS / 2) // B does not wait for A's timeouts
      expect(slow.maxInFlight()).toBeLessThanOrEqual(2) // A's slow destination holds at most 2 slots
      slow.stop() // the rest of A's backlog now fails fast (connection refused) and is rescheduled
      const r = await run
      expect(r).toMatchObject({ claimed: 31, succeeded: 1, retrying: 30 })
    } finally {
      slow.stop()
      fast.stop()
    }
  })

  test("the background worker sends B's new event at once while A's slow sends are in flight", async () => {
    const slow = receiver()
    const fast = receiver()
    slow.always({ status: 200, delayMs: TIMEOUT_MS * 3 })
    const stop = startWebhookWorker(t.core, { pollMs: 50 })
    try {
      const a = await hook(w.tokens.owner, w.wsA.id, slow.url('/slow'))
      const b = await hook(w.tokens.ownerB, w.wsB.id, fast.url('/fast'))
      backlog(a, w.wsA.id, 30)
      await until(() => slow.received.length > 0, 1000)
      expect(slow.received.length).toBeGreaterThan(0) // A's sends are in flight
      const published = performance.now()
      const ping = await t.req('POST', `/webhooks/${b}/test`, { as: w.tokens.ownerB, workspace: w.wsB.id })
      expect(ping.status).toBe(202)
      await until(() => statusOf(ping.body.data.deliveryId) === 'succeeded', TIMEOUT_MS * 3)
      expect(statusOf(ping.body.data.deliveryId)).toBe('succeeded')
      expect(performance.now() - published).toBeLessThan(TIMEOUT_MS / 2)
      expect(slow.maxInFlight()).toBeLessThanOrEqual(2)
    } finally {
      slow.stop()
      await stop()
      t.core.stoppers.splice(t.core.stoppers.indexOf(stop), 1)
      fast.stop()
    }
  })
})
