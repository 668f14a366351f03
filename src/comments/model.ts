import { z } from 'zod'
import { example } from '../http/example'
import { multilineText } from '../http/text'
import { personRef } from '../tasks/model'

const id = z.string().trim().min(1).max(64)

export const commentBody = z.strictObject({ body: multilineText(20_000, { required: true }) })
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
export const listCommentsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(200).optional(),
  /** Oldest first (default) or newest first. */
  order: z.enum(['asc', 'desc']).optional(),
})
export type ListCommentsQuery = z.infer<typeof listCommentsQuery>

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(commentBody, { body: 'Pricing table is ready for review.' })
