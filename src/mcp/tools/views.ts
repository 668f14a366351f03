import { z } from 'zod'
import { projectBoard, workspaceBoard } from '../../board/service'
import { STATUS_CATEGORIES } from '../../db/schema'
import { SEARCH_TYPES } from '../../search/model'
import { search as searchAll } from '../../search/service'
import { defineTool, READ } from '../tool'

export const get_board = defineTool({
  name: 'get_board',
  title: 'Get the board',
  description:
    "A project's board (projectId) or the workspace's by category: per column its count and first tasks (next: statusId/category + cursor).",
  input: {
    projectId: z.string().min(1).max(64).optional(),
    statusId: z.string().min(1).max(64).optional().describe('One column of the project board.'),
    category: z.enum(STATUS_CATEGORIES).optional().describe('One column of the workspace board.'),
    cursor: z.string().min(1).max(200).optional(),
    limit: z.number().int().min(1).max(200).optional().describe('Tasks per column (default 25).'),
    archived: z.boolean().optional(),
  },
  annotations: READ,
  scope: 'workspace',
  permission: 'tasks:read',
  call: (core, actor, input) => (input.projectId ? projectBoard(core, actor, input.projectId, input) : workspaceBoard(core, actor, input)),
  rest: (input) => ({ method: 'GET', path: '/board', query: input }),
  summary: (b) =>
    `${b.project ? `${b.project.key} "${b.project.name}"` : 'Workspace'} board: ` +
    b.columns.map((c: any) => `${c.status ? c.status.name : c.category} ${c.count}`).join(', ') +
    '.',
})

export const search = defineTool({
  name: 'search',
  title: 'Search',
  description: 'Full-text search in tasks, projects and comments you can see (all words, prefix-matched).',
  input: {
    q: z.string().min(1).max(1000),
    types: z.array(z.enum(SEARCH_TYPES)).min(1).max(3).optional(),
    limit: z.number().int().min(1).max(100).optional().describe('Default 20.'),
  },
  annotations: READ,
  scope: 'workspace',
  permission: 'tasks:read',
  call: (core, actor, input) => searchAll(core, actor, { q: input.q, limit: input.limit, types: input.types ?? [...SEARCH_TYPES] }),
  rest: (input) => ({ method: 'GET', path: '/search', query: { q: input.q, limit: input.limit, types: input.types?.join(',') } }),
  summary: (d) =>
    d.items.length === 0
      ? 'No matches.'
      : `${d.items.length} hit(s): ${d.items.map((h: any) => `${h.type} ${h.humanId ?? ''} "${h.title}" (${h.id})`.replace('  ', ' ')).join('; ')}`,
})
