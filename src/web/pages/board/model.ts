import type { paths } from '../../api/schema'

/** The board's state and the pure steps on it (no DOM): filtering, where a drop lands, an optimistic move. */
export type Board = paths['/board']['get']['responses'][200]['content']['application/json']['data']
export type Column = Board['columns'][number]
export type Card = Column['tasks'][number]
export type Priority = Card['priority']

export const PRIORITIES: Priority[] = ['P0', 'P1', 'P2', 'P3']

/** A column's key: its status id on a project board, its category on the workspace board. */
export const columnKey = (c: Column): string => c.status?.id ?? c.category

/** What the card shows and the filters test. */
export type Filters = { assignee: string; label: string; priority: string; text: string }
export const NO_FILTERS: Filters = { assignee: '', label: '', priority: '', text: '' }

export function matches(card: Card, f: Filters): boolean {
  if (f.assignee && !card.assigneeIds.includes(f.assignee)) return false
  if (f.label && !card.labels.some((l) => l.id === f.label)) return false
  if (f.priority && card.priority !== f.priority) return false
  const text = f.text.trim().toLowerCase()
  if (text && !card.title.toLowerCase().includes(text) && !card.humanId.toLowerCase().includes(text)) return false
  return true
}

export const isFiltered = (f: Filters) => Boolean(f.assignee || f.label || f.priority || f.text.trim())

/** A move as the API takes it: the target status and a neighbour in that column (none: an empty column). */
export type Move = { taskId: string; statusId: string; beforeTaskId?: string; afterTaskId?: string }

/** Where the card lands: column `to`, at `index` among that column's other cards. */
export function moveAt(board: Board, taskId: string, to: string, index: number): Move | null {
  const col = board.columns.find((c) => columnKey(c) === to)
  if (!col?.status) return null
  const others = col.tasks.filter((t) => t.id !== taskId)
  const at = Math.max(0, Math.min(index, others.length))
  if (others[at]) return { taskId, statusId: col.status.id, beforeTaskId: others[at]!.id }
  // Past the last loaded card of a column with more pages: the API's default place, the column's end.
  if (col.nextCursor) return { taskId, statusId: col.status.id }
  if (at > 0) return { taskId, statusId: col.status.id, afterTaskId: others[at - 1]!.id }
  return { taskId, statusId: col.status.id }
}

/** Where a card sits: its column's key and its index there. */
export function locate(board: Board, taskId: string): { key: string; index: number } | null {
  for (const c of board.columns) {
    const index = c.tasks.findIndex((t) => t.id === taskId)
    if (index >= 0) return { key: columnKey(c), index }
  }
  return null
}

/** The board as it will be after `move` (shown at once; replaced by the server's board afterwards). */
export function applyMove(board: Board, move: Move): Board {
  const from = locate(board, move.taskId)
  if (!from) return board
  const card = board.columns.find((c) => columnKey(c) === from.key)!.tasks[from.index]!
  const moved = { ...card, statusId: move.statusId }
  const columns = board.columns.map((c) => {
    const tasks = c.tasks.filter((t) => t.id !== move.taskId)
    let count = c.count - (columnKey(c) === from.key ? 1 : 0)
    if (c.status?.id === move.statusId) {
      const anchor = move.beforeTaskId ?? move.afterTaskId
      const i = anchor ? tasks.findIndex((t) => t.id === anchor) : -1
      const at = i < 0 ? tasks.length : move.beforeTaskId ? i : i + 1
      tasks.splice(at, 0, moved)
      count += 1
    }
    return { ...c, tasks, count }
  })
  return { ...board, columns }
}
