import { z } from 'zod'
import { isoDate } from '../../tasks/model'
import { listEntries } from '../../timesheets/list'
import { createTimeEntryBody, REPORT_GROUPS, REPORT_SCOPES, timeEntryState, timeNote } from '../../timesheets/model'
import { buildReport } from '../../timesheets/report'
import { createEntry } from '../../timesheets/service'
import { transition } from '../../timesheets/transitions'
import { CREATE, defineTool, pageArgs, READ, SET, seg } from '../tool'

const task = z.string().trim().min(1).max(64).describe('Id or human id (WEB-42).')

/**
 * log_time's date defaults to today (UTC) when neither it nor full date-times are given, on both
 * transports (REST requires it).
 */
function withDate<T extends { date?: string; start?: string; end?: string }>(input: T, now: number): T {
  if (input.date || (input.start?.includes('T') && input.end?.includes('T'))) return input
  return { ...input, date: new Date(now).toISOString().slice(0, 10) }
}

const hours = (m: number) => (m % 60 === 0 ? `${m / 60} h` : m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`)

export const log_time = defineTool({
  name: 'log_time',
  title: 'Log time on a task',
  description: 'Logs time on a task (minutes, or start and end) as a draft in your name; submit_time sends it for approval.',
  input: {
    task,
    date: isoDate.optional().describe('Day worked, YYYY-MM-DD; default today (UTC).'),
    minutes: createTimeEntryBody.shape.minutes.describe('1..1440; or start and end.'),
    start: createTimeEntryBody.shape.start.describe('HH:MM (or ISO date-time).'),
    end: createTimeEntryBody.shape.end.describe('HH:MM (or ISO date-time).'),
    note: timeNote.nullable().optional(),
    billable: z.boolean().optional().describe("Default: the project's setting."),
    userId: createTimeEntryBody.shape.userId.describe('Log for someone else (project owners).'),
  },
  annotations: CREATE,
  scope: 'workspace',
  permission: 'timesheets:write',
  call: (core, actor, { task, ...input }) => createEntry(core, actor, task, withDate(input, core.clock.now())),
  rest: ({ task, ...input }) => ({ method: 'POST', path: `/tasks/${seg(task)}/time-entries`, body: withDate(input, Date.now()) }),
  summary: (e) =>
    `Logged ${hours(e.minutes)} on ${e.task.humanId} "${e.task.title}" for ${e.date}${e.billable ? ' (billable)' : ''}; entry ${e.id} is ${e.state}.`,
})

export const timesheet_report = defineTool({
  name: 'timesheet_report',
  title: 'Timesheet report',
  description: 'Time totals of a task, project or the workspace over [from, to], grouped, by billable and state.',
  input: {
    scope: z.enum(REPORT_SCOPES),
    id: z.string().trim().min(1).max(64).optional().describe('Task or project id (not for workspace).'),
    from: isoDate.describe('YYYY-MM-DD.'),
    to: isoDate.describe('YYYY-MM-DD, inclusive.'),
    groupBy: z.enum(REPORT_GROUPS).default('user'),
    billable: z.boolean().optional(),
  },
  annotations: READ,
  scope: 'workspace',
  permission: 'timesheets:read',
  call: (core, actor, input) => buildReport(core, actor, { ...input, format: 'json' }),
  rest: (input) => ({ method: 'GET', path: '/timesheets/report', query: { ...input, format: 'json' } }),
  summary: (r) =>
    `${r.scope} report ${r.from}..${r.to}: ${hours(r.totals.minutes)} total (${hours(r.totals.billableMinutes)} billable)` +
    (r.groups.length ? `; by ${r.groupBy}: ${r.groups.map((g: any) => `${g.label} ${hours(g.minutes)}`).join(', ')}.` : '.'),
})

const entryLine = (e: any) => `${e.id} ${e.date} ${hours(e.minutes)} on ${e.task.humanId} (${e.state}${e.billable ? ', billable' : ''})`

export const list_time_entries = defineTool({
  name: 'list_time_entries',
  title: 'List time entries',
  description: 'Time entries in projects you can see, newest day first, filtered, paged.',
  input: {
    taskId: task.optional(),
    projectId: z.string().min(1).max(64).optional(),
    userId: z.string().min(1).max(64).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    state: timeEntryState.optional(),
    billable: z.boolean().optional(),
    ...pageArgs,
  },
  annotations: READ,
  scope: 'workspace',
  permission: 'timesheets:read',
  call: (core, actor, input) => listEntries(core, actor, input),
  rest: (input) => ({ method: 'GET', path: '/time-entries', query: input }),
  summary: (d) =>
    d.items.length === 0
      ? 'No time entries.'
      : `${d.items.length} entr(ies)${d.nextCursor ? ' (more: pass cursor)' : ''}: ${d.items.map(entryLine).join('; ')}`,
})

export const submit_time = defineTool({
  name: 'submit_time',
  title: 'Submit time for approval',
  description: 'Submits a draft or rejected time entry of yours for approval.',
  input: { entryId: z.string().trim().min(1).max(64) },
  annotations: SET,
  scope: 'workspace',
  permission: 'timesheets:write',
  call: (core, actor, input) => transition(core, actor, input.entryId, 'submit'),
  rest: (input) => ({ method: 'POST', path: `/time-entries/${seg(input.entryId)}/submit` }),
  summary: (e) => `Entry ${entryLine(e)}.`,
})
