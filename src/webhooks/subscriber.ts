import { and, eq, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { newId, webhookDeliveries, webhooks } from '../db/schema'
import { type DomainEvent, type EventContext, subscribe } from '../events'
import type { DeliveryEvent } from './model'
import { wakeWebhookWorker } from './worker'

/** The JSON body of every delivery. `id` is the delivery id (also sent as X-Sally-Delivery). */
export type WebhookPayload = {
  id: string
  event: DeliveryEvent
  createdAt: string
  workspaceId: string
  data: Record<string, unknown>
}

/**
 * Writes one pending delivery (the outbox row) in the caller's transaction. The body is frozen here:
 * every attempt sends the same bytes; only the signature's timestamp changes.
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
      payload: JSON.stringify(payload),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(o.at),
      createdAt: new Date(o.at),
    })
    .run()
  return id
}

/**
 * The webhook outbox subscriber: for a domain event, one delivery row per active webhook of the
 * event's workspace subscribed to its type (or to `*`), inside the publishing transaction, so the
 * deliveries exist exactly when the change they describe committed.
 */
export function webhookSubscriber(core: Core, tx: DbOrTx, ctx: EventContext, ev: DomainEvent): void {
  const hooks = tx
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.workspaceId, ctx.workspaceId),
        eq(webhooks.active, true),
        sql`EXISTS (SELECT 1 FROM json_each(${webhooks.events}) WHERE value IN (${ev.type}, '*'))`,
      ),
    )
    .all()
  for (const h of hooks) enqueueDelivery(tx, { webhookId: h.id, workspaceId: ctx.workspaceId, event: ev.type, data: ev.data, at: ctx.at })
  // Runs after the current (synchronous) transaction has committed or rolled back.
  if (hooks.length) wakeWebhookWorker(core)
}

subscribe(webhookSubscriber)
