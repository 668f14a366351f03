import { useState } from 'preact/hooks'
import { api, type Schemas, unwrap } from '../../api/client'
import { ErrorMessage, Loading, useLoad } from '../../ui'
import { apiLink, formatMinutes, isoDate, mondayOf } from './common'
import type { ProjectOption, TaskOption } from './timesheets'

type Scope = 'workspace' | 'project' | 'task'
type GroupBy = 'user' | 'task' | 'project' | 'client' | 'day'
type Billable = '' | 'true' | 'false'
/** The JSON answer (the route also answers CSV, which this page only links to). */
type JsonReport = { data?: { ok: true; data: Schemas['TimesheetReport'] }; error?: unknown; response: Response }

/** GET /timesheets/report with its filters, its totals per group, and the same report as CSV. */
export function Report({ ws, tasks, projects, changed }: { ws: string; tasks: TaskOption[]; projects: ProjectOption[]; changed: number }) {
  const monday = mondayOf(new Date())
  const [scope, setScope] = useState<Scope>('workspace')
  const [id, setId] = useState('')
  const [from, setFrom] = useState(isoDate(monday))
  const [to, setTo] = useState(isoDate(new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + 6)))
  const [groupBy, setGroupBy] = useState<GroupBy>('user')
  const [billable, setBillable] = useState<Billable>('')

  const choices = scope === 'project' ? projects.map((p) => [p.id, p.name]) : tasks.map((t) => [t.id, `${t.humanId} · ${t.title}`])
  const target = scope === 'workspace' ? undefined : choices.some(([v]) => v === id) ? id : choices[0]?.[0]
  const query = {
    scope,
    from,
    to,
    groupBy,
    ...(target ? { id: target } : {}),
    ...(billable ? { billable } : {}),
  }
  const ready = scope === 'workspace' || !!target
  const report = useLoad(
    () => (ready ? unwrap(api.GET('/timesheets/report', { params: { query } }) as Promise<JsonReport>) : Promise.resolve(null)),
    [ws, scope, target, from, to, groupBy, billable, changed],
  )
  const r = report.data
  return (
    <section aria-labelledby="report" class="block">
      <h2 id="report">Report</h2>
      <form class="card row" aria-label="Report filters" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label for="report-scope">Scope</label>
          <select id="report-scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as Scope)}>
            <option value="workspace">Workspace</option>
            <option value="project">Project</option>
            <option value="task">Task</option>
          </select>
        </div>
        {scope !== 'workspace' && (
          <div>
            <label for="report-id">{scope === 'project' ? 'Project' : 'Task'}</label>
            <select id="report-id" value={target ?? ''} onChange={(e) => setId(e.currentTarget.value)}>
              {choices.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          </div>
        )}
        <div>
          <label for="report-from">From</label>
          <input id="report-from" type="date" required value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div>
          <label for="report-to">To</label>
          <input id="report-to" type="date" required value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div>
          <label for="report-group">Group by</label>
          <select id="report-group" value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value as GroupBy)}>
            <option value="user">Person</option>
            <option value="task">Task</option>
            <option value="project">Project</option>
            <option value="client">Client</option>
            <option value="day">Day</option>
          </select>
        </div>
        <div>
          <label for="report-billable">Billable</label>
          <select id="report-billable" value={billable} onChange={(e) => setBillable(e.currentTarget.value as Billable)}>
            <option value="">All entries</option>
            <option value="true">Billable only</option>
            <option value="false">Non-billable only</option>
          </select>
        </div>
      </form>
      {!ready ? (
        <p class="muted">Nothing to report on: choose another scope.</p>
      ) : report.loading && !r ? (
        <Loading />
      ) : report.error ? (
        <ErrorMessage error={report.error} />
      ) : r ? (
        <>
          <div class="scroll">
            <table class="entries" aria-label="Report">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Total</th>
                  <th scope="col">Billable</th>
                  <th scope="col">Non-billable</th>
                  <th scope="col">Approved</th>
                </tr>
              </thead>
              <tbody>
                {r.groups.map((g) => (
                  <tr key={g.key ?? g.label}>
                    <th scope="row">{g.label}</th>
                    <td>{formatMinutes(g.minutes)}</td>
                    <td>{formatMinutes(g.billableMinutes)}</td>
                    <td>{formatMinutes(g.nonBillableMinutes)}</td>
                    <td>{formatMinutes(g.byState.approved)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  <td>{formatMinutes(r.totals.minutes)}</td>
                  <td>{formatMinutes(r.totals.billableMinutes)}</td>
                  <td>{formatMinutes(r.totals.nonBillableMinutes)}</td>
                  <td>{formatMinutes(r.totals.byState.approved)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
          {!r.groups.length && <p class="muted">No time logged in this range.</p>}
          <a class="button-link" href={apiLink('/timesheets/report', ws, { ...query, format: 'csv' })} download>
            Download CSV
          </a>
        </>
      ) : null}
    </section>
  )
}
