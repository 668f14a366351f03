import { z } from 'zod'
import { isoDate } from '../../tasks/model'
import { createTimeEntryBody, REPORT_GROUPS, REPORT_SCOPES } from '../../timesheets/model'
import { buildReport } from '../../timesheets/report'
import { createEntry } from '../../timesheets/service'
import { CREATE, defineTool, READ, seg } from '../tool'

const hours = (m: number) => (m % 60 === 0 ? `${m / 60} h` : m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`)

export const log_time = defineTool({
  name: 'log_time',
  title: 'Log time on a task',
  description:
    'Records time spent on a task: minutes on a date, or start and end times on one day. The entry is a draft in your name (project owners may log for another user with userId). Rules: 1..1440 minutes, at most 24 h per person per day, date at most one day ahead, not on archived tasks. Returns the time entry.',
  input: {
    task: z.string().trim().min(1).max(64).describe('The task: its id, or its human id such as WEB-42.'),
    date: isoDate.optional().describe('The day worked, YYYY-MM-DD (required unless start and end are full date-times).'),
    minutes: createTimeEntryBody.shape.minutes.describe('Minutes worked (1..1440), e.g. 30. Or give start and end instead.'),
    start: createTimeEntryBody.shape.start.describe('Start time HH:MM on date (or a full ISO date-time), with end.'),
    end: createTimeEntryBody.shape.end.describe('End time HH:MM on date (or a full ISO date-time), with start.'),
    note: createTimeEntryBody.shape.note.describe('What was done.'),
    billable: z.boolean().optional().describe("Billable to the client? Default: the project's setting."),
    userId: createTimeEntryBody.shape.userId.describe('Log for this user instead of yourself (project owners only).'),
  },
  annotations: CREATE,
  scope: 'workspace',
  permission: 'timesheets:write',
  call: (core, actor, { task, ...input }) => createEntry(core, actor, task, input),
  rest: ({ task, ...input }) => ({ method: 'POST', path: `/tasks/${seg(task)}/time-entries`, body: input }),
  summary: (e) =>
    `Logged ${hours(e.minutes)} on ${e.task.humanId} "${e.task.title}" for ${e.date}${e.billable ? ' (billable)' : ''}; entry ${e.id} is ${e.state}.`,
})

export const timesheet_report = defineTool({
  name: 'timesheet_report',
  title: 'Timesheet report',
  description:
    'Totals of logged time for a task, a project or the whole workspace over a date range, grouped by user, task, project, client or day: minutes, billable and non-billable minutes, and minutes per approval state (draft, submitted, approved, rejected), per group and overall. Only projects you can see are counted.',
  input: {
    scope: z.enum(REPORT_SCOPES).describe('What to report on: task, project, or workspace.'),
    id: z.string().trim().min(1).max(64).optional().describe('The task (id or human id) or project id; not needed for the workspace.'),
    from: isoDate.describe('First day, YYYY-MM-DD.'),
    to: isoDate.describe('Last day (inclusive), YYYY-MM-DD.'),
    groupBy: z.enum(REPORT_GROUPS).default('user').describe('Group rows by user (default), task, project, client or day.'),
    billable: z.boolean().optional().describe('true: billable time only; false: non-billable only.'),
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
