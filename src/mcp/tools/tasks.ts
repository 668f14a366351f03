import { z } from 'zod'
import { commentText } from '../../comments/model'
import { addComment } from '../../comments/service'
import { listStatuses } from '../../statuses/service'
import { listTasks } from '../../tasks/list'
import { createTaskBody, isoDate, priority, TASK_SORTS, taskTitle, todoInput, todoText, updateTaskBody } from '../../tasks/model'
import { moveTask } from '../../tasks/move'
import { getTask } from '../../tasks/read'
import { createTask, deleteTask, setArchived, updateTask } from '../../tasks/service'
import { addTodo, updateTodo } from '../../tasks/todos'
import { CREATE, defineTool, pageArgs, READ, SET, seg, UPDATE } from '../tool'

const ref = z.string().trim().min(1).max(64)
export const task = ref.describe('Id or human id (WEB-42).')
const projectId = ref
const statusName = () => z.string().trim().min(1).max(100).optional().describe('Status name, e.g. "Done".')
const statusId = () => ref.optional()
const labels = (how: string) => createTaskBody.shape.labels.describe(`Label names or ids (new names are created); ${how}`)
const assigneeIds = (how: string) => createTaskBody.shape.assigneeIds.describe(`Assignee user ids (list_members); ${how}`)
const dueDate = isoDate.nullable().optional().describe('YYYY-MM-DD, or null to clear.')

const taskLine = (t: any) => `${t.humanId} "${t.title}" [${t.status.name}, ${t.priority}] (${t.id})`

export const list_statuses = defineTool({
  name: 'list_statuses',
  title: 'List statuses',
  description: "A project's statuses (board columns) in order.",
  input: { projectId },
  annotations: READ,
  scope: 'workspace',
  permission: 'projects:read',
  call: (core, actor, input) => ({ items: listStatuses(core, actor, input.projectId), nextCursor: null }),
  rest: (input) => ({ method: 'GET', path: `/projects/${seg(input.projectId)}/statuses` }),
  summary: (d) => `${d.items.length} status(es): ${d.items.map((s: any) => `${s.name} [${s.category}] (${s.id})`).join(', ')}`,
})

export const list_tasks = defineTool({
  name: 'list_tasks',
  title: 'List tasks',
  description: 'Tasks you can see, filtered; summaries (get_task for todos). archived=true: archived only.',
  input: {
    projectId: ref.optional(),
    statusId: ref.optional().describe('Board order within this column.'),
    assigneeId: ref.optional().describe('User id.'),
    label: z.string().max(64).optional().describe('Label name or id.'),
    priority: priority.optional(),
    archived: z.boolean().optional(),
    dueBefore: isoDate.optional(),
    dueAfter: isoDate.optional(),
    q: z.string().max(1000).optional().describe('Words in title or description.'),
    sort: z.enum(TASK_SORTS).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    ...pageArgs,
  },
  annotations: READ,
  scope: 'workspace',
  permission: 'tasks:read',
  call: (core, actor, input) => listTasks(core, actor, input),
  rest: (input) => ({ method: 'GET', path: '/tasks', query: input }),
  summary: (d) =>
    d.items.length === 0
      ? 'No tasks match.'
      : `${d.items.length} task(s)${d.nextCursor ? ' (more: pass cursor)' : ''}: ${d.items.map(taskLine).join('; ')}`,
})

export const get_task = defineTool({
  name: 'get_task',
  title: 'Get a task',
  description: 'One task with todos (ids), comment count and minutes logged.',
  input: { task },
  annotations: READ,
  scope: 'workspace',
  permission: 'tasks:read',
  call: (core, actor, input) => getTask(core, actor, input.task),
  rest: (input) => ({ method: 'GET', path: `/tasks/${seg(input.task)}` }),
  summary: (t) =>
    `${taskLine(t)}; ${t.todoDoneCount}/${t.todoCount} todos done, ${t.commentCount} comment(s), ${t.timeLoggedMinutes} min logged.`,
})

export const create_task = defineTool({
  name: 'create_task',
  title: 'Create a task',
  description: 'Creates a task (default status: the first unstarted one). Returns it with its human id.',
  input: {
    projectId,
    title: taskTitle,
    description: createTaskBody.shape.description.describe('Markdown.'),
    priority: createTaskBody.shape.priority.describe('P0 highest … P3; default P2.'),
    statusId: statusId(),
    status: statusName(),
    assigneeIds: assigneeIds('default none.'),
    labels: labels('default none.'),
    todos: z.array(todoInput).max(200).optional().describe('Checklist items.'),
    dueDate,
  },
  annotations: CREATE,
  scope: 'workspace',
  permission: 'tasks:write',
  call: (core, actor, input) => createTask(core, actor, input),
  rest: (input) => ({ method: 'POST', path: '/tasks', body: input }),
  summary: (t) => `Created ${taskLine(t)} with ${t.todoCount} todo(s) and labels ${t.labels.map((l: any) => l.name).join(', ') || 'none'}.`,
})

export const update_task = defineTool({
  name: 'update_task',
  title: 'Update a task',
  description: 'Changes the given fields; assigneeIds and labels REPLACE the lists (get_task first to add one).',
  input: {
    task,
    title: taskTitle.optional(),
    description: updateTaskBody.shape.description.describe('Markdown, or null to clear.'),
    priority: priority.optional(),
    statusId: statusId(),
    status: statusName(),
    assigneeIds: assigneeIds('replaces ([] clears).'),
    labels: labels('replaces ([] clears).'),
    dueDate,
  },
  annotations: UPDATE,
  scope: 'workspace',
  permission: 'tasks:write',
  call: (core, actor, { task, ...input }) => updateTask(core, actor, task, input),
  rest: ({ task, ...input }) => ({ method: 'PATCH', path: `/tasks/${seg(task)}`, body: input }),
  summary: (t) => `Updated ${taskLine(t)}.`,
})

export const move_task = defineTool({
  name: 'move_task',
  title: 'Move a task',
  description: 'Moves a task to a status (e.g. "Done"), before/after a task (default: column end) and/or to another project.',
  input: {
    task,
    statusId: statusId(),
    status: statusName(),
    projectId: ref.optional().describe('Target project.'),
    beforeTaskId: ref.optional(),
    afterTaskId: ref.optional(),
  },
  annotations: UPDATE,
  scope: 'workspace',
  permission: 'tasks:write',
  call: (core, actor, { task, ...input }) => moveTask(core, actor, task, input),
  rest: ({ task, ...input }) => ({ method: 'POST', path: `/tasks/${seg(task)}/move`, body: input }),
  summary: (t) => `Moved ${taskLine(t)}.`,
})

export const add_comment = defineTool({
  name: 'add_comment',
  title: 'Comment on a task',
  description: 'Comments on a task (Markdown; @handle notifies that member).',
  input: { task, body: commentText },
  annotations: CREATE,
  scope: 'workspace',
  permission: 'comments:write',
  call: (core, actor, { task, ...input }) => addComment(core, actor, task, input),
  rest: ({ task, ...input }) => ({ method: 'POST', path: `/tasks/${seg(task)}/comments`, body: input }),
  summary: (c) => `Comment ${c.id} added to task ${c.taskId}.`,
})

export const add_todo = defineTool({
  name: 'add_todo',
  title: 'Add a todo',
  description: 'Adds a checklist item to a task (default at the end). Returns it with its id.',
  input: {
    task,
    text: todoText,
    done: z.boolean().optional(),
    position: z.number().int().min(0).optional().describe('0-based index.'),
  },
  annotations: CREATE,
  scope: 'workspace',
  permission: 'tasks:write',
  call: (core, actor, { task, ...input }) => addTodo(core, actor, task, input),
  rest: ({ task, ...input }) => ({ method: 'POST', path: `/tasks/${seg(task)}/todos`, body: input }),
  summary: (t) => `Todo ${t.id} "${t.text}" added${t.done ? ' (done)' : ''}.`,
})

export const set_todo_done = defineTool({
  name: 'set_todo_done',
  title: 'Check or uncheck a todo',
  description: 'Marks a todo done (or not, with done=false). Todo ids: get_task.',
  input: {
    task,
    todoId: ref,
    done: z.boolean().default(true),
  },
  annotations: SET,
  scope: 'workspace',
  permission: 'tasks:write',
  call: (core, actor, input) => updateTodo(core, actor, input.task, input.todoId, { done: input.done }),
  rest: (input) => ({ method: 'PATCH', path: `/tasks/${seg(input.task)}/todos/${seg(input.todoId)}`, body: { done: input.done } }),
  summary: (t) => `Todo "${t.text}" is ${t.done ? 'done' : 'not done'}.`,
})

export const archive_task = defineTool({
  name: 'archive_task',
  title: 'Archive a task',
  description: 'Archives a task (archived=false restores it).',
  input: { task, archived: z.boolean().default(true) },
  annotations: SET,
  scope: 'workspace',
  permission: 'tasks:write',
  call: (core, actor, input) => setArchived(core, actor, input.task, input.archived),
  rest: (input) => ({ method: 'POST', path: `/tasks/${seg(input.task)}/${input.archived ? 'archive' : 'unarchive'}` }),
  summary: (t) => `${taskLine(t)} is ${t.archived ? 'archived' : 'not archived'}.`,
})

export const delete_task = defineTool({
  name: 'delete_task',
  title: 'Delete a task',
  description: 'Deletes a task with its todos, comments and time entries, for good. Prefer archive_task.',
  input: { task },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  scope: 'workspace',
  permission: 'tasks:write',
  call: (core, actor, input) => ({ ...deleteTask(core, actor, input.task), deleted: true }),
  rest: (input) => ({ method: 'DELETE', path: `/tasks/${seg(input.task)}` }),
  summary: (d) => `Task ${d.id} deleted.`,
})
