import { useEffect, useRef } from 'preact/hooks'
import { basePath } from '../../base'

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
 * Calls `onChange` when the workspace's live stream (GET /events, SSE) reports a change to the task
 * `taskId` (someone else's edit, comment or approval). EventSource reconnects by itself.
 */
export function useTaskEvents(ws: string, taskId: string, onChange: () => void): void {
  const latest = useRef(onChange)
  latest.current = onChange
  useEffect(() => {
    if (typeof EventSource === 'undefined') return
    const source = new EventSource(`${basePath}/events?workspaceSlug=${encodeURIComponent(ws)}`)
    const handle = (e: MessageEvent<string>) => {
      try {
        if ((JSON.parse(e.data) as { taskId?: string }).taskId === taskId) latest.current()
      } catch {}
    }
    for (const type of TASK_EVENTS) source.addEventListener(type, handle)
    source.addEventListener('reset', () => latest.current())
    return () => source.close()
  }, [ws, taskId])
}
