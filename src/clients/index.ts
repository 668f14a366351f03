import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { documentedResponse, envelope, listEnvelope, ok, okList, pageQuery } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin } from '../permissions/plugin'
import { project } from '../projects/model'
import { client, clientParams, createClientBody, listClientsQuery, updateClientBody } from './model'
import { clientAnswer, clientsAnswer, createClient, deleteClient, listClientProjects, updateClient } from './service'

const tags = ['Clients']
const read = { permission: 'clients:read', orgWide: true } as const
const write = { permission: 'clients:write', orgWide: true } as const

/** Workspace clients (clients:read / clients:write; project-scoped keys are refused). */
export function clientRoutes(core: Core) {
  return new Elysia({ name: 'clients', prefix: '/clients' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .get('', ({ actor, query }) => clientsAnswer(core, actor, query), {
      workspace: read,
      query: listClientsQuery,
      // A kept answer (bytes): documented from the schema, not re-validated per request (test/single-answers.test.ts parses answers with it).
      detail: { tags, summary: 'List clients', responses: documentedResponse(listEnvelope(client), 'A page of clients') },
    })
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
    .get('/:clientId', ({ actor, params }) => clientAnswer(core, actor, params.clientId), {
      workspace: read,
      params: clientParams,
      // A kept answer (bytes): documented from the schema, not re-validated per request (test/single-answers.test.ts parses answers with it).
      detail: { tags, summary: 'Get a client', responses: documentedResponse(envelope(client), 'The client') },
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
