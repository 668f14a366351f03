import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { projects } from '../src/db/schema'
import { makeTestApp } from './helpers/app'
import { createKey, createProjectRow, createSession, createUser, createWorkspace } from './helpers/fixtures'

/**
 * The timesheet report against a fixture whose every number below was computed by hand.
 *
 * Projects: P "Platform" (client `Acme "Co"`), Q "Quality" (no client), R "Research" (client Beta).
 * People: Olga Owner (workspace OWNER), Mia (workspace MEMBER; member of P, OWNER of Q; cannot see R),
 * Max (workspace MEMBER; member of P). Names hold a quote, a comma and a newline on purpose (CSV).
 *
 *   #   date        who   task              min  billable  state
 *   1   2026-02-02  Mia   PA-1 (P)          120  yes       draft
 *   2   2026-02-02  Max   PA-1 (P)           60  yes       submitted
 *   3   2026-02-03  Mia   PA-2 (P)           90  no        approved
 *   4   2026-02-03  Olga  PA-2 (P)           30  yes       rejected
 *   5   2026-02-04  Mia   QB-1 (Q)           45  no (Q's default)  draft
 *   6   2026-02-04  Olga  RC-1 (R)          200  yes       approved
 *   7   2026-01-31  Mia   PA-1 (P)          999  yes       draft      (before the range)
 *   8   2026-02-05  Max   PA-2 (P)           15  yes       approved, billed
 *   9   2026-02-28  Max   PA-2 (P)           10  yes       draft      (last day of the range)
 *   10  2026-03-01  Olga  PA-1 (P)            7  yes       draft      (after the range)
 */
const t = makeTestApp()
afterAll(() => t.close())

const OLGA = 'Olga Owner'
const MIA = 'Mia "M" Member, Jr.'
const MAX = 'Max\nTwo'
let ws: { id: string }
let tokens: Record<'olga' | 'mia' | 'max', string>
let P: typeof projects.$inferSelect
let Q: typeof projects.$inferSelect
let R: typeof projects.$inferSelect
const ids: Record<string, string> = {}

beforeAll(async () => {
  t.clock.set(Date.parse('2026-03-10T12:00:00Z'))
  const olga = await createUser(t.core, { name: OLGA })
  const mia = await createUser(t.core, { name: MIA })
  const max = await createUser(t.core, { name: MAX })
  ids.olga = olga.id
  ids.mia = mia.id
  ids.max = max.id
  tokens = { olga: createSession(t.core, olga.id), mia: createSession(t.core, mia.id), max: createSession(t.core, max.id) }
  ws = createWorkspace(t.core, {
    members: [
      [olga.id, 'OWNER'],
      [mia.id, 'MEMBER'],
      [max.id, 'MEMBER'],
    ],
  })
  P = createProjectRow(t.core, ws.id, {
    key: 'PA',
    name: 'Platform',
    members: [
      [mia.id, 'MEMBER'],
      [max.id, 'MEMBER'],
    ],
  })
  Q = createProjectRow(t.core, ws.id, { key: 'QB', name: 'Quality', members: [[mia.id, 'OWNER']] })
  R = createProjectRow(t.core, ws.id, { key: 'RC', name: 'Research' })
  const acme = (await t.req('POST', '/clients', { as: tokens.olga, workspace: ws.id, body: { name: 'Acme "Co"' } })).body.data
  const beta = (await t.req('POST', '/clients', { as: tokens.olga, workspace: ws.id, body: { name: 'Beta' } })).body.data
  ids.acme = acme.id
  ids.beta = beta.id
  t.db.update(projects).set({ clientId: acme.id }).where(eq(projects.id, P.id)).run()
  t.db.update(projects).set({ clientId: beta.id }).where(eq(projects.id, R.id)).run()
  t.db.update(projects).set({ billableByDefault: false }).where(eq(projects.id, Q.id)).run()

  const task = async (projectId: string, title: string) =>
    (await t.req('POST', '/tasks', { as: tokens.olga, workspace: ws.id, body: { projectId, title } })).body.data.id as string
  ids.pa1 = await task(P.id, 'Design, phase 1')
  ids.pa2 = await task(P.id, 'Build')
  ids.qb1 = await task(Q.id, 'Ops')
  ids.rc1 = await task(R.id, 'Secret')

  const who = (name: 'olga' | 'mia' | 'max') => ({ as: tokens.olga, workspace: ws.id, userId: ids[name] })
  const step = async (id: string, action: string, body?: unknown) => {
    const r = await t.req('POST', `/time-entries/${id}/${action}`, { as: tokens.olga, workspace: ws.id, body })
    expect(r.status).toBe(200)
  }
  const add = async (
    n: number,
    date: string,
    name: 'olga' | 'mia' | 'max',
    taskId: string,
    minutes: number,
    billable: boolean | undefined,
    state: string,
  ) => {
    const { userId, ...o } = who(name)
    const r = await t.req('POST', `/tasks/${taskId}/time-entries`, {
      ...o,
      body: { date, minutes, userId, ...(billable === undefined ? {} : { billable }) },
    })
    expect(r.status).toBe(201)
    const id = r.body.data.id
    ids[`e${n}`] = id
    if (state !== 'draft') await step(id, 'submit')
    if (state === 'approved' || state === 'billed') await step(id, 'approve')
    if (state === 'rejected') await step(id, 'reject', { reason: 'no' })
    if (state === 'billed') await step(id, 'bill')
  }
  await add(1, '2026-02-02', 'mia', ids.pa1, 120, true, 'draft')
  await add(2, '2026-02-02', 'max', ids.pa1, 60, true, 'submitted')
  await add(3, '2026-02-03', 'mia', ids.pa2, 90, false, 'approved')
  await add(4, '2026-02-03', 'olga', ids.pa2, 30, true, 'rejected')
  await add(5, '2026-02-04', 'mia', ids.qb1, 45, undefined, 'draft')
  await add(6, '2026-02-04', 'olga', ids.rc1, 200, true, 'approved')
  await add(7, '2026-01-31', 'mia', ids.pa1, 999, true, 'draft')
  await add(8, '2026-02-05', 'max', ids.pa2, 15, true, 'billed')
  await add(9, '2026-02-28', 'max', ids.pa2, 10, true, 'draft')
  await add(10, '2026-03-01', 'olga', ids.pa1, 7, true, 'draft')
})

const FEB = 'from=2026-02-01&to=2026-02-28'
const report = async (who: 'olga' | 'mia' | 'max', qs: string) => {
  const r = await t.req('GET', `/timesheets/report?${qs}`, { as: tokens[who], workspace: ws.id })
  expect(r.status).toBe(200)
  return r.body.data
}
/** minutes, billable, non-billable, [draft, submitted, approved, rejected] */
const sums = (minutes: number, billableMinutes: number, nonBillableMinutes: number, [draft, submitted, approved, rejected]: number[]) => ({
  minutes,
  billableMinutes,
  nonBillableMinutes,
  byState: { draft, submitted, approved, rejected },
})

describe('totals against the hand-computed fixture', () => {
  test('workspace by user (OWNER sees everything in range, boundaries included)', async () => {
    const r = await report('olga', `scope=workspace&${FEB}&groupBy=user`)
    expect(r).toEqual({
      scope: 'workspace',
      id: ws.id,
      from: '2026-02-01',
      to: '2026-02-28',
      groupBy: 'user',
      billable: null,
      totals: sums(570, 435, 135, [175, 60, 305, 30]),
      groups: [
        { key: ids.max, label: MAX, ...sums(85, 85, 0, [10, 60, 15, 0]) },
        { key: ids.mia, label: MIA, ...sums(255, 120, 135, [165, 0, 90, 0]) },
        { key: ids.olga, label: OLGA, ...sums(230, 230, 0, [0, 0, 200, 30]) },
      ],
    })
  })

  test("workspace by project as a MEMBER: only the projects they can see (R's 200 minutes are not there)", async () => {
    const r = await report('mia', `scope=workspace&${FEB}&groupBy=project`)
    expect(r.totals).toEqual(sums(370, 235, 135, [175, 60, 105, 30]))
    expect(r.groups).toEqual([
      { key: P.id, label: 'Platform', ...sums(325, 235, 90, [130, 60, 105, 30]) },
      { key: Q.id, label: 'Quality', ...sums(45, 0, 45, [45, 0, 0, 0]) },
    ])
    // Max sees only P.
    expect((await report('max', `scope=workspace&${FEB}&groupBy=project`)).groups.map((g: { label: string }) => g.label)).toEqual([
      'Platform',
    ])
  })

  test('workspace by client: projects without a client last, key null', async () => {
    const r = await report('olga', `scope=workspace&${FEB}&groupBy=client`)
    expect(r.totals).toEqual(sums(570, 435, 135, [175, 60, 305, 30]))
    expect(r.groups).toEqual([
      { key: ids.acme, label: 'Acme "Co"', ...sums(325, 235, 90, [130, 60, 105, 30]) },
      { key: ids.beta, label: 'Beta', ...sums(200, 200, 0, [0, 0, 200, 0]) },
      { key: null, label: 'No client', ...sums(45, 0, 45, [45, 0, 0, 0]) },
    ])
  })

  test('by day with billable=true, and billable=false', async () => {
    const yes = await report('olga', `scope=workspace&${FEB}&groupBy=day&billable=true`)
    expect(yes.billable).toBe(true)
    expect(yes.totals).toEqual(sums(435, 435, 0, [130, 60, 215, 30]))
    expect(yes.groups).toEqual([
      { key: '2026-02-02', label: '2026-02-02', ...sums(180, 180, 0, [120, 60, 0, 0]) },
      { key: '2026-02-03', label: '2026-02-03', ...sums(30, 30, 0, [0, 0, 0, 30]) },
      { key: '2026-02-04', label: '2026-02-04', ...sums(200, 200, 0, [0, 0, 200, 0]) },
      { key: '2026-02-05', label: '2026-02-05', ...sums(15, 15, 0, [0, 0, 15, 0]) },
      { key: '2026-02-28', label: '2026-02-28', ...sums(10, 10, 0, [10, 0, 0, 0]) },
    ])
    const no = await report('olga', `scope=workspace&${FEB}&groupBy=day&billable=false`)
    expect(no.totals).toEqual(sums(135, 0, 135, [45, 0, 90, 0]))
    expect(no.groups.map((g: { key: string; minutes: number }) => [g.key, g.minutes])).toEqual([
      ['2026-02-03', 90],
      ['2026-02-04', 45],
    ])
  })

  test('project by task, task by user (task by its human id)', async () => {
    const p = await report('mia', `scope=project&id=${P.id}&${FEB}&groupBy=task`)
    expect(p.totals).toEqual(sums(325, 235, 90, [130, 60, 105, 30]))
    expect(p.groups).toEqual([
      { key: ids.pa1, label: 'PA-1 Design, phase 1', ...sums(180, 180, 0, [120, 60, 0, 0]) },
      { key: ids.pa2, label: 'PA-2 Build', ...sums(145, 55, 90, [10, 0, 105, 30]) },
    ])
    const tk = await report('olga', `scope=task&id=PA-1&${FEB}&groupBy=user`)
    expect(tk.id).toBe(ids.pa1)
    expect(tk.totals).toEqual(sums(180, 180, 0, [120, 60, 0, 0]))
    expect(tk.groups).toEqual([
      { key: ids.max, label: MAX, ...sums(60, 60, 0, [0, 60, 0, 0]) },
      { key: ids.mia, label: MIA, ...sums(120, 120, 0, [120, 0, 0, 0]) },
    ])
  })

  test('an empty range: zero totals, no groups', async () => {
    const r = await report('olga', 'scope=workspace&from=2025-06-01&to=2025-06-30&groupBy=project')
    expect(r.totals).toEqual(sums(0, 0, 0, [0, 0, 0, 0]))
    expect(r.groups).toEqual([])
  })
})

/** RFC 4180 parser (quoted fields with "" escapes, commas and CR/LF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') row.push(field), (field = '')
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++
    } else field += c
  }
  if (field !== '' || row.length) row.push(field), rows.push(row)
  return rows
}

describe('CSV', () => {
  const HEADER = ['key', 'label', 'minutes', 'billableMinutes', 'nonBillableMinutes', 'draft', 'submitted', 'approved', 'rejected']
  const asCsvRow = (key: string | null, label: string, s: ReturnType<typeof sums>) => [
    key ?? '',
    label,
    ...[
      s.minutes,
      s.billableMinutes,
      s.nonBillableMinutes,
      s.byState.draft,
      s.byState.submitted,
      s.byState.approved,
      s.byState.rejected,
    ].map(String),
  ]

  for (const groupBy of ['user', 'task', 'project', 'client', 'day'] as const) {
    test(`groupBy=${groupBy}: parsed back, it equals the JSON (header, one row per group, a total row)`, async () => {
      const json = await report('olga', `scope=workspace&${FEB}&groupBy=${groupBy}`)
      const r = await t.req('GET', `/timesheets/report?scope=workspace&${FEB}&groupBy=${groupBy}&format=csv`, {
        as: tokens.olga,
        workspace: ws.id,
      })
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(r.headers.get('content-disposition')).toBe('attachment; filename="timesheet-workspace-2026-02-01-2026-02-28.csv"')
      expect(r.text.endsWith('\r\n')).toBe(true)
      const rows = parseCsv(r.text)
      expect(rows[0]).toEqual(HEADER)
      expect(rows.slice(1, -1)).toEqual(json.groups.map((g: any) => asCsvRow(g.key, g.label, g)))
      expect(rows.at(-1)).toEqual(asCsvRow(null, 'Total', json.totals))
      expect(rows).toHaveLength(json.groups.length + 2)
    })
  }

  test('quoting is RFC 4180: the raw text quotes commas, doubles quotes, keeps newlines inside quotes', async () => {
    const r = await t.req('GET', `/timesheets/report?scope=workspace&${FEB}&groupBy=user&format=csv`, { as: tokens.olga, workspace: ws.id })
    expect(r.text).toContain(`,"Mia ""M"" Member, Jr.",255,`)
    expect(r.text).toContain(`,"Max\nTwo",85,`)
    expect(r.text).toContain(`,Olga Owner,230,`)
  })

  test('a label that looks like a spreadsheet formula gets a leading apostrophe in the CSV (not in the JSON)', async () => {
    const fx = createProjectRow(t.core, ws.id, { key: 'FX', name: '=SUM(1+1)' })
    const id = (await t.req('POST', '/tasks', { as: tokens.olga, workspace: ws.id, body: { projectId: fx.id, title: 'x' } })).body.data.id
    expect(
      (await t.req('POST', `/tasks/${id}/time-entries`, { as: tokens.olga, workspace: ws.id, body: { date: '2025-12-15', minutes: 5 } }))
        .status,
    ).toBe(201)
    const qs = 'scope=workspace&from=2025-12-01&to=2025-12-31&groupBy=project'
    expect((await report('olga', qs)).groups.map((g: { label: string }) => g.label)).toEqual(['=SUM(1+1)'])
    const r = await t.req('GET', `/timesheets/report?${qs}&format=csv`, { as: tokens.olga, workspace: ws.id })
    expect(parseCsv(r.text)[1]![1]).toBe("'=SUM(1+1)")
  })
})

describe('access and validation', () => {
  test('scope and visibility: a MEMBER asking for R is 404; a project-scoped key gets its project, not the workspace', async () => {
    const r = await t.req('GET', `/timesheets/report?scope=project&id=${R.id}&${FEB}`, { as: tokens.mia, workspace: ws.id })
    expect(r.status).toBe(404)
    expect((await t.req('GET', `/timesheets/report?scope=task&id=RC-1&${FEB}`, { as: tokens.mia, workspace: ws.id })).status).toBe(404)
    const k = await createKey(t.core, ids.olga!, { workspaceId: ws.id, projectId: P.id })
    const wide = await t.req('GET', `/timesheets/report?scope=workspace&${FEB}`, { as: k.key })
    expect(wide.status).toBe(403)
    expect(wide.body.code).toBe('scope_violation')
    const own = await t.req('GET', `/timesheets/report?scope=project&id=${P.id}&${FEB}`, { as: k.key })
    expect(own.body.data.totals.minutes).toBe(325)
    expect((await t.req('GET', `/timesheets/report?scope=project&id=${Q.id}&${FEB}`, { as: k.key })).status).toBe(404)
    const other = createWorkspace(t.core)
    expect(
      (await t.req('GET', `/timesheets/report?scope=workspace&id=${other.id}&${FEB}`, { as: tokens.olga, workspace: ws.id })).status,
    ).toBe(404)
    expect(
      (await t.req('GET', `/timesheets/report?scope=workspace&id=${ws.id}&${FEB}`, { as: tokens.olga, workspace: ws.id })).status,
    ).toBe(200)
  })

  const bad: [string, string][] = [
    ['no scope', FEB],
    ['unknown scope', `scope=client&${FEB}`],
    ['no from', 'scope=workspace&to=2026-02-28'],
    ['from after to', 'scope=workspace&from=2026-03-01&to=2026-02-01'],
    ['not a date', 'scope=workspace&from=2026-02-30&to=2026-03-01'],
    ['over ten years', 'scope=workspace&from=2010-01-01&to=2026-01-01'],
    ['task scope without id', `scope=task&${FEB}`],
    ['project scope without id', `scope=project&${FEB}`],
    ['unknown groupBy', `scope=workspace&${FEB}&groupBy=week`],
    ['unknown format', `scope=workspace&${FEB}&format=xlsx`],
    ['billable not a boolean', `scope=workspace&${FEB}&billable=maybe`],
  ]
  test.each(bad)('400: %s', async (_name, qs) => {
    const r = await t.req('GET', `/timesheets/report?${qs}`, { as: tokens.olga, workspace: ws.id })
    expect(r.status).toBe(400)
    expect(r.body.code).toBe('validation_error')
  })
})
