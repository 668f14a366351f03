import { type DocumentDecoration, Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { envelope, ok } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { board, boardQuery } from './model'
import { projectBoard, workspaceBoard } from './service'

// The board is the hottest read (250 tasks per answer): its response is documented from the zod
// schema but not re-validated on every request (that cost about a millisecond of CPU, a third of
// the route); test/board.test.ts checks answers against the same schema.
export const boardResponse = envelope(board)
// Inlined (an empty registry: no $defs, whose #/$defs refs would not resolve inside the OpenAPI document).
const { $schema: _s, ...boardJsonSchema } = z.toJSONSchema(boardResponse, { io: 'output', unrepresentable: 'any', metadata: z.registry() })
const documented: DocumentDecoration['responses'] = {
  200: { description: 'The board', content: { 'application/json': { schema: boardJsonSchema as object } } },
}

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
        responses: documented,
      },
    },
  )
}
