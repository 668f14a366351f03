import { z } from 'zod'
import { EVENT_TYPES, type EventType } from '../events'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { multilineText } from '../http/text'

const id = z.string().trim().min(1).max(64)

/** What a webhook may subscribe to: any domain event, or `*` for all of them. */
export const WEBHOOK_EVENTS = ['*', ...EVENT_TYPES] as const
/** The event name of the delivery `POST /webhooks/:id/test` enqueues (sent whatever the subscription). */
export const PING_EVENT = 'ping'
export type DeliveryEvent = EventType | typeof PING_EVENT

export const webhookEvent = z.enum(WEBHOOK_EVENTS as unknown as [string, ...string[]])

export const webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean(),
    disabledReason: z
      .string()
      .nullable()
      .describe('Why Sally turned the webhook off (e.g. "creator left the workspace"); null when active or turned off by hand'),
    description: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Webhook' })
export type Webhook = z.infer<typeof webhook>

/** Creation and secret rotation answer with the signing secret: the only time it is shown. */
export const webhookWithSecret = webhook
  .extend({ secret: z.string().describe('Signing secret (whsec_…). Shown once: store it now.') })
  .meta({ id: 'WebhookWithSecret' })
export type WebhookWithSecret = z.infer<typeof webhookWithSecret>

const url = z.string().trim().min(1).max(2048).describe('http(s) URL that receives the POSTs; private and loopback addresses are refused')
const events = z.array(webhookEvent).min(1).max(WEBHOOK_EVENTS.length).describe('Event types to receive, or ["*"] for all')
const description = multilineText(500).trim()

export const createWebhookBody = z.strictObject({
  url,
  events: events.default(['*']).describe('Event types to receive, or ["*"] for all (default).'),
  active: z.boolean().default(true).describe('Deliver events (default true); false keeps the webhook but sends nothing.'),
  description: description.nullable().optional().describe('What the webhook is for, up to 500 characters.'),
})
export type CreateWebhookInput = z.infer<typeof createWebhookBody>

export const updateWebhookBody = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  active: z.boolean().optional().describe('Turn deliveries on or off (turning on clears `disabledReason`).'),
  description: description.nullable().optional().describe('What the webhook is for, up to 500 characters; null clears it.'),
})
export type UpdateWebhookInput = z.infer<typeof updateWebhookBody>

export const webhookParams = z.object({ webhookId: id })
export const deliveryParams = z.object({ webhookId: id, deliveryId: id })

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const

export const listWebhooksQuery = pageQuery

export const listDeliveriesQuery = pageQuery.extend({
  status: z.enum(DELIVERY_STATUSES).optional().describe('Only deliveries in this state: `pending`, `succeeded` or `failed`.'),
})
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuery>

export const delivery = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    event: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable().describe('When the next attempt is due (pending deliveries only)'),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' })
export type Delivery = z.infer<typeof delivery>

export const deliveryDetail = delivery
  .extend({ payload: z.unknown().describe('The JSON body sent: { id, event, createdAt, workspaceId, data }') })
  .meta({ id: 'WebhookDeliveryDetail' })
export type DeliveryDetail = z.infer<typeof deliveryDetail>

export const enqueued = z.object({ deliveryId: z.string(), event: z.string(), status: z.literal('pending') })

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createWebhookBody, { url: 'https://example.com/hooks/sally', events: ['task.created', 'task.updated'], description: 'CI notifier' })
example(updateWebhookBody, { description: 'Release notifier' })
