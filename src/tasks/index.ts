import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { grouped } from '../db/group-commit'
import { conflicts, documentedResponse, envelope, listEnvelope, ok, okList, PROJECT_ARCHIVED } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin } from '../permissions/plugin'
import { listTasksAnswer } from './list'
import {
  createTaskBody,
  listTasksQuery,
  moveTaskBody,
  reorderBody,
  task,
  taskParams,
  taskSummary,
  todo,
  todoCreateBody,
  todoParams,
  todoReorderBody,
  todoUpdateBody,
  updateTaskBody,
} from './model'
import { moveTask, reorderColumn } from './move'
import { taskAnswer } from './read'
import { createTask, deleteTask, setArchived, updateTask } from './service'
import { addTodo, deleteTodo, reorderTodos, updateTodo } from './todos'

const tags = ['Tasks']
const deleted = envelope(z.object({ id: z.string(), deleted: z.literal(true) }))

/**
 * Tasks and their todos. Every route checks the workspace-level permission in its macro and the
 * project-level one in the service (`projectAccess`); `:taskId` is the id or the human id (PROJ-42).
 */
export function taskRoutes(core: Core) {
  return new Elysia({ name: 'tasks', prefix: '/tasks' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .get('/', ({ actor, query }) => listTasksAnswer(core, actor, query), {
      workspace: 'tasks:read',
      query: listTasksQuery,
      detail: {
        tags,
        summary: 'List tasks of the projects you can see (filters, sort, cursor pagination)',
        // Documented from the schema, not re-validated per request (test/tasks.test.ts parses answers with it).
        responses: documentedResponse(listEnvelope(taskSummary), 'A page of tasks'),
      },
    })
    .post(
      '/',
      async ({ actor, body, set }) => {
        const created = await grouped(core, () => createTask(core, actor, body))
        set.status = 201
        return ok(created)
      },
      {
        workspace: 'tasks:write',
        idempotent: true,
        body: createTaskBody,
        detail: {
          tags,
          summary: 'Create a task (status by id or name, labels by name or id, todos, assignees)',
          ...conflicts(PROJECT_ARCHIVED),
        },
        response: { 201: envelope(task) },
      },
    )
    .post('/reorder', ({ actor, body }) => okList(reorderColumn(core, actor, body), null), {
      workspace: 'tasks:write',
      body: reorderBody,
      detail: { tags, summary: "Set a status column's full order", ...conflicts(PROJECT_ARCHIVED) },
      response: { 200: listEnvelope(taskSummary) },
    })
    .get('/:taskId', ({ actor, params }) => taskAnswer(core, actor, params.taskId), {
      workspace: 'tasks:read',
      params: taskParams,
      detail: {
        tags,
        summary: 'Get a task by id or human id (PROJ-42)',
        // A kept answer (bytes): documented from the schema, not re-validated per request (test/single-answers.test.ts parses answers with it).
        responses: documentedResponse(envelope(task), 'The task'),
      },
    })
    .patch('/:taskId', async ({ actor, params, body }) => ok(await grouped(core, () => updateTask(core, actor, params.taskId, body))), {
      workspace: 'tasks:write',
      params: taskParams,
      body: updateTaskBody,
      detail: {
        tags,
        summary: 'Update a task (assigneeIds and labels replace; a new status moves it to the end of that column)',
        ...conflicts(PROJECT_ARCHIVED),
      },
      response: { 200: envelope(task) },
    })
    .delete('/:taskId', ({ actor, params }) => ok({ ...deleteTask(core, actor, params.taskId), deleted: true as const }), {
      workspace: 'tasks:write',
      params: taskParams,
      detail: { tags, summary: 'Delete a task with its todos, comments and time entries', ...conflicts(PROJECT_ARCHIVED) },
      response: { 200: deleted },
    })
    .post('/:taskId/move', async ({ actor, params, body }) => ok(await grouped(core, () => moveTask(core, actor, params.taskId, body))), {
      workspace: 'tasks:write',
      params: taskParams,
      body: moveTaskBody,
      detail: {
        tags,
        summary: 'Move a task: status, position (beforeTaskId / afterTaskId) and/or project',
        ...conflicts("the task's project or the target project is archived (read-only until unarchived)"),
      },
      response: { 200: envelope(task) },
    })
    .post('/:taskId/archive', ({ actor, params }) => ok(setArchived(core, actor, params.taskId, true)), {
      workspace: 'tasks:write',
      params: taskParams,
      detail: { tags, summary: 'Archive a task', ...conflicts(PROJECT_ARCHIVED) },
      response: { 200: envelope(task) },
    })
    .post('/:taskId/unarchive', ({ actor, params }) => ok(setArchived(core, actor, params.taskId, false)), {
      workspace: 'tasks:write',
      params: taskParams,
      detail: { tags, summary: 'Unarchive a task', ...conflicts(PROJECT_ARCHIVED) },
      response: { 200: envelope(task) },
    })
    .post(
      '/:taskId/todos',
      ({ actor, params, body, set }) => {
        set.status = 201
        return ok(addTodo(core, actor, params.taskId, body))
      },
      {
        workspace: 'tasks:write',
        idempotent: true,
        params: taskParams,
        body: todoCreateBody,
        detail: { tags, summary: 'Add a todo (checklist item)', ...conflicts(PROJECT_ARCHIVED) },
        response: { 201: envelope(todo) },
      },
    )
    .post('/:taskId/todos/reorder', ({ actor, params, body }) => okList(reorderTodos(core, actor, params.taskId, body.todoIds), null), {
      workspace: 'tasks:write',
      params: taskParams,
      body: todoReorderBody,
      detail: { tags, summary: "Set the full order of a task's todos", ...conflicts(PROJECT_ARCHIVED) },
      response: { 200: listEnvelope(todo) },
    })
    .patch('/:taskId/todos/:todoId', ({ actor, params, body }) => ok(updateTodo(core, actor, params.taskId, params.todoId, body)), {
      workspace: 'tasks:write',
      params: todoParams,
      body: todoUpdateBody,
      detail: { tags, summary: 'Update a todo (text, done, position)', ...conflicts(PROJECT_ARCHIVED) },
      response: { 200: envelope(todo) },
    })
    .delete(
      '/:taskId/todos/:todoId',
      ({ actor, params }) => ok({ ...deleteTodo(core, actor, params.taskId, params.todoId), deleted: true as const }),
      {
        workspace: 'tasks:write',
        params: todoParams,
        detail: { tags, summary: 'Delete a todo', ...conflicts(PROJECT_ARCHIVED) },
        response: { 200: deleted },
      },
    )
}
