import { z } from 'zod'
import { listComments } from '../../comments/service'
import { defineTool, pageArgs, READ, seg } from '../tool'
import { task } from './tasks'

export const list_comments = defineTool({
  name: 'list_comments',
  title: "List a task's comments",
  description: "A task's comments, oldest first (order=desc: newest).",
  input: { task, order: z.enum(['asc', 'desc']).optional(), ...pageArgs },
  annotations: READ,
  scope: 'workspace',
  permission: 'tasks:read',
  call: (core, actor, { task, ...q }) => listComments(core, actor, task, q),
  rest: ({ task, ...query }) => ({ method: 'GET', path: `/tasks/${seg(task)}/comments`, query }),
  summary: (d) =>
    d.items.length === 0
      ? 'No comments.'
      : `${d.items.length} comment(s)${d.nextCursor ? ' (more: pass cursor)' : ''}: ${d.items.map((c: any) => `${c.id} "${String(c.body).slice(0, 80)}"`).join('; ')}`,
})
