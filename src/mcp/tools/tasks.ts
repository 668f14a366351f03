import { z } from 'zod'
import { commentBody } from '../../comments/model'
import { addComment } from '../../comments/service'
import { listStatuses } from '../../statuses/service'
import { listTasks } from '../../tasks/list'
import { createTaskBody, isoDate, moveTaskBody, priority, TASK_SORTS, todoInput, updateTaskBody } from '../../tasks/model'
import { moveTask } from '../../tasks/move'
import { getTask } from '../../tasks/read'
import { createTask, updateTask } from '../../tasks/service'
import { addTodo, updateTodo } from '../../tasks/todos'
import { CREATE, defineTool, pageArgs, READ, SET, seg, UPDATE } from '../tool'

const ref = z.string().trim().min(1).max(64)
const task = ref.describe('The task: its id, or its human id such as WEB-42.')
const projectId = ref.describe('The project id (from list_projects).')
const statusName = (verb: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe(`${verb} status by name, case-insensitive (e.g. "Done"). Use statusId instead when you have it.`)
const statusId = (verb: string) => ref.optional().describe(`${verb} status by id (from list_statuses).`)
const labels = (how: string) =>
  createTaskBody.shape.labels.describe(`Label names or ids; ${how} Unknown names are created in the workspace.`)
const assigneeIds = (how: string) =>
  createTaskBody.shape.assigneeIds.describe(`User ids of assignees (workspace members who can see the project); ${how}`)
const dueDate = isoDate.nullable().optional().describe('Due date YYYY-MM-DD, or null to clear it.')

const taskLine = (t: any) => `${t.humanId} "${t.title}" [${t.status.name}, ${t.priority}] (${t.id})`

export const list_statuses = defineTool({
  name: 'list_statuses',
  title: 'List statuses',
  description:
    "Lists a project's statuses (board columns) in order, each with its id, name and category (backlog, unstarted, started, completed, canceled). Use the ids with create_task, move_task and list_tasks.",
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
  description:
    'Lists tasks in the projects you can see, with filters (project, status, assignee, label, priority, due dates, text) and cursor pagination. Returns summaries (status, priority, assignees, labels, todo counts); use get_task for todos and details. Archived tasks are left out unless archived=true.',
  input: {
    projectId: ref.optional().describe('Only tasks of this project.'),
    statusId: ref.optional().describe('Only tasks in this status (column); results then come in board order.'),
    assigneeId: ref.optional().describe('Only tasks assigned to this user id (whoami gives your own).'),
    label: z.string().max(64).optional().describe('Only tasks with this label (name or id).'),
    priority: priority.optional().describe('Only tasks of this priority (P0 highest … P3 lowest).'),
    archived: z.boolean().optional().describe('true: archived tasks only.'),
    dueBefore: isoDate.optional().describe('Only tasks due on or before this date (YYYY-MM-DD).'),
    dueAfter: isoDate.optional().describe('Only tasks due on or after this date (YYYY-MM-DD).'),
    q: z.string().max(1000).optional().describe('Words to find in the title or description.'),
    sort: z.enum(TASK_SORTS).optional().describe('Sort key (default: rank with statusId, else created).'),
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
  description:
    'Returns one task with its status, priority, assignees, labels, todos (checklist items with ids), comment count and minutes of time logged. Accepts the task id or its human id (WEB-42).',
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
  description:
    'Creates a task in a project. Give the status by id (statusId, preferred) or by name (status, e.g. "In Progress"); without either it lands in the first "unstarted" status. Labels are names or ids (new names are created), todos are checklist items, assignees are user ids. Returns the full task with its id and human id (WEB-42).',
  input: {
    projectId,
    title: createTaskBody.shape.title.describe('Short task title.'),
    description: createTaskBody.shape.description.describe('Longer description (Markdown).'),
    priority: createTaskBody.shape.priority.describe('P0 (highest) … P3 (lowest); default P2.'),
    statusId: statusId('Initial'),
    status: statusName('Initial'),
    assigneeIds: assigneeIds('default none.'),
    labels: labels('default none.'),
    todos: z
      .array(todoInput)
      .max(200)
      .optional()
      .describe('Checklist items, e.g. [{ "text": "QA pass" }, { "text": "Deploy", "done": false }].'),
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
  description:
    'Changes fields of a task; fields you leave out stay as they are. assigneeIds and labels REPLACE the current lists (read them with get_task first to add one). A new status moves the task to the end of that column; use move_task to place it precisely.',
  input: {
    task,
    title: updateTaskBody.shape.title.describe('New title.'),
    description: updateTaskBody.shape.description.describe('New description (Markdown), or null to clear it.'),
    priority: priority.optional().describe('New priority, P0 (highest) … P3 (lowest).'),
    statusId: statusId('New'),
    status: statusName('New'),
    assigneeIds: assigneeIds('replaces the current assignees ([] clears them).'),
    labels: labels('replaces the current labels ([] clears them).'),
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
  description:
    'Moves a task to another status (e.g. status "Done"), to a position in its column (beforeTaskId / afterTaskId), and/or to another project of the workspace. Without a position it goes to the end of the target column. Moving to another project gives it a new human id there and drops assignees who cannot see that project.',
  input: {
    task,
    statusId: statusId('Target'),
    status: statusName('Target'),
    projectId: moveTaskBody.shape.projectId.describe('Target project id, to move the task to another project.'),
    beforeTaskId: moveTaskBody.shape.beforeTaskId.describe('Place it right before this task of the target column.'),
    afterTaskId: moveTaskBody.shape.afterTaskId.describe('Place it right after this task of the target column.'),
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
  description: 'Adds a comment to a task. Mention people with @handle: members who can see the project are notified. Returns the comment.',
  input: { task, body: commentBody.shape.body.describe('The comment text (Markdown; @handle mentions).') },
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
  description:
    'Adds a checklist item (todo) to a task, at the end or at a 0-based position. Returns the todo with its id (for set_todo_done).',
  input: {
    task,
    text: todoInput.shape.text.describe('What needs doing.'),
    done: z.boolean().optional().describe('Already done? Default false.'),
    position: z.number().int().min(0).optional().describe('0-based index to insert at; default the end.'),
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
  description: 'Marks a todo (checklist item) of a task as done, or as not done with done=false. Todo ids come from get_task.',
  input: {
    task,
    todoId: ref.describe('The todo id (from get_task or add_todo).'),
    done: z.boolean().default(true).describe('true (default): done; false: not done.'),
  },
  annotations: SET,
  scope: 'workspace',
  permission: 'tasks:write',
  call: (core, actor, input) => updateTodo(core, actor, input.task, input.todoId, { done: input.done }),
  rest: (input) => ({ method: 'PATCH', path: `/tasks/${seg(input.task)}/todos/${seg(input.todoId)}`, body: { done: input.done } }),
  summary: (t) => `Todo "${t.text}" is ${t.done ? 'done' : 'not done'}.`,
})
