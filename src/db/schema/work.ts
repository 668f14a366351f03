import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { createdAt, id, timestamp, updatedAt } from './common'
import { users, workspaces } from './identity'
import { comments, projects, tasks } from './projects'

export const NOTIFICATION_KINDS = ['assignment', 'mention'] as const
export const TIME_ENTRY_STATES = ['draft', 'submitted', 'approved', 'rejected'] as const

export const notifications = sqliteTable(
  'notifications',
  {
    id: id(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: NOTIFICATION_KINDS }).notNull(),
    actorUserId: text('actor_user_id'),
    taskId: text('task_id').references(() => tasks.id, { onDelete: 'cascade' }),
    projectId: text('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    commentId: text('comment_id').references(() => comments.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    readAt: timestamp('read_at'),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.workspaceId, t.id)],
)

export const notificationPreferences = sqliteTable(
  'notification_preferences',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: NOTIFICATION_KINDS }).notNull(),
    inApp: integer('in_app', { mode: 'boolean' }).notNull().default(true),
    email: integer('email', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
)

export const timeEntries = sqliteTable(
  'time_entries',
  {
    id: id(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Calendar day, YYYY-MM-DD. */
    date: text('date').notNull(),
    minutes: integer('minutes').notNull(),
    note: text('note'),
    billable: integer('billable', { mode: 'boolean' }).notNull(),
    state: text('state', { enum: TIME_ENTRY_STATES }).notNull().default('draft'),
    billed: integer('billed', { mode: 'boolean' }).notNull().default(false),
    rejectionReason: text('rejection_reason'),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('time_entries_ws_date_idx').on(t.workspaceId, t.date),
    index('time_entries_project_idx').on(t.projectId, t.date),
    index('time_entries_task_idx').on(t.taskId),
    index('time_entries_user_date_idx').on(t.userId, t.date),
  ],
)

export const webhooks = sqliteTable(
  'webhooks',
  {
    id: id(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
    /** Needed in clear to sign deliveries; never returned after creation. */
    secret: text('secret').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** Why Sally turned it off (e.g. its creator left the workspace); null when active or turned off by hand. */
    disabledReason: text('disabled_reason'),
    description: text('description'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhooks_ws_id_idx').on(t.workspaceId, t.id)],
)

export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: id(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at').notNull(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt), index('webhook_deliveries_hook_idx').on(t.webhookId, t.id)],
)
