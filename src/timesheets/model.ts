import { z } from 'zod'
import { TIME_ENTRY_STATES } from '../db/schema'
import { example } from '../http/example'
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
const note = z.string().max(5000)

export const createTimeEntryBody = z.strictObject({
  /** YYYY-MM-DD; may be left out when start/end are full date-times. */
  date: isoDate.optional(),
  minutes: minutes.optional(),
  start: clockTime.optional(),
  end: clockTime.optional(),
  note: note.nullable().optional(),
  /** Defaults to the project's billableByDefault. */
  billable: z.boolean().optional(),
  /** Log on behalf of another user (project OWNERs only). */
  userId: id.optional(),
})
export type CreateTimeEntryInput = z.infer<typeof createTimeEntryBody>

export const updateTimeEntryBody = z.strictObject({
  date: isoDate.optional(),
  minutes: minutes.optional(),
  start: clockTime.optional(),
  end: clockTime.optional(),
  note: note.nullable().optional(),
  billable: z.boolean().optional(),
  /** Project OWNERs only, on approved entries (same as POST /time-entries/:id/bill). */
  billed: z.boolean().optional(),
})
export type UpdateTimeEntryInput = z.infer<typeof updateTimeEntryBody>

export const rejectBody = z.strictObject({ reason: z.string().trim().min(1, 'reason is required').max(2000) })

export const timeEntryParams = z.object({ entryId: id })
export const taskTimeParams = z.object({ taskId: id })

export const listTimeEntriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  /** nextCursor of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
  userId: id.optional(),
  projectId: id.optional(),
  /** Task id or human id (PROJ-42). */
  taskId: id.optional(),
  clientId: id.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  billable: boolParam.optional(),
  billed: boolParam.optional(),
  state: timeEntryState.optional(),
})
export type ListTimeEntriesQuery = z.infer<typeof listTimeEntriesQuery>

export const REPORT_SCOPES = ['task', 'project', 'workspace'] as const
export const REPORT_GROUPS = ['user', 'task', 'project', 'client', 'day'] as const

export const reportQuery = z.object({
  scope: z.enum(REPORT_SCOPES),
  /** Task id or human id, project id, or (optional) the selected workspace's id. */
  id: id.optional(),
  from: isoDate,
  to: isoDate,
  groupBy: z.enum(REPORT_GROUPS).default('user'),
  billable: boolParam.optional(),
  format: z.enum(['json', 'csv']).default('json'),
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
