import { z } from 'zod'
import { getProject, listProjects } from '../../projects/service'
import { defineTool, pageArgs, READ, seg } from '../tool'

const projectId = z.string().min(1).max(64).describe('The project id (from list_projects).')

export const list_projects = defineTool({
  name: 'list_projects',
  title: 'List projects',
  description:
    "Lists the projects you can see in the workspace (active ones unless archived=true), with each project's id, key (e.g. WEB), name and your role there. Use it to find a project by name before working with its tasks.",
  input: {
    archived: z.boolean().optional().describe('true: list archived projects instead of active ones.'),
    clientId: z.string().min(1).max(64).optional().describe('Only projects of this client.'),
    ...pageArgs,
  },
  annotations: READ,
  scope: 'workspace',
  permission: 'projects:read',
  call: (core, actor, input) => listProjects(core, actor, input),
  rest: (input) => ({ method: 'GET', path: '/projects', query: input }),
  summary: (d) =>
    d.items.length === 0
      ? 'No projects.'
      : `${d.items.length} project(s)${d.nextCursor ? ' (more: pass cursor)' : ''}: ${d.items.map((p: any) => `${p.key} "${p.name}" (${p.id})`).join(', ')}`,
})

export const get_project = defineTool({
  name: 'get_project',
  title: 'Get a project',
  description:
    'Returns one project with its statuses (the board columns, in order, each with its category backlog|unstarted|started|completed|canceled) and member count.',
  input: { projectId },
  annotations: READ,
  scope: 'workspace',
  permission: 'projects:read',
  call: (core, actor, input) => getProject(core, actor, input.projectId),
  rest: (input) => ({ method: 'GET', path: `/projects/${seg(input.projectId)}` }),
  summary: (d) => `${d.key} "${d.name}" (${d.id}), your role ${d.role}; statuses: ${d.statuses.map((s: any) => s.name).join(', ')}.`,
})
