import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Core } from '../core'
import { ok } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { searchHit, searchQuery } from './model'
import { search } from './service'

/** GET /search: tasks, projects and comments the caller can see, best matches first. */
export function searchRoutes(core: Core) {
  return new Elysia({ name: 'search' })
    .use(authPlugin(core))
    .get('/search', async ({ actor, query }) => ok(await search(core, actor, query)), {
      workspace: 'tasks:read',
      query: searchQuery,
      detail: {
        tags: ['Search'],
        summary: 'Full-text search over tasks, projects and comments (words are prefix-matched; no query syntax)',
      },
      response: { 200: z.object({ ok: z.literal(true), data: z.array(searchHit) }) },
    })
}
