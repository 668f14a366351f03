import { api, type Schemas, unwrap } from '../../api/client'
import { Link } from '../../router'
import { ErrorMessage, Loaded, Page, useLoad, useSubmit } from '../../ui'
import { NOTIFICATIONS_CHANGED, taskPath } from './common'

type Notification = Schemas['Notification']

/** My notifications in this workspace, newest first: each links to its task; mark one or all read. */
export function Notifications({ ws }: { ws: string }) {
  const list = useLoad(() => unwrap(api.GET('/notifications', { params: { query: { limit: 100 } } })), [ws])
  const action = useSubmit()
  const after = async (call: () => Promise<unknown>) => {
    if (await action.run(call)) {
      list.reload()
      window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED))
    }
  }
  const unread = list.data?.filter((n) => !n.read).length ?? 0
  return (
    <Page title="Notifications">
      <div class="toolbar">
        <p class="muted">{list.data ? `${unread} unread` : ''}</p>
        <button
          type="button"
          class="secondary"
          disabled={action.busy || !unread}
          onClick={() => after(() => unwrap(api.POST('/notifications/read-all')))}
        >
          Mark all read
        </button>
      </div>
      <ErrorMessage error={action.error} />
      <Loaded state={list} empty="No notifications. You are told here when someone assigns you a task or @mentions you.">
        {(items) => (
          <ul class="list" aria-label="Notifications">
            {items.map((n) => (
              <Item key={n.id} ws={ws} n={n} busy={action.busy} onRead={() => after(() => markRead(n.id))} />
            ))}
          </ul>
        )}
      </Loaded>
    </Page>
  )
}

const markRead = (id: string) => unwrap(api.POST('/notifications/{notificationId}/read', { params: { path: { notificationId: id } } }))

function Item({ ws, n, busy, onRead }: { ws: string; n: Notification; busy: boolean; onRead: () => void }) {
  return (
    <li class={n.read ? 'notification' : 'notification unread'}>
      <div>
        {!n.read && <span class="sr-only">Unread: </span>}
        {n.task ? <Link href={taskPath(ws, n.task.humanId)}>{n.text}</Link> : <span>{n.text}</span>}
        <div class="muted small">
          {n.project?.name ? `${n.project.name} · ` : ''}
          <time dateTime={n.createdAt}>{new Date(n.createdAt).toLocaleString()}</time>
        </div>
      </div>
      {!n.read && (
        <button type="button" class="secondary" disabled={busy} onClick={onRead} aria-label={`Mark read: ${n.text}`}>
          Mark read
        </button>
      )}
    </li>
  )
}
