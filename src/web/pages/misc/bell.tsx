import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { useLiveEvents } from '../../live'
import { Link } from '../../router'
import { href } from '../../routes'
import { NOTIFICATIONS_CHANGED } from './common'

const PAGE = 100
/** Events that may have created a notification for me (assignments, @mentions). */
const NOTIFYING = ['task.created', 'task.updated', 'comment.created', 'comment.updated', 'reset', 'open']

/**
 * The bell in the top bar: a link to the notifications page with the unread count. Recounts every
 * 30 s, shortly after a live event that may notify (GET /events, debounced) and after the stream
 * (re)connects, and when this tab read some.
 */
export function NotificationBell({ ws }: { ws: string }) {
  const [unread, setUnread] = useState(0)
  const count = useCallback(() => {
    unwrap(api.GET('/notifications', { params: { query: { unread: 'true', limit: PAGE } } })).then(
      (list) => setUnread(list.length),
      () => undefined, // the bell stays as it was; the page itself shows errors
    )
  }, [ws])

  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const soon = () => {
    clearTimeout(timer.current)
    timer.current = setTimeout(count, 500)
  }
  useEffect(() => {
    count()
    const poll = setInterval(count, 30_000)
    window.addEventListener(NOTIFICATIONS_CHANGED, count)
    return () => {
      clearTimeout(timer.current)
      clearInterval(poll)
      window.removeEventListener(NOTIFICATIONS_CHANGED, count)
    }
  }, [count])
  // Also once the stream is (re)connected: an event published before that was never sent to this tab.
  useLiveEvents(ws, NOTIFYING, soon)

  const shown = unread >= PAGE ? `${PAGE - 1}+` : String(unread)
  return (
    <Link class="bell" href={href('notifications', { ws })} aria-label={unread ? `Notifications, ${shown} unread` : 'Notifications'}>
      <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">
        <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {unread > 0 && (
        <span class="bell-count" aria-hidden="true">
          {shown}
        </span>
      )}
    </Link>
  )
}
