import { z } from 'zod'
import { PRIORITIES, STATUS_CATEGORIES } from '../db/schema'
import { boolParam, project, status } from '../projects/model'

const id = z.string().trim().min(1).max(64)

export const boardQuery = z.object({
  projectId: id.optional().describe("A project's board (one column per status); without it, the workspace board by status category."),
  statusId: id.optional().describe('With projectId and cursor: the next page of this one column.'),
  category: z.enum(STATUS_CATEGORIES).optional().describe('Workspace board, with cursor: the next page of this one category column.'),
  cursor: z
    .string()
    .max(200)
    .regex(/^[0-9A-Za-z]+(?::[0-9A-Za-z-]+)?$/, 'Expected a column nextCursor')
    .optional()
    .describe("A column's `nextCursor`, with statusId or category; omit for the first page of every column."),
  limit: z.coerce.number().int().min(1).max(200).optional().describe('Tasks per column, 1 to 200 (default 25).'),
  archived: boolParam.optional().describe('`true`: include archived tasks (default false).'),
})
export type BoardQuery = z.infer<typeof boardQuery>

export const boardTask = z
  .object({
    id: z.string(),
    /** Human id, PROJ-42. */
    humanId: z.string(),
    number: z.number().int(),
    projectId: z.string(),
    statusId: z.string(),
    title: z.string(),
    priority: z.enum(PRIORITIES),
    rank: z.string(),
    dueDate: z.string().nullable(),
    archived: z.boolean(),
    assigneeIds: z.array(z.string()),
    labels: z.array(z.object({ id: z.string(), name: z.string(), color: z.string().nullable() })),
    /** Todo progress: how many todos, how many done. */
    todoCount: z.number().int(),
    todoDoneCount: z.number().int(),
  })
  .meta({ id: 'BoardTask' })
export type BoardTask = z.infer<typeof boardTask>

export const boardColumn = z
  .object({
    /** The status (project board) or null (workspace board: one column per category). */
    status: status.nullable(),
    category: z.enum(STATUS_CATEGORIES),
    /** Tasks in the whole column, not just this page. */
    count: z.number().int(),
    tasks: z.array(boardTask),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'BoardColumn' })
export type BoardColumn = z.infer<typeof boardColumn>

export const board = z.object({ project: project.nullable(), columns: z.array(boardColumn) }).meta({ id: 'Board' })
export type Board = z.infer<typeof board>
