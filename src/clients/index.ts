import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { envelope, listEnvelope, ok, okList, pageQuery } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin } from '../permissions/plugin'
import { project } from '../projects/model'
import { client, clientParams, createClientBody, listClientsQuery, updateClientBody } from './model'
import { createClient, deleteClient, getClient, listClientProjects, listClients, updateClient } from './service'

const tags = ['Clients']
const read = { permission: 'clients:read', orgWide: true } as const
const write = { permission: 'clients:write', orgWide: true } as const

/** Workspace clients (clients:read / clients:write; project-scoped keys are refused). */
export function clientRoutes(core: Core) {
  return new Elysia({ name: 'clients', prefix: '/clients' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .get(
      '',
      ({ actor, query }) => {
        const r = listClients(core, actor, query)
        return okList(r.items, r.nextCursor)
      },
      { workspace: read, query: listClientsQuery, detail: { tags, summary: 'List clients' }, response: { 200: listEnvelope(client) } },
    )
    .post(
      '',
      ({ actor, body, set }) => {
        set.status = 201
        return ok(createClient(core, actor, body))
      },
      {
        workspace: write,
        idempotent: true,
        body: createClientBody,
        detail: { tags, summary: 'Create a client' },
        response: { 201: envelope(client) },
      },
    )
    .get('/:clientId', ({ actor, params }) => ok(getClient(core, actor, params.clientId)), {
      workspace: read,
      params: clientParams,
      detail: { tags, summary: 'Get a client' },
      response: { 200: envelope(client) },
    })
    .patch('/:clientId', ({ actor, params, body }) => ok(updateClient(core, actor, params.clientId, body)), {
      workspace: write,
      params: clientParams,
      body: updateClientBody,
      detail: { tags, summary: 'Update or (un)archive a client' },
      response: { 200: envelope(client) },
    })
    .delete(
      '/:clientId',
      ({ actor, params }) => {
        deleteClient(core, actor, params.clientId)
        return ok({ id: params.clientId, deleted: true as const })
      },
      {
        workspace: write,
        params: clientParams,
        detail: { tags, summary: 'Delete a client (its projects stay, unlinked)' },
        response: { 200: envelope(z.object({ id: z.string(), deleted: z.literal(true) })) },
      },
    )
    .get(
      '/:clientId/projects',
      ({ actor, params, query }) => {
        const r = listClientProjects(core, actor, params.clientId, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: read,
        params: clientParams,
        query: pageQuery,
        detail: { tags, summary: "The client's projects you can see (active and archived)" },
        response: { 200: listEnvelope(project) },
      },
    )
}
