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
    "Returns a board: with projectId, the project's columns (its statuses in order), otherwise the workspace board with one column per status category across your projects. Each column has its total task count and its first tasks in board order. To read more of one column pass its statusId (project board) or category (workspace board) with the column's nextCursor.",
  input: {
    projectId: z.string().min(1).max(64).optional().describe('The project; omit for the workspace board by category.'),
    statusId: z.string().min(1).max(64).optional().describe('Project board: only this column (with cursor: its next page).'),
    category: z.enum(STATUS_CATEGORIES).optional().describe('Workspace board: only this category column (with cursor: its next page).'),
    cursor: z.string().min(1).max(200).optional().describe("A column's nextCursor."),
    limit: z.number().int().min(1).max(200).optional().describe('Tasks per column (default 25).'),
    archived: z.boolean().optional().describe('Include archived tasks (default false).'),
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
  description:
    "Full-text search over task titles and descriptions, project names and comments you can see, best matches first. Words are prefix-matched and all required; no query syntax. Each hit has its type, id, title, a snippet with matches in **bold**, and the task's human id.",
  input: {
    q: z.string().min(1).max(1000).describe('Words to find, e.g. "onboarding deploy".'),
    types: z.array(z.enum(SEARCH_TYPES)).min(1).max(3).optional().describe('Limit to some of task, project, comment (default all).'),
    limit: z.number().int().min(1).max(100).optional().describe('At most this many hits (default 20).'),
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
