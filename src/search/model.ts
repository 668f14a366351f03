import { z } from 'zod'
import { envelope } from '../http/respond'

export const SEARCH_TYPES = ['task', 'project', 'comment'] as const
export type SearchType = (typeof SEARCH_TYPES)[number]

export const searchQuery = z.object({
  q: z
    .string()
    .max(1000)
    .describe('Words to find (prefix-matched, all required), up to 1000 characters; search syntax is not interpreted.'),
  limit: z.coerce.number().int().min(1).max(100).optional().describe('Results, 1 to 100 (default 20).'),
  types: z
    .union([z.string().max(100), z.array(z.string().max(100)).max(10)])
    .optional()
    .transform((s, ctx) => {
      const parts = (Array.isArray(s) ? s : [s ?? '']).flatMap((x) => x.split(','))
      const list = [...new Set(parts.map((x) => x.trim()).filter(Boolean))]
      if (list.length === 0) return [...SEARCH_TYPES]
      const bad = list.filter((x) => !(SEARCH_TYPES as readonly string[]).includes(x))
      if (bad.length) ctx.addIssue({ code: 'custom', message: `Unknown type ${bad.join(', ')}; use task, project or comment.` })
      return list as SearchType[]
    })
    .describe('Comma-separated subset of `task,project,comment` (default: all).'),
})
export type SearchQuery = z.infer<typeof searchQuery>

export const searchHit = z
  .object({
    type: z.enum(SEARCH_TYPES),
    id: z.string(),
    /** Task title, project name, or (for a comment) its task's title. */
    title: z.string(),
    /** The best matching fragment, matches wrapped in ** (escape it before rendering as HTML). */
    snippet: z.string(),
    /**
     * Relevance tier, lower is better: -2 when every word is in the title (task title, project name),
     * plus -1 when every word matches a whole word (not only the start of a longer one). Results are
     * sorted by it, newest first within a tier.
     */
    score: z.number(),
    projectId: z.string(),
    taskId: z.string().nullable(),
    /** The task's human id (PROJ-42) for tasks and comments. */
    humanId: z.string().nullable(),
    archived: z.boolean(),
  })
  .meta({ id: 'SearchHit' })
export type SearchHit = z.infer<typeof searchHit>

/** The answer of GET /search (documented, not validated per request: see index.ts). */
export const searchAnswer = envelope(z.array(searchHit))
