import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { EVENT_TYPES } from '../events'
import { authPlugin } from '../permissions/plugin'
import { createLiveHub, type LiveStream } from './hub'

const description = `Server-Sent Events for the selected workspace (SPEC §9). Each event: \`id:\` (monotonic), \`event:\` its type (${EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}), \`data:\` JSON \`{ type, workspaceId, projectId, taskId?, at, data }\` with the data a webhook carries.

Connecting needs \`projects:read\`. An event is sent only if the caller may read its subject at the moment of sending (\`tasks:read\` for tasks, comments and statuses, \`projects:read\` for projects and project members, \`timesheets:read\` for time entries, \`workspaces:read\` for workspace members), checked again for every event: a member removed or demoted stops receiving. \`Last-Event-ID\` resumes within the last 1,000 events; older (or unknown) ids get \`event: reset\` first (reload what you show). A comment line (\`: heartbeat\`) every 15 s. At most 10 open streams per user: opening an 11th closes the oldest.`

/** GET /events: the live stream (the hub in hub.ts decides what each stream receives). */
export function liveRoutes(core: Core) {
  const hub = createLiveHub(core)
  const encoder = new TextEncoder()
  return new Elysia({ name: 'live' }).use(authPlugin(core)).get(
    '/events',
    ({ actor, request, server }) => {
      // SSE answers stay open: no idle timeout for this request (the heartbeat keeps proxies awake).
      server?.timeout(request, 0)
      const raw = request.headers.get('last-event-id')
      const lastEventId = raw && /^\d{1,16}$/.test(raw.trim()) ? Number(raw.trim()) : raw ? -1 : null
      const { workspace: _w, ...principal } = actor
      let stream: LiveStream | null = null
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          let open = true
          stream = {
            principal,
            owner: actor.user?.id ?? `credential:${actor.credential.id}`,
            workspaceId: actor.workspace.id,
            write(chunk) {
              if (open) controller.enqueue(encoder.encode(chunk))
            },
            end() {
              if (!open) return
              open = false
              hub.close(stream!)
              controller.close()
            },
          }
          stream.write(`retry: 2000\n: connected to ${actor.workspace.slug}\n\n`)
          hub.open(stream, lastEventId)
        },
        cancel() {
          if (stream) hub.close(stream)
        },
      })
      return new Response(body, {
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
      })
    },
    {
      // To connect: a member who may read projects; each event then needs its subject's read scope.
      workspace: 'projects:read',
      headers: z.object({ 'last-event-id': z.string().max(64).optional() }),
      detail: {
        tags: ['Live'],
        summary: 'Live events of the workspace (Server-Sent Events)',
        description,
        responses: {
          200: {
            description: 'An event stream (text/event-stream) that stays open.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
  )
}
