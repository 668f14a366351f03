import { describe, expect } from 'bun:test'
import { newId, timeEntries } from '../src/db/schema'
import type { TimeEntryState } from '../src/timesheets/model'
import type { TestApp } from './helpers/app'
import { createProjectRow } from './helpers/fixtures'
import {
  ALL_CREDS,
  type CredName,
  createMatrix,
  type Expect,
  type MatrixRow,
  type MatrixWorld,
  runMatrix,
  UNAUTHENTICATED,
} from './helpers/matrix'

/**
 * Permission matrix of the timesheet routes: every route × every credential. The world
 * (helpers/matrix.ts): projectA has the OWNER, MEMBER and VIEWER of workspace A as project
 * OWNER/MEMBER/VIEWER; projectA2 has only the OWNER; projectB is in workspace B. Added here: projectM,
 * OWNED by the workspace MEMBER (the VIEWER is its VIEWER), to show that a project OWNER who is a
 * workspace MEMBER may approve there.
 *
 * Approve/reject/unlock/bill need `timesheets:approve` on the entry's project (project OWNER or
 * workspace OWNER), decided by the permission engine: 403 `Missing timesheets:approve permission.`
 */
const m = createMatrix()

function column(route: string, dflt: Expect, overrides: Partial<Record<CredName, Expect>>, extra: Partial<MatrixRow> = {}): MatrixRow[] {
  return ALL_CREDS.map((cred) => ({ route, cred, expect: overrides[cred] ?? UNAUTHENTICATED[cred] ?? dflt, ...extra }))
}
const pick = (rows: MatrixRow[], creds: CredName[]) => rows.filter((r) => creds.includes(r.cred))

const F: Expect = [403, 'forbidden']
const S: Expect = [403, 'scope_violation']
const N: Expect = [404, 'not_found']
const ROLE_KEYS = ['session', 'allKey', 'keysKey', 'readonlyKey', 'projectKey', 'pinnedKey'] as const
const all = (role: 'owner' | 'member' | 'viewer', e: Expect) =>
  Object.fromEntries(ROLE_KEYS.map((k) => [`${role}.${k}`, e])) as Partial<Record<CredName, Expect>>
const MCP: Partial<Record<CredName, Expect>> = { 'owner.mcpKey': S, 'member.mcpKey': S, 'viewer.mcpKey': S }
const STRANGERS: Partial<Record<CredName, Expect>> = {
  'ownerB.session': N,
  'ownerB.allKey': N,
  'outsider.session': N,
  'outsider.allKey': N,
}
const READ_A = { ...MCP, ...STRANGERS }
/** Logging and editing in projectA: OWNER and MEMBER; the VIEWER and read-only keys 403. */
const WRITE_A: Partial<Record<CredName, Expect>> = { ...READ_A, ...all('viewer', F), 'owner.readonlyKey': F, 'member.readonlyKey': F }
/** Deciding in projectA: only the OWNER (and the global token); read-only keys lack the scope. */
const APPROVE_A: Partial<Record<CredName, Expect>> = { ...READ_A, ...all('member', F), ...all('viewer', F), 'owner.readonlyKey': F }
/** The workspace-wide list and report: project-scoped keys are refused. */
const ORG_WIDE: Partial<Record<CredName, Expect>> = { ...READ_A, 'owner.projectKey': S, 'member.projectKey': S, 'viewer.projectKey': S }

/** A time entry inserted directly in a given state (rows that change state each get their own). */
function entryIn(
  t: TestApp,
  w: MatrixWorld,
  o: { project?: 'A' | 'A2' | 'M'; state: TimeEntryState; billed?: boolean; user?: 'owner' | 'member' },
): string {
  const projectId = o.project === 'A2' ? w.projectA2.id : o.project === 'M' ? w.ids.projectM! : w.projectA.id
  const taskId = o.project === 'A2' ? w.ids.taskA2! : o.project === 'M' ? w.ids.taskM! : w.ids.taskA!
  const id = newId()
  const now = new Date(t.clock.now())
  t.db
    .insert(timeEntries)
    .values({
      id,
      workspaceId: w.wsA.id,
      projectId,
      taskId,
      userId: w.users[o.user ?? (o.project === 'A2' ? 'owner' : 'member')].id,
      date: '2026-01-15',
      minutes: 1,
      billable: true,
      state: o.state,
      billed: o.billed ?? false,
      createdAt: now,
      updatedAt: now,
    })
    .run()
  return id
}

m.setup(async (w, t) => {
  const task = async (projectId: string) => {
    const r = await t.req('POST', '/tasks', {
      as: w.creds['owner.session'],
      workspace: w.wsA.id,
      body: { projectId, title: 'timesheet task' },
    })
    if (r.status !== 201) throw new Error(`fixture task: ${r.status} ${r.text}`)
    return r.body.data.id as string
  }
  w.ids.projectM = createProjectRow(t.core, w.wsA.id, {
    name: 'Member-owned',
    members: [
      [w.users.member.id, 'OWNER'],
      [w.users.viewer.id, 'VIEWER'],
    ],
  }).id
  w.ids.taskA = await task(w.projectA.id)
  w.ids.taskA2 = await task(w.projectA2.id)
  w.ids.taskM = await task(w.ids.projectM)
  w.ids.entryA = entryIn(t, w, { state: 'draft' })
})

/** 403 rows on decisions must say which permission is missing. */
const withMessage = (rows: MatrixRow[]): MatrixRow[] =>
  rows.map((r) =>
    Array.isArray(r.expect) && r.expect[1] === 'forbidden'
      ? { ...r, check: (res) => expect(res.body.error).toBe('Missing timesheets:approve permission.') }
      : r,
  )

describe('time entries: logging and reading', () => {
  runMatrix(
    'POST /tasks/:taskId/time-entries',
    column(
      'POST /tasks/:taskId/time-entries',
      201,
      { ...WRITE_A, global: [400, 'validation_error'] },
      {
        path: (w) => `/tasks/${w.ids.taskA}/time-entries`,
        body: { date: '2026-01-10', minutes: 1 },
      },
    ),
  )
  runMatrix(
    'POST /tasks/:taskId/time-entries (on behalf of another user)',
    column(
      'POST /tasks/:taskId/time-entries',
      201,
      { ...WRITE_A, ...all('member', F), 'member.readonlyKey': F },
      {
        note: 'userId: the VIEWER',
        path: (w) => `/tasks/${w.ids.taskA}/time-entries`,
        body: (w: MatrixWorld) => ({ date: '2026-01-11', minutes: 1, userId: w.users.viewer.id }),
      },
    ),
  )
  runMatrix('GET /time-entries (workspace-wide)', column('GET /time-entries', 200, ORG_WIDE))
  runMatrix(
    'GET /time-entries?projectId (projectA)',
    column('GET /time-entries', 200, READ_A, { note: 'projectA', path: (w) => `/time-entries?projectId=${w.projectA.id}` }),
  )
  runMatrix(
    'GET /time-entries?projectId (projectA2)',
    column(
      'GET /time-entries',
      200,
      { ...READ_A, ...all('member', N), ...all('viewer', N), 'owner.projectKey': N },
      { note: 'projectA2', path: (w) => `/time-entries?projectId=${w.projectA2.id}` },
    ),
  )
  runMatrix(
    'GET /time-entries/:entryId',
    column('GET /time-entries/:entryId', 200, READ_A, { path: (w) => `/time-entries/${w.ids.entryA}` }),
  )
  runMatrix(
    'GET /time-entries/:entryId (projectA2)',
    column(
      'GET /time-entries/:entryId',
      200,
      { ...READ_A, ...all('member', N), ...all('viewer', N), 'owner.projectKey': N },
      {
        note: 'projectA2',
        path: (w, t) => `/time-entries/${entryIn(t, w, { project: 'A2', state: 'draft' })}`,
      },
    ),
  )
})

describe("time entries: editing the MEMBER's entry (the person or a project owner)", () => {
  runMatrix(
    'PATCH /time-entries/:entryId',
    column('PATCH /time-entries/:entryId', 200, WRITE_A, {
      path: (w, t) => `/time-entries/${entryIn(t, w, { state: 'draft' })}`,
      body: { note: 'matrix' },
    }),
  )
  runMatrix(
    'DELETE /time-entries/:entryId',
    column('DELETE /time-entries/:entryId', 200, WRITE_A, { path: (w, t) => `/time-entries/${entryIn(t, w, { state: 'draft' })}` }),
  )
  runMatrix(
    "PATCH /time-entries/:entryId (the OWNER's entry)",
    column(
      'PATCH /time-entries/:entryId',
      200,
      { ...WRITE_A, ...all('member', F), 'member.readonlyKey': F },
      {
        note: "owner's entry",
        path: (w, t) => `/time-entries/${entryIn(t, w, { state: 'draft', user: 'owner' })}`,
        body: { note: 'matrix' },
      },
    ),
  )
  runMatrix(
    'POST /time-entries/:entryId/submit',
    column('POST /time-entries/:entryId/submit', 200, WRITE_A, {
      path: (w, t) => `/time-entries/${entryIn(t, w, { state: 'draft' })}/submit`,
    }),
  )
  runMatrix(
    'PATCH /time-entries/:entryId (billed)',
    // (The VIEWER and read-only keys already lack timesheets:write: their 403 names that one.)
    column('PATCH /time-entries/:entryId', 200, APPROVE_A, {
      note: 'billed',
      path: (w, t) => `/time-entries/${entryIn(t, w, { state: 'approved' })}`,
      body: { billed: true },
    }).map((r) =>
      r.cred.startsWith('member.') && r.cred !== 'member.readonlyKey' && r.cred !== 'member.mcpKey'
        ? { ...r, check: (res) => expect(res.body.error).toBe('Missing timesheets:approve permission.') }
        : r,
    ),
  )
})

describe('time entries: approval decisions (project OWNER or workspace OWNER)', () => {
  const decisions: [string, TimeEntryState, boolean, unknown][] = [
    ['approve', 'submitted', false, undefined],
    ['reject', 'submitted', false, { reason: 'matrix' }],
    ['unlock', 'approved', true, undefined],
    ['bill', 'approved', false, undefined],
  ]
  for (const [action, state, billed, body] of decisions) {
    const route = `POST /time-entries/:entryId/${action}`
    const path = (project?: 'A2' | 'M') => (w: MatrixWorld, t: TestApp) =>
      `/time-entries/${entryIn(t, w, { project, state, billed })}/${action}`
    runMatrix(`${route} (projectA)`, withMessage(column(route, 200, APPROVE_A, { path: path(), body })))
    runMatrix(
      `${route} (projectA2)`,
      column(
        route,
        200,
        { ...APPROVE_A, ...all('member', N), ...all('viewer', N), 'owner.projectKey': N, 'owner.readonlyKey': F },
        { note: 'A2', path: path('A2'), body },
      ),
    )
    // projectM: the workspace MEMBER is its OWNER and may decide; its VIEWER may not; a key limited to projectA does not reach it.
    runMatrix(
      `${route} (projectM)`,
      withMessage(
        pick(
          column(
            route,
            200,
            {
              ...all('viewer', F),
              'member.readonlyKey': F,
              'owner.readonlyKey': F,
              'member.projectKey': N,
              'viewer.projectKey': N,
              'owner.projectKey': N,
            },
            { note: 'M', path: path('M'), body },
          ),
          [
            'owner.session',
            'owner.projectKey',
            'member.session',
            'member.allKey',
            'member.pinnedKey',
            'member.readonlyKey',
            'member.projectKey',
            'viewer.session',
            'viewer.allKey',
          ],
        ),
      ),
    )
  }
})

describe('timesheet report', () => {
  runMatrix(
    'GET /timesheets/report (workspace)',
    column('GET /timesheets/report', 200, ORG_WIDE, { path: '/timesheets/report?scope=workspace&from=2026-01-01&to=2026-01-31' }),
  )
  runMatrix(
    'GET /timesheets/report (projectA)',
    column('GET /timesheets/report', 200, READ_A, {
      note: 'projectA',
      path: (w) => `/timesheets/report?scope=project&id=${w.projectA.id}&from=2026-01-01&to=2026-01-31`,
    }),
  )
  runMatrix(
    'GET /timesheets/report (projectA2)',
    column(
      'GET /timesheets/report',
      200,
      { ...READ_A, ...all('member', N), ...all('viewer', N), 'owner.projectKey': N },
      {
        note: 'projectA2',
        path: (w) => `/timesheets/report?scope=project&id=${w.projectA2.id}&from=2026-01-01&to=2026-01-31`,
      },
    ),
  )
})
