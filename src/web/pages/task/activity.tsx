import { api, type Schemas, unwrap } from '../../api/client'
import { Loaded, useLoad } from '../../ui'
import { when } from './format'
import type { Task } from './model'

type Entry = Schemas['Activity']

const ACTIONS: Record<string, string> = {
  'task.created': 'created the task',
  'task.updated': 'changed',
  'task.moved': 'moved the task',
  'task.archived': 'archived the task',
  'task.unarchived': 'restored the task',
  'comment.created': 'commented',
}

/** Changed fields as people say them. */
const FIELDS: Record<string, string> = {
  assigneeIds: 'assignees',
  statusId: 'status',
  dueDate: 'due date',
  todo: 'a todo',
  todoOrder: 'the todo order',
}

function describe(a: Entry): string {
  const what = ACTIONS[a.action] ?? a.action
  const fields = a.changes ? Object.keys(a.changes).map((f) => FIELDS[f] ?? f) : []
  return a.action === 'task.updated' && fields.length ? `${what} ${fields.join(', ')}` : what
}

/**
 * The task's history: the project's activity (GET /projects/:id/activity, newest first) filtered
 * to this task (the API has no task filter). Reloads when `tick` changes.
 */
export function Activity({ task, tick }: { task: Task; tick: number }) {
  const list = useLoad(
    () => unwrap(api.GET('/projects/{projectId}/activity', { params: { path: { projectId: task.projectId }, query: { limit: 200 } } })),
    [task.projectId, tick],
  )
  const mine = (list.data ?? []).filter((a) => a.taskId === task.id)
  return (
    <section class="card task-section" aria-labelledby="task-activity">
      <h2 id="task-activity">Activity</h2>
      <Loaded state={list}>
        {() =>
          mine.length ? (
            <ol class="activity" aria-label="Activity">
              {mine.map((a) => (
                <li key={a.id}>
                  <strong>{a.actor?.name ?? 'Someone'}</strong> {describe(a)} <span class="muted">{when(a.createdAt)}</span>
                </li>
              ))}
            </ol>
          ) : (
            <p class="muted">No activity yet.</p>
          )
        }
      </Loaded>
    </section>
  )
}
