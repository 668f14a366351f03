import { conflict } from '../errors'

/**
 * Archived projects are read-only: any write to one or to its contents (statuses, members, tasks,
 * todos, comments, column order) is 409 `conflict` until it is unarchived. Reading, unarchiving and
 * deleting still work. Called after the permission checks (404 → 403 → 409).
 */
export function ensureWritable(project: { archivedAt: Date | null }): void {
  if (project.archivedAt) throw conflict('Project is archived.')
}
