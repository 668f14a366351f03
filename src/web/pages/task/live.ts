import { useLiveEvents } from '../../live'

/** The GET /events types that carry a `taskId` and change what the task page shows. */
const TASK_EVENTS = [
  'task.updated',
  'task.moved',
  'task.deleted',
  'comment.created',
  'comment.updated',
  'comment.deleted',
  'time_entry.approved',
] as const

/**
 * Calls `onChange` when the workspace's shared live stream (GET /events) reports a change to the
 * task `taskId` (someone else's edit, comment or approval), or `reset` (resumed too late).
 */
export function useTaskEvents(ws: string, taskId: string, onChange: () => void): void {
  useLiveEvents(ws, [...TASK_EVENTS, 'reset'], (e) => {
    if (e.type === 'reset') return onChange()
    try {
      if ((JSON.parse(e.data) as { taskId?: string }).taskId === taskId) onChange()
    } catch {}
  })
}
