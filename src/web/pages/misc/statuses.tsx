import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { ErrorMessage, useSubmit } from '../../ui'
import { ConfirmDialog } from './confirm'

type Status = Schemas['Status']
const CATEGORIES = ['backlog', 'unstarted', 'started', 'completed', 'canceled'] as const
type Category = (typeof CATEGORIES)[number]

/** A project's statuses in order: add, rename, change category, move up/down, delete (moving its tasks). */
export function ProjectStatuses({ projectId, statuses, onChange }: { projectId: string; statuses: Status[]; onChange: () => void }) {
  const list = [...statuses].sort((a, b) => a.position - b.position)
  const action = useSubmit()
  const [name, setName] = useState('')
  const [category, setCategory] = useState<Category>('unstarted')
  const [deleting, setDeleting] = useState<Status | null>(null)
  const [moveTo, setMoveTo] = useState('')
  const act = async (call: () => Promise<unknown>) => {
    const ok = await action.run(call)
    // Reloads after a refusal too, so the fields show what is saved.
    onChange()
    return ok
  }
  const path = (statusId: string) => ({ params: { path: { projectId, statusId } } })
  const patch = (s: Status, body: { name?: string; category?: Category; position?: number }) =>
    act(() => unwrap(api.PATCH('/projects/{projectId}/statuses/{statusId}', { ...path(s.id), body })))
  const others = deleting ? list.filter((s) => s.id !== deleting.id) : []
  const target = others.some((s) => s.id === moveTo) ? moveTo : (others[0]?.id ?? '')

  return (
    <section aria-labelledby="statuses" class="block">
      <h2 id="statuses">Statuses</h2>
      <ErrorMessage error={action.error} />
      <ol class="list" aria-label="Statuses">
        {list.map((s, i) => (
          <li key={s.id} class="status">
            <StatusName status={s} busy={action.busy} onRename={(n) => patch(s, { name: n })} />
            <div class="buttons">
              <label class="sr-only" for={`category-${s.id}`}>
                Category of {s.name}
              </label>
              <select
                id={`category-${s.id}`}
                value={s.category}
                disabled={action.busy}
                onChange={(e) => patch(s, { category: e.currentTarget.value as Category })}
              >
                {CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
              <button
                type="button"
                class="secondary"
                disabled={action.busy || i === 0}
                aria-label={`Move ${s.name} up`}
                onClick={() => patch(s, { position: i - 1 })}
              >
                ↑
              </button>
              <button
                type="button"
                class="secondary"
                disabled={action.busy || i === list.length - 1}
                aria-label={`Move ${s.name} down`}
                onClick={() => patch(s, { position: i + 1 })}
              >
                ↓
              </button>
              <button
                type="button"
                class="secondary danger"
                disabled={list.length < 2}
                aria-label={`Delete ${s.name}`}
                onClick={() => setDeleting(s)}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ol>
      <form
        class="card row"
        aria-label="Add status"
        onSubmit={async (e) => {
          e.preventDefault()
          if (
            await act(() =>
              unwrap(api.POST('/projects/{projectId}/statuses', { params: { path: { projectId } }, body: { name, category } })),
            )
          )
            setName('')
        }}
      >
        <div>
          <label for="status-name">Status name</label>
          <input id="status-name" required maxLength={50} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <div>
          <label for="status-category">Category</label>
          <select id="status-category" value={category} onChange={(e) => setCategory(e.currentTarget.value as Category)}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={action.busy}>
          Add status
        </button>
      </form>
      {deleting && (
        <ConfirmDialog
          title={`Delete status ${deleting.name}?`}
          confirmLabel="Delete status"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            try {
              await unwrap(
                api.DELETE('/projects/{projectId}/statuses/{statusId}', {
                  ...path(deleting.id),
                  params: { ...path(deleting.id).params, query: { moveTasksTo: target } },
                }),
              )
            } finally {
              // Reloads after a refusal too, so the list shows what is saved.
              onChange()
            }
          }}
        >
          <label for="move-tasks-to">Move its tasks to</label>
          <select id="move-tasks-to" value={target} onChange={(e) => setMoveTo(e.currentTarget.value)}>
            {others.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </ConfirmDialog>
      )}
    </section>
  )
}

/** The status's name as a field; Enter or leaving it saves a change ("Rename"). */
function StatusName({ status, busy, onRename }: { status: Status; busy: boolean; onRename: (name: string) => void }) {
  const [name, setName] = useState(status.name)
  const save = () => {
    const n = name.trim()
    if (n && n !== status.name) onRename(n)
    else setName(status.name)
  }
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault()
        save()
      }}
    >
      <label class="sr-only" for={`status-${status.id}`}>
        Name of status {status.name}
      </label>
      <input
        id={`status-${status.id}`}
        maxLength={50}
        value={name}
        disabled={busy}
        onInput={(e) => setName(e.currentTarget.value)}
        onBlur={save}
      />
      <button type="submit" class="secondary" disabled={busy || name.trim() === status.name}>
        Rename
      </button>
    </form>
  )
}
