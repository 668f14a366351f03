import { z } from 'zod'
import { listNotifications } from '../../notifications/service'
import { defineTool, pageArgs, READ } from '../tool'

export const list_notifications = defineTool({
  name: 'list_notifications',
  title: 'List my notifications',
  description: 'Your notifications (assignments, @mentions), newest first; unread=true: new ones only.',
  input: {
    unread: z.boolean().optional(),
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
