import { z } from 'zod'
import { listNotifications } from '../../notifications/service'
import { defineTool, pageArgs, READ } from '../tool'

export const list_notifications = defineTool({
  name: 'list_notifications',
  title: 'List my notifications',
  description:
    'Lists your notifications in the workspace, newest first: assignments to tasks and @mentions, each with a short text, who caused it, the task and project, and whether it is read. Use unread=true to see only new ones.',
  input: {
    unread: z.boolean().optional().describe('true: only unread notifications.'),
    ...pageArgs,
  },
  annotations: READ,
  scope: 'workspace',
  permission: 'notifications:read',
  call: (core, actor, input) => listNotifications(core, actor, input),
  rest: (input) => ({ method: 'GET', path: '/notifications', query: input }),
  summary: (d) =>
    d.items.length === 0
      ? 'No notifications.'
      : `${d.items.length} notification(s)${d.nextCursor ? ' (more: pass cursor)' : ''}: ${d.items.map((n: any) => `${n.read ? '' : '[unread] '}${n.text}`).join('; ')}`,
})
