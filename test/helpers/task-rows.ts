import type { Core } from '../../src/core'
import { newId } from '../../src/db/schema'

/**
 * Inserts task rows directly (fast, no API): for board, status and deletion tests. Numbers continue
 * the project's task sequence; ranks must be given in the order wanted.
 */
export function insertTasks(
  core: Core,
  o: { workspaceId: string; projectId: string; statusId: string; ranks: string[]; archived?: boolean; titlePrefix?: string },
): string[] {
  const ids: string[] = []
  const insert = core.sqlite.query(
    `INSERT INTO tasks (id, workspace_id, project_id, number, status_id, title, priority, rank, archived_at, created_at, updated_at)
     VALUES (?, ?, ?, (SELECT task_seq + 1 FROM projects WHERE id = ?), ?, ?, 'P2', ?, ?, ?, ?)`,
  )
  const bump = core.sqlite.query('UPDATE projects SET task_seq = task_seq + 1 WHERE id = ?')
  const now = core.clock.now()
  core.sqlite.transaction(() => {
    o.ranks.forEach((rank, i) => {
      const id = newId()
      insert.run(
        id,
        o.workspaceId,
        o.projectId,
        o.projectId,
        o.statusId,
        `${o.titlePrefix ?? 'Task'} ${i}`,
        rank,
        o.archived ? now : null,
        now,
        now,
      )
      bump.run(o.projectId)
      ids.push(id)
    })
  })()
  return ids
}

/** The ids of a status column in rank order. */
export function columnOrder(core: Core, statusId: string): { id: string; rank: string }[] {
  return core.sqlite
    .query<{ id: string; rank: string }, [string]>('SELECT id, rank FROM tasks WHERE status_id = ? ORDER BY rank, id')
    .all(statusId)
}
