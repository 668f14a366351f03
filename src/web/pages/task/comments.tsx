import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { useSession } from '../../session'
import { ErrorMessage, Loaded, useLoad, useSubmit } from '../../ui'
import { ConfirmDialog } from '../misc/confirm'
import { MarkdownField } from './editor'
import { when } from './format'
import { Markdown } from './markdown'
import { fetchTask, type TaskProps } from './model'

type Comment = Schemas['Comment']

/**
 * One comment, with Edit and Delete for its author and the workspace's owners (the API also lets a
 * project OWNER change it, and refuses everyone else: its message is shown).
 */
function CommentItem({
  ws,
  taskId,
  comment: c,
  members,
  onSaved,
  onDeleted,
}: {
  ws: string
  taskId: string
  comment: Comment
  members: TaskProps['members']
  onSaved: () => void
  onDeleted: () => void
}) {
  const { me } = useSession()
  const [editing, setEditing] = useState<string | null>(null)
  const [confirming, setConfirming] = useState(false)
  const save = useSubmit()
  const path = { taskId, commentId: c.id }
  const mine = Boolean(me?.user && c.author?.id === me.user.id)
  const owner = me?.memberships.find((m) => m.slug === ws)?.role === 'OWNER'
  const who = c.author?.name ?? 'Someone'
  return (
    <li>
      <p class="comment-meta">
        <strong>{who}</strong> <span class="muted">{when(c.createdAt)}</span>
        {c.edited && <span class="muted"> · edited</span>}
      </p>
      {editing === null ? (
        <Markdown text={c.body} />
      ) : (
        <form
          aria-label={`Edit the comment of ${who}`}
          onSubmit={(e) => {
            e.preventDefault()
            void save.run(async () => {
              await unwrap(api.PATCH('/tasks/{taskId}/comments/{commentId}', { params: { path }, body: { body: editing } }))
              setEditing(null)
              onSaved()
            })
          }}
        >
          <MarkdownField
            id={`comment-${c.id}`}
            label="Edited comment"
            ws={ws}
            members={members}
            value={editing}
            onInput={setEditing}
            required
          />
          <div class="actions">
            <button type="submit" disabled={save.busy || !editing.trim()}>
              Save comment
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
          <ErrorMessage error={save.error} />
        </form>
      )}
      {(mine || owner) && editing === null && (
        <div class="actions comment-actions">
          <button type="button" class="secondary" onClick={() => setEditing(c.body)}>
            Edit
          </button>
          <button type="button" class="secondary danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title="Delete this comment?"
          confirmLabel="Delete comment"
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            await unwrap(api.DELETE('/tasks/{taskId}/comments/{commentId}', { params: { path } }))
            onDeleted()
          }}
        >
          <p>The comment of {who} is removed for everyone.</p>
        </ConfirmDialog>
      )}
    </li>
  )
}

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
      <Loaded state={list} empty="No comments yet.">
        {(items) => (
          <ol class="comments" aria-label="Comments">
            {items.map((c) => (
              <CommentItem
                key={c.id}
                ws={ws}
                taskId={task.id}
                comment={c}
                members={members}
                onSaved={list.reload}
                onDeleted={async () => {
                  list.reload()
                  onChange(await fetchTask(task.id))
                }}
              />
            ))}
          </ol>
        )}
      </Loaded>
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
