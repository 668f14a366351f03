import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { ErrorMessage, useSubmit } from '../../ui'
import { fetchTask, type TaskProps } from './model'

/** The task's todos: add, check, move up/down (buttons, so reordering works from the keyboard). */
export function Todos({ task, onChange }: TaskProps) {
  const [text, setText] = useState('')
  const save = useSubmit()
  // A checkbox shows its new state at once, until the task's answer says it.
  const [checking, setChecking] = useState<Record<string, boolean>>({})
  const todos = [...task.todos].sort((a, b) => a.position - b.position)
  const path = { taskId: task.id }
  const then = (change: () => Promise<unknown>) =>
    save.run(async () => {
      await change()
      onChange(await fetchTask(task.id))
    })

  const add = async (e: Event) => {
    e.preventDefault()
    if (await then(() => unwrap(api.POST('/tasks/{taskId}/todos', { params: { path }, body: { text } })))) setText('')
  }
  const move = (from: number, to: number) => {
    const ids = todos.map((t) => t.id)
    const [id] = ids.splice(from, 1)
    ids.splice(to, 0, id!)
    return then(() => unwrap(api.POST('/tasks/{taskId}/todos/reorder', { params: { path }, body: { todoIds: ids } })))
  }

  return (
    <section class="card task-section" aria-labelledby="task-todos">
      <div class="section-head">
        <h2 id="task-todos">Todos</h2>
        <span class="muted">
          {task.todoDoneCount} of {task.todoCount} done
        </span>
      </div>
      {todos.length > 0 && (
        <ul class="todos" aria-label="Todos">
          {todos.map((t, i) => (
            <li key={t.id}>
              <label class="check">
                <input
                  type="checkbox"
                  checked={checking[t.id] ?? t.done}
                  disabled={save.busy}
                  onChange={async (e) => {
                    const done = e.currentTarget.checked
                    setChecking((c) => ({ ...c, [t.id]: done }))
                    await then(() =>
                      unwrap(api.PATCH('/tasks/{taskId}/todos/{todoId}', { params: { path: { ...path, todoId: t.id } }, body: { done } })),
                    )
                    setChecking(({ [t.id]: _, ...rest }) => rest)
                  }}
                />
                <span class={t.done ? 'done' : undefined}>{t.text}</span>
              </label>
              <span class="todo-moves">
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`Move "${t.text}" up`}
                  disabled={save.busy || i === 0}
                  onClick={() => move(i, i - 1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`Move "${t.text}" down`}
                  disabled={save.busy || i === todos.length - 1}
                  onClick={() => move(i, i + 1)}
                >
                  ↓
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <form class="row" onSubmit={add} aria-label="Add todo">
        <div>
          <label for="task-new-todo">New todo</label>
          <input id="task-new-todo" required maxLength={500} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={save.busy}>
          Add todo
        </button>
      </form>
      <ErrorMessage error={save.error} />
    </section>
  )
}
