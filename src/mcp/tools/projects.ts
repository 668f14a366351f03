import { z } from 'zod'
import { listLabels } from '../../labels/service'
import { getProject, listProjects } from '../../projects/service'
import { defineTool, pageArgs, READ, seg } from '../tool'

const projectId = z.string().min(1).max(64)

export const list_projects = defineTool({
  name: 'list_projects',
  title: 'List projects',
  description: 'Projects you can see: id, key (WEB), name, your role.',
  input: {
    archived: z.boolean().optional(),
    clientId: z.string().min(1).max(64).optional(),
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
  description: 'A project with its statuses (columns) and member count.',
  input: { projectId },
  annotations: READ,
  scope: 'workspace',
  permission: 'projects:read',
  call: (core, actor, input) => getProject(core, actor, input.projectId),
  rest: (input) => ({ method: 'GET', path: `/projects/${seg(input.projectId)}` }),
  summary: (d) => `${d.key} "${d.name}" (${d.id}), your role ${d.role}; statuses: ${d.statuses.map((s: any) => s.name).join(', ')}.`,
})

export const list_labels = defineTool({
  name: 'list_labels',
  title: 'List labels',
  description: 'Workspace labels; q: name prefix.',
  input: { q: z.string().max(50).optional(), ...pageArgs },
  annotations: READ,
  scope: 'workspace',
  permission: 'tasks:read',
  call: (core, actor, input) => listLabels(core, actor, input),
  rest: (input) => ({ method: 'GET', path: '/labels', query: input }),
  summary: (d) =>
    d.items.length === 0
      ? 'No labels.'
      : `${d.items.length} label(s)${d.nextCursor ? ' (more: pass cursor)' : ''}: ${d.items.map((l: any) => `${l.name} (${l.id})`).join(', ')}`,
})
