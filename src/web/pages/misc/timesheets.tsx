import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { useSession } from '../../session'
import { ErrorMessage, Loaded, Page, useLoad, useSubmit } from '../../ui'
import { Approvals } from './approvals'
import { formatMinutes, isoDate, mondayOf, weekDays } from './common'
import { EntryTable } from './entries'
import { Report } from './report'

export type TaskOption = Pick<Schemas['Task'], 'id' | 'humanId' | 'title' | 'projectId'>
export type ProjectOption = Pick<Schemas['Project'], 'id' | 'name' | 'role'>

const dayLabel = (d: Date) => d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })

/** Timesheets: my week (log time, submit), approvals for owners, and the report with its CSV. */
export function Timesheets({ ws }: { ws: string }) {
  const { me } = useSession()
  const refs = useLoad(async () => {
    const [tasks, projects] = await Promise.all([
      unwrap(api.GET('/tasks', { params: { query: { limit: 200 } } })),
      unwrap(api.GET('/projects', { params: { query: { limit: 200 } } })),
    ])
    return { tasks: tasks as TaskOption[], projects: projects as ProjectOption[] }
  }, [ws])
  const [changed, setChanged] = useState(0)
  const bump = () => setChanged((n) => n + 1)
  const wsOwner = me?.memberships.find((m) => m.slug === ws)?.role === 'OWNER'
  const owner = wsOwner || !!refs.data?.projects.some((p) => p.role === 'OWNER')
  return (
    <Page title="Timesheets">
      <Loaded state={refs}>
        {(data) => (
          <>
            <MyWeek userId={me?.user?.id ?? ''} tasks={data.tasks} changed={changed} onChange={bump} />
            {owner && <Approvals changed={changed} onChange={bump} />}
            <Report ws={ws} tasks={data.tasks} projects={data.projects} changed={changed} />
          </>
        )}
      </Loaded>
    </Page>
  )
}

function MyWeek({ userId, tasks, changed, onChange }: { userId: string; tasks: TaskOption[]; changed: number; onChange: () => void }) {
  const [offset, setOffset] = useState(0)
  const monday = mondayOf(new Date(), offset)
  const days = weekDays(monday)
  const from = isoDate(days[0]!)
  const to = isoDate(days[6]!)
  const entries = useLoad(
    () => unwrap(api.GET('/time-entries', { params: { query: { userId, from, to, limit: 200 } } })),
    [userId, from, changed],
  )
  const action = useSubmit()
  const act = async (call: () => Promise<unknown>) => {
    if (await action.run(call)) onChange()
  }
  const list = [...(entries.data ?? [])].sort((a, b) => a.date.localeCompare(b.date) || a.createdAt.localeCompare(b.createdAt))
  const open = list.filter((e) => e.state === 'draft' || e.state === 'rejected')
  const perDay = days.map((d) => list.filter((e) => e.date === isoDate(d)).reduce((n, e) => n + e.minutes, 0))
  const total = perDay.reduce((a, b) => a + b, 0)

  return (
    <section aria-labelledby="my-week" class="block">
      <div class="toolbar">
        <h2 id="my-week">My week</h2>
        <div class="buttons">
          <button type="button" class="secondary" onClick={() => setOffset(offset - 1)}>
            Previous week
          </button>
          <button type="button" class="secondary" onClick={() => setOffset(0)} disabled={offset === 0}>
            This week
          </button>
          <button type="button" class="secondary" onClick={() => setOffset(offset + 1)}>
            Next week
          </button>
        </div>
      </div>
      <LogTime tasks={tasks} days={days} onLogged={onChange} />
      <div class="scroll">
        <table class="week">
          <caption>
            Week of {dayLabel(days[0]!)}: {formatMinutes(total)}
          </caption>
          <thead>
            <tr>
              {days.map((d) => (
                <th key={isoDate(d)} scope="col">
                  {dayLabel(d)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              {perDay.map((m, i) => (
                <td key={isoDate(days[i]!)}>{m ? formatMinutes(m) : '–'}</td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
      <ErrorMessage error={action.error} />
      <Loaded state={entries}>
        {() =>
          list.length ? (
            <EntryTable
              label="My entries this week"
              entries={list}
              actions={(e) =>
                e.state === 'draft' || e.state === 'rejected' ? (
                  <button
                    type="button"
                    class="secondary"
                    disabled={action.busy}
                    aria-label={`Delete ${formatMinutes(e.minutes)} on ${e.task.humanId}`}
                    onClick={() => act(() => unwrap(api.DELETE('/time-entries/{entryId}', { params: { path: { entryId: e.id } } })))}
                  >
                    Delete
                  </button>
                ) : null
              }
            />
          ) : (
            <p class="muted">Nothing logged this week.</p>
          )
        }
      </Loaded>
      <button
        type="button"
        disabled={action.busy || !open.length}
        onClick={() =>
          act(async () => {
            for (const e of open) await unwrap(api.POST('/time-entries/{entryId}/submit', { params: { path: { entryId: e.id } } }))
          })
        }
      >
        Submit week{open.length ? ` (${open.length})` : ''}
      </button>
    </section>
  )
}

function LogTime({ tasks, days, onLogged }: { tasks: TaskOption[]; days: Date[]; onLogged: () => void }) {
  const today = isoDate(new Date())
  const inWeek = days.some((d) => isoDate(d) === today)
  const [taskId, setTaskId] = useState('')
  const [date, setDate] = useState('')
  const [minutes, setMinutes] = useState('')
  const [note, setNote] = useState('')
  const log = useSubmit()
  const day = date && days.some((d) => isoDate(d) === date) ? date : inWeek ? today : isoDate(days[0]!)
  const submit = async (e: Event) => {
    e.preventDefault()
    const ok = await log.run(() =>
      unwrap(
        api.POST('/tasks/{taskId}/time-entries', {
          params: { path: { taskId } },
          body: { date: day, minutes: Number(minutes), note: note.trim() || null },
        }),
      ),
    )
    if (ok) {
      setMinutes('')
      setNote('')
      onLogged()
    }
  }
  if (!tasks.length) return <p class="muted">There are no tasks to log time on yet.</p>
  return (
    <form class="card row" onSubmit={submit} aria-label="Log time">
      <div>
        <label for="log-task">Task</label>
        <select id="log-task" required value={taskId} onChange={(e) => setTaskId(e.currentTarget.value)}>
          <option value="">Choose a task</option>
          {tasks.map((t) => (
            <option key={t.id} value={t.id}>
              {t.humanId} · {t.title}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="log-day">Day</label>
        <select id="log-day" value={day} onChange={(e) => setDate(e.currentTarget.value)}>
          {days.map((d) => (
            <option key={isoDate(d)} value={isoDate(d)}>
              {dayLabel(d)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="log-minutes">Minutes</label>
        <input
          id="log-minutes"
          type="number"
          required
          min={1}
          max={1440}
          value={minutes}
          onInput={(e) => setMinutes(e.currentTarget.value)}
        />
      </div>
      <div>
        <label for="log-note">Note</label>
        <input id="log-note" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </div>
      <button type="submit" disabled={log.busy}>
        Log time
      </button>
      <ErrorMessage error={log.error} />
    </form>
  )
}
