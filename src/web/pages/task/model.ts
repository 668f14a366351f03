import { api, type Schemas, unwrap } from '../../api/client'
import type { paths } from '../../api/schema'

export type Task = Schemas['Task']
export type Member = Schemas['WorkspaceMember']
/** What every part of the task page gets: the task as last answered, and how to change it. */
export type TaskProps = { ws: string; task: Task; members: Member[]; onChange: (t: Task) => void }

type PatchBody = paths['/tasks/{taskId}']['patch']['requestBody']['content']['application/json']

/** PATCH /tasks/:id with `body`; answers the updated task. */
export function patchTask(taskId: string, body: PatchBody): Promise<Task> {
  return unwrap(api.PATCH('/tasks/{taskId}', { params: { path: { taskId } }, body }))
}

/** GET /tasks/:id again (after a change to its todos, comments or time). */
export function fetchTask(taskId: string): Promise<Task> {
  return unwrap(api.GET('/tasks/{taskId}', { params: { path: { taskId } } }))
}
