import { and, asc, eq, sql } from 'drizzle-orm'
import type { Core } from '../core'
import type { DbOrTx } from '../db/client'
import { type statuses, tasks } from '../db/schema'
import { badRequest } from '../errors'
import { perDatabase } from '../lib/prepared'
import { initialRanks, needsRebalance, rankAfter, rankBetween } from '../lib/rank'

/**
 * Ranks inside one status column. A column's order is (rank, id) over all its tasks, archived ones
 * included (they keep their place and come back there). A move computes one new rank from its
 * neighbours: one row written. When a rank would grow past MAX_RANK_LENGTH, or two tasks share an
 * anchor's rank, the column is rebalanced (every task gets a fresh short rank) in the same
 * transaction: rare, O(column).
 */

export type StatusRow = typeof statuses.$inferSelect

type Sqlite = Core['sqlite']
/** A project's statuses in board order: positions are 0..n-1, ties by insertion (the index's rowid order: no sort step). */
export const STATUSES_SQL =
  'SELECT id, project_id, name, category, position, color, created_at FROM statuses WHERE project_id = ? ORDER BY position, rowid'
/** One status by id (a move's current and target column). */
export const STATUS_BY_ID_SQL = 'SELECT id, project_id, name, category, position, color, created_at FROM statuses WHERE id = ?'
/** A statuses row as raw SQL returns it (snake_case, epoch ms). */
export type RawStatus = {
  id: string
  project_id: string
  name: string
  category: StatusRow['category']
  position: number
  color: string | null
  created_at: number
}
export const fromRawStatus = (r: RawStatus): StatusRow => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  category: r.category,
  position: r.position,
  color: r.color,
  createdAt: new Date(r.created_at),
})
function prepare(sqlite: Sqlite) {
  return {
    order: sqlite.query<{ id: string }, [string, string]>('SELECT id FROM tasks WHERE status_id = ? AND id != ? ORDER BY rank, id'),
    setRank: sqlite.query<unknown, [string, string]>('UPDATE tasks SET rank = ? WHERE id = ?'),
    last: sqlite.query<{ rank: string }, [string, string]>(
      'SELECT rank FROM tasks WHERE status_id = ? AND id != ? ORDER BY rank DESC LIMIT 1',
    ),
    next: sqlite.query<{ rank: string }, [string, string, string]>(
      'SELECT rank FROM tasks WHERE status_id = ? AND id != ? AND rank > ? ORDER BY rank LIMIT 1',
    ),
    prev: sqlite.query<{ rank: string }, [string, string, string]>(
      'SELECT rank FROM tasks WHERE status_id = ? AND id != ? AND rank < ? ORDER BY rank DESC LIMIT 1',
    ),
    tied: sqlite.query<{ id: string }, [string, string, string, string]>(
      'SELECT id FROM tasks WHERE status_id = ? AND rank = ? AND id != ? AND id != ? LIMIT 1',
    ),
    rankOf: sqlite.query<{ rank: string }, [string]>('SELECT rank FROM tasks WHERE id = ?'),
    statusById: sqlite.query<RawStatus, [string]>(STATUS_BY_ID_SQL),
    statuses: sqlite.query<RawStatus, [string]>(STATUSES_SQL),
  }
}
const stmts = perDatabase((core: Pick<Core, 'sqlite'>) => prepare(core.sqlite))
type Db = Pick<Core, 'sqlite'>

/** Gives every task of the column (except `excludeId`) a fresh evenly spaced rank, keeping the order. */
export function rebalanceColumn(core: Db, statusId: string, excludeId: string | null, orderedIds?: string[]): void {
  const s = stmts(core)
  const ids = orderedIds ?? s.order.all(statusId, excludeId ?? '').map((r) => r.id)
  const ranks = initialRanks(ids.length)
  ids.forEach((id, i) => s.setRank.run(ranks[i]!, id))
}

/** A rank after the last task of the column. */
export function rankAtEnd(core: Db, statusId: string, excludeId: string | null = null): string {
  const s = stmts(core)
  const last = () => s.last.get(statusId, excludeId ?? '')?.rank ?? null
  let r = rankAfter(last())
  if (needsRebalance(r)) {
    rebalanceColumn(core, statusId, excludeId)
    r = rankAfter(last())
  }
  return r
}

type Anchor = { id: string; rank: string }

/**
 * The rank placing task `taskId` right after `after` and/or right before `before` (both tasks of the
 * column `statusId`). Rebalances the column first when needed (a rank too long, or a tie at an anchor:
 * ties are ordered by id, and only a rebalance separates them).
 */
export function rankAt(core: Db, statusId: string, taskId: string, pos: { after?: Anchor; before?: Anchor }): string {
  const s = stmts(core)
  const compute = (after?: Anchor, before?: Anchor): string | null => {
    const lo = after ? after.rank : (s.prev.get(statusId, taskId, before!.rank)?.rank ?? null)
    const hi = before ? before.rank : (s.next.get(statusId, taskId, after!.rank)?.rank ?? null)
    if (lo !== null && hi !== null && lo >= hi) return null
    const r = rankBetween(lo, hi)
    return needsRebalance(r) ? null : r
  }
  const anchors = [pos.after, pos.before].filter((a): a is Anchor => !!a)
  let r = anchors.some((a) => s.tied.get(statusId, a.rank, a.id, taskId)) ? null : compute(pos.after, pos.before)
  if (r === null) {
    rebalanceColumn(core, statusId, taskId)
    const reread = (a?: Anchor) => (a ? { id: a.id, rank: s.rankOf.get(a.id)!.rank } : undefined)
    r = compute(reread(pos.after), reread(pos.before))
    if (r === null) throw badRequest('afterTaskId must come before beforeTaskId in the column.', 'afterTaskId')
  }
  return r
}

/** The project's statuses in board order. */
export function projectStatuses(core: Db, projectId: string): StatusRow[] {
  return stmts(core).statuses.all(projectId).map(fromRawStatus)
}

/** One status by id (a task's own status: no workspace check needed beyond the task's). */
export function statusById(core: Db, id: string): StatusRow | undefined {
  const r = stmts(core).statusById.get(id)
  return r ? fromRawStatus(r) : undefined
}

const validNames = (list: StatusRow[]) => list.map((s) => s.name).join(', ')

/**
 * Resolves `statusId` or `status` (a name, case-insensitive) in a project; neither → `fallback`
 * (default: the first "unstarted" status, else the first). 400 listing the valid names otherwise.
 */
export function resolveStatus(
  core: Db,
  projectId: string,
  input: { statusId?: string; status?: string },
  fallback?: (list: StatusRow[]) => StatusRow | undefined,
): StatusRow {
  const list = projectStatuses(core, projectId)
  if (list.length === 0) throw badRequest('This project has no statuses; create one first.', 'status')
  let byId: StatusRow | undefined
  if (input.statusId !== undefined) {
    byId = list.find((s) => s.id === input.statusId)
    if (!byId) throw badRequest(`Unknown statusId for this project. Valid statuses: ${validNames(list)}.`, 'statusId')
  }
  if (input.status !== undefined) {
    const wanted = input.status.trim().toLowerCase()
    const byName = list.find((s) => s.name.toLowerCase() === wanted)
    if (!byName) throw badRequest(`Unknown status "${input.status}". Valid statuses: ${validNames(list)}.`, 'status')
    if (byId && byId.id !== byName.id) throw badRequest('status and statusId name different statuses.', 'status')
    return byName
  }
  if (byId) return byId
  return (fallback ?? ((l) => l.find((s) => s.category === 'unstarted')))(list) ?? list[0]!
}

/** The column's non-archived task ids in order. */
export function columnTaskIds(db: DbOrTx, statusId: string, archived: boolean): string[] {
  return db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.statusId, statusId), archived ? sql`${tasks.archivedAt} IS NOT NULL` : sql`${tasks.archivedAt} IS NULL`))
    .orderBy(asc(tasks.rank), asc(tasks.id))
    .all()
    .map((r) => r.id)
}

/** Indices (into `seq`) of one longest increasing subsequence: the tasks a reorder did not move. */
export function longestIncreasing(seq: number[]): Set<number> {
  const tails: number[] = []
  const prev = new Array<number>(seq.length).fill(-1)
  for (let i = 0; i < seq.length; i++) {
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (seq[tails[mid]!]! < seq[i]!) lo = mid + 1
      else hi = mid
    }
    if (lo > 0) prev[i] = tails[lo - 1]!
    tails[lo] = i
  }
  const keep = new Set<number>()
  for (let k = tails.length ? tails[tails.length - 1]! : -1; k >= 0; k = prev[k]!) keep.add(k)
  return keep
}
