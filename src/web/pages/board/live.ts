import { useEffect, useRef } from 'preact/hooks'
import { useLiveEvents } from '../../live'

/** The events that change what a board shows (and `reset`: resumed too late, reload). */
const BOARD_EVENTS = [
  'task.created',
  'task.updated',
  'task.moved',
  'task.deleted',
  'status.created',
  'status.updated',
  'status.deleted',
  'reset',
]

/**
 * Live updates for a board, on the workspace's shared live stream while the board is shown: a task
 * or status event that names `projectId` (any project when null), or `reset`, calls `onChange`,
 * debounced so a burst of events costs one reload.
 */
export function useLiveBoard(ws: string, projectId: string | null, onChange: () => void, delayMs = 150): void {
  const latest = useRef(onChange)
  latest.current = onChange
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(timer.current), [])
  useLiveEvents(ws, BOARD_EVENTS, (e) => {
    // The project's id anywhere in the event: its own project, or the one a task moved out of.
    if (e.type !== 'reset' && projectId !== null && !e.data.includes(projectId)) return
    clearTimeout(timer.current)
    timer.current = setTimeout(() => latest.current(), delayMs)
  })
}
