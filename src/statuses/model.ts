import { z } from 'zod'
import { example } from '../http/example'
import { nameText } from '../http/text'
import { color, statusCategory } from '../projects/model'

export { type Status, status } from '../projects/model'

const id = z.string().trim().min(1).max(64)
const name = nameText(100)

export const statusParams = z.object({ projectId: id, statusId: id })

const doc = {
  name: 'Column name, 1 to 100 characters, unique in the project (case-insensitively).',
  category: 'What the column means for reports and the workspace board: `backlog`, `unstarted`, `started`, `completed` or `canceled`.',
  color: 'Hex color `#rgb` or `#rrggbb`; null: none.',
}
export const createStatusBody = z.strictObject({
  name: name.describe(doc.name),
  category: statusCategory.describe(doc.category),
  color: color.nullable().optional().describe(doc.color),
  position: z.number().int().min(0).optional().describe('0-based place in the column order; default: last. Later statuses shift right.'),
})
export type CreateStatusInput = z.infer<typeof createStatusBody>

export const updateStatusBody = z.strictObject({
  name: name.optional().describe(doc.name),
  category: statusCategory.optional().describe(doc.category),
  color: color.nullable().optional().describe(doc.color),
  position: z.number().int().min(0).optional().describe('New 0-based place; the others close the gap and shift (positions stay 0..n-1).'),
})
export type UpdateStatusInput = z.infer<typeof updateStatusBody>

/** Where the tasks of a deleted status go (query `?moveTasksTo=` or this body). */
const moveTasksTo = id.optional().describe('Status id of the same project that receives the tasks; needed when the status still has tasks.')
export const deleteStatusQuery = z.object({ moveTasksTo })
export const deleteStatusBody = z.strictObject({ moveTasksTo }).optional()

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
