import { and, asc, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm'
import type { Core } from '../core'
import { webhookDeliveries, webhooks } from '../db/schema'
import { FairPool, type Slot } from '../lib/fair-pool'
import { bookkeeping } from '../lib/read-cache'
import { type Outcome, send } from './send'

/**
 * The delivery worker: claims due outbox rows, POSTs them signed, records the outcome and schedules
 * retries. Everything it knows is in `webhook_deliveries`, so a restart loses nothing: a row claimed
 * by a process that died becomes due again when its lease runs out.
 *
 * Fairness between tenants: sends run in a FairPool, at most MAX_IN_FLIGHT at once, at most
 * MAX_PER_DESTINATION per (workspace, URL host) and MAX_PER_WORKSPACE per workspace. A slot that
 * frees is refilled at once from the webhooks with due rows, oldest due first, so a receiver that
 * answers slowly (up to SALLY_WEBHOOK_TIMEOUT_MS) delays only its own deliveries; a failed attempt
 * is rescheduled with backoff and the worker moves on.
 */

/** Wait after the 1st, 2nd, … failed attempt. After the last one the delivery is `failed`. */
export const RETRY_DELAYS_MS = [
  60_000, // 1 min
  5 * 60_000, // 5 min
  30 * 60_000, // 30 min
  2 * 3_600_000, // 2 h
  6 * 3_600_000, // 6 h
  12 * 3_600_000, // 12 h
  24 * 3_600_000, // 24 h
] as const
/** 1 first attempt + 7 retries. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1
/** A claimed row is leased for the send timeout plus this margin; then another worker may take it. */
export const LEASE_MARGIN_MS = 60_000
/** Finished deliveries older than this are deleted by the worker. */
export const DELIVERY_RETENTION_MS = 30 * 86_400_000
/** Sends in flight per process. */
export const MAX_IN_FLIGHT = 16
/** Sends in flight to one destination (URL host and port) of one workspace. */
export const MAX_PER_DESTINATION = 2
/** Sends in flight for one workspace, whatever the destinations. */
export const MAX_PER_WORKSPACE = 4
const POLL_MS = 1000

type Row = typeof webhookDeliveries.$inferSelect

export type RunResult = { claimed: number; succeeded: number; retrying: number; failed: number }

type DueHook = { id: string; workspaceId: string; url: string; secret: string; active: boolean }

/** The webhooks that have due deliveries, the one waiting longest first (one row per webhook, whatever its backlog). */
function dueHooks(core: Core, now: number): DueHook[] {
  const d = webhookDeliveries
  const due = sql<number>`min(${d.nextAttemptAt})`
  return core.db
    .select({ id: webhooks.id, workspaceId: webhooks.workspaceId, url: webhooks.url, secret: webhooks.secret, active: webhooks.active })
    .from(d)
    .innerJoin(webhooks, eq(webhooks.id, d.webhookId))
    .where(and(eq(d.status, 'pending'), lte(d.nextAttemptAt, new Date(now))))
    .groupBy(webhooks.id)
    .orderBy(asc(due), asc(webhooks.id))
    .all()
}

function destination(url: string): string {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return url
  }
}

const slotsOf = (h: DueHook): Slot[] => [
  [`dest:${h.workspaceId}|${destination(h.url)}`, MAX_PER_DESTINATION],
  [`ws:${h.workspaceId}`, MAX_PER_WORKSPACE],
]

/**
 * Claims and sends due deliveries under the pool's limits until none is due or `limit` rows were
 * claimed. `now` fixed: rows due at that time (tests, with the fake clock); otherwise the clock.
 */
class Dispatcher {
  readonly result: RunResult = { claimed: 0, succeeded: 0, retrying: 0, failed: 0 }
  readonly pool: FairPool
  stopped = false

  constructor(
    private readonly core: Core,
    private readonly opts: { now?: number; limit?: number } = {},
  ) {
    this.pool = new FairPool(
      MAX_IN_FLIGHT,
      () => this.fill(),
      (e) => core.log.error('webhook send failed to record', { error: String(e) }),
    )
  }

  /** Starts as many sends as the limits allow (round-robin over the webhooks with due rows). */
  fill(): void {
    if (this.stopped) return
    try {
      const now = this.opts.now ?? this.core.clock.now()
      let hooks = dueHooks(this.core, now)
      while (hooks.length) {
        const next: DueHook[] = []
        for (const h of hooks) {
          if (this.opts.limit !== undefined && this.result.claimed >= this.opts.limit) return
          if (this.pool.size >= this.pool.total) return
          const slots = slotsOf(h)
          if (h.active && !this.pool.hasRoom(slots)) continue
          const [row] = claimDue(this.core, now, 1, h.id)
          if (!row) continue
          this.result.claimed++
          next.push(h)
          if (!h.active) {
            finish(this.core, row, { ok: false, statusCode: null, error: 'Webhook is inactive; not sent.' }, this.opts.now, true)
            this.result.failed++
            continue
          }
          this.pool.start(slots, async () => {
            const status = finish(this.core, row, await send(this.core, h, row), this.opts.now)
            if (status === 'succeeded') this.result.succeeded++
            else if (status === 'failed') this.result.failed++
            else this.result.retrying++
          })
        }
        hooks = next
      }
    } catch (e) {
      this.core.log.error('webhook dispatch failed', { error: String(e) })
    }
  }
}

/**
 * Sends every due delivery once (up to `limit` claimed) and waits for the outcomes. Tests call it
 * directly with the fake clock. Each row is claimed with one UPDATE … RETURNING that moves
 * `next_attempt_at` to a lease and counts the attempt, so two workers (or two processes over one
 * database) never send the same row at the same time.
 */
export async function runDueDeliveries(core: Core, opts: { now?: number; limit?: number } = {}): Promise<RunResult> {
  const run = new Dispatcher(core, { now: opts.now ?? core.clock.now(), limit: opts.limit })
  run.fill()
  await run.pool.idle()
  return run.result
}

/** Claims up to `limit` due rows, oldest due first, of one webhook or all (lease + attempt count in the same statement). */
export function claimDue(core: Core, now: number, limit: number, webhookId?: string): Row[] {
  const d = webhookDeliveries
  const due = core.db
    .select({ id: d.id })
    .from(d)
    .where(and(eq(d.status, 'pending'), lte(d.nextAttemptAt, new Date(now)), webhookId ? eq(d.webhookId, webhookId) : undefined))
    .orderBy(asc(d.nextAttemptAt), asc(d.id))
    .limit(limit)
  // Delivery rows are bookkeeping: no cached answer reads them (src/lib/read-cache.ts).
  return bookkeeping(core.sqlite, () =>
    core.db
      .update(d)
      .set({ nextAttemptAt: new Date(now + core.config.SALLY_WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS), attempts: sql`${d.attempts} + 1` })
      .where(and(inArray(d.id, due), eq(d.status, 'pending'), lte(d.nextAttemptAt, new Date(now))))
      .returning()
      .all(),
  )
}

/**
 * Records one attempt's outcome. Guarded by the attempt number: if this row's lease ran out and
 * another worker claimed it again, this (late) result is dropped rather than overwriting theirs.
 */
function finish(core: Core, row: Row, o: Outcome, fixedNow: number | undefined, notSent = false): Row['status'] {
  const at = fixedNow ?? core.clock.now()
  const d = webhookDeliveries
  let patch: Partial<Row>
  if (o.ok)
    patch = { status: 'succeeded', deliveredAt: new Date(at), lastStatusCode: o.statusCode, lastError: null, nextAttemptAt: new Date(at) }
  else if (notSent) patch = { status: 'failed', attempts: row.attempts - 1, lastError: o.error, nextAttemptAt: new Date(at) }
  else if (row.attempts >= MAX_ATTEMPTS)
    patch = { status: 'failed', lastStatusCode: o.statusCode, lastError: o.error, nextAttemptAt: new Date(at) }
  else patch = { lastStatusCode: o.statusCode, lastError: o.error, nextAttemptAt: new Date(at + RETRY_DELAYS_MS[row.attempts - 1]!) }
  bookkeeping(core.sqlite, () =>
    core.db
      .update(d)
      .set(patch)
      .where(and(eq(d.id, row.id), eq(d.attempts, row.attempts)))
      .run(),
  )
  const status = patch.status ?? 'pending'
  const log = { deliveryId: row.id, webhookId: row.webhookId, event: row.event, attempt: row.attempts, statusCode: o.statusCode }
  if (o.ok) core.log.info('webhook delivered', log)
  else
    core.log.warn(status === 'failed' ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry', {
      ...log,
      error: o.error,
    })
  return status
}

/** Deletes finished deliveries older than the retention period. */
export function pruneDeliveries(core: Core, now = core.clock.now()): number {
  const d = webhookDeliveries
  return bookkeeping(core.sqlite, () =>
    core.db
      .delete(d)
      .where(and(ne(d.status, 'pending'), lt(d.createdAt, new Date(now - DELIVERY_RETENTION_MS))))
      .returning({ id: d.id })
      .all(),
  ).length
}

const wakers = new WeakMap<Core, () => void>()

/** Asks a running worker of this app to look for due rows now (no-op without a worker). */
export function wakeWebhookWorker(core: Core): void {
  wakers.get(core)?.()
}

/**
 * Starts the delivery loop of a serving process: due rows are looked for every second, at once
 * when an event enqueues deliveries, and whenever a send ends (its slot is refilled). Its stop
 * function (also pushed to `core.stoppers`) waits for the sends in flight.
 */
export function startWebhookWorker(core: Core, opts: { pollMs?: number } = {}): () => Promise<void> {
  const dispatcher = new Dispatcher(core)
  let lastPrune = 0
  const tick = () => {
    dispatcher.fill()
    const now = core.clock.now()
    if (!dispatcher.stopped && now - lastPrune > 3_600_000) {
      lastPrune = now
      try {
        pruneDeliveries(core, now)
      } catch (e) {
        core.log.error('webhook delivery prune failed', { error: String(e) })
      }
    }
  }
  const timer = setInterval(tick, opts.pollMs ?? POLL_MS)
  timer.unref?.()
  wakers.set(core, () => void setTimeout(() => dispatcher.fill(), 0))
  const stop = async () => {
    dispatcher.stopped = true
    clearInterval(timer)
    wakers.delete(core)
    await dispatcher.pool.idle()
  }
  core.stoppers.push(stop)
  return stop
}
