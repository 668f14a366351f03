import { Elysia } from 'elysia'
import type { Core } from '../core'
import { documentedResponse, ok } from '../http/respond'
import { authPlugin } from '../permissions/plugin'
import { searchAnswer, searchQuery } from './model'
import { SEARCH_WAITING_PER_WORKSPACE } from './pool'
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
        description:
          "Searches run on worker threads, fairly between workspaces. A workspace's searches wait in its own queue: " +
          `when ${SEARCH_WAITING_PER_WORKSPACE} wait, one more is answered 429 \`rate_limited\` (Retry-After: 1). A search interrupted ` +
          'because its worker stopped is answered 503 `service_unavailable` (Retry-After: 1).',
        // Documented from the schema, not re-validated per request (about a tenth of what a search costs
        // the HTTP thread, scripts/bench/profile-route.ts); test/search.test.ts parses answers with it.
        responses: {
          ...documentedResponse(searchAnswer, 'Hits, best first'),
          503: {
            description: '`service_unavailable`: the search was interrupted (its worker stopped) or the server is stopping; retry.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    })
}
