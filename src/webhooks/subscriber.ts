import { and, desc, eq, lte, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { newId, webhookDeliveries, webhooks } from '../db/schema'
import { type DomainEvent, type EventContext, subscribe } from '../events'
import { perDatabase } from '../lib/prepared'
import type { DeliveryEvent } from './model'
import { wakeWebhookWorker } from './worker'

/**
 * The JSON body of every delivery. `id` is the delivery id (also sent as X-Sally-Delivery).
 * `truncated: true` when the data was cut to fit MAX_PAYLOAD_BYTES (fetch the object for all of it).
 */
export type WebhookPayload = {
  id: string
  event: DeliveryEvent
  createdAt: string
  workspaceId: string
  truncated?: true
  data: Record<string, unknown>
}

/** A stored (and sent) body is at most this large: long strings are cut, then only ids are kept. */
export const MAX_PAYLOAD_BYTES = 64 * 1024
/** Strings of a too-large payload are cut to this many characters (plus "…"). */
const CLIP_CHARS = 1024
/** Each webhook keeps this many deliveries, the newest; writing more drops the oldest (whatever their status). */
export const MAX_DELIVERIES_PER_WEBHOOK = 500

function clipStrings(v: unknown): unknown {
  if (typeof v === 'string') return v.length > CLIP_CHARS ? `${v.slice(0, CLIP_CHARS)}…` : v
  if (Array.isArray(v)) return v.map(clipStrings)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clipStrings(x)]))
  return v
}

/** The body as stored and sent: whole when it fits MAX_PAYLOAD_BYTES, else truncated and flagged. */
export function serializePayload(p: WebhookPayload): string {
  const whole = JSON.stringify(p)
  if (Buffer.byteLength(whole) <= MAX_PAYLOAD_BYTES) return whole
  const clipped = JSON.stringify({ ...p, truncated: true, data: clipStrings(p.data) })
  if (Buffer.byteLength(clipped) <= MAX_PAYLOAD_BYTES) return clipped
  const ids = Object.entries(p.data).filter(([k, v]) => (k === 'id' || k.endsWith('Id')) && typeof v === 'string')
  return JSON.stringify({ ...p, truncated: true, data: Object.fromEntries(ids) })
}

/**
 * Writes one pending delivery (the outbox row) in the caller's transaction, and drops the webhook's
 * deliveries beyond the newest MAX_DELIVERIES_PER_WEBHOOK. The body is frozen here (bounded by
 * MAX_PAYLOAD_BYTES): every attempt sends the same bytes; only the signature's timestamp changes.
 */
export function enqueueDelivery(
  tx: DbOrTx,
  o: { webhookId: string; workspaceId: string; event: DeliveryEvent; data: Record<string, unknown>; at: number },
): string {
  const id = newId()
  const payload: WebhookPayload = { id, event: o.event, createdAt: new Date(o.at).toISOString(), workspaceId: o.workspaceId, data: o.data }
  tx.insert(webhookDeliveries)
    .values({
      id,
      webhookId: o.webhookId,
      event: o.event,
      payload: serializePayload(payload),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(o.at),
      createdAt: new Date(o.at),
    })
    .run()
  trimDeliveries(tx, o.webhookId)
  return id
}

/** Deletes the webhook's deliveries older than its newest MAX_DELIVERIES_PER_WEBHOOK (one index range). */
function trimDeliveries(tx: DbOrTx, webhookId: string): void {
  const d = webhookDeliveries
  const edge = tx
    .select({ id: d.id })
    .from(d)
    .where(eq(d.webhookId, webhookId))
    .orderBy(desc(d.id))
    .limit(1)
    .offset(MAX_DELIVERIES_PER_WEBHOOK)
    .get()
  if (edge)
    tx.delete(d)
      .where(and(eq(d.webhookId, webhookId), lte(d.id, edge.id)))
      .run()
}

/** Every event runs this lookup: prepared once per database (src/lib/prepared.ts). */
export const webhookStatements = perDatabase((core: Pick<Core, 'db' | 'sqlite'>) => ({
  subscribed: core.db
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.workspaceId, sql.placeholder('workspaceId')),
        eq(webhooks.active, true),
        sql`EXISTS (SELECT 1 FROM json_each(${webhooks.events}) WHERE value IN (${sql.placeholder('event')}, '*'))`,
      ),
    )
    .prepare(),
}))

/**
 * The webhook outbox subscriber: for a domain event, one delivery row per active webhook of the
 * event's workspace subscribed to its type (or to `*`), inside the publishing transaction, so the
 * deliveries exist exactly when the change they describe committed.
 */
export function webhookSubscriber(core: Core, tx: DbOrTx, ctx: EventContext, ev: DomainEvent): void {
  // Prepared once per database; on the connection, so it sees the publishing transaction's writes.
  const hooks = webhookStatements(core).subscribed.all({ workspaceId: ctx.workspaceId, event: ev.type })
  for (const h of hooks) enqueueDelivery(tx, { webhookId: h.id, workspaceId: ctx.workspaceId, event: ev.type, data: ev.data, at: ctx.at })
  // Runs after the current (synchronous) transaction has committed or rolled back.
  if (hooks.length) wakeWebhookWorker(core)
}

subscribe(webhookSubscriber)
