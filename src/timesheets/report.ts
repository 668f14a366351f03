import { and, eq, gte, lte, type SQL, sql } from 'drizzle-orm'
import type { Core } from '../core'
import { clients, projects, tasks, timeEntries, users } from '../db/schema'
import { badRequest, notFound } from '../errors'
import { type Actor, requireWorkspaceWide } from '../permissions/actor'
import { projectAccess, visibleProjects } from '../permissions/projects'
import { loadTask } from '../tasks/read'
import type { Report, ReportQuery, ReportSums } from './model'

/** Longest range one report may cover (ten years of days). */
export const MAX_REPORT_DAYS = 3660

const m = timeEntries.minutes
const when = (cond: SQL) => sql<number>`coalesce(sum(CASE WHEN ${cond} THEN ${m} ELSE 0 END), 0)`
/** The sums every group and the total carry, as SQL aggregates. */
const SUMS = {
  minutes: sql<number>`coalesce(sum(${m}), 0)`,
  billableMinutes: when(sql`${timeEntries.billable} = 1`),
  nonBillableMinutes: when(sql`${timeEntries.billable} = 0`),
  draft: when(sql`${timeEntries.state} = 'draft'`),
  submitted: when(sql`${timeEntries.state} = 'submitted'`),
  approved: when(sql`${timeEntries.state} = 'approved'`),
  rejected: when(sql`${timeEntries.state} = 'rejected'`),
}

/** Group key and label per `groupBy` (the label is functionally dependent on the key). */
const GROUPS: Record<ReportQuery['groupBy'], { key: SQL; label: SQL; order: SQL }> = {
  user: {
    key: sql`${timeEntries.userId}`,
    label: sql`coalesce(${users.name}, ${timeEntries.userId})`,
    order: sql`lower(coalesce(${users.name}, '')), ${timeEntries.userId}`,
  },
  task: {
    key: sql`${timeEntries.taskId}`,
    label: sql`${projects.key} || '-' || ${tasks.number} || ' ' || ${tasks.title}`,
    order: sql`lower(${projects.key}), ${tasks.number}`,
  },
  project: {
    key: sql`${timeEntries.projectId}`,
    label: sql`${projects.name}`,
    order: sql`lower(${projects.name}), ${timeEntries.projectId}`,
  },
  client: {
    key: sql`${projects.clientId}`,
    label: sql`coalesce(${clients.name}, 'No client')`,
    // Projects without a client last.
    order: sql`${projects.clientId} IS NULL, lower(coalesce(${clients.name}, '')), ${projects.clientId}`,
  },
  day: { key: sql`${timeEntries.date}`, label: sql`${timeEntries.date}`, order: sql`${timeEntries.date}` },
}

type SumRow = { [K in keyof typeof SUMS]: number }
const toSums = (r: SumRow): ReportSums => ({
  minutes: r.minutes,
  billableMinutes: r.billableMinutes,
  nonBillableMinutes: r.nonBillableMinutes,
  byState: { draft: r.draft, submitted: r.submitted, approved: r.approved, rejected: r.rejected },
})

const daysBetween = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000

/** What the report covers: one task, one project, or the workspace (never beyond what the actor may see). */
function scopeCondition(core: Core, actor: Actor, q: ReportQuery): { id: string; cond: SQL } {
  if (q.scope === 'task') {
    if (!q.id) throw badRequest('id (the task id or PROJ-42) is required for scope=task.', 'id')
    const t = loadTask(core, actor, q.id, 'timesheets:read')
    return { id: t.task.id, cond: eq(timeEntries.taskId, t.task.id) }
  }
  if (q.scope === 'project') {
    if (!q.id) throw badRequest('id (the project id) is required for scope=project.', 'id')
    const p = projectAccess(core, actor, q.id, 'timesheets:read').project
    return { id: p.id, cond: eq(timeEntries.projectId, p.id) }
  }
  requireWorkspaceWide(actor)
  if (q.id && q.id !== actor.workspace.id && q.id !== actor.workspace.slug) throw notFound('Workspace')
  return { id: actor.workspace.id, cond: eq(timeEntries.workspaceId, actor.workspace.id) }
}

/**
 * GET /timesheets/report: totals and per-group sums computed by SQLite (GROUP BY with SUM(CASE ...)),
 * over the entries of the scope in [from, to] that the actor can see: the visibility rule is part of
 * the WHERE clause, so a MEMBER's workspace report holds only the projects they are a member of.
 */
export function buildReport(core: Core, actor: Actor, q: ReportQuery): Report {
  if (q.from > q.to) throw badRequest('from must be on or before to.', 'from')
  if (daysBetween(q.from, q.to) > MAX_REPORT_DAYS) throw badRequest(`A report covers at most ${MAX_REPORT_DAYS} days.`, 'to')
  const scope = scopeCondition(core, actor, q)
  const where = and(
    eq(timeEntries.workspaceId, actor.workspace.id),
    scope.cond,
    visibleProjects(actor),
    gte(timeEntries.date, q.from),
    lte(timeEntries.date, q.to),
    q.billable === undefined ? undefined : eq(timeEntries.billable, q.billable),
  )
  const from = () =>
    core.db
      .select({ ...SUMS, key: GROUPS[q.groupBy].key.mapWith(String), label: GROUPS[q.groupBy].label.mapWith(String) })
      .from(timeEntries)
      .innerJoin(projects, eq(projects.id, timeEntries.projectId))
      .innerJoin(tasks, eq(tasks.id, timeEntries.taskId))
      .leftJoin(users, eq(users.id, timeEntries.userId))
      .leftJoin(clients, eq(clients.id, projects.clientId))
      .where(where)
  const g = GROUPS[q.groupBy]
  const groups = from().groupBy(g.key).orderBy(g.order).all()
  const totals = core.db.select(SUMS).from(timeEntries).innerJoin(projects, eq(projects.id, timeEntries.projectId)).where(where).get()!
  return {
    scope: q.scope,
    id: scope.id,
    from: q.from,
    to: q.to,
    groupBy: q.groupBy,
    billable: q.billable ?? null,
    totals: toSums(totals),
    groups: groups.map((r) => ({ key: r.key, label: r.label, ...toSums(r) })),
  }
}

export const CSV_COLUMNS = [
  'key',
  'label',
  'minutes',
  'billableMinutes',
  'nonBillableMinutes',
  'draft',
  'submitted',
  'approved',
  'rejected',
] as const

/**
 * One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF (quotes doubled). A text that
 * starts like a spreadsheet formula (= + - @, tab, CR) gets a leading apostrophe so that opening the
 * file in a spreadsheet never runs a task title as a formula.
 */
export function csvField(v: string | number | null, text = false): string {
  let s = v === null ? '' : String(v)
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The report as CSV: a header row, one row per group, then a `Total` row (empty key); CRLF line ends. */
export function reportCsv(r: Report): string {
  const row = (key: string | null, label: string, s: ReportSums) =>
    [
      csvField(key),
      csvField(label, true),
      s.minutes,
      s.billableMinutes,
      s.nonBillableMinutes,
      s.byState.draft,
      s.byState.submitted,
      s.byState.approved,
      s.byState.rejected,
    ].join(',')
  const lines = [CSV_COLUMNS.join(','), ...r.groups.map((g) => row(g.key, g.label, g)), row(null, 'Total', r.totals)]
  return `${lines.join('\r\n')}\r\n`
}

export const csvFilename = (r: Report) => `timesheet-${r.scope}-${r.from}-${r.to}.csv`
