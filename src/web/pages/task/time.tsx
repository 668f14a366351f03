import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { useSession } from '../../session'
import { ErrorMessage, Loaded, useLoad, useSubmit } from '../../ui'
import { duration, today } from './format'
import { fetchTask, type TaskProps } from './model'

type Entry = Schemas['TimeEntry']
type Draft = { date: string; minutes: string; note: string }

/** Date, minutes and note: the fields of "Log time" and of an entry's edit form. */
function EntryFields({ prefix, draft, set }: { prefix: string; draft: Draft; set: (d: Draft) => void }) {
  return (
    <>
      <div>
        <label for={`${prefix}-date`}>Date</label>
        <input
          id={`${prefix}-date`}
          type="date"
          required
          value={draft.date}
          onInput={(e) => set({ ...draft, date: e.currentTarget.value })}
        />
      </div>
      <div>
        <label for={`${prefix}-minutes`}>Minutes</label>
        <input
          id={`${prefix}-minutes`}
          type="number"
          inputMode="numeric"
          min={1}
          max={1440}
          required
          value={draft.minutes}
          onInput={(e) => set({ ...draft, minutes: e.currentTarget.value })}
        />
      </div>
      <div class="grow">
        <label for={`${prefix}-note`}>Note</label>
        <input id={`${prefix}-note`} maxLength={1000} value={draft.note} onInput={(e) => set({ ...draft, note: e.currentTarget.value })} />
      </div>
    </>
  )
}

const bodyOf = (d: Draft) => ({ date: d.date, minutes: Number(d.minutes), note: d.note.trim() || null })

/**
 * The task's time entries: "Log time", and for your own draft or rejected entries, Edit and Submit.
 * Reloads when `live` changes (a live event about the task, such as an approval).
 */
export function TimeEntries({ task, onChange, onLogged, live }: TaskProps & { onLogged: () => void; live: number }) {
  const { me } = useSession()
  const list = useLoad(
    () => unwrap(api.GET('/time-entries', { params: { query: { taskId: task.id, limit: 200 } } })),
    [task.id, task.timeLoggedMinutes, live],
  )
  const [draft, setDraft] = useState<Draft>({ date: today(), minutes: '', note: '' })
  const [editing, setEditing] = useState<{ id: string; draft: Draft } | null>(null)
  const save = useSubmit()
  const after = async () => {
    list.reload()
    onChange(await fetchTask(task.id))
    onLogged()
  }

  const log = async (e: Event) => {
    e.preventDefault()
    const ok = await save.run(async () => {
      await unwrap(api.POST('/tasks/{taskId}/time-entries', { params: { path: { taskId: task.id } }, body: bodyOf(draft) }))
      await after()
    })
    if (ok) setDraft({ date: draft.date, minutes: '', note: '' })
  }
  const update = async (e: Event) => {
    e.preventDefault()
    if (!editing) return
    const ok = await save.run(async () => {
      await unwrap(api.PATCH('/time-entries/{entryId}', { params: { path: { entryId: editing.id } }, body: bodyOf(editing.draft) }))
      await after()
    })
    if (ok) setEditing(null)
  }
  const submit = (entry: Entry) =>
    save.run(async () => {
      await unwrap(api.POST('/time-entries/{entryId}/submit', { params: { path: { entryId: entry.id } } }))
      await after()
    })
  const mine = (x: Entry) => x.userId === me?.user?.id && (x.state === 'draft' || x.state === 'rejected')

  return (
    <section class="card task-section" aria-labelledby="task-time">
      <div class="section-head">
        <h2 id="task-time">Time</h2>
        <span class="muted">{duration(task.timeLoggedMinutes)} logged</span>
      </div>
      <Loaded state={list} empty="No time logged yet.">
        {(entries) => (
          <ul class="entries" aria-label="Time entries">
            {entries.map((x) =>
              editing?.id === x.id ? (
                <li key={x.id}>
                  <form class="row" onSubmit={update} aria-label="Edit time entry">
                    <EntryFields prefix="edit-entry" draft={editing.draft} set={(d) => setEditing({ id: x.id, draft: d })} />
                    <button type="submit" disabled={save.busy}>
                      Save
                    </button>
                    <button type="button" class="secondary" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </form>
                </li>
              ) : (
                <li key={x.id} class="entry">
                  <span>
                    <strong>{duration(x.minutes)}</strong> on {x.date} by {x.user?.name ?? 'someone'}
                    {x.note && <span class="muted"> · {x.note}</span>}
                  </span>
                  <span class={`state state-${x.state}`}>{x.state}</span>
                  {x.rejectionReason && <span class="muted">Rejected: {x.rejectionReason}</span>}
                  {mine(x) && (
                    <span class="entry-actions">
                      <button
                        type="button"
                        class="secondary small"
                        aria-label={`Edit ${duration(x.minutes)} on ${x.date}`}
                        onClick={() => setEditing({ id: x.id, draft: { date: x.date, minutes: String(x.minutes), note: x.note ?? '' } })}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        class="small"
                        aria-label={`Submit ${duration(x.minutes)} on ${x.date}`}
                        disabled={save.busy}
                        onClick={() => submit(x)}
                      >
                        Submit
                      </button>
                    </span>
                  )}
                </li>
              ),
            )}
          </ul>
        )}
      </Loaded>
      <form class="row" onSubmit={log} aria-label="Log time">
        <EntryFields prefix="log-time" draft={draft} set={setDraft} />
        <button type="submit" disabled={save.busy}>
          Log time
        </button>
      </form>
      <ErrorMessage error={save.error} />
    </section>
  )
}
