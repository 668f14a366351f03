import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { conflicts, envelope, listEnvelope, ok, okList, PROJECT_ARCHIVED } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin } from '../permissions/plugin'
import { taskParams } from '../tasks/model'
import { comment, commentBody, commentParams, listCommentsQuery } from './model'
import { addComment, deleteComment, listComments, updateComment } from './service'

const tags = ['Comments']

/** Task comments with @mentions. Writing needs comments:write on the task's project. */
export function commentRoutes(core: Core) {
  return new Elysia({ name: 'comments', prefix: '/tasks/:taskId/comments' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .get(
      '/',
      ({ actor, params, query }) => {
        const r = listComments(core, actor, params.taskId, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: 'tasks:read',
        params: taskParams,
        query: listCommentsQuery,
        detail: { tags, summary: "List a task's comments (oldest first)" },
        response: { 200: listEnvelope(comment) },
      },
    )
    .post(
      '/',
      ({ actor, params, body, set }) => {
        set.status = 201
        return ok(addComment(core, actor, params.taskId, body))
      },
      {
        workspace: 'comments:write',
        idempotent: true,
        params: taskParams,
        body: commentBody,
        detail: {
          tags,
          summary: 'Comment on a task (@handle mentions notify members who can see the project)',
          ...conflicts(PROJECT_ARCHIVED),
        },
        response: { 201: envelope(comment) },
      },
    )
    .patch('/:commentId', ({ actor, params, body }) => ok(updateComment(core, actor, params.taskId, params.commentId, body)), {
      workspace: 'comments:write',
      params: commentParams,
      body: commentBody,
      detail: { tags, summary: 'Edit a comment (its author or a project owner)', ...conflicts(PROJECT_ARCHIVED) },
      response: { 200: envelope(comment) },
    })
    .delete(
      '/:commentId',
      ({ actor, params }) => ok({ ...deleteComment(core, actor, params.taskId, params.commentId), deleted: true as const }),
      {
        workspace: 'comments:write',
        params: commentParams,
        detail: { tags, summary: 'Delete a comment (its author or a project owner)', ...conflicts(PROJECT_ARCHIVED) },
        response: { 200: envelope(z.object({ id: z.string(), deleted: z.literal(true) })) },
      },
    )
}
