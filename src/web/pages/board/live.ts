import { useEffect, useRef } from 'preact/hooks'
import { basePath } from '../../base'

/** The events that change what a board shows. */
const BOARD_EVENTS = ['task.created', 'task.updated', 'task.moved', 'task.deleted', 'status.created', 'status.updated', 'status.deleted']

/**
 * Live updates for a board: one EventSource on GET /events for the workspace while the board is
 * shown; a task or status event that names `projectId` (any project when null) calls `onChange`,
 * debounced so a burst of events costs one reload. `event: reset` (resumed too late) reloads too.
 * EventSource reconnects by itself (with Last-Event-ID).
 */
export function useLiveBoard(ws: string, projectId: string | null, onChange: () => void, delayMs = 150): void {
  const latest = useRef(onChange)
  latest.current = onChange
  useEffect(() => {
    const source = new EventSource(`${basePath}/events?workspaceSlug=${encodeURIComponent(ws)}`)
    let timer: ReturnType<typeof setTimeout> | undefined
    const soon = () => {
      clearTimeout(timer)
      timer = setTimeout(() => latest.current(), delayMs)
    }
    // The project's id anywhere in the event: its own project, or the one a task moved out of.
    const onEvent = (e: MessageEvent<string>) => {
      if (projectId === null || e.data.includes(projectId)) soon()
    }
    for (const type of BOARD_EVENTS) source.addEventListener(type, onEvent)
    source.addEventListener('reset', soon)
    return () => {
      clearTimeout(timer)
      source.close()
    }
  }, [ws, projectId, delayMs])
}
