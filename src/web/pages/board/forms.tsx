import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { ErrorMessage, useSubmit } from '../../ui'
import { type Column, type Filters, NO_FILTERS, PRIORITIES, type Priority } from './model'

/** "New task": title, status and priority, created through POST /tasks. */
export function NewTaskForm({ project, columns, onCreated }: { project: Schemas['Project']; columns: Column[]; onCreated: () => void }) {
  const statuses = columns.flatMap((c) => (c.status ? [c.status] : []))
  const firstOpen = statuses.find((s) => s.category === 'unstarted') ?? statuses[0]
  const [title, setTitle] = useState('')
  const [statusId, setStatusId] = useState(firstOpen?.id ?? '')
  const [priority, setPriority] = useState<Priority>('P2')
  const create = useSubmit()
  const submit = async (e: Event) => {
    e.preventDefault()
    const ok = await create.run(() =>
      unwrap(api.POST('/tasks', { body: { projectId: project.id, title, statusId: statusId || undefined, priority } })),
    )
    if (ok) {
      setTitle('')
      onCreated()
    }
  }
  return (
    <form class="card board-new" onSubmit={submit} aria-label="New task">
      <div class="grow">
        <label for="new-task-title">Title</label>
        <input id="new-task-title" required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      </div>
      <div>
        <label for="new-task-status">Status</label>
        <select id="new-task-status" value={statusId} onChange={(e) => setStatusId(e.currentTarget.value)}>
          {statuses.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="new-task-priority">Priority</label>
        <select id="new-task-priority" value={priority} onChange={(e) => setPriority(e.currentTarget.value as Priority)}>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={create.busy}>
        New task
      </button>
      <ErrorMessage error={create.error} />
    </form>
  )
}

type Person = { userId: string; name: string }
type Label = { id: string; name: string }

/** Filters over the loaded cards: assignee, label, priority and text. */
export function FilterBar({
  filters,
  onChange,
  people,
  labels,
}: {
  filters: Filters
  onChange: (f: Filters) => void
  people: Person[]
  labels: Label[]
}) {
  const set = (k: keyof Filters) => (e: { currentTarget: { value: string } }) => onChange({ ...filters, [k]: e.currentTarget.value })
  return (
    <form class="board-filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <div class="grow">
        <label for="filter-text">Filter</label>
        <input id="filter-text" type="search" placeholder="Title or id" value={filters.text} onInput={set('text')} />
      </div>
      {people.length > 0 && (
        <div>
          <label for="filter-assignee">Assignee</label>
          <select id="filter-assignee" value={filters.assignee} onChange={set('assignee')}>
            <option value="">Anyone</option>
            {people.map((p) => (
              <option key={p.userId} value={p.userId}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div>
        <label for="filter-label">Label</label>
        <select id="filter-label" value={filters.label} onChange={set('label')}>
          <option value="">Any label</option>
          {labels.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="filter-priority">Priority filter</label>
        <select id="filter-priority" value={filters.priority} onChange={set('priority')}>
          <option value="">Any priority</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </div>
      <button type="button" class="secondary" onClick={() => onChange(NO_FILTERS)}>
        Clear filters
      </button>
    </form>
  )
}
