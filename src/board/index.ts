import { Elysia } from 'elysia'
import type { Core } from '../core'
import { envelope, ok } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { board, boardQuery } from './model'
import { projectBoard, workspaceBoard } from './service'

/** GET /board: a project's columns, or the workspace's by status category (tasks:read). */
export function boardRoutes(core: Core) {
  return new Elysia({ name: 'board' }).use(authPlugin(core)).get(
    '/board',
    ({ actor, query }) => ok(query.projectId ? projectBoard(core, actor, query.projectId, query) : workspaceBoard(core, actor, query)),
    {
      workspace: 'tasks:read',
      query: boardQuery,
      detail: {
        tags: ['Board'],
        summary: 'Board: columns (statuses, or categories without projectId) with counts and tasks by rank; per-column cursor',
      },
      response: { 200: envelope(board) },
    },
  )
}
