import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { documented } from '../docs/finish'
import { conflicts, envelope, listEnvelope, ok, okList } from '../http/respond'
import { idempotencyPlugin } from '../idempotency'
import { authPlugin } from '../permissions/plugin'
import { listEntries } from './list'
import {
  createTimeEntryBody,
  listTimeEntriesQuery,
  rejectBody,
  report,
  reportQuery,
  taskTimeParams,
  timeEntry,
  timeEntryParams,
  updateTimeEntryBody,
} from './model'
import { buildReport, csvFilename, reportCsv } from './report'
import { createEntry, deleteEntry, getEntry, updateEntry } from './service'
import { transition } from './transitions'

const tags = ['Timesheets']
const one = { 200: envelope(timeEntry) }
/** 409 reasons (src/docs documents them). */
const LOCKED = 'the entry is approved or billed: locked until a project owner unlocks it'
const WRONG_STATE = 'the entry is not in a state this action applies to (the message names its state)'

/**
 * Time entries, their approval flow and the report. The macro checks the workspace-level permission;
 * the project-level one (and timesheets:approve for approve/reject/unlock/bill, which a workspace
 * MEMBER has on the projects they OWN) is decided in the services by the permission engine.
 */
export function timesheetRoutes(core: Core) {
  const decide = (summary: string) =>
    ({
      // Any reader passes the macro; the service demands timesheets:approve on the entry's project
      // (403 "Missing timesheets:approve permission.").
      workspace: 'timesheets:read',
      params: timeEntryParams,
      detail: { tags, summary, ...conflicts(WRONG_STATE) },
      response: one,
    }) as const
  return new Elysia({ name: 'timesheets' })
    .use(authPlugin(core))
    .use(idempotencyPlugin(core))
    .post(
      '/tasks/:taskId/time-entries',
      ({ actor, params, body, set }) => {
        set.status = 201
        return ok(createEntry(core, actor, params.taskId, body))
      },
      {
        workspace: 'timesheets:write',
        idempotent: true,
        params: taskTimeParams,
        body: createTimeEntryBody,
        detail: { tags, summary: 'Log time on a task (minutes, or start and end on one day; userId: project owners only)' },
        response: { 201: envelope(timeEntry) },
      },
    )
    .get(
      '/time-entries',
      ({ actor, query }) => {
        const r = listEntries(core, actor, query)
        return okList(r.items, r.nextCursor)
      },
      {
        workspace: 'timesheets:read',
        query: listTimeEntriesQuery,
        detail: { tags, summary: 'List time entries (workspace-wide unless projectId/taskId; filters; newest day first)' },
        response: { 200: listEnvelope(timeEntry) },
      },
    )
    .get('/time-entries/:entryId', ({ actor, params }) => ok(getEntry(core, actor, params.entryId)), {
      workspace: 'timesheets:read',
      params: timeEntryParams,
      detail: { tags, summary: 'Get a time entry' },
      response: one,
    })
    .patch('/time-entries/:entryId', ({ actor, params, body }) => ok(updateEntry(core, actor, params.entryId, body)), {
      workspace: 'timesheets:write',
      params: timeEntryParams,
      body: updateTimeEntryBody,
      detail: {
        tags,
        summary: 'Edit a time entry (not when approved or billed; a submitted one returns to draft); billed: owners',
        ...conflicts(LOCKED, 'billed is set on an entry that is not approved'),
      },
      response: one,
    })
    .delete(
      '/time-entries/:entryId',
      ({ actor, params }) => {
        deleteEntry(core, actor, params.entryId)
        return ok({ id: params.entryId, deleted: true as const })
      },
      {
        workspace: 'timesheets:write',
        params: timeEntryParams,
        detail: { tags, summary: 'Delete a time entry (not when approved or billed)', ...conflicts(LOCKED) },
        response: { 200: envelope(z.object({ id: z.string(), deleted: z.literal(true) })) },
      },
    )
    .post('/time-entries/:entryId/submit', ({ actor, params }) => ok(transition(core, actor, params.entryId, 'submit')), {
      workspace: 'timesheets:write',
      params: timeEntryParams,
      detail: { tags, summary: 'Submit for approval (draft or rejected → submitted)', ...conflicts(WRONG_STATE) },
      response: one,
    })
    .post(
      '/time-entries/:entryId/approve',
      ({ actor, params }) => ok(transition(core, actor, params.entryId, 'approve')),
      decide('Approve (submitted → approved; project or workspace OWNER)'),
    )
    .post(
      '/time-entries/:entryId/reject',
      ({ actor, params, body }) => ok(transition(core, actor, params.entryId, 'reject', body.reason)),
      {
        ...decide('Reject with a reason (submitted → rejected; project or workspace OWNER)'),
        body: rejectBody,
      },
    )
    .post(
      '/time-entries/:entryId/unlock',
      ({ actor, params }) => ok(transition(core, actor, params.entryId, 'unlock')),
      decide('Unlock (approved → draft, clears billed; project or workspace OWNER)'),
    )
    .post(
      '/time-entries/:entryId/bill',
      ({ actor, params }) => ok(transition(core, actor, params.entryId, 'bill')),
      decide('Mark an approved entry billed (locks it; project or workspace OWNER)'),
    )
    .get(
      '/timesheets/report',
      ({ actor, query }) => {
        const r = buildReport(core, actor, query)
        if (query.format !== 'csv') return ok(r)
        return new Response(reportCsv(r), {
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${csvFilename(r)}"` },
        })
      },
      {
        workspace: 'timesheets:read',
        query: reportQuery,
        detail: {
          tags,
          ...documented({ alsoServes: { 'text/csv': 'With `format=csv`: one row per group, as an attachment.' } }),
          summary:
            'Timesheet report for a task, project or workspace over [from, to], grouped by user, task, project, client or day (JSON or CSV)',
        },
        response: { 200: envelope(report) },
      },
    )
}
