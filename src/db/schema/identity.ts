import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { createdAt, id, PLATFORM_ROLES, timestamp, updatedAt, WORKSPACE_ROLES } from './common'

export const users = sqliteTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    handle: text('handle').notNull(),
    passwordHash: text('password_hash'),
    platformRole: text('platform_role', { enum: PLATFORM_ROLES }).notNull().default('NONE'),
    avatarUploadId: text('avatar_upload_id'),
    emailVerifiedAt: timestamp('email_verified_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_lower_uq').on(sql`lower(${t.email})`), uniqueIndex('users_handle_lower_uq').on(sql`lower(${t.handle})`)],
)

export const workspaces = sqliteTable('workspaces', {
  id: id(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  suspendedAt: timestamp('suspended_at'),
  createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

export const workspaceMembers = sqliteTable(
  'workspace_members',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: WORKSPACE_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] }), index('workspace_members_user_idx').on(t.userId)],
)

/** Login sessions. Only a SHA-256 of the (256-bit random) token is stored. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
)

/** Personal API keys (kind 'api', atpm_) and hosted MCP keys (kind 'mcp', sallymcp_). */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: id(),
    kind: text('kind', { enum: ['api', 'mcp'] }).notNull(),
    /** The public part embedded in the key, used to find the row without a scan. */
    lookupId: text('lookup_id').notNull().unique(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    prefix: text('prefix').notNull(),
    /** Bun.password (argon2id) hash of the whole key. */
    hash: text('hash').notNull(),
    scopes: text('scopes', { mode: 'json' }).$type<string[] | null>(),
    workspaceId: text('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    projectId: text('project_id'),
    rateLimitPerHour: integer('rate_limit_per_hour'),
    expiresAt: timestamp('expires_at'),
    lastUsedAt: timestamp('last_used_at'),
    requestCount: integer('request_count').notNull().default(0),
    revokedAt: timestamp('revoked_at'),
    rotatedFromId: text('rotated_from_id'),
    createdAt: createdAt(),
  },
  (t) => [index('api_keys_user_kind_id_idx').on(t.userId, t.kind, t.id)],
)

/** Single-use tokens mailed to users: password reset and email verification. Stored hashed. */
export const userTokens = sqliteTable(
  'user_tokens',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['password_reset', 'email_verification'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('user_tokens_user_idx').on(t.userId, t.purpose)],
)

export const invites = sqliteTable(
  'invites',
  {
    id: id(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: WORKSPACE_ROLES }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: text('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at').notNull(),
    acceptedAt: timestamp('accepted_at'),
    revokedAt: timestamp('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('invites_workspace_idx').on(t.workspaceId)],
)

/** Outgoing mail. Sent through SMTP_URL when configured, otherwise written to the log. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: id(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    kind: text('kind').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Not tried before this time (a retry's backoff, or the lease of a send in progress); null: due now. */
    nextAttemptAt: timestamp('next_attempt_at'),
    sentAt: timestamp('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [index('outbox_pending_idx').on(t.sentAt)],
)

export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: id(),
    workspaceId: text('workspace_id'),
    actorUserId: text('actor_user_id'),
    actorKeyId: text('actor_key_id'),
    credential: text('credential'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: text('ip'),
    meta: text('meta', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('audit_events_ws_idx').on(t.workspaceId, t.id)],
)

/**
 * Sign-in provider identities (OpenID Connect): one (`issuer`, `subject`) belongs to one user. A user
 * may have several; `provider` is the configured name the identity was linked through.
 */
export const userIdentities = sqliteTable(
  'user_identities',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    /** The address the provider reported when the identity was linked or last used (display only). */
    email: text('email'),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at'),
  },
  (t) => [uniqueIndex('user_identities_issuer_subject_uq').on(t.issuer, t.subject), index('user_identities_user_idx').on(t.userId)],
)
