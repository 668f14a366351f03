import { z } from 'zod'
import { PRIORITIES, STATUS_CATEGORIES } from '../db/schema'
import { example } from '../http/example'
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
const title = nameText(500)
const description = multilineText(100_000)
const labelRef = z.string().max(64)
/** A label given by id or by name (a new name creates the label, so it follows the name rule). */
const labelInput = nameText(64)
const todoText = nameText(1000)

export const todoInput = z.strictObject({ text: todoText, done: z.boolean().optional() })
export type TodoInput = z.infer<typeof todoInput>

export const createTaskBody = z.strictObject({
  projectId: id,
  title,
  description: description.nullable().optional(),
  priority: priority.default('P2'),
  /** Preferred: the status id. */
  statusId: id.optional(),
  /** Or the status name, case-insensitive. Neither: the project's first "unstarted" status. */
  status: z.string().trim().min(1).max(100).optional(),
  assigneeIds: z.array(id).max(50).optional(),
  /** Label names or ids; names not yet in the workspace are created. */
  labels: z.array(labelInput).max(50).optional(),
  todos: z.array(todoInput).max(200).optional(),
  dueDate: isoDate.nullable().optional(),
})
export type CreateTaskInput = z.infer<typeof createTaskBody>

export const updateTaskBody = z.strictObject({
  title: title.optional(),
  description: description.nullable().optional(),
  priority: priority.optional(),
  statusId: id.optional(),
  status: z.string().trim().min(1).max(100).optional(),
  /** Replaces the assignees. */
  assigneeIds: z.array(id).max(50).optional(),
  /** Replaces the labels (names or ids). */
  labels: z.array(labelInput).max(50).optional(),
  dueDate: isoDate.nullable().optional(),
})
export type UpdateTaskInput = z.infer<typeof updateTaskBody>

export const moveTaskBody = z.strictObject({
  /** Target project (the task keeps its id and gets a new human number there). */
  projectId: id.optional(),
  statusId: id.optional(),
  status: z.string().trim().min(1).max(100).optional(),
  /** Place the task right before this task of the target column. */
  beforeTaskId: id.optional(),
  /** Place the task right after this task of the target column. */
  afterTaskId: id.optional(),
})
export type MoveTaskInput = z.infer<typeof moveTaskBody>

export const reorderBody = z.strictObject({
  statusId: id,
  /** The column's complete order: every non-archived task of the status, once. */
  taskIds: z.array(id).max(10_000),
})
export type ReorderInput = z.infer<typeof reorderBody>

export const TASK_SORTS = ['rank', 'created', 'updated', 'due', 'priority'] as const
const boolParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

export const listTasksQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(400).optional(),
  projectId: id.optional(),
  statusId: id.optional(),
  assigneeId: id.optional(),
  /** Label name or id. */
  label: labelRef.optional(),
  priority: priority.optional(),
  /** false (default): active tasks; true: archived ones only. */
  archived: boolParam.optional(),
  dueBefore: isoDate.optional(),
  dueAfter: isoDate.optional(),
  /** Full-text match on title and description (words, prefix-matched). */
  q: z.string().max(1000).optional(),
  /** Default: `rank` when statusId is given, else `created`. */
  sort: z.enum(TASK_SORTS).optional(),
  order: z.enum(['asc', 'desc']).optional(),
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

export const todoCreateBody = todoInput.extend({
  /** 0-based index to insert at; default: the end. */
  position: z.number().int().min(0).optional(),
})
export const todoUpdateBody = z.strictObject({
  text: todoText.optional(),
  done: z.boolean().optional(),
  position: z.number().int().min(0).optional(),
})
export type TodoUpdateInput = z.infer<typeof todoUpdateBody>
export const todoReorderBody = z.strictObject({ todoIds: z.array(id).max(1000) })

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
