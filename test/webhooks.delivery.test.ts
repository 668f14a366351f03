import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { Core } from '../src/core'
import { webhookDeliveries } from '../src/db/schema'
import { publish } from '../src/events'
import { createLogger } from '../src/lib/log'
import { VERSION } from '../src/version'
import { setWebhookTransport } from '../src/webhooks/url-safety'
import { claimDue, LEASE_MARGIN_MS, MAX_ATTEMPTS, RETRY_DELAYS_MS, runDueDeliveries, startWebhookWorker } from '../src/webhooks/worker'
import { makeTestApp, type TestApp } from './helpers/app'
import { createProjectRow, seedWorld } from './helpers/fixtures'
import { receiver } from './helpers/receiver'

// Deliveries go to a receiver on loopback, so private targets are allowed here (the refusal rules
// are tested in webhooks.test.ts, and DNS rebinding at delivery time below, with them on).
const TIMEOUT_MS = 400
const ENV = { SALLY_WEBHOOK_ALLOW_PRIVATE: 'true', SALLY_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) } as const
const t = makeTestApp(ENV)
afterAll(() => t.close())

/** What a receiver should do: recompute the HMAC over "t.body", compare in constant time, bound the age. */
function verifySignature(secret: string, header: string | null, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=', 2) as [string, string]))
  const ts = Number(parts.t)
  if (!parts.t || !parts.v1 || !Number.isInteger(ts)) return false
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest()
  const given = Buffer.from(parts.v1, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

// ---------------------------------------------------------------------------------------------

// Each test gets a fresh workspace (no webhooks from earlier tests match its events) and starts with
// nothing due (earlier tests' leftovers are set aside), so counts of claimed rows are its own.
let w: Awaited<ReturnType<typeof seedWorld>>
const rx = receiver()
beforeEach(async () => {
  w = await seedWorld(t.core)
  t.db
    .update(webhookDeliveries)
    .set({ status: 'failed', lastError: 'set aside by the test harness' })
    .where(eq(webhookDeliveries.status, 'pending'))
    .run()
})
afterAll(() => rx.stop())

const as = (app: TestApp, token: string, ws: string) => (method: string, path: string, body?: unknown) =>
  app.req(method, path, { as: token, workspace: ws, body })
const owner = () => as(t, w.tokens.owner, w.wsA.id)

async function createHook(body: Record<string, unknown>, app = t, token = w.tokens.owner, ws = w.wsA.id) {
  const r = await as(app, token, ws)('POST', '/webhooks', body)
  expect(r.status).toBe(201)
  return r.body.data as { id: string; secret: string; url: string }
}

const deliveryRow = (core: Core, id: string) => core.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get()!
const deliveriesOf = (core: Core, webhookId: string) =>
  core.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).all()
const nowSec = (app: TestApp) => Math.floor(app.clock.now() / 1000)

/** A project per (app, workspace) for events published by the test itself (the activity feed needs one). */
const projectsOf = new Map<string, string>()
function projectFor(app: TestApp, workspaceId: string): string {
  let id = projectsOf.get(workspaceId)
  if (!id) projectsOf.set(workspaceId, (id = createProjectRow(app.core, workspaceId).id))
  return id
}

/** Publishes a domain event the way services do: inside a write transaction. */
function publishTaskCreated(app: TestApp, workspaceId: string, data: Record<string, unknown> = { id: 'task-1', title: 'From the test' }) {
  const projectId = projectFor(app, workspaceId)
  app.db.transaction((tx) => {
    publish(
      app.core,
      tx,
      { workspaceId, actorUserId: null, at: app.clock.now() },
      {
        type: 'task.created',
        projectId,
        taskId: String(data.id),
        assigneeIds: [],
        mentionedUserIds: [],
        data,
      },
    )
  })
}

describe('signed delivery to a loopback receiver', () => {
  test('POST /webhooks/:id/test enqueues a ping that arrives signed with the secret from creation', async () => {
    const hook = await createHook({ url: rx.url('/ping'), events: ['task.created'] })
    const before = rx.received.length
    const r = await owner()('POST', `/webhooks/${hook.id}/test`)
    expect(r.status).toBe(202)
    const deliveryId = r.body.data.deliveryId
    expect(r.body.data).toEqual({ deliveryId, event: 'ping', status: 'pending' })
    expect(rx.received.length).toBe(before) // enqueued, not sent inline

    const run = await runDueDeliveries(t.core)
    expect(run).toMatchObject({ claimed: 1, succeeded: 1 })
    const got = rx.received.slice(before)
    expect(got.length).toBe(1)
    const req = got[0]!
    expect(req.path).toBe('/ping')
    expect(req.headers.get('content-type')).toBe('application/json')
    expect(req.headers.get('user-agent')).toBe(`Sally-Webhooks/${VERSION}`)
    expect(req.headers.get('x-sally-event')).toBe('ping')
    expect(req.headers.get('x-sally-delivery')).toBe(deliveryId)
    const sig = req.headers.get('x-sally-signature')
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    expect(verifySignature(hook.secret, sig, req.body, nowSec(t))).toBe(true)
    // The check can fail: another body, another secret, a stale timestamp.
    expect(verifySignature(hook.secret, sig, req.body.replace('ping', 'pong'), nowSec(t))).toBe(false)
    expect(verifySignature(hook.secret.slice(0, -1) + (hook.secret.endsWith('A') ? 'B' : 'A'), sig, req.body, nowSec(t))).toBe(false)
    expect(verifySignature(hook.secret, sig, req.body, nowSec(t) + 301)).toBe(false)

    const payload = JSON.parse(req.body)
    expect(payload).toEqual({
      id: deliveryId,
      event: 'ping',
      createdAt: new Date(t.clock.now()).toISOString(),
      workspaceId: w.wsA.id,
      data: { webhookId: hook.id, message: expect.any(String) },
    })
    const log = await owner()('GET', `/webhooks/${hook.id}/deliveries`)
    expect(log.body.data[0]).toMatchObject({
      id: deliveryId,
      event: 'ping',
      status: 'succeeded',
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    })
    expect(log.body.data[0].deliveredAt).toBe(new Date(t.clock.now()).toISOString())
    const one = await owner()('GET', `/webhooks/${hook.id}/deliveries/${deliveryId}`)
    expect(one.body.data.payload).toEqual(payload)
  })

  test('after rotate-secret, deliveries are signed with the new secret only', async () => {
    const hook = await createHook({ url: rx.url('/rotated') })
    const rotated = (await owner()('POST', `/webhooks/${hook.id}/rotate-secret`)).body.data.secret as string
    const id = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
    await runDueDeliveries(t.core)
    const req = rx.received.find((r) => r.headers.get('x-sally-delivery') === id)!
    expect(verifySignature(rotated, req.headers.get('x-sally-signature'), req.body, nowSec(t))).toBe(true)
    expect(verifySignature(hook.secret, req.headers.get('x-sally-signature'), req.body, nowSec(t))).toBe(false)
  })

  test('the secret never reaches the logs', async () => {
    const lines: string[] = []
    const saved = t.core.log
    t.core.log = createLogger('debug', (l) => lines.push(l))
    try {
      const hook = await createHook({ url: rx.url('/logged') })
      rx.reply(500)
      await owner()('POST', `/webhooks/${hook.id}/test`)
      await runDueDeliveries(t.core)
      t.clock.advance(RETRY_DELAYS_MS[0])
      await runDueDeliveries(t.core)
      expect(lines.some((l) => l.includes('webhook delivery failed'))).toBe(true)
      expect(lines.some((l) => l.includes('webhook delivered'))).toBe(true)
      expect(lines.join('\n')).not.toContain(hook.secret)
      expect(lines.join('\n')).not.toContain('v1=')
    } finally {
      t.core.log = saved
    }
  })
})

describe('outbox: one row per matching webhook, in the event transaction', () => {
  test('events published by real routes reach the webhooks subscribed to them', async () => {
    const ws = await seedWorld(t.core)
    const api = as(t, ws.tokens.owner, ws.wsA.id)
    const all = await createHook({ url: rx.url('/all'), events: ['*'] }, t, ws.tokens.owner, ws.wsA.id)
    const tasksOnly = await createHook({ url: rx.url('/tasks'), events: ['task.created', 'task.updated'] }, t, ws.tokens.owner, ws.wsA.id)
    const paused = await createHook({ url: rx.url('/paused'), events: ['*'], active: false }, t, ws.tokens.owner, ws.wsA.id)
    const otherWs = await createHook({ url: rx.url('/other'), events: ['*'] }, t, ws.tokens.ownerB, ws.wsB.id)

    const project = await api('POST', '/projects', { name: 'Hooked project' })
    expect(project.status).toBe(201)
    const task = await api('POST', '/tasks', { projectId: project.body.data.id, title: 'Hooked task' })
    expect(task.status).toBe(201)
    expect((await api('PATCH', `/tasks/${task.body.data.id}`, { title: 'Hooked task, renamed' })).status).toBe(200)
    expect((await api('POST', `/tasks/${task.body.data.id}/comments`, { body: 'A comment' })).status).toBe(201)
    // A refused request publishes nothing.
    expect((await api('POST', '/tasks', { projectId: project.body.data.id, title: '' })).status).toBe(400)

    const events = (id: string) =>
      deliveriesOf(t.core, id)
        .map((d) => d.event)
        .sort()
    expect(events(all.id)).toEqual(['comment.created', 'project.created', 'task.created', 'task.updated'])
    expect(events(tasksOnly.id)).toEqual(['task.created', 'task.updated'])
    expect(events(paused.id)).toEqual([])
    expect(events(otherWs.id)).toEqual([])

    const row = deliveriesOf(t.core, all.id).find((d) => d.event === 'task.created')!
    const payload = JSON.parse(row.payload)
    expect(payload).toMatchObject({ id: row.id, event: 'task.created', workspaceId: ws.wsA.id })
    expect(payload.data).toMatchObject({ id: task.body.data.id, title: 'Hooked task' })

    const before = rx.received.length
    await runDueDeliveries(t.core, { limit: 100 })
    const sent = rx.received.slice(before)
    expect(
      sent
        .filter((r) => r.path === '/all')
        .map((r) => r.headers.get('x-sally-event'))
        .sort(),
    ).toEqual(events(all.id))
    expect(sent.filter((r) => r.path === '/tasks').length).toBe(2)
    for (const r of sent.filter((r) => r.path === '/all'))
      expect(verifySignature(all.secret, r.headers.get('x-sally-signature'), r.body, nowSec(t))).toBe(true)
  })

  test('a rolled-back transaction leaves no delivery behind', async () => {
    const hook = await createHook({ url: rx.url('/rollback'), events: ['task.created'] })
    const projectId = projectFor(t, w.wsA.id)
    expect(() =>
      t.db.transaction((tx) => {
        publish(
          t.core,
          tx,
          { workspaceId: w.wsA.id, actorUserId: null, at: t.clock.now() },
          {
            type: 'task.created',
            projectId,
            taskId: 'x',
            assigneeIds: [],
            mentionedUserIds: [],
            data: { id: 'x' },
          },
        )
        expect(deliveriesOf(t.core, hook.id).length).toBe(1) // visible inside the transaction
        throw new Error('the write failed')
      }),
    ).toThrow('the write failed')
    expect(deliveriesOf(t.core, hook.id).length).toBe(0)
    publishTaskCreated(t, w.wsA.id)
    expect(deliveriesOf(t.core, hook.id).length).toBe(1)
  })
})

describe('retries with backoff (fake clock)', () => {
  test('a receiver that fails twice then succeeds gets the event exactly once successfully', async () => {
    const r2 = receiver()
    try {
      const hook = await createHook({ url: r2.url('/flaky'), events: ['task.created'] })
      r2.reply(500, { status: 503, body: 'maintenance' }, 200)
      publishTaskCreated(t, w.wsA.id, { id: 'flaky-1', title: 'Retry me' })
      const [d] = deliveriesOf(t.core, hook.id)
      const t0 = t.clock.now()

      await runDueDeliveries(t.core)
      expect(r2.received.length).toBe(1)
      expect(deliveryRow(t.core, d!.id)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 })
      expect(deliveryRow(t.core, d!.id).nextAttemptAt.getTime()).toBe(t0 + 60_000)

      // Not due yet: nothing is sent.
      t.clock.advance(59_999)
      expect((await runDueDeliveries(t.core)).claimed).toBe(0)
      expect(r2.received.length).toBe(1)

      t.clock.advance(1)
      await runDueDeliveries(t.core)
      expect(r2.received.length).toBe(2)
      const after2 = deliveryRow(t.core, d!.id)
      expect(after2).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 503, lastError: 'HTTP 503: maintenance' })
      expect(after2.nextAttemptAt.getTime()).toBe(t.clock.now() + 5 * 60_000)

      t.clock.advance(5 * 60_000)
      await runDueDeliveries(t.core)
      expect(r2.received.length).toBe(3)
      const done = deliveryRow(t.core, d!.id)
      expect(done).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 200, lastError: null })
      expect(done.deliveredAt!.getTime()).toBe(t.clock.now())

      // Same delivery, same bytes each time; exactly one attempt was answered 2xx; nothing more later.
      expect(new Set(r2.received.map((r) => r.headers.get('x-sally-delivery')))).toEqual(new Set([d!.id]))
      expect(new Set(r2.received.map((r) => r.body)).size).toBe(1)
      for (const r of r2.received)
        expect(verifySignature(hook.secret, r.headers.get('x-sally-signature'), r.body, Math.floor(r.at / 1000), 10 ** 9)).toBe(true)
      t.clock.advance(3 * 86_400_000)
      await runDueDeliveries(t.core)
      expect(r2.received.length).toBe(3)
    } finally {
      r2.stop()
    }
  })

  test('the full schedule: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h, then failed', async () => {
    expect(RETRY_DELAYS_MS).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000])
    const r2 = receiver()
    r2.always(500)
    try {
      const hook = await createHook({ url: r2.url('/down') })
      const id = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
      const waits: number[] = []
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        await runDueDeliveries(t.core)
        expect(r2.received.length).toBe(attempt)
        const row = deliveryRow(t.core, id)
        expect(row.attempts).toBe(attempt)
        if (attempt < MAX_ATTEMPTS) {
          expect(row.status).toBe('pending')
          const wait = row.nextAttemptAt.getTime() - t.clock.now()
          waits.push(wait)
          t.clock.advance(wait)
        } else expect(row).toMatchObject({ status: 'failed', lastStatusCode: 500, lastError: 'HTTP 500: nope' })
      }
      expect(waits).toEqual([...RETRY_DELAYS_MS])
      const listed = (await owner()('GET', `/webhooks/${hook.id}/deliveries`)).body.data[0]
      expect(listed).toMatchObject({ id, status: 'failed', attempts: 8, lastStatusCode: 500, nextAttemptAt: null, deliveredAt: null })
      t.clock.advance(7 * 86_400_000)
      await runDueDeliveries(t.core)
      expect(r2.received.length).toBe(MAX_ATTEMPTS)

      // Redeliver: same id and body, a fresh schedule; refused while pending.
      r2.always(200)
      const re = await owner()('POST', `/webhooks/${hook.id}/deliveries/${id}/redeliver`)
      expect(re.status).toBe(202)
      expect(re.body.data).toMatchObject({ id, status: 'pending', attempts: 0 })
      expect((await owner()('POST', `/webhooks/${hook.id}/deliveries/${id}/redeliver`)).status).toBe(409)
      await runDueDeliveries(t.core)
      expect(deliveryRow(t.core, id)).toMatchObject({ status: 'succeeded', attempts: 1 })
      expect(r2.received.at(-1)!.headers.get('x-sally-delivery')).toBe(id)
      expect(r2.received.at(-1)!.body).toBe(r2.received[0]!.body)
    } finally {
      r2.stop()
    }
  })

  test('a timeout, a refused connection and a redirect are failed attempts (redirects are not followed)', async () => {
    const r2 = receiver()
    try {
      const hook = await createHook({ url: r2.url('/slow') })
      r2.reply({ status: 200, delayMs: TIMEOUT_MS * 3 })
      const id = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
      const started = performance.now()
      await runDueDeliveries(t.core)
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 2.5)
      expect(deliveryRow(t.core, id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastStatusCode: null,
        lastError: `Timed out after ${TIMEOUT_MS} ms.`,
      })

      r2.reply({ status: 302, headers: { location: r2.url('/elsewhere') } })
      t.clock.advance(60_000)
      await runDueDeliveries(t.core)
      const row = deliveryRow(t.core, id)
      expect(row).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 302 })
      expect(row.lastError).toContain('redirects are not followed')
      expect(r2.received.some((r) => r.path === '/elsewhere')).toBe(false)

      r2.stop()
      t.clock.advance(5 * 60_000)
      await runDueDeliveries(t.core)
      expect(deliveryRow(t.core, id)).toMatchObject({ status: 'pending', attempts: 3, lastStatusCode: null })
      expect(deliveryRow(t.core, id).lastError).toContain('Unable to connect')
    } finally {
      r2.stop()
    }
  })

  test('deactivating a webhook drops its pending deliveries; events then enqueue nothing and /test is 409', async () => {
    const hook = await createHook({ url: rx.url('/deactivate') })
    rx.reply(500)
    const id = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
    await runDueDeliveries(t.core)
    expect(deliveryRow(t.core, id).status).toBe('pending')
    expect((await owner()('PATCH', `/webhooks/${hook.id}`, { active: false })).status).toBe(200)
    expect(deliveryRow(t.core, id)).toMatchObject({ status: 'failed', lastError: 'Webhook deactivated; delivery dropped.' })
    publishTaskCreated(t, w.wsA.id)
    expect(deliveriesOf(t.core, hook.id).length).toBe(1)
    expect((await owner()('POST', `/webhooks/${hook.id}/test`)).status).toBe(409)
    expect((await owner()('POST', `/webhooks/${hook.id}/deliveries/${id}/redeliver`)).status).toBe(409)
    expect((await owner()('PATCH', `/webhooks/${hook.id}`, { active: true })).status).toBe(200)
    expect((await owner()('POST', `/webhooks/${hook.id}/deliveries/${id}/redeliver`)).status).toBe(202)
    const before = rx.received.length
    await runDueDeliveries(t.core)
    expect(rx.received.slice(before).map((r) => r.headers.get('x-sally-delivery'))).toEqual([id])
  })
})

describe('claims and restarts', () => {
  test('two workers running at once never send the same delivery twice', async () => {
    const r2 = receiver()
    r2.always({ status: 200, delayMs: 50 })
    try {
      const hook = await createHook({ url: r2.url('/race') })
      for (let i = 0; i < 6; i++) publishTaskCreated(t, w.wsA.id, { id: `race-${i}` })
      const [a, b] = await Promise.all([runDueDeliveries(t.core, { limit: 4 }), runDueDeliveries(t.core, { limit: 4 })])
      expect(a.claimed + b.claimed).toBe(6)
      await runDueDeliveries(t.core)
      const ids = r2.received.map((r) => r.headers.get('x-sally-delivery'))
      expect(ids.length).toBe(6)
      expect(new Set(ids).size).toBe(6)
      expect(deliveriesOf(t.core, hook.id).every((d) => d.status === 'succeeded' && d.attempts === 1)).toBe(true)
    } finally {
      r2.stop()
    }
  })

  test('a row in flight is not claimed again until its lease runs out', async () => {
    const r2 = receiver()
    try {
      const hook = await createHook({ url: r2.url('/lease') })
      const id = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
      r2.reply({ status: 200, delayMs: 150 })
      const first = runDueDeliveries(t.core)
      await Bun.sleep(20)
      expect((await runDueDeliveries(t.core)).claimed).toBe(0) // in flight
      await first
      expect(r2.received.length).toBe(1)
      expect(deliveryRow(t.core, id).status).toBe('succeeded')

      // A worker that died after claiming: the row waits for the lease, then is sent once.
      const id2 = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
      expect(claimDue(t.core, t.clock.now(), 100).map((r) => r.id)).toEqual([id2])
      t.clock.advance(TIMEOUT_MS + LEASE_MARGIN_MS - 1)
      expect((await runDueDeliveries(t.core)).claimed).toBe(0)
      t.clock.advance(1)
      await runDueDeliveries(t.core)
      expect(r2.received.length).toBe(2)
      expect(deliveryRow(t.core, id2)).toMatchObject({ status: 'succeeded', attempts: 2 })
    } finally {
      r2.stop()
    }
  })

  test('a restart between attempts loses nothing (new app over the same database file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sally-webhook-restart-'))
    const dbPath = join(dir, 'sally.db')
    const r2 = receiver()
    try {
      const app1 = makeTestApp(ENV, { dbPath })
      const w1 = await seedWorld(app1.core)
      const hook = await createHook({ url: r2.url('/restart'), events: ['task.created'] }, app1, w1.tokens.owner, w1.wsA.id)
      r2.reply(500)
      publishTaskCreated(app1, w1.wsA.id, { id: 'survivor', title: 'Survives a restart' })
      // A second event is enqueued but the process stops before its first attempt.
      publishTaskCreated(app1, w1.wsA.id, { id: 'unsent', title: 'Never tried before the restart' })
      const [first] = await Promise.all([runDueDeliveries(app1.core, { limit: 1 })])
      expect(first).toMatchObject({ claimed: 1, retrying: 1 })
      const stoppedAt = app1.clock.now()
      app1.close()

      const app2 = makeTestApp(ENV, { dbPath })
      try {
        app2.clock.set(stoppedAt + 60_000)
        const run = await runDueDeliveries(app2.core)
        expect(run).toMatchObject({ claimed: 2, succeeded: 2 })
        const rows = deliveriesOf(app2.core, hook.id)
        expect(rows.map((r) => [JSON.parse(r.payload).data.id, r.status, r.attempts]).sort()).toEqual([
          ['survivor', 'succeeded', 2],
          ['unsent', 'succeeded', 1],
        ])
        // The retried delivery arrived twice with the same id and body, once answered 2xx, signed with the original secret.
        const survivor = rows.find((r) => JSON.parse(r.payload).data.id === 'survivor')!
        const got = r2.received.filter((r) => r.headers.get('x-sally-delivery') === survivor.id)
        expect(got.length).toBe(2)
        expect(got[0]!.body).toBe(got[1]!.body)
        expect(verifySignature(hook.secret, got[1]!.headers.get('x-sally-signature'), got[1]!.body, nowSec(app2))).toBe(true)
        expect(r2.received.length).toBe(3)
      } finally {
        app2.close()
      }
    } finally {
      r2.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('the background worker sends a new delivery without being asked, and stops cleanly', async () => {
    const hook = await createHook({ url: rx.url('/worker') })
    const stop = startWebhookWorker(t.core, { pollMs: 50 })
    try {
      const id = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
      for (let i = 0; i < 100 && deliveryRow(t.core, id).status === 'pending'; i++) await Bun.sleep(20)
      expect(deliveryRow(t.core, id).status).toBe('succeeded')
      expect(rx.received.filter((r) => r.headers.get('x-sally-delivery') === id).length).toBe(1)
    } finally {
      await stop()
    }
    expect(t.core.stoppers).toContain(stop)
    t.core.stoppers.splice(t.core.stoppers.indexOf(stop), 1)
    // Stopped: nothing is sent any more.
    const id2 = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
    await Bun.sleep(150)
    expect(deliveryRow(t.core, id2).status).toBe('pending')
  })
})

describe('delivery log', () => {
  test('newest first, cursor pagination without overlap, status filter', async () => {
    const hook = await createHook({ url: rx.url('/log') })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId)
    rx.reply(500)
    await runDueDeliveries(t.core, { limit: 1 }) // the oldest fails, stays pending
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const r: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await owner()(
        'GET',
        `/webhooks/${hook.id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      expect(r.status).toBe(200)
      seen.push(...r.body.data.map((d) => d.id))
      cursor = r.body.nextCursor
    } while (cursor)
    expect(seen).toEqual([...ids].reverse())
    const failedOnce = await owner()('GET', `/webhooks/${hook.id}/deliveries?status=pending`)
    expect(failedOnce.body.data.length).toBe(5)
    expect(failedOnce.body.data.find((d: { id: string }) => d.id === ids[0])).toMatchObject({ attempts: 1, lastStatusCode: 500 })
    expect((await owner()('GET', `/webhooks/${hook.id}/deliveries?status=bogus`)).status).toBe(400)
    expect((await owner()('GET', `/webhooks/${hook.id}/deliveries/nope`)).status).toBe(404)
  })
})

describe('DNS at delivery time (private targets refused)', () => {
  test('a name that resolved to a public address at creation and to loopback later is not sent to', async () => {
    const strict = makeTestApp({ SALLY_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) })
    const r2 = receiver()
    try {
      const sw = await seedWorld(strict.core)
      let answer = ['93.184.215.14']
      setWebhookTransport(strict.core, { resolve: async () => answer })
      const hook = await createHook({ url: `http://rebind.example.test:${r2.port}/hook` }, strict, sw.tokens.owner, sw.wsA.id)
      answer = ['127.0.0.1'] // the rebinding DNS server changes its answer
      const id = (await as(strict, sw.tokens.owner, sw.wsA.id)('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
      await runDueDeliveries(strict.core)
      expect(r2.received.length).toBe(0)
      const row = deliveryRow(strict.core, id)
      expect(row).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null })
      expect(row.lastError).toBe('Refused: url is not allowed: it must point at a public address.') // no resolved address in the log
    } finally {
      r2.stop()
      strict.close()
    }
  })

  test('the request goes to the address that was checked, with the original Host header', async () => {
    // Private targets allowed here so the checked address may be the loopback receiver; the name
    // exists only in the fake DNS, so reaching the receiver proves the connection used that answer.
    const r2 = receiver()
    setWebhookTransport(t.core, { resolve: async (host) => (host === 'pinned.example.test' ? ['127.0.0.1'] : []) })
    try {
      const hook = await createHook({ url: `http://pinned.example.test:${r2.port}/pinned` })
      const id = (await owner()('POST', `/webhooks/${hook.id}/test`)).body.data.deliveryId
      await runDueDeliveries(t.core)
      expect(deliveryRow(t.core, id).status).toBe('succeeded')
      expect(r2.received[0]!.headers.get('host')).toBe(`pinned.example.test:${r2.port}`)
      expect(r2.received[0]!.path).toBe('/pinned')
    } finally {
      setWebhookTransport(t.core, null)
      r2.stop()
    }
  })

  test('https: the pinned connection still checks the certificate against the URL host name', async () => {
    // A self-signed certificate for secure.example.test (test only, in test/fixtures/webhooks), trusted as an extra CA.
    const dir = join(import.meta.dir, 'fixtures', 'webhooks')
    const cert = await Bun.file(join(dir, 'test-only-cert.pem')).text()
    const key = await Bun.file(join(dir, 'test-only-key.pem')).text()
    const hosts: string[] = []
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      tls: { cert, key },
      fetch: (req) => (hosts.push(req.headers.get('host') ?? ''), new Response('ok')),
    })
    setWebhookTransport(t.core, { ca: cert, resolve: async (h) => (h.endsWith('.example.test') ? ['127.0.0.1'] : []) })
    try {
      const good = await createHook({ url: `https://secure.example.test:${server.port}/tls` })
      const wrong = await createHook({ url: `https://impostor.example.test:${server.port}/tls` })
      const g = (await owner()('POST', `/webhooks/${good.id}/test`)).body.data.deliveryId
      const b = (await owner()('POST', `/webhooks/${wrong.id}/test`)).body.data.deliveryId
      await runDueDeliveries(t.core)
      expect(deliveryRow(t.core, g)).toMatchObject({ status: 'succeeded', lastStatusCode: 200 })
      expect(deliveryRow(t.core, b)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null })
      expect(deliveryRow(t.core, b).lastError).toMatch(/impostor\.example\.test.*altnames/)
      expect(hosts).toEqual([`secure.example.test:${server.port}`])
    } finally {
      setWebhookTransport(t.core, null)
      server.stop(true)
    }
  })
})
