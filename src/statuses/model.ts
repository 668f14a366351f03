import { z } from 'zod'
import { example } from '../http/example'
import { nameText } from '../http/text'
import { color, statusCategory } from '../projects/model'

export { type Status, status } from '../projects/model'

const id = z.string().trim().min(1).max(64)
const name = nameText(100)

export const statusParams = z.object({ projectId: id, statusId: id })

export const createStatusBody = z.strictObject({
  name,
  category: statusCategory,
  color: color.nullable().optional(),
  /** 0-based place in the column order; default: last. Later statuses shift right. */
  position: z.number().int().min(0).optional(),
})
export type CreateStatusInput = z.infer<typeof createStatusBody>

export const updateStatusBody = z.strictObject({
  name: name.optional(),
  category: statusCategory.optional(),
  color: color.nullable().optional(),
  /** New 0-based place; the others close the gap and shift (positions stay 0..n-1). */
  position: z.number().int().min(0).optional(),
})
export type UpdateStatusInput = z.infer<typeof updateStatusBody>

/** Where the tasks of a deleted status go (query `?moveTasksTo=` or this body). */
export const deleteStatusQuery = z.object({ moveTasksTo: id.optional() })
export const deleteStatusBody = z.strictObject({ moveTasksTo: id.optional() }).optional()

export const deletedStatus = z.object({
  id: z.string(),
  deleted: z.literal(true),
  movedTasks: z.number().int(),
  movedTo: z.string().nullable(),
})

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createStatusBody, { name: 'In Review', category: 'started', color: '#aa66cc' })
example(updateStatusBody, { name: 'Reviewing' })
example(deleteStatusBody, { moveTasksTo: '<status id>' })
