import { useEffect, useRef } from 'preact/hooks'
import { basePath } from './base'

/**
 * One EventSource on GET /events per workspace for the whole tab, shared by every screen that
 * listens (the bell, a board, a task page) and closed when the last one stops listening. The
 * server keeps at most 10 streams per user: one per screen would spend two or three per tab.
 */
const streams = new Map<string, { source: EventSource; users: number }>()

function acquire(ws: string): EventSource {
  let s = streams.get(ws)
  if (!s) {
    s = { source: new EventSource(`${basePath}/events?workspaceSlug=${encodeURIComponent(ws)}`), users: 0 }
    streams.set(ws, s)
  }
  s.users++
  return s.source
}

function release(ws: string): void {
  const s = streams.get(ws)
  if (!s || --s.users > 0) return
  s.source.close()
  streams.delete(ws)
}

/**
 * Calls `handler` for every event of `types` (domain event types, `reset`, or `open`: the stream
 * connected or reconnected) on the workspace's shared live stream while the component is mounted.
 * EventSource reconnects by itself (with Last-Event-ID).
 */
export function useLiveEvents(ws: string, types: readonly string[], handler: (e: MessageEvent<string>) => void): void {
  const latest = useRef(handler)
  latest.current = handler
  const key = types.join(',')
  useEffect(() => {
    if (typeof EventSource === 'undefined') return
    const source = acquire(ws)
    const listener = (e: Event) => latest.current(e as MessageEvent<string>)
    const names = key.split(',')
    for (const t of names) source.addEventListener(t, listener)
    return () => {
      for (const t of names) source.removeEventListener(t, listener)
      release(ws)
    }
  }, [ws, key])
}
