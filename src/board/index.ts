import { Elysia } from 'elysia'
import type { Core } from '../core'
import { documentedResponse, envelope } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { board, boardQuery } from './model'
import { boardAnswer } from './service'

// The board is the hottest read (250 tasks per answer): its response is documented from the zod
// schema but not re-validated on every request (that cost about a millisecond of CPU, a third of
// the route); test/board.test.ts checks answers against the same schema.
export const boardResponse = envelope(board)
const documented = documentedResponse(boardResponse, 'The board')

/** GET /board: a project's columns, or the workspace's by status category (tasks:read). */
export function boardRoutes(core: Core) {
  return new Elysia({ name: 'board' }).use(authPlugin(core)).get('/board', ({ actor, query }) => boardAnswer(core, actor, query), {
    workspace: 'tasks:read',
    query: boardQuery,
    detail: {
      tags: ['Board'],
      summary: 'Board: columns (statuses, or categories without projectId) with counts and tasks by rank; per-column cursor',
      responses: documented,
    },
  })
}
