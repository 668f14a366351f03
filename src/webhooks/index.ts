import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { conflicts, envelope, listEnvelope, ok, okList } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import {
  createWebhookBody,
  delivery,
  deliveryDetail,
  deliveryParams,
  enqueued,
  listDeliveriesQuery,
  listWebhooksQuery,
  updateWebhookBody,
  webhook,
  webhookParams,
  webhookWithSecret,
} from './model'
import {
  createWebhook,
  deleteWebhook,
  getDelivery,
  getWebhook,
  listDeliveries,
  listWebhooks,
  MAX_WEBHOOKS_PER_WORKSPACE,
  pingWebhook,
  redeliver,
  rotateWebhookSecret,
  updateWebhook,
} from './service'
import './subscriber' // registers the outbox subscriber

const tags = ['Webhooks']
const read = { permission: 'webhooks:read', orgWide: true } as const
const write = { permission: 'webhooks:write', orgWide: true } as const

/**
 * Workspace webhooks (workspace OWNERs: webhooks:read / webhooks:write; project-scoped keys are
 * refused). POST and rotate-secret are not idempotent-replayable on purpose: a stored response
 * would keep a copy of the secret.
 */
export function webhookRoutes(core: Core) {
  return new Elysia({ name: 'webhooks', prefix: '/webhooks' })
    .use(authPlugin(core))
    .get(
      '/',
      ({ actor, query }) => {
        const r = listWebhooks(core, actor, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: read,
        query: listWebhooksQuery,
        detail: { tags, summary: 'List webhooks (secrets are never listed)' },
        response: { 200: listEnvelope(webhook) },
      },
    )
    .post(
      '/',
      async ({ actor, body, set }) => {
        set.status = 201
        return ok(await createWebhook(core, actor, body))
      },
      {
        workspace: write,
        body: createWebhookBody,
        detail: {
          tags,
          summary: 'Create a webhook; the answer carries its signing secret, shown this once',
          description:
            'URLs resolving to loopback, private, link-local (incl. 169.254.169.254) or this server are refused with 400 unless SALLY_WEBHOOK_ALLOW_PRIVATE=true.',
          ...conflicts(`the workspace already has the maximum number of webhooks (${MAX_WEBHOOKS_PER_WORKSPACE})`),
        },
        response: { 201: envelope(webhookWithSecret) },
      },
    )
    .get('/:webhookId', ({ actor, params }) => ok(getWebhook(core, actor, params.webhookId)), {
      workspace: read,
      params: webhookParams,
      detail: { tags, summary: 'Get a webhook' },
      response: { 200: envelope(webhook) },
    })
    .patch('/:webhookId', async ({ actor, params, body }) => ok(await updateWebhook(core, actor, params.webhookId, body)), {
      workspace: write,
      params: webhookParams,
      body: updateWebhookBody,
      detail: { tags, summary: 'Update a webhook (url, events, active, description); deactivating drops pending deliveries' },
      response: { 200: envelope(webhook) },
    })
    .delete(
      '/:webhookId',
      ({ actor, params }) => {
        deleteWebhook(core, actor, params.webhookId)
        return ok({ id: params.webhookId, deleted: true as const })
      },
      {
        workspace: write,
        params: webhookParams,
        detail: { tags, summary: 'Delete a webhook and its delivery log' },
        response: { 200: envelope(z.object({ id: z.string(), deleted: z.literal(true) })) },
      },
    )
    .post('/:webhookId/rotate-secret', ({ actor, params }) => ok(rotateWebhookSecret(core, actor, params.webhookId)), {
      workspace: write,
      params: webhookParams,
      detail: { tags, summary: 'Replace the signing secret (shown once); the old one stops at once' },
      response: { 200: envelope(webhookWithSecret) },
    })
    .post(
      '/:webhookId/test',
      ({ actor, params, set }) => {
        set.status = 202
        return ok(pingWebhook(core, actor, params.webhookId))
      },
      {
        workspace: write,
        params: webhookParams,
        detail: { tags, summary: 'Enqueue a `ping` delivery now; returns its delivery id', ...conflicts('the webhook is inactive') },
        response: { 202: envelope(enqueued) },
      },
    )
    .get(
      '/:webhookId/deliveries',
      ({ actor, params, query }) => {
        const r = listDeliveries(core, actor, params.webhookId, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: read,
        params: webhookParams,
        query: listDeliveriesQuery,
        detail: { tags, summary: 'Delivery log, newest first (status, attempts, last response code and error)' },
        response: { 200: listEnvelope(delivery) },
      },
    )
    .get('/:webhookId/deliveries/:deliveryId', ({ actor, params }) => ok(getDelivery(core, actor, params.webhookId, params.deliveryId)), {
      workspace: read,
      params: deliveryParams,
      detail: { tags, summary: 'One delivery with the JSON body it sends' },
      response: { 200: envelope(deliveryDetail) },
    })
    .post(
      '/:webhookId/deliveries/:deliveryId/redeliver',
      ({ actor, params, set }) => {
        set.status = 202
        return ok(redeliver(core, actor, params.webhookId, params.deliveryId))
      },
      {
        workspace: write,
        params: deliveryParams,
        detail: {
          tags,
          summary: 'Send a finished delivery again (same id and body, fresh retry schedule)',
          ...conflicts('the delivery is still pending', 'the webhook is inactive'),
        },
        response: { 202: envelope(delivery) },
      },
    )
}
