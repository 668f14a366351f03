import { z } from 'zod'
import { PRIORITIES, STATUS_CATEGORIES } from '../db/schema'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { multilineText, nameText } from '../http/text'

/** A calendar day `YYYY-MM-DD` that exists (2026-02-30 is refused). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Expected a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`)
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
  }, 'Not a valid calendar date')

export const priority = z.enum(PRIORITIES)
const id = z.string().trim().min(1).max(64)
/** Bare field rules (the MCP tools reuse them with their own, shorter descriptions). */
export const taskTitle = nameText(500)
const description = multilineText(100_000)
const labelRef = z.string().max(64)
/** A label given by id or by name (a new name creates the label, so it follows the name rule). */
const labelInput = nameText(64)
export const todoText = nameText(1000)
const ids = (what: string) => z.array(id).max(50).optional().describe(what)

export const todoInput = z.strictObject({ text: todoText, done: z.boolean().optional() })
export type TodoInput = z.infer<typeof todoInput>
const todoDoc = {
  text: todoText.describe('The checklist item, 1 to 1000 characters on one line.'),
  done: z.boolean().optional().describe('Checked off (default false).'),
}
const statusIdDoc = 'Status id (`GET /projects/{projectId}/statuses`); preferred over `status`.'
const statusNameDoc = 'Or the status name, case-insensitive, e.g. `In Progress`.'
const dueDateDoc = 'Due day `YYYY-MM-DD` (a real calendar date); null: none.'
const labelsDoc = 'Label names or ids, at most 50; names not yet in the workspace are created.'
const titleDoc = 'Title, 1 to 500 characters on one line.'
const descriptionDoc = 'Markdown description, up to 100 000 characters; null clears it.'

export const createTaskBody = z.strictObject({
  projectId: id.describe('The project to create the task in (`GET /projects`).'),
  title: taskTitle.describe(titleDoc),
  description: description.nullable().optional().describe(descriptionDoc),
  priority: priority.default('P2').describe('`P0` (highest) to `P3`; default `P2`.'),
  statusId: id.optional().describe(statusIdDoc),
  status: z.string().trim().min(1).max(100).optional().describe(`${statusNameDoc} Neither: the project's first "unstarted" status.`),
  assigneeIds: ids('User ids of the assignees (project members), at most 50.'),
  labels: z.array(labelInput).max(50).optional().describe(labelsDoc),
  todos: z.array(z.strictObject(todoDoc)).max(200).optional().describe('Checklist items, at most 200, in order.'),
  dueDate: isoDate.nullable().optional().describe(dueDateDoc),
})
export type CreateTaskInput = z.infer<typeof createTaskBody>

export const updateTaskBody = z.strictObject({
  title: taskTitle.optional().describe(titleDoc),
  description: description.nullable().optional().describe(descriptionDoc),
  priority: priority.optional().describe('`P0` (highest) to `P3`.'),
  statusId: id.optional().describe(statusIdDoc),
  status: z.string().trim().min(1).max(100).optional().describe(statusNameDoc),
  assigneeIds: ids('Replaces the assignees: user ids of project members, at most 50 (`[]` removes all).'),
  labels: z.array(labelInput).max(50).optional().describe(`Replaces the labels. ${labelsDoc}`),
  dueDate: isoDate.nullable().optional().describe(dueDateDoc),
})
export type UpdateTaskInput = z.infer<typeof updateTaskBody>

export const moveTaskBody = z.strictObject({
  projectId: id.optional().describe('Target project (the task keeps its id and gets a new human number there). Default: its own.'),
  statusId: id.optional().describe(`Target status. ${statusIdDoc}`),
  status: z.string().trim().min(1).max(100).optional().describe(`${statusNameDoc} Neither: the task keeps its status.`),
  beforeTaskId: id.optional().describe('Place the task right before this task of the target column.'),
  afterTaskId: id.optional().describe('Place the task right after this task of the target column. Neither: at the end.'),
})
export type MoveTaskInput = z.infer<typeof moveTaskBody>

export const reorderBody = z.strictObject({
  statusId: id.describe('The status (board column) to reorder.'),
  taskIds: z.array(id).max(10_000).describe("The column's complete new order: every non-archived task id of the status, once."),
})
export type ReorderInput = z.infer<typeof reorderBody>

export const TASK_SORTS = ['rank', 'created', 'updated', 'due', 'priority'] as const
const boolParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

export const listTasksQuery = z.object({
  limit: pageQuery.shape.limit,
  cursor: z.string().min(1).max(400).optional().describe(pageQuery.shape.cursor.description!),
  projectId: id.optional().describe('Only tasks of this project.'),
  statusId: id.optional().describe('Only tasks in this status (board column).'),
  assigneeId: id.optional().describe('Only tasks assigned to this user id.'),
  label: labelRef.optional().describe('Only tasks with this label (name or id).'),
  priority: priority.optional().describe('Only tasks of this priority, `P0` to `P3`.'),
  archived: boolParam.optional().describe('`false` (default): active tasks; `true`: archived ones only.'),
  dueBefore: isoDate.optional().describe('Only tasks due on or before this day, `YYYY-MM-DD`.'),
  dueAfter: isoDate.optional().describe('Only tasks due on or after this day, `YYYY-MM-DD`.'),
  q: z.string().max(1000).optional().describe('Words to find in the title and description (prefix-matched, all required).'),
  sort: z.enum(TASK_SORTS).optional().describe('Sort key. Default: `rank` (board order) when statusId is given, else `created`.'),
  order: z
    .enum(['asc', 'desc'])
    .optional()
    .describe('Direction. Default: `desc` for created and updated, `asc` for rank, due and priority.'),
})
export type ListTasksQuery = z.infer<typeof listTasksQuery>

export const taskParams = z.object({ taskId: id })
export const todoParams = z.object({ taskId: id, todoId: id })

export const personRef = z.object({ id: z.string(), name: z.string(), handle: z.string() }).meta({ id: 'PersonRef' })
export const labelRefOut = z.object({ id: z.string(), name: z.string(), color: z.string().nullable() })
export const todo = z
  .object({ id: z.string(), text: z.string(), done: z.boolean(), position: z.number(), createdAt: z.string() })
  .meta({ id: 'Todo' })
export type Todo = z.infer<typeof todo>

export const statusRef = z.object({ id: z.string(), name: z.string(), category: z.enum(STATUS_CATEGORIES) })

/** A task as lists return it. */
export const taskSummary = z
  .object({
    id: z.string(),
    /** Human id, e.g. PROJ-42 (changes when the task moves to another project). */
    humanId: z.string(),
    number: z.number(),
    workspaceId: z.string(),
    projectId: z.string(),
    statusId: z.string(),
    status: statusRef,
    title: z.string(),
    description: z.string().nullable(),
    priority: priority,
    rank: z.string(),
    dueDate: z.string().nullable(),
    archived: z.boolean(),
    archivedAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    assignees: z.array(personRef),
    labels: z.array(labelRefOut),
    todoCount: z.number(),
    todoDoneCount: z.number(),
  })
  .meta({ id: 'TaskSummary' })
export type TaskSummary = z.infer<typeof taskSummary>

/** A task with its todos, comment count and time logged (GET /tasks/:taskId and every write). */
export const task = taskSummary
  .extend({ todos: z.array(todo), commentCount: z.number(), timeLoggedMinutes: z.number() })
  .meta({ id: 'Task' })
export type Task = z.infer<typeof task>

export const todoCreateBody = z.strictObject({
  ...todoDoc,
  position: z.number().int().min(0).optional().describe('0-based index to insert at; default: the end.'),
})
export const todoUpdateBody = z.strictObject({
  text: todoDoc.text.optional(),
  done: z.boolean().optional().describe('Checked off or not.'),
  position: z.number().int().min(0).optional().describe('New 0-based place in the checklist; the others shift.'),
})
export type TodoUpdateInput = z.infer<typeof todoUpdateBody>
export const todoReorderBody = z.strictObject({
  todoIds: z.array(id).max(1000).describe("The checklist's complete new order: every todo id of the task, once."),
})

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createTaskBody, {
  projectId: '<project id>',
  title: 'Ship the landing page',
  description: 'Hero, pricing and **sign-up**.',
  priority: 'P1',
  dueDate: '2026-12-01',
  todos: [{ text: 'Hero copy' }, { text: 'Pricing table' }],
})
example(reorderBody, { statusId: '<status id>', taskIds: ['<task id>', '<another task id>'] })
example(updateTaskBody, { title: 'Ship the landing page today', priority: 'P0', dueDate: '2026-12-01' })
example(moveTaskBody, { status: 'In Progress' })
example(todoCreateBody, { text: 'Footer links' })
example(todoReorderBody, { todoIds: ['<todo id>', '<another todo id>'] })
example(todoUpdateBody, { done: true })
