import { useState } from 'preact/hooks'
import { api, unwrap } from '../../api/client'
import { ErrorMessage, Loading, useLoad, useSubmit } from '../../ui'
import { MarkdownField } from './editor'
import { when } from './format'
import { Markdown } from './markdown'
import { fetchTask, type TaskProps } from './model'

/** The task's comments (oldest first, Markdown) and the form to add one (@mentions, pasted images). */
export function Comments({ ws, task, members, onChange }: TaskProps) {
  const list = useLoad(
    () => unwrap(api.GET('/tasks/{taskId}/comments', { params: { path: { taskId: task.id }, query: { order: 'asc', limit: 200 } } })),
    [task.id, task.commentCount],
  )
  const [body, setBody] = useState('')
  const save = useSubmit()
  const submit = async (e: Event) => {
    e.preventDefault()
    const ok = await save.run(async () => {
      await unwrap(api.POST('/tasks/{taskId}/comments', { params: { path: { taskId: task.id } }, body: { body } }))
      onChange(await fetchTask(task.id))
    })
    if (ok) {
      setBody('')
      list.reload()
    }
  }
  return (
    <section class="card task-section" aria-labelledby="task-comments">
      <h2 id="task-comments">Comments</h2>
      {list.loading && !list.data ? (
        <Loading />
      ) : list.error ? (
        <ErrorMessage error={list.error} />
      ) : list.data?.length ? (
        <ol class="comments" aria-label="Comments">
          {list.data.map((c) => (
            <li key={c.id}>
              <p class="comment-meta">
                <strong>{c.author?.name ?? 'Someone'}</strong> <span class="muted">{when(c.createdAt)}</span>
                {c.edited && <span class="muted"> · edited</span>}
              </p>
              <Markdown text={c.body} />
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No comments yet.</p>
      )}
      <form onSubmit={submit} aria-label="Add comment">
        <MarkdownField id="task-new-comment" label="Comment" ws={ws} members={members} value={body} onInput={setBody} required />
        <div class="actions">
          <button type="submit" disabled={save.busy || !body.trim()}>
            Add comment
          </button>
        </div>
        <ErrorMessage error={save.error} />
      </form>
    </section>
  )
}
