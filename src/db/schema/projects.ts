import { sql } from 'drizzle-orm'
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { createdAt, id, PROJECT_ROLES, timestamp, updatedAt } from './common'
import { users, workspaces } from './identity'

export const STATUS_CATEGORIES = ['backlog', 'unstarted', 'started', 'completed', 'canceled'] as const
export type StatusCategory = (typeof STATUS_CATEGORIES)[number]
export const PRIORITIES = ['P0', 'P1', 'P2', 'P3'] as const

const wsRef = () =>
  text('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' })
const userRef = (name: string) => text(name).references(() => users.id, { onDelete: 'set null' })

export const clients = sqliteTable(
  'clients',
  {
    id: id(),
    workspaceId: wsRef(),
    name: text('name').notNull(),
    email: text('email'),
    notes: text('notes'),
    archivedAt: timestamp('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('clients_ws_id_idx').on(t.workspaceId, t.id)],
)

export const projects = sqliteTable(
  'projects',
  {
    id: id(),
    workspaceId: wsRef(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    color: text('color'),
    clientId: text('client_id').references(() => clients.id, { onDelete: 'set null' }),
    billableByDefault: integer('billable_by_default', { mode: 'boolean' }).notNull().default(true),
    /** Last human task number handed out (PROJ-42). */
    taskSeq: integer('task_seq').notNull().default(0),
    archivedAt: timestamp('archived_at'),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('projects_ws_key_uq').on(t.workspaceId, t.key),
    index('projects_client_idx').on(t.clientId),
    index('projects_ws_id_idx').on(t.workspaceId, t.id),
  ],
)

export const projectMembers = sqliteTable(
  'project_members',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: PROJECT_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_members_user_idx').on(t.userId)],
)

export const statuses = sqliteTable(
  'statuses',
  {
    id: id(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    category: text('category', { enum: STATUS_CATEGORIES }).notNull(),
    position: integer('position').notNull(),
    color: text('color'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('statuses_project_name_uq').on(t.projectId, sql`lower(${t.name})`),
    index('statuses_project_pos_idx').on(t.projectId, t.position),
  ],
)

export const tasks = sqliteTable(
  'tasks',
  {
    id: id(),
    workspaceId: wsRef(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    statusId: text('status_id')
      .notNull()
      .references(() => statuses.id),
    title: text('title').notNull(),
    description: text('description'),
    priority: text('priority', { enum: PRIORITIES }).notNull().default('P2'),
    /** Lexicographic rank within the status column: a move writes one row. */
    rank: text('rank').notNull(),
    dueDate: text('due_date'),
    archivedAt: timestamp('archived_at'),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /**
     * What a card shows of the task's assignees, labels and todos, kept by triggers on task_assignees,
     * task_labels and todos (migration 0013), so a board or list page reads them with its tasks
     * instead of with three lookups per page: user and label ids as JSON arrays (sorted by id), counts.
     */
    assigneeIds: text('assignee_ids').notNull().default('[]'),
    labelIds: text('label_ids').notNull().default('[]'),
    todoCount: integer('todo_count').notNull().default(0),
    todoDoneCount: integer('todo_done_count').notNull().default(0),
  },
  (t) => [
    uniqueIndex('tasks_project_number_uq').on(t.projectId, t.number),
    index('tasks_column_idx').on(t.projectId, t.statusId, t.rank),
    /** Board column pages without archived tasks, in (rank, id) order (row-value cursors, no sort). */
    index('tasks_live_column_idx').on(t.projectId, t.statusId, t.rank, t.id).where(sql`archived_at IS NULL`),
    index('tasks_status_rank_idx').on(t.statusId, t.rank),
    index('tasks_ws_idx').on(t.workspaceId, t.id),
    index('tasks_project_id_idx').on(t.projectId, t.id),
    /**
     * GET /tasks?sort=updated|due over live tasks, workspace-wide or in one project: walked in the
     * list's ORDER BY (src/tasks/list.ts: `tasks.updated_at`, `coalesce(tasks.due_date, '9999-12-31')`,
     * then `tasks.id`), so a page reads its rows in order instead of sorting the workspace.
     */
    index('tasks_ws_updated_idx').on(t.workspaceId, t.updatedAt, t.id).where(sql`archived_at IS NULL`),
    index('tasks_ws_due_idx').on(t.workspaceId, sql`coalesce(${t.dueDate}, '9999-12-31')`, t.id).where(sql`archived_at IS NULL`),
    index('tasks_project_updated_idx').on(t.projectId, t.updatedAt, t.id).where(sql`archived_at IS NULL`),
    index('tasks_project_due_idx').on(t.projectId, sql`coalesce(${t.dueDate}, '9999-12-31')`, t.id).where(sql`archived_at IS NULL`),
  ],
)

/**
 * Human ids a task had in projects it left (WEB-1 after a move made it OPS-7), so GET /tasks/WEB-1
 * still finds it. Written in the move's transaction. A project hands out each number once (task_seq
 * only grows), so (project, number) names one task, live or here.
 */
export const taskAliases = sqliteTable(
  'task_aliases',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.number] }), index('task_aliases_task_idx').on(t.taskId)],
)

/**
 * Tasks per status, all and not archived, kept exact by triggers on `tasks` (migration
 * 0004_status_task_count_triggers): the board reads its column counts in O(columns), not O(tasks).
 */
export const statusTaskCounts = sqliteTable('status_task_counts', {
  statusId: text('status_id')
    .primaryKey()
    .references(() => statuses.id, { onDelete: 'cascade' }),
  total: integer('total').notNull().default(0),
  live: integer('live').notNull().default(0),
})

export const taskAssignees = sqliteTable(
  'task_assignees',
  {
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.userId] }), index('task_assignees_user_idx').on(t.userId)],
)

export const labels = sqliteTable(
  'labels',
  {
    id: id(),
    workspaceId: wsRef(),
    name: text('name').notNull(),
    color: text('color'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('labels_ws_name_uq').on(t.workspaceId, sql`lower(${t.name})`)],
)

export const taskLabels = sqliteTable(
  'task_labels',
  {
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    labelId: text('label_id')
      .notNull()
      .references(() => labels.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.labelId] }), index('task_labels_label_idx').on(t.labelId)],
)

export const todos = sqliteTable(
  'todos',
  {
    id: id(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    done: integer('done', { mode: 'boolean' }).notNull().default(false),
    position: integer('position').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('todos_task_idx').on(t.taskId, t.position)],
)

export const comments = sqliteTable(
  'comments',
  {
    id: id(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    authorId: userRef('author_id'),
    body: text('body').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('comments_task_idx').on(t.taskId, t.id)],
)

/** @handle mentions parsed from comments and task descriptions. */
export const mentions = sqliteTable(
  'mentions',
  {
    id: id(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    commentId: text('comment_id').references(() => comments.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [index('mentions_task_idx').on(t.taskId), index('mentions_user_idx').on(t.userId)],
)

/** Project activity feed: who did what, with changed fields (old and new values). */
export const activity = sqliteTable(
  'activity',
  {
    id: id(),
    workspaceId: wsRef(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    taskId: text('task_id'),
    actorUserId: text('actor_user_id'),
    action: text('action').notNull(),
    changes: text('changes', { mode: 'json' }).$type<Record<string, { from: unknown; to: unknown }>>(),
    meta: text('meta', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('activity_project_idx').on(t.projectId, t.id)],
)

/** Images stored as BLOBs in the same SQLite file. The id is unguessable (public URL). */
export const uploads = sqliteTable(
  'uploads',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    uploadedBy: userRef('uploaded_by'),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    filename: text('filename'),
    data: blob('data', { mode: 'buffer' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('uploads_ws_idx').on(t.workspaceId)],
)

/** Stored first responses of idempotent creates, per credential, kept 24 h. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    credentialId: text('credential_id').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.credentialId, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
)
