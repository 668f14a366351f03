import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { documentedResponse, envelope, listEnvelope, ok } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { listNotificationsQuery, notification, notificationParams, preferences, preferencesBody } from './model'
import { getPreferences, markAllRead, markRead, notificationsAnswer, updatePreferences } from './service'
import './subscriber' // registers the notifications subscriber on the event bus

const tags = ['Notifications']

/**
 * The caller's own notifications in the selected workspace (notifications:read / notifications:write
 * at workspace level). Another user's notification id is 404. The global token has no user: 403.
 */
export function notificationRoutes(core: Core) {
  return new Elysia({ name: 'notifications', prefix: '/notifications' })
    .use(authPlugin(core))
    .get('', ({ actor, query }) => notificationsAnswer(core, actor, query), {
      workspace: 'notifications:read',
      query: listNotificationsQuery,
      detail: {
        tags,
        summary: 'My notifications, newest first (unread=true filter, cursor pagination)',
        // A kept answer (bytes): documented from the schema, not re-validated per request (test/single-answers.test.ts parses answers with it).
        responses: documentedResponse(listEnvelope(notification), 'A page of my notifications'),
      },
    })
    .post('/read-all', ({ actor }) => ok(markAllRead(core, actor)), {
      workspace: 'notifications:write',
      detail: { tags, summary: 'Mark all my notifications in this workspace read' },
      response: { 200: envelope(z.object({ updated: z.number().int() })) },
    })
    .get('/preferences', ({ actor }) => ok(getPreferences(core, actor)), {
      workspace: 'notifications:read',
      detail: { tags, summary: 'My notification preferences (per kind: inApp, email)' },
      response: { 200: envelope(preferences) },
    })
    .put('/preferences', ({ actor, body }) => ok(updatePreferences(core, actor, body)), {
      workspace: 'notifications:write',
      body: preferencesBody,
      detail: { tags, summary: 'Change my notification preferences (partial: what is left out keeps its value)' },
      response: { 200: envelope(preferences) },
    })
    .post('/:notificationId/read', ({ actor, params }) => ok(markRead(core, actor, params.notificationId)), {
      workspace: 'notifications:write',
      params: notificationParams,
      detail: { tags, summary: 'Mark one of my notifications read' },
      response: { 200: envelope(notification) },
    })
}
