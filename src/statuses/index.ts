import { Elysia } from 'elysia'
import type { Core } from '../core'
import { conflicts, documentedResponse, envelope, listEnvelope, ok, PROJECT_ARCHIVED } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin } from '../permissions/plugin'
import { projectParams } from '../projects/model'
import { createStatusBody, deletedStatus, deleteStatusBody, deleteStatusQuery, status, statusParams, updateStatusBody } from './model'
import { createStatus, deleteStatus, statusesAnswer, updateStatus } from './service'

const tags = ['Statuses']
const NAME_TAKEN = 'a status with this name exists in the project (case-insensitively)'

/** A project's ordered statuses (columns). Reading needs projects:read; changing them, project OWNER. */
export function statusRoutes(core: Core) {
  return new Elysia({ name: 'statuses', prefix: '/projects/:projectId/statuses' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .get('', ({ actor, params }) => statusesAnswer(core, actor, params.projectId), {
      workspace: 'projects:read',
      params: projectParams,
      detail: {
        tags,
        summary: "List a project's statuses in order",
        // A kept answer (bytes): documented from the schema, not re-validated per request (test/single-answers.test.ts parses answers with it).
        responses: documentedResponse(listEnvelope(status), "The project's statuses"),
      },
    })
    .post(
      '',
      ({ actor, params, body, set }) => {
        set.status = 201
        return ok(createStatus(core, actor, params.projectId, body))
      },
      {
        workspace: 'projects:write',
        idempotent: true,
        params: projectParams,
        body: createStatusBody,
        detail: {
          tags,
          summary: 'Add a status (project OWNER; names unique per project, case-insensitively)',
          ...conflicts(NAME_TAKEN, PROJECT_ARCHIVED),
        },
        response: { 201: envelope(status) },
      },
    )
    .patch('/:statusId', ({ actor, params, body }) => ok(updateStatus(core, actor, params.projectId, params.statusId, body)), {
      workspace: 'projects:write',
      params: statusParams,
      body: updateStatusBody,
      detail: {
        tags,
        summary: 'Rename, recategorize, recolor or reposition a status (project OWNER)',
        ...conflicts(NAME_TAKEN, PROJECT_ARCHIVED),
      },
      response: { 200: envelope(status) },
    })
    .delete(
      '/:statusId',
      ({ actor, params, query, body }) => {
        const r = deleteStatus(core, actor, params.projectId, params.statusId, query.moveTasksTo ?? body?.moveTasksTo)
        return ok({ id: params.statusId, deleted: true as const, ...r })
      },
      {
        workspace: 'projects:write',
        params: statusParams,
        query: deleteStatusQuery,
        body: deleteStatusBody,
        detail: {
          tags,
          summary: 'Delete a status (project OWNER). With tasks: ?moveTasksTo=<statusId> (409 otherwise); never the last one',
          ...conflicts('the status still has tasks and no moveTasksTo was given', "it is the project's last status", PROJECT_ARCHIVED),
        },
        response: { 200: envelope(deletedStatus) },
      },
    )
}
