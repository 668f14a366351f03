import { z } from 'zod'
import { TIME_ENTRY_STATES } from '../db/schema'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { boolParam } from '../projects/model'
import { isoDate } from '../tasks/model'

const id = z.string().trim().min(1).max(64)

export const timeEntryState = z.enum(TIME_ENTRY_STATES)
export type TimeEntryState = z.infer<typeof timeEntryState>

export const timeEntry = z
  .object({
    id: z.string(),
    projectId: z.string(),
    taskId: z.string(),
    userId: z.string(),
    /** The person whose time this is. */
    user: z.object({ id: z.string(), name: z.string(), handle: z.string() }).nullable(),
    task: z.object({ id: z.string(), humanId: z.string(), title: z.string() }),
    project: z.object({ id: z.string(), name: z.string() }),
    date: z.string(),
    minutes: z.number().int(),
    note: z.string().nullable(),
    billable: z.boolean(),
    billed: z.boolean(),
    state: timeEntryState,
    /** Set when rejected (kept until the entry is submitted again). */
    rejectionReason: z.string().nullable(),
    /** Who made the last approval decision (approve, reject or unlock) and when. */
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    /** Who logged it (differs from userId when a project owner logged it on someone's behalf). */
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'TimeEntry' })
export type TimeEntry = z.infer<typeof timeEntry>

const minutes = z
  .number({ error: 'minutes must be a whole number between 1 and 1440' })
  .int('minutes must be a whole number between 1 and 1440')
  .min(1, 'minutes must be at least 1')
  .max(1440, 'minutes must be at most 1440 (24 h)')
/** `HH:MM[:SS]` on `date`, or a full ISO date-time (`2026-03-02T09:00:00Z`) whose day is `date`. */
const clockTime = z.string().trim().min(1).max(40)
/** The bare rule (the MCP tools reuse it). */
export const timeNote = z.string().max(5000)
const doc = {
  date: 'The day worked, `YYYY-MM-DD`; may be left out when `start` and `end` are full date-times.',
  minutes: 'Duration in whole minutes, 1 to 1440; or give `start` and `end`.',
  start: 'Start time `HH:MM[:SS]` on `date`, or an ISO date-time (`2026-03-02T09:00:00Z`) on that day; with `end`, instead of `minutes`.',
  end: 'End time, in the same form as `start`, after it on the same day.',
  note: 'What was done, up to 5000 characters; null: none.',
}
export const createTimeEntryBody = z.strictObject({
  date: isoDate.optional().describe(doc.date),
  minutes: minutes.optional().describe(doc.minutes),
  start: clockTime.optional().describe(doc.start),
  end: clockTime.optional().describe(doc.end),
  note: timeNote.nullable().optional().describe(doc.note),
  billable: z.boolean().optional().describe("Billable time or not; default: the project's `billableByDefault`."),
  userId: id.optional().describe('Log for another user (project OWNERs only); default: yourself.'),
})
export type CreateTimeEntryInput = z.infer<typeof createTimeEntryBody>

export const updateTimeEntryBody = z.strictObject({
  date: isoDate.optional().describe(doc.date),
  minutes: minutes.optional().describe(doc.minutes),
  start: clockTime.optional().describe(doc.start),
  end: clockTime.optional().describe(doc.end),
  note: timeNote.nullable().optional().describe(doc.note),
  billable: z.boolean().optional().describe('Billable time or not.'),
  billed: z
    .boolean()
    .optional()
    .describe('Marked as invoiced: project OWNERs only, on approved entries (same as `POST /time-entries/{entryId}/bill`).'),
})
export type UpdateTimeEntryInput = z.infer<typeof updateTimeEntryBody>

export const rejectBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1, 'reason is required')
    .max(2000)
    .describe('Why the entry is rejected (shown to its owner), 1 to 2000 characters.'),
})

export const timeEntryParams = z.object({ entryId: id })
export const taskTimeParams = z.object({ taskId: id })

export const listTimeEntriesQuery = pageQuery.extend({
  userId: id.optional().describe('Only the entries of this user.'),
  projectId: id.optional().describe('Only the entries of this project.'),
  taskId: id.optional().describe('Only the entries of this task (id or human id such as `WEB-42`).'),
  clientId: id.optional().describe("Only the entries of this client's projects."),
  from: isoDate.optional().describe('Only entries on or after this day, `YYYY-MM-DD`.'),
  to: isoDate.optional().describe('Only entries on or before this day, `YYYY-MM-DD`.'),
  billable: boolParam.optional().describe('`true`: billable entries only; `false`: non-billable only. Default: both.'),
  billed: boolParam.optional().describe('`true`: invoiced entries only; `false`: not yet invoiced. Default: both.'),
  state: timeEntryState.optional().describe('Only entries in this approval state: `draft`, `submitted`, `approved` or `rejected`.'),
})
export type ListTimeEntriesQuery = z.infer<typeof listTimeEntriesQuery>

export const REPORT_SCOPES = ['task', 'project', 'workspace'] as const
export const REPORT_GROUPS = ['user', 'task', 'project', 'client', 'day'] as const

export const reportQuery = z.object({
  scope: z.enum(REPORT_SCOPES).describe('What to report on: one `task`, one `project`, or the whole `workspace`.'),
  id: id.optional().describe("The task (id or human id) or project id; for `workspace`, optionally the selected workspace's id."),
  from: isoDate.describe('First day, `YYYY-MM-DD` (inclusive).'),
  to: isoDate.describe('Last day, `YYYY-MM-DD` (inclusive); at most 3660 days after `from`.'),
  groupBy: z.enum(REPORT_GROUPS).default('user').describe('One row per `user` (default), `task`, `project`, `client` or `day`.'),
  billable: boolParam.optional().describe('`true`: billable time only; `false`: non-billable only. Default: both.'),
  format: z.enum(['json', 'csv']).default('json').describe('`json` (default) or `csv` (`text/csv`, one line per group).'),
})
export type ReportQuery = z.infer<typeof reportQuery>

const byState = z.object({ draft: z.number().int(), submitted: z.number().int(), approved: z.number().int(), rejected: z.number().int() })
const sums = { minutes: z.number().int(), billableMinutes: z.number().int(), nonBillableMinutes: z.number().int(), byState }

export const report = z
  .object({
    scope: z.enum(REPORT_SCOPES),
    id: z.string(),
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(REPORT_GROUPS),
    billable: z.boolean().nullable(),
    totals: z.object(sums),
    groups: z.array(z.object({ key: z.string().nullable(), label: z.string(), ...sums })),
  })
  .meta({ id: 'TimesheetReport' })
export type Report = z.infer<typeof report>
export type ReportSums = z.infer<typeof report>['totals']

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createTimeEntryBody, { date: '2026-11-02', minutes: 45, note: 'Hero layout', billable: true })
example(updateTimeEntryBody, { minutes: 60, note: 'Hero layout and review' })
example(rejectBody, { reason: 'Please split this entry per task.' })
