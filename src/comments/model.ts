import { z } from 'zod'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { multilineText } from '../http/text'
import { personRef } from '../tasks/model'

const id = z.string().trim().min(1).max(64)

/** The bare rule (the MCP tools reuse it). */
export const commentText = multilineText(20_000, { required: true })
export const commentBody = z.strictObject({
  body: commentText.describe('The comment in Markdown, 1 to 20 000 characters; `@handle` mentions notify that member.'),
})
export type CommentInput = z.infer<typeof commentBody>

export const comment = z
  .object({
    id: z.string(),
    taskId: z.string(),
    projectId: z.string(),
    /** null when the author's account was deleted, or for the global token. */
    author: personRef.nullable(),
    body: z.string(),
    edited: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Comment' })
export type Comment = z.infer<typeof comment>

export const commentParams = z.object({ taskId: id, commentId: id })
export const listCommentsQuery = pageQuery.extend({
  order: z.enum(['asc', 'desc']).optional().describe('`asc`: oldest first (default); `desc`: newest first.'),
})
export type ListCommentsQuery = z.infer<typeof listCommentsQuery>

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(commentBody, { body: 'Pricing table is ready for review.' })
