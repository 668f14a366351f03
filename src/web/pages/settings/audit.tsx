import { api, unwrap } from '../../api/client'
import { Loaded, useLoad } from '../../ui'
import { when } from './shared'

/** Settings → Audit log (owners): the workspace's latest audit events. */
export function AuditTab({ ws }: { ws: string }) {
  const list = useLoad(() => unwrap(api.GET('/audit-events', { params: { query: { limit: 100 } } })), [ws])
  return (
    <>
      <h2>Audit log</h2>
      <Loaded retry state={list} empty="No audit events yet.">
        {(events) => (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">By</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id}>
                    <td>{when(e.createdAt)}</td>
                    <td>{e.action}</td>
                    <td>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '–'}</td>
                    <td>{e.credential ?? (e.actorUserId ? 'user' : 'system')}</td>
                    <td>{e.ip ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
    </>
  )
}
