import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { ErrorMessage, useLoad, useSubmit } from '../../ui'
import { MarkdownField } from './editor'
import { Markdown } from './markdown'
import { patchTask, type TaskProps } from './model'

/** "Edit title": the title in a one-field form. */
export function TitleForm({ task, onChange }: TaskProps) {
  const [title, setTitle] = useState<string | null>(null)
  const save = useSubmit()
  if (title === null)
    return (
      <button type="button" class="secondary small" onClick={() => setTitle(task.title)}>
        Edit title
      </button>
    )
  const submit = async (e: Event) => {
    e.preventDefault()
    await save.run(async () => {
      onChange(await patchTask(task.id, { title }))
      setTitle(null)
    })
  }
  return (
    <form class="card row" onSubmit={submit} aria-label="Edit title">
      <div>
        <label for="task-title">Title</label>
        <input id="task-title" required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      </div>
      <button type="submit" disabled={save.busy}>
        Save title
      </button>
      <button type="button" class="secondary" onClick={() => setTitle(null)}>
        Cancel
      </button>
      <ErrorMessage error={save.error} />
    </form>
  )
}

/** The description, rendered as Markdown; "Edit description" opens the editor. */
export function Description({ ws, task, members, onChange }: TaskProps) {
  const [text, setText] = useState<string | null>(null)
  const save = useSubmit()
  const submit = async (e: Event) => {
    e.preventDefault()
    await save.run(async () => {
      onChange(await patchTask(task.id, { description: text?.trim() ? text : null }))
      setText(null)
    })
  }
  return (
    <section class="card task-section" aria-labelledby="task-description">
      <div class="section-head">
        <h2 id="task-description">Description</h2>
        {text === null && (
          <button type="button" class="secondary small" onClick={() => setText(task.description ?? '')}>
            Edit description
          </button>
        )}
      </div>
      {text === null ? (
        task.description ? (
          <Markdown text={task.description} />
        ) : (
          <p class="muted">No description yet.</p>
        )
      ) : (
        <form onSubmit={submit} aria-label="Edit description">
          <MarkdownField
            id="task-description-text"
            label="Description text"
            ws={ws}
            members={members}
            value={text}
            onInput={setText}
            rows={8}
          />
          <div class="actions">
            <button type="submit" disabled={save.busy}>
              Save description
            </button>
            <button type="button" class="secondary" onClick={() => setText(null)}>
              Cancel
            </button>
          </div>
          <ErrorMessage error={save.error} />
        </form>
      )}
    </section>
  )
}

const PRIORITIES = [
  ['P0', 'P0 · Urgent'],
  ['P1', 'P1 · High'],
  ['P2', 'P2 · Medium'],
  ['P3', 'P3 · Low'],
] as const

/** Status, priority, due date, assignees and labels: each change is saved at once. */
export function Fields({ task, members, onChange }: TaskProps) {
  const statuses = useLoad(
    () => unwrap(api.GET('/projects/{projectId}/statuses', { params: { path: { projectId: task.projectId } } })),
    [task.projectId],
  )
  const labels = useLoad(() => unwrap(api.GET('/labels')), [])
  const save = useSubmit()
  const [newLabel, setNewLabel] = useState('')
  const patch = (body: Parameters<typeof patchTask>[1]) => save.run(async () => onChange(await patchTask(task.id, body)))
  // The assignee boxes show a change at once, until the task's answer says it.
  const [assigning, setAssigning] = useState<string[] | null>(null)
  const assigned = new Set(assigning ?? task.assignees.map((a) => a.id))
  const names = task.labels.map((l) => l.name)
  const addLabel = async (e: Event) => {
    e.preventDefault()
    const name = newLabel.trim()
    if (!name || names.includes(name)) return setNewLabel('')
    if (await patch({ labels: [...names, name] })) {
      setNewLabel('')
      if (!labels.data?.some((l) => l.name === name)) labels.reload()
    }
  }

  return (
    <aside class="card task-fields" aria-label="Task details">
      <label for="task-status">Status</label>
      <select id="task-status" value={task.statusId} disabled={save.busy} onChange={(e) => patch({ statusId: e.currentTarget.value })}>
        {(statuses.data ?? [task.status]).map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
      <label for="task-priority">Priority</label>
      <select
        id="task-priority"
        value={task.priority}
        disabled={save.busy}
        onChange={(e) => patch({ priority: e.currentTarget.value as (typeof PRIORITIES)[number][0] })}
      >
        {PRIORITIES.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      <label for="task-due">Due date</label>
      <input id="task-due" type="date" value={task.dueDate ?? ''} onChange={(e) => patch({ dueDate: e.currentTarget.value || null })} />

      <fieldset>
        <legend>Assignees</legend>
        {members.length === 0 && <p class="muted">Loading members…</p>}
        {members.map((m) => (
          <label key={m.userId} class="check">
            <input
              type="checkbox"
              checked={assigned.has(m.userId)}
              disabled={save.busy}
              onChange={(e) => {
                const ids = e.currentTarget.checked ? [...assigned, m.userId] : [...assigned].filter((id) => id !== m.userId)
                setAssigning(ids)
                void patch({ assigneeIds: ids }).then(() => setAssigning(null))
              }}
            />
            {m.name} <span class="muted">@{m.handle}</span>
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>Labels</legend>
        {task.labels.length > 0 && (
          <ul class="chips" aria-label="Labels">
            {task.labels.map((l) => (
              <li key={l.id}>
                {l.name}
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={`Remove label ${l.name}`}
                  disabled={save.busy}
                  onClick={() => patch({ labels: names.filter((n) => n !== l.name) })}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <form class="row" onSubmit={addLabel}>
          <div>
            <label for="task-new-label">Add label</label>
            <input
              id="task-new-label"
              list="task-label-options"
              maxLength={50}
              value={newLabel}
              placeholder="Pick or type a new one"
              onInput={(e) => setNewLabel(e.currentTarget.value)}
            />
            <datalist id="task-label-options">
              {(labels.data ?? [])
                .filter((l) => !names.includes(l.name))
                .map((l) => (
                  <option key={l.id} value={l.name} />
                ))}
            </datalist>
          </div>
          <button type="submit" class="secondary" disabled={save.busy || !newLabel.trim()}>
            Add
          </button>
        </form>
      </fieldset>
      <ErrorMessage error={save.error ?? statuses.error} />
    </aside>
  )
}
