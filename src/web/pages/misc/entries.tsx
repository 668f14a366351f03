import type { ComponentChildren } from 'preact'
import type { Schemas } from '../../api/client'
import { formatMinutes } from './common'

type Entry = Schemas['TimeEntry']

/** Time entries as a table; `who` adds the person column, `actions` a last column. */
export function EntryTable({
  label,
  entries,
  who = false,
  actions,
}: {
  label: string
  entries: Entry[]
  who?: boolean
  actions?: (e: Entry) => ComponentChildren
}) {
  return (
    <div class="scroll">
      <table class="entries" aria-label={label}>
        <thead>
          <tr>
            {who && <th scope="col">Person</th>}
            <th scope="col">Date</th>
            <th scope="col">Task</th>
            <th scope="col">Time</th>
            <th scope="col">Note</th>
            <th scope="col">State</th>
            {actions && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              {who && <td>{e.user?.name ?? '—'}</td>}
              <td>{e.date}</td>
              <td>
                {e.task.humanId} · {e.task.title}
              </td>
              <td>{formatMinutes(e.minutes)}</td>
              <td>{e.note ?? ''}</td>
              <td>
                {e.state}
                {e.rejectionReason && <div class="muted small">{e.rejectionReason}</div>}
              </td>
              {actions && (
                <td class="actions">
                  <div class="buttons">{actions(e)}</div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
