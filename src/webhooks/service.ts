import { and, asc, count, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm'
import { recordAudit } from '../audit/service'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { newId, webhookDeliveries, webhooks } from '../db/schema'
import { badRequest, conflict, notFound } from '../errors'
import { pageLimit, paginate } from '../http/respond'
import { randomToken } from '../lib/crypto'
import { perDatabase } from '../lib/prepared'
import type { Actor } from '../permissions/actor'
import {
  type CreateWebhookInput,
  type Delivery,
  type DeliveryDetail,
  type ListDeliveriesQuery,
  PING_EVENT,
  type UpdateWebhookInput,
  type Webhook,
  type WebhookWithSecret,
} from './model'
import { enqueueDelivery } from './subscriber'
import { checkWebhookUrl, UnsafeUrlError } from './url-safety'
import { wakeWebhookWorker } from './worker'

/** A workspace may have this many webhooks (each event fans out to all of them). */
export const MAX_WEBHOOKS_PER_WORKSPACE = 20

type Row = typeof webhooks.$inferSelect
type DeliveryRow = typeof webhookDeliveries.$inferSelect

export const toWebhook = (w: Row): Webhook => ({
  id: w.id,
  url: w.url,
  events: w.events,
  active: w.active,
  disabledReason: w.disabledReason,
  description: w.description,
  createdBy: w.createdBy,
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
})

export const toDelivery = (d: DeliveryRow): Delivery => ({
  id: d.id,
  webhookId: d.webhookId,
  event: d.event,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
})

/** `whsec_` + 32 random bytes (base64url): the HMAC key, used as the whole string. */
export const generateWebhookSecret = () => `whsec_${randomToken(32)}`

/** `*` alone, or the distinct event names in the order given. */
const normalizeEvents = (events: string[]): string[] => (events.includes('*') ? ['*'] : [...new Set(events)])

/** Refuses unsafe URLs with 400 validation_error on `url` (SSRF rules in url-safety.ts; the resolved address goes to the log only). */
async function safeUrl(core: Core, raw: string): Promise<string> {
  try {
    return await checkWebhookUrl(core, raw, AbortSignal.timeout(Math.min(core.config.SALLY_WEBHOOK_TIMEOUT_MS, 5000)))
  } catch (e) {
    if (e instanceof UnsafeUrlError) {
      if (e.detail) core.log.info('webhook url refused', { detail: e.detail })
      throw badRequest(e.message, 'url')
    }
    if ((e as Error)?.name === 'TimeoutError') throw badRequest('url host could not be resolved in time.', 'url')
    throw e
  }
}

function findWebhook(db: DbOrTx, actor: Actor, webhookId: string): Row {
  const row = db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.workspaceId, actor.workspace.id)))
    .get()
  if (!row) throw notFound('Webhook')
  return row
}

/** The webhook reads of GET /webhooks and GET /webhooks/:id, prepared once per database. */
export const webhookReads = perDatabase((core: Pick<Core, 'db' | 'sqlite'>) => {
  const page = (cursor: boolean) =>
    core.db
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.workspaceId, sql.placeholder('workspaceId')), cursor ? gt(webhooks.id, sql.placeholder('cursor')) : undefined))
      .orderBy(asc(webhooks.id))
      .limit(sql.placeholder('limit'))
      .prepare()
  return {
    first: page(false),
    after: page(true),
    byId: core.db
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.id, sql.placeholder('id')), eq(webhooks.workspaceId, sql.placeholder('workspaceId'))))
      .prepare(),
  }
})

export function listWebhooks(core: Core, actor: Actor, q: { limit?: number; cursor?: string }) {
  const limit = pageLimit(q)
  const reads = webhookReads(core)
  const rows = (q.cursor ? reads.after : reads.first).all({ workspaceId: actor.workspace.id, cursor: q.cursor ?? '', limit: limit + 1 })
  const page = paginate(rows, limit, (r) => r.id)
  return { items: page.items.map(toWebhook), nextCursor: page.nextCursor }
}

export function getWebhook(core: Core, actor: Actor, webhookId: string): Webhook {
  const row = webhookReads(core).byId.get({ id: webhookId, workspaceId: actor.workspace.id })
  if (!row) throw notFound('Webhook')
  return toWebhook(row)
}

export async function createWebhook(core: Core, actor: Actor, input: CreateWebhookInput): Promise<WebhookWithSecret> {
  const url = await safeUrl(core, input.url)
  const secret = generateWebhookSecret()
  const now = new Date(core.clock.now())
  return core.db.transaction((tx) => {
    const n = tx.select({ n: count() }).from(webhooks).where(eq(webhooks.workspaceId, actor.workspace.id)).get()!.n
    if (n >= MAX_WEBHOOKS_PER_WORKSPACE) throw conflict(`A workspace can have at most ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks.`)
    const row = tx
      .insert(webhooks)
      .values({
        id: newId(),
        workspaceId: actor.workspace.id,
        url,
        events: normalizeEvents(input.events),
        secret,
        active: input.active,
        description: input.description ?? null,
        createdBy: actor.user?.id ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get()
    recordAudit(
      core,
      actor,
      {
        action: 'webhook.created',
        workspaceId: actor.workspace.id,
        targetType: 'webhook',
        targetId: row.id,
        meta: { url: redactUrl(url) },
      },
      tx,
    )
    return { ...toWebhook(row), secret }
  })
}

export async function updateWebhook(core: Core, actor: Actor, webhookId: string, input: UpdateWebhookInput): Promise<Webhook> {
  findWebhook(core.db, actor, webhookId) // 404 before the (slow) URL check
  const url = input.url !== undefined ? await safeUrl(core, input.url) : undefined
  return core.db.transaction((tx) => {
    const cur = findWebhook(tx, actor, webhookId)
    const now = core.clock.now()
    const patch: Partial<Row> = {}
    if (url !== undefined) patch.url = url
    if (input.events !== undefined) patch.events = normalizeEvents(input.events)
    if (input.active !== undefined) {
      patch.active = input.active
      patch.disabledReason = null
    }
    if (input.description !== undefined) patch.description = input.description
    if (Object.keys(patch).length === 0) return toWebhook(cur)
    const row = tx
      .update(webhooks)
      .set({ ...patch, updatedAt: new Date(now) })
      .where(eq(webhooks.id, cur.id))
      .returning()
      .get()!
    // Deactivating drops what is still waiting (a paused endpoint should not get a backlog later).
    if (cur.active && input.active === false) dropPending(tx, [cur.id], 'Webhook deactivated; delivery dropped.', now)
    recordAudit(
      core,
      actor,
      {
        action: 'webhook.updated',
        workspaceId: actor.workspace.id,
        targetType: 'webhook',
        targetId: cur.id,
        meta: { fields: Object.keys(patch) },
      },
      tx,
    )
    return toWebhook(row)
  })
}

/** Marks the pending deliveries of these webhooks failed with `error` (they will not be sent). */
function dropPending(tx: DbOrTx, webhookIds: string[], error: string, now: number): void {
  if (webhookIds.length === 0) return
  tx.update(webhookDeliveries)
    .set({ status: 'failed', lastError: error, nextAttemptAt: new Date(now) })
    .where(and(inArray(webhookDeliveries.webhookId, webhookIds), eq(webhookDeliveries.status, 'pending')))
    .run()
}

/**
 * Turns off the active webhooks a user created in a workspace, with the reason shown on them and on
 * their dropped deliveries. Called in the transaction that ends the user's membership, so a
 * webhook never outlives its creator's access (another OWNER may turn it back on).
 */
export function disableWebhooksOfCreator(
  core: Core,
  actor: Actor,
  tx: DbOrTx,
  o: { workspaceId: string; userId: string; reason: string },
): number {
  const now = core.clock.now()
  const off = tx
    .update(webhooks)
    .set({ active: false, disabledReason: o.reason, updatedAt: new Date(now) })
    .where(and(eq(webhooks.workspaceId, o.workspaceId), eq(webhooks.createdBy, o.userId), eq(webhooks.active, true)))
    .returning({ id: webhooks.id })
    .all()
    .map((h) => h.id)
  dropPending(tx, off, `Webhook disabled (${o.reason}); delivery dropped.`, now)
  for (const id of off)
    recordAudit(
      core,
      actor,
      { action: 'webhook.disabled', workspaceId: o.workspaceId, targetType: 'webhook', targetId: id, meta: { reason: o.reason } },
      tx,
    )
  return off.length
}

export function deleteWebhook(core: Core, actor: Actor, webhookId: string): void {
  core.db.transaction((tx) => {
    const cur = findWebhook(tx, actor, webhookId)
    tx.delete(webhooks).where(eq(webhooks.id, cur.id)).run() // deliveries cascade
    recordAudit(
      core,
      actor,
      {
        action: 'webhook.deleted',
        workspaceId: actor.workspace.id,
        targetType: 'webhook',
        targetId: cur.id,
        meta: { url: redactUrl(cur.url) },
      },
      tx,
    )
  })
}

/** Replaces the signing secret (the old one stops working at once; pending retries use the new one). */
export function rotateWebhookSecret(core: Core, actor: Actor, webhookId: string): WebhookWithSecret {
  const secret = generateWebhookSecret()
  return core.db.transaction((tx) => {
    const cur = findWebhook(tx, actor, webhookId)
    const row = tx
      .update(webhooks)
      .set({ secret, updatedAt: new Date(core.clock.now()) })
      .where(eq(webhooks.id, cur.id))
      .returning()
      .get()!
    recordAudit(
      core,
      actor,
      { action: 'webhook.secret_rotated', workspaceId: actor.workspace.id, targetType: 'webhook', targetId: cur.id },
      tx,
    )
    return { ...toWebhook(row), secret }
  })
}

/** The webhook's deliveries, newest first (ids are time-ordered; the cursor is the last id seen). */
export function listDeliveries(core: Core, actor: Actor, webhookId: string, q: ListDeliveriesQuery) {
  const hook = findWebhook(core.db, actor, webhookId)
  const limit = pageLimit(q)
  const d = webhookDeliveries
  const rows = core.db
    .select()
    .from(d)
    .where(and(eq(d.webhookId, hook.id), q.status ? eq(d.status, q.status) : undefined, q.cursor ? lt(d.id, q.cursor) : undefined))
    .orderBy(desc(d.id))
    .limit(limit + 1)
    .all()
  const page = paginate(rows, limit, (r) => r.id)
  return { items: page.items.map(toDelivery), nextCursor: page.nextCursor }
}

function findDelivery(db: DbOrTx, actor: Actor, webhookId: string, deliveryId: string): DeliveryRow {
  const hook = findWebhook(db, actor, webhookId)
  const row = db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, hook.id)))
    .get()
  if (!row) throw notFound('Delivery')
  return row
}

export function getDelivery(core: Core, actor: Actor, webhookId: string, deliveryId: string): DeliveryDetail {
  const row = findDelivery(core.db, actor, webhookId, deliveryId)
  return { ...toDelivery(row), payload: JSON.parse(row.payload) as unknown }
}

/** Sends a finished (succeeded or failed) delivery again: same id and body, a fresh retry schedule. */
export function redeliver(core: Core, actor: Actor, webhookId: string, deliveryId: string): Delivery {
  const row = core.db.transaction((tx) => {
    const cur = findDelivery(tx, actor, webhookId, deliveryId)
    if (cur.status === 'pending') throw conflict('This delivery is still pending; it will be sent at nextAttemptAt.')
    activeOrConflict(tx, cur.webhookId)
    return tx
      .update(webhookDeliveries)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: new Date(core.clock.now()), deliveredAt: null })
      .where(eq(webhookDeliveries.id, cur.id))
      .returning()
      .get()!
  })
  wakeWebhookWorker(core)
  return toDelivery(row)
}

function activeOrConflict(db: DbOrTx, webhookId: string) {
  const hook = db.select({ active: webhooks.active }).from(webhooks).where(eq(webhooks.id, webhookId)).get()
  if (!hook?.active) throw conflict('This webhook is inactive; activate it first (PATCH active: true).')
}

/** Enqueues a `ping` delivery due now; the worker sends it (or a test calls runDueDeliveries). */
export function pingWebhook(core: Core, actor: Actor, webhookId: string): { deliveryId: string; event: string; status: 'pending' } {
  const id = core.db.transaction((tx) => {
    const hook = findWebhook(tx, actor, webhookId)
    activeOrConflict(tx, hook.id)
    return enqueueDelivery(tx, {
      webhookId: hook.id,
      workspaceId: actor.workspace.id,
      event: PING_EVENT,
      data: { webhookId: hook.id, message: 'Ping from Sally: your webhook is reachable.' },
      at: core.clock.now(),
    })
  })
  wakeWebhookWorker(core)
  return { deliveryId: id, event: PING_EVENT, status: 'pending' }
}

/** The URL without its query string, for audit records (a query may carry a token). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`
  } catch {
    return '(invalid)'
  }
}
